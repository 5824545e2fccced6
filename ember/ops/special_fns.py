"""Elementwise special functions of ``torch.special`` that ember had no primitive
for: sinc, entr, i0, erfcx, log_ndtr, ndtri and xlog1py.

float16 / float32 inputs are computed in float32 or float64 as noted and returned
in their own dtype.  Backward formulas use only operators and ``xp`` calls (or the
xp-only helpers here), so they also run on tensors (``create_graph=True``).
The tails use ember's erfc fit (``ops/special.py``): erfc(z) = exp(-z^2) t P(2t - 1)
with t = 2 / (2 + z), so erfcx(z) = erfc(z) exp(z^2) = t P(2t - 1) for z >= 0.
"""
from __future__ import annotations

import math

from .base import Primitive, array_module, unbroadcast
from .special import _ERFC_POLY, _horner, erfc, erfinv

__all__ = ["Sinc", "Entr", "I0", "Erfcx", "LogNdtr", "Ndtri", "Xlog1py", "i1_array"]

_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _f64(a, xp):
    return a.astype(xp.float64) if a.dtype != xp.float64 else a


class Sinc(Primitive):
    """sin(pi x) / (pi x), 1 at 0 (computed in x's dtype, as PyTorch)."""
    name = "Sinc"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        ctx.save(a)
        pa = a * math.pi
        zero = a == 0
        with _quiet(xp):  # sin(inf) is NaN, as in PyTorch
            return xp.where(zero, 1.0, xp.sin(pa) / xp.where(zero, 1.0, pa)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # d sinc(x)/dx = (cos(pi x) - sinc(x)) / x = (pi x cos(pi x) - sin(pi x)) / (pi x^2); 0 at x = 0
        a, = ctx.saved
        xp = array_module(g)
        zero = a == 0
        safe = xp.where(zero, 1.0, a)
        pa = safe * math.pi
        d = (pa * xp.cos(pa) - xp.sin(pa)) / (pa * safe)
        return g * xp.where(zero, 0.0, d)


class Entr(Primitive):
    """-x log x for x > 0, 0 at 0, -inf for x < 0 (NaN stays NaN)."""
    name = "SpecialEntr"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        ctx.save(a)
        pos = a > 0
        with _quiet(xp):  # inf * log(inf)
            r = xp.where(pos, -a * xp.log(xp.where(pos, a, 1.0)), xp.where(a == 0, 0.0, -xp.inf))
        return xp.where(xp.isnan(a), a, r).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # d(-x log x)/dx = -(1 + log x)  (inf at 0, NaN for x < 0, as PyTorch)
        a, = ctx.saved
        return g * -(xp_log(array_module(g), a) + 1.0)


def xp_log(xp, a):
    """log(a) with NaN for negative a and no NumPy warning."""
    pos = a >= 0
    with _quiet(xp):
        return xp.where(pos, xp.log(xp.where(pos, a, 1.0)), math.nan)


def i1_array(a, xp):
    """The modified Bessel function I1 by its power series sum_k (x/2)^(2k+1) / (k! (k+1)!),
    in xp operations only (so it runs on tensors too).  Every term is positive, so no
    cancellation; the terms peak near k = |x| / 2 and the sum stops well past it."""
    m = float(xp.max(xp.abs(a))) if math.prod(a.shape) else 0.0
    if not math.isfinite(m):
        m = 800.0
    terms = int(m / 2 + 7 * math.sqrt(m + 1) + 30)
    q = a * a * 0.25
    t = a * 0.5
    s = t
    for k in range(terms):
        t = t * q / float((k + 1) * (k + 2))
        s = s + t
    return s


class I0(Primitive):
    """The modified Bessel function of the first kind, order 0 (NumPy's Chebyshev fit)."""
    name = "I0"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        ctx.save(a)
        with _quiet(xp):  # NumPy's i0 divides by x in its tail branch (inf, NaN inputs)
            return xp.i0(a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # d I0(x)/dx = I1(x)
        a, = ctx.saved
        return g * i1_array(a, array_module(g))


def _erfcx_pos(z, xp):
    """erfc(z) exp(z^2) for z >= 0 (float64)."""
    t = 2.0 / (2.0 + z)
    return _horner(_ERFC_POLY, 2.0 * t - 1.0, xp) * t


def _erfcx(a, xp):
    """erfcx(a) in float64: the fit for a >= 0, 2 exp(a^2) - erfcx(-a) below."""
    z = _f64(a, xp)
    az = xp.abs(z)
    az = xp.where(xp.isnan(az), 0.0, az)
    pos = _erfcx_pos(xp.minimum(az, 1e300), xp)
    with _quiet(xp):
        neg = 2.0 * xp.exp(z * z) - pos
    r = xp.where(z >= 0, pos, neg)
    r = xp.where(z == xp.inf, 0.0, r)
    return xp.where(xp.isnan(z), z, r)


def _quiet(xp):
    import contextlib
    errstate = getattr(xp, "errstate", None)
    return errstate(over="ignore", invalid="ignore", divide="ignore") if errstate else contextlib.nullcontext()


class Erfcx(Primitive):
    """The scaled complementary error function erfc(x) exp(x^2) (float64 inside)."""
    name = "SpecialErfcx"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        y = _erfcx(a, xp).astype(a.dtype, copy=False)
        ctx.save(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d erfcx(x)/dx = 2 x erfcx(x) - 2 / sqrt(pi)
        a, y = ctx.saved
        return g * (2.0 * a * y - _TWO_OVER_SQRT_PI)


def log_ndtr_array(a, xp):
    """log Phi(a) in float64: log1p(-erfc(a / sqrt 2) / 2) for a >= -1 (no loss where
    Phi is near 1); log(erfcx(z) / 2) - z^2 with z = -a / sqrt 2 below (no underflow)."""
    x = _f64(a, xp)
    z = -x / _SQRT2
    upper = x >= -1.0
    zu = xp.where(upper, -z, 0.0)           # a / sqrt 2 >= -1 / sqrt 2 where used
    hi = xp.log1p(-0.5 * erfc(zu))
    zl = xp.where(upper, 1.0, xp.where(xp.isnan(z), 1.0, z))
    lo = xp.log(0.5 * _erfcx_pos(xp.minimum(zl, 1e300), xp)) - zl * zl
    r = xp.where(upper, hi, lo)
    return xp.where(xp.isnan(x), x, r)


class LogNdtr(Primitive):
    """log of the standard normal CDF, accurate far into both tails."""
    name = "SpecialLogNdtr"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        y = log_ndtr_array(a, xp).astype(a.dtype, copy=False)
        ctx.save(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d log Phi(x)/dx = phi(x) / Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi)
        a, y = ctx.saved
        xp = array_module(g)
        return g * xp.exp(-0.5 * a * a - y - _LOG_SQRT_2PI)


def _ndtri_lower(q, xp):
    """The standard normal quantile for q in (0, 0.5] (float64): a start from erfinv
    (or the tail's asymptote for tiny q), then Newton steps on log Phi(x) = log q, which
    converge quadratically in the tails as in the centre."""
    tiny = q < 1e-10
    x = _SQRT2 * erfinv(xp.where(tiny, 0.25, q) * 2.0 - 1.0)
    lq = xp.log(q)
    t = -2.0 * xp.log(xp.where(tiny, q, 1e-20))
    x_tail = -xp.sqrt(t - xp.log(t) - math.log(2.0 * math.pi))
    x = xp.where(tiny, x_tail, x)
    for _ in range(4):
        lp = log_ndtr_array(x, xp)
        # x -= (log Phi(x) - log q) / (phi(x) / Phi(x))
        x = x - (lp - lq) * xp.exp(0.5 * x * x + lp + _LOG_SQRT_2PI)
    return x


class Ndtri(Primitive):
    """The inverse of the standard normal CDF: -inf at 0, inf at 1, NaN outside [0, 1]."""
    name = "SpecialNdtri"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        p = _f64(a, xp)
        q = xp.minimum(p, 1.0 - p)              # 1 - p is exact for p >= 0.5
        inside = (q > 0) & (p <= 1)
        x = _ndtri_lower(xp.where(inside, q, 0.25), xp)
        x = xp.where(p > 0.5, -x, x)
        edge = xp.where(p == 0, -xp.inf, xp.where(p == 1, xp.inf, xp.nan))
        y = xp.where(inside, x, edge).astype(a.dtype, copy=False)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d ndtri(p)/dp = 1 / phi(x) = sqrt(2 pi) exp(x^2 / 2)
        y, = ctx.saved
        xp = array_module(g)
        return g * (_SQRT_2PI * xp.exp(0.5 * y * y))


class Xlog1py(Primitive):
    """x log(1 + y), 0 where x == 0 (unless y is NaN); both tensors, broadcast."""
    name = "SpecialXlog1py"

    @staticmethod
    def forward(ctx, x, y):
        xp = array_module(x)
        ctx.save(x, y)
        safe = xp.where(x == 0, 0.0, y)
        r = xp.where(x == 0, 0.0, x * xp.log1p(safe))
        return xp.where(xp.isnan(y), y, r)

    @staticmethod
    def backward(ctx, g):
        # d/dx = log1p(y) (0 where x == 0, as PyTorch's xlog1py(x != 0, y)) ; d/dy = x / (1 + y)
        x, y = ctx.saved
        xp = array_module(g)
        gx = gy = None
        if ctx.needs_input_grad[0]:
            nz = x != 0
            d = xp.where(nz, xp.log1p(xp.where(nz, y, 0.0)), 0.0)
            gx = unbroadcast(g * xp.where(xp.isnan(y), y, d), x.shape)
        if ctx.needs_input_grad[1]:
            gy = unbroadcast(g * x / (y + 1.0), y.shape)
        return gx, gy
