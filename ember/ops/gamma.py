"""The gamma family as primitives: ``Lgamma`` (log |Gamma(x)|), ``Digamma``
(psi = d lgamma / dx) and ``Polygamma`` (the n-th derivative of psi).

NumPy has no gamma functions, so the series are written here, on ``xp`` arrays
(NumPy or CuPy), in float64 whatever the input dtype, then cast back:

* lgamma: the Lanczos approximation (g = 7, 9 terms, ~1e-15) for x >= 0.5 and the
  reflection log(pi / |sin(pi x)|) - lgamma(1 - x) below (the sine taken of x's
  fractional part, so it stays exact for large |x|); +inf at the poles 0, -1, -2, ...
* digamma: PyTorch's algorithm (``calc_digamma``): reflection for x < 0, the
  recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series;
  -inf at +0, +inf at -0, NaN at the negative integers.
* polygamma(1, x): PyTorch's ``calc_trigamma`` (reflection below 0.5 with the sine
  taken in the input's dtype, so its values near the poles are PyTorch's; six
  recurrence steps; a short asymptotic series);
* polygamma(n >= 2, x) = (-1)^(n+1) n! zeta(n + 1, x), with the Hurwitz zeta by
  Cephes' Euler-Maclaurin summation (PyTorch's ``zeta``); for negative non-integer
  x the finite part of the sum is split off so the work stays bounded (PyTorch
  sums term by term from x up, which takes -x steps).

Backward: d lgamma = digamma, d digamma = polygamma(1), d polygamma(n) = polygamma(n + 1);
each formula calls the next primitive through ``run``, so it is differentiable again.
"""
from __future__ import annotations

import math

from .base import Primitive, array_module
from .reduce import quiet
from .shape import run

__all__ = ["Lgamma", "Digamma", "Polygamma", "lgamma_array", "digamma_array", "polygamma_array"]

_PI = math.pi
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _f64(xp, x):
    return x.astype(xp.float64, copy=False)


def _lanczos(xp, x):
    """lgamma for x >= 0.5 (float64)."""
    z = x - 1.0
    a = xp.full(x.shape, _LANCZOS[0], dtype=xp.float64)
    for i in range(1, len(_LANCZOS)):
        a = a + _LANCZOS[i] / (z + i)
    t = z + _LANCZOS_G + 0.5
    return _HALF_LOG_2PI + (z + 0.5) * xp.log(t) - t + xp.log(a)


def lgamma_array(x):
    """log |Gamma(x)| of an array, in x's dtype."""
    xp = array_module(x)
    v = _f64(xp, x)
    with quiet(xp):
        big = xp.where(v >= 0.5, v, 1.0)
        out = _lanczos(xp, xp.where(xp.isinf(big), 1.0, big))
        small = xp.where(v < 0.5, v, 0.25)
        frac = small - xp.floor(small)
        refl = math.log(_PI) - xp.log(xp.abs(xp.sin(_PI * frac))) - _lanczos(xp, 1.0 - small)
        r = xp.where(v >= 0.5, out, refl)
        r = xp.where(xp.isinf(v), xp.inf, r)                   # both infinities give +inf
        r = xp.where((v <= 0) & (frac == 0), xp.inf, r)         # the poles
        r = xp.where((v == 1) | (v == 2), 0.0, r)               # exactly, as C's lgamma
        r = xp.where(xp.isnan(v), v, r)
        return r.astype(x.dtype, copy=False)


_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = (8.33333333333333333333e-2, -2.10927960927960927961e-2, 7.57575757575757575758e-3,
              -4.16666666666666666667e-3, 3.96825396825396825397e-3, -8.33333333333333333333e-3,
              8.33333333333333333333e-2)


def _digamma_pos(xp, v):
    """psi for v > 0 (float64): recurrence up to 10, then the asymptotic series."""
    acc = xp.zeros(v.shape, dtype=xp.float64)
    for _ in range(10):
        low = v < 10
        acc = acc - xp.where(low, 1.0 / xp.where(low, v, 1.0), 0.0)
        v = xp.where(low, v + 1.0, v)
    z = 1.0 / (v * v)
    poly = xp.zeros(v.shape, dtype=xp.float64)
    for c in _DIGAMMA_A:                                      # Cephes' polevl: highest power first
        poly = poly * z + c
    y = xp.where(v < 1.0e17, z * poly, 0.0)
    res = acc + xp.log(v) - 0.5 / v - y
    return xp.where(v == 10, acc + _PSI_10, res)


def digamma_array(x):
    """psi(x) of an array, in x's dtype (PyTorch's special values)."""
    xp = array_module(x)
    v = _f64(xp, x)
    with quiet(xp):
        neg = v < 0
        integer = v == xp.trunc(v)
        r_frac = v - xp.trunc(v)                               # modf's fractional part (<= 0 here)
        pos_arg = xp.where(neg, 1.0 - v, xp.where(v > 0, v, 1.0))
        base = _digamma_pos(xp, pos_arg)
        refl = base - _PI / xp.tan(_PI * r_frac)
        r = xp.where(neg, xp.where(integer, xp.nan, refl), base)
        r = xp.where(v == 0, xp.where(xp.signbit(v), xp.inf, -xp.inf), r)
        r = xp.where(xp.isnan(v), v, r)
        return r.astype(x.dtype, copy=False)


def _trigamma_array(x):
    """PyTorch's calc_trigamma (the reflection's sine in x's own dtype)."""
    xp = array_module(x)
    v = _f64(xp, x)
    with quiet(xp):
        low = v < 0.5
        low_dt = xp.float32 if x.dtype == xp.float16 else x.dtype   # half is computed in float, as PyTorch
        pi_t = xp.asarray(_PI, dtype=low_dt)
        s = _f64(xp, xp.sin(pi_t * x.astype(low_dt, copy=False)))
        result = xp.where(low, -(_PI * _PI) / (s * s), 0.0)
        sign = xp.where(low, -1.0, 1.0)
        v = xp.where(low, 1.0 - v, v)
        for _ in range(6):
            result = result + 1.0 / (v * v)
            v = v + 1.0
        ixx = 1.0 / (v * v)
        result = result + (1.0 + 1.0 / (2.0 * v) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / v
        r = sign * result
        return r.astype(x.dtype, copy=False)


_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)
_MACHEP = 1.11022302462515654042e-16


def _zeta_pos(xp, s: float, q):
    """Hurwitz zeta(s, q) = sum_k (q + k)^-s for q > 0 and an integer s >= 2 (Cephes)."""
    total = q ** -s
    a = q.copy()
    b = xp.zeros_like(q)
    done = xp.zeros(q.shape, dtype=bool)
    i = 0
    while True:
        cont = (~done) & ((i < 9) | (a <= 9.0))
        if not bool(cont.any()):
            break
        i += 1
        a = xp.where(cont, a + 1.0, a)
        bn = a ** -s
        b = xp.where(cont, bn, b)
        total = xp.where(cont, total + bn, total)
        done = done | (cont & (xp.abs(bn / total) < _MACHEP))
    w = a
    tail = total + b * w / (s - 1.0) - 0.5 * b
    aa = xp.ones_like(q)
    k = 0.0
    stop = done.copy()
    for j in range(12):
        aa = aa * (s + k)
        b = b / w
        t = aa * b / _ZETA_A[j]
        tail = xp.where(stop, tail, tail + t)
        stop = stop | (xp.abs(t / tail) < _MACHEP)
        k += 1.0
        aa = aa * (s + k)
        b = b / w
        k += 1.0
    return xp.where(done, total, tail)


def _zeta(xp, s: float, q):
    """Hurwitz zeta for any q: +inf at q = 0, -1, -2, ...; for a negative non-integer
    q = r - K (0 < r < 1) the K terms below zero are split off:
    zeta(s, q) = zeta(s, r) + (-1)^s (zeta(s, 1 - r) - zeta(s, 1 - r + K))."""
    neg = q <= 0
    pole = neg & (q == xp.floor(q))
    r = q - xp.floor(q)                                     # in [0, 1)
    K = -xp.floor(q)
    qpos = xp.where(neg, xp.where(r > 0, r, 0.5), q)
    out = _zeta_pos(xp, s, qpos)
    if bool((neg & ~pole).any()):
        r1 = xp.where(neg & ~pole, 1.0 - r, 0.5)
        lead = _zeta_pos(xp, s, r1) - _zeta_pos(xp, s, r1 + xp.where(neg & ~pole, K, 0.0))
        sgn = 1.0 if int(s) % 2 == 0 else -1.0
        out = xp.where(neg & ~pole, out + sgn * lead, out)
    out = xp.where(pole, xp.inf, out)
    return xp.where(xp.isnan(q), q, out)


def polygamma_array(n: int, x):
    """psi^(n)(x) of an array, in x's dtype."""
    if n == 0:
        return digamma_array(x)
    if n == 1:
        return _trigamma_array(x)
    xp = array_module(x)
    v = _f64(xp, x)
    with quiet(xp):
        inf_pos = xp.isposinf(v)
        z = _zeta(xp, float(n + 1), xp.where(inf_pos, 1.0, v))
        z = xp.where(inf_pos, xp.nan, z)                     # Cephes: inf * 0 in the tail
        fact = math.exp(math.lgamma(n + 1.0))
        r = (1.0 if n % 2 else -1.0) * fact * z
        return r.astype(x.dtype, copy=False)


class Lgamma(Primitive):
    name = "Lgamma"

    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return lgamma_array(a)

    @staticmethod
    def backward(ctx, g):
        # d lgamma(x) / dx = digamma(x)
        a, = ctx.saved
        return g * run(Digamma, a)


class Digamma(Primitive):
    name = "Digamma"

    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return digamma_array(a)

    @staticmethod
    def backward(ctx, g):
        # d digamma(x) / dx = polygamma(1, x)
        a, = ctx.saved
        return g * run(Polygamma, a, 1)


class Polygamma(Primitive):
    name = "Polygamma"

    @staticmethod
    def forward(ctx, a, n):
        ctx.save(a)
        ctx.n = n
        return polygamma_array(n, a)

    @staticmethod
    def backward(ctx, g):
        # d polygamma(n, x) / dx = polygamma(n + 1, x)
        a, = ctx.saved
        return g * run(Polygamma, a, ctx.n + 1), None
