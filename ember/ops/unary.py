"""Unary elementwise primitives: exp/log family, roots, trigonometric and hyperbolic
functions, activations, signs, rounding, the error function.

Where the derivative is a function of the output (exp, sqrt, tanh, sigmoid, ...) the
output is saved, not the input.  Backward formulas use only operators and ``xp``
calls, so they run on tensors too (``create_graph=True``).

The hot ones (neg, exp, log, tanh, sigmoid, relu) compute through ``par``/``par_chunks``
(backend/parallel.py): the same ufuncs, split over threads for large NumPy arrays.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np  # ufunc names for par(); arrays of other modules are dispatched by par

from . import special
from ..backend.parallel import par, par_chunks
from .base import Primitive, array_module

__all__ = ["Neg", "Abs", "Exp", "Exp2", "Log", "Log2", "Log10", "Log1p", "Expm1", "Sqrt", "Rsqrt", "Sin",
           "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Tanh", "Asinh", "Acosh", "Atanh", "Sigmoid",
           "Relu", "Sign", "Sgn", "Reciprocal", "Floor", "Ceil", "Round", "RoundDecimals", "Trunc", "Frac",
           "Erf", "Erfc", "Erfinv", "NanToNum", "Logit", "Deg2rad", "Rad2deg"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0


class _OfInput(Primitive):
    """A unary op whose backward reads its input: subclasses give ``f(xp, a)`` and
    ``df(xp, a, g)`` (the gradient, already multiplied by g)."""

    @classmethod
    def forward(cls, ctx, a):
        ctx.save(a)
        return cls.f(array_module(a), a)

    @classmethod
    def backward(cls, ctx, g):
        a, = ctx.saved
        return cls.df(array_module(g), a, g)


class _OfOutput(Primitive):
    """A unary op whose backward reads its output: ``df(xp, y, g)``."""

    @classmethod
    def forward(cls, ctx, a):
        y = cls.f(array_module(a), a)
        ctx.save(y)
        return y

    @classmethod
    def backward(cls, ctx, g):
        y, = ctx.saved
        return cls.df(array_module(g), y, g)


class _Flat(Primitive):
    """Piecewise-constant ops (floor, sign, ...): the gradient is zero."""

    @classmethod
    def forward(cls, ctx, a):
        return cls.f(array_module(a), a)

    @staticmethod
    def backward(ctx, g):
        return array_module(g).zeros_like(g)


class Neg(Primitive):
    name = "Neg"

    @staticmethod
    def forward(ctx, a):
        return par(np.negative, a)

    @staticmethod
    def backward(ctx, g):
        return par(np.negative, g)


class Abs(_OfInput):
    name = "Abs"
    f = staticmethod(lambda xp, a: xp.abs(a))
    df = staticmethod(lambda xp, a, g: g * xp.sign(a))            # d|a| = sgn(a), 0 at 0


class Exp(Primitive):
    name = "Exp"

    @staticmethod
    def forward(ctx, a):
        y = par(np.exp, a)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d e^a / da = e^a (the saved output)
        y, = ctx.saved
        return par(np.multiply, g, y)


class Exp2(_OfOutput):
    name = "Exp2"
    f = staticmethod(lambda xp, a: xp.exp2(a))
    df = staticmethod(lambda xp, y, g: g * (y * _LN2))             # d 2^a = 2^a ln 2


class Expm1(_OfOutput):
    name = "Expm1"
    f = staticmethod(lambda xp, a: xp.expm1(a))
    df = staticmethod(lambda xp, y, g: g * (y + 1))                # d (e^a - 1) = e^a


class Log(Primitive):
    name = "Log"

    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return par(np.log, a)

    @staticmethod
    def backward(ctx, g):
        # d ln a / da = 1 / a
        a, = ctx.saved
        return par(np.true_divide, g, a)


class Log2(_OfInput):
    name = "Log2"
    f = staticmethod(lambda xp, a: xp.log2(a))
    df = staticmethod(lambda xp, a, g: g / (a * _LN2))             # 1 / (a ln 2)


class Log10(_OfInput):
    name = "Log10"
    f = staticmethod(lambda xp, a: xp.log10(a))
    df = staticmethod(lambda xp, a, g: g / (a * _LN10))            # 1 / (a ln 10)


class Log1p(_OfInput):
    name = "Log1P"
    f = staticmethod(lambda xp, a: xp.log1p(a))
    df = staticmethod(lambda xp, a, g: g / (a + 1))                # 1 / (1 + a)


class Sqrt(Primitive):
    name = "Sqrt"

    @staticmethod
    def forward(ctx, a):
        y = array_module(a).sqrt(a)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d sqrt(a)/da = 1 / (2 sqrt a)
        y, = ctx.saved
        return g / (y * 2)


class Rsqrt(_OfOutput):
    name = "Rsqrt"
    f = staticmethod(lambda xp, a: 1 / xp.sqrt(a))
    df = staticmethod(lambda xp, y, g: g * (y * y * y) * -0.5)     # d a^(-1/2) = -1/2 a^(-3/2)


class Reciprocal(_OfOutput):
    name = "Reciprocal"
    f = staticmethod(lambda xp, a: 1 / a)
    df = staticmethod(lambda xp, y, g: -g * (y * y))               # d 1/a = -1/a^2


class Sin(_OfInput):
    name = "Sin"
    f = staticmethod(lambda xp, a: xp.sin(a))
    df = staticmethod(lambda xp, a, g: g * xp.cos(a))


class Cos(_OfInput):
    name = "Cos"
    f = staticmethod(lambda xp, a: xp.cos(a))
    df = staticmethod(lambda xp, a, g: g * -xp.sin(a))


class Tan(_OfOutput):
    name = "Tan"
    f = staticmethod(lambda xp, a: xp.tan(a))
    df = staticmethod(lambda xp, y, g: g * (y * y + 1))            # d tan = 1 + tan^2


class Asin(_OfInput):
    name = "Asin"
    f = staticmethod(lambda xp, a: xp.arcsin(a))
    df = staticmethod(lambda xp, a, g: g / xp.sqrt(1 - a * a))     # 1 / sqrt(1 - a^2)


class Acos(_OfInput):
    name = "Acos"
    f = staticmethod(lambda xp, a: xp.arccos(a))
    df = staticmethod(lambda xp, a, g: -g / xp.sqrt(1 - a * a))    # -1 / sqrt(1 - a^2)


class Atan(_OfInput):
    name = "Atan"
    f = staticmethod(lambda xp, a: xp.arctan(a))
    df = staticmethod(lambda xp, a, g: g / (a * a + 1))            # 1 / (1 + a^2)


class Sinh(_OfInput):
    name = "Sinh"
    f = staticmethod(lambda xp, a: xp.sinh(a))
    df = staticmethod(lambda xp, a, g: g * xp.cosh(a))


class Cosh(_OfInput):
    name = "Cosh"
    f = staticmethod(lambda xp, a: xp.cosh(a))
    df = staticmethod(lambda xp, a, g: g * xp.sinh(a))


class Tanh(Primitive):
    name = "Tanh"

    @staticmethod
    def forward(ctx, a):
        y = par(np.tanh, a)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d tanh/da = 1 - tanh^2
        y, = ctx.saved
        return g * (1 - y * y)


class Asinh(_OfInput):
    name = "Asinh"
    f = staticmethod(lambda xp, a: xp.arcsinh(a))
    df = staticmethod(lambda xp, a, g: g / xp.sqrt(a * a + 1))     # 1 / sqrt(a^2 + 1)


class Acosh(_OfInput):
    name = "Acosh"
    f = staticmethod(lambda xp, a: xp.arccosh(a))
    df = staticmethod(lambda xp, a, g: g / xp.sqrt(a * a - 1))     # 1 / sqrt(a^2 - 1)


class Atanh(_OfInput):
    name = "Atanh"
    f = staticmethod(lambda xp, a: xp.arctanh(a))
    df = staticmethod(lambda xp, a, g: g / (1 - a * a))            # 1 / (1 - a^2)


_EXP_ARG_MAX = {2: 11.0, 4: 88.0, 8: 708.0}  # by itemsize: exp(x) stays finite below these


def _sigmoid_into(t, a):
    # t = 1 / (1 + e^-a) in four in-place passes.  Below a = -88.7 (float32; -709.8 for
    # float64) e^-a overflows to inf and t is exactly 0, PyTorch's value there; the caller
    # silences the overflow warning.  (Flooring a first, as before, cost a fifth pass.)
    xp = array_module(t)
    xp.negative(a, out=t)
    xp.exp(t, out=t)
    t += 1
    xp.divide(1, t, out=t)  # NumPy's float32 divide loop is SIMD, its reciprocal is not (0.28 vs 0.42 ms per 1M)


def _quiet_overflow(xp):
    es = getattr(xp, "errstate", None)
    return es(over="ignore") if es is not None else contextlib.nullcontext()


def _sigmoid(xp, a):
    # float16 is computed in float32 (as PyTorch does), where its whole range is safe.
    if a.dtype.itemsize == 2:
        return _sigmoid(xp, a.astype(xp.float32)).astype(a.dtype)
    if not a.ndim:  # NumPy gives 0-d results as scalars, which have no out=
        return 1 / (1 + xp.exp(-xp.maximum(a, -_EXP_ARG_MAX[a.dtype.itemsize])))
    t = xp.empty_like(a)
    with _quiet_overflow(xp):  # worker threads run in a copy of this context
        if not par_chunks(_sigmoid_into, t, a):  # threads, each pass over a part that stays in cache
            _sigmoid_into(t, a)
    return t


def _sigmoid_grad_into(t, y, g):
    # t = g * (y * (1 - y)) in three in-place passes (the same roundings as the expression)
    xp = array_module(t)
    xp.subtract(1, y, out=t)
    t *= y
    t *= g


class Sigmoid(Primitive):
    name = "Sigmoid"

    @staticmethod
    def forward(ctx, a):
        y = _sigmoid(array_module(a), a)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d sigma/da = sigma (1 - sigma)
        y, = ctx.saved
        if type(g) is np.ndarray and type(y) is np.ndarray and g.shape == y.shape and g.dtype == y.dtype \
                and y.ndim:
            t = np.empty_like(y)
            if not par_chunks(_sigmoid_grad_into, t, y, g):
                _sigmoid_grad_into(t, y, g)
            return t
        return g * (y * (1 - y))


class Relu(Primitive):
    name = "Relu"

    @staticmethod
    def forward(ctx, a):
        y = par(np.maximum, a, 0)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d relu/da = 1 where the output is positive, else 0 (0 at 0, as PyTorch)
        y, = ctx.saved
        return g * (y > 0)


class Erf(_OfInput):
    name = "Erf"
    f = staticmethod(lambda xp, a: special.erf(a))
    df = staticmethod(lambda xp, a, g: g * (xp.exp(-(a * a)) * _TWO_OVER_SQRT_PI))   # 2/sqrt(pi) e^(-a^2)


class Erfc(_OfInput):
    name = "Erfc"
    f = staticmethod(lambda xp, a: special.erfc(a))
    df = staticmethod(lambda xp, a, g: g * (xp.exp(-(a * a)) * -_TWO_OVER_SQRT_PI))


class Erfinv(_OfOutput):
    name = "Erfinv"
    f = staticmethod(lambda xp, a: special.erfinv(a))
    df = staticmethod(lambda xp, y, g: g * (xp.exp(y * y) * _SQRT_PI_OVER_TWO))      # sqrt(pi)/2 e^(y^2)


def _sign(xp, a):
    s = xp.sign(a)
    if a.dtype.kind == "f":
        s = xp.nan_to_num(s, copy=s.ndim == 0)  # PyTorch's sign(nan) is 0 (0-d results are scalars)
    return s


class Sign(_Flat):
    name = "Sign"
    f = staticmethod(_sign)


class Sgn(_Flat):
    name = "Sgn"
    f = staticmethod(_sign)


class Floor(_Flat):
    name = "Floor"
    f = staticmethod(lambda xp, a: xp.floor(a))


class Ceil(_Flat):
    name = "Ceil"
    f = staticmethod(lambda xp, a: xp.ceil(a))


class Trunc(_Flat):
    name = "Trunc"
    f = staticmethod(lambda xp, a: xp.trunc(a))


class Round(_Flat):
    """Round half to even (as PyTorch and NumPy)."""
    name = "Round"
    f = staticmethod(lambda xp, a: xp.round(a))


class RoundDecimals(Primitive):
    """Round to ``decimals`` places: round(a * 10^d) / 10^d, as PyTorch computes it."""
    name = "Round"
    version = 1

    @staticmethod
    def forward(ctx, a, decimals):
        xp = array_module(a)
        if decimals >= 0:
            scale = 10.0 ** decimals
            return xp.round(a * scale) / scale
        scale = 10.0 ** -decimals
        return xp.round(a / scale) * scale

    @staticmethod
    def backward(ctx, g):
        return array_module(g).zeros_like(g), None


class Frac(Primitive):
    """a - trunc(a); d/da = 1."""
    name = "Frac"

    @staticmethod
    def forward(ctx, a):
        return a - array_module(a).trunc(a)

    @staticmethod
    def backward(ctx, g):
        return g


class NanToNum(Primitive):
    """Replace NaN, +inf, -inf by the given finite numbers; d/da = 1 where a is finite."""
    name = "NanToNum"

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        xp = array_module(a)
        ctx.save(a)
        return xp.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved
        xp = array_module(g)
        return xp.where(xp.isfinite(a), g, 0), None, None, None


class Logit(Primitive):
    """log(a / (1 - a)), a first clamped to [eps, 1 - eps] when eps is given."""
    name = "Logit"

    @staticmethod
    def forward(ctx, a, eps):
        xp = array_module(a)
        ctx.save(a)
        ctx.eps = eps
        z = a if eps is None else xp.clip(a, eps, 1 - eps)
        return xp.log(z / (1 - z))

    @staticmethod
    def backward(ctx, g):
        # 1 / (a (1 - a)); 0 outside [eps, 1 - eps] when clamped
        a, = ctx.saved
        xp = array_module(g)
        eps = ctx.eps
        d = g / (a * (1 - a))
        if eps is None:
            return d, None
        return xp.where((a < eps) | (a > 1 - eps), 0, d), None


class Deg2rad(Primitive):
    name = "Deg2Rad"

    @staticmethod
    def forward(ctx, a):
        return a * (math.pi / 180.0)

    @staticmethod
    def backward(ctx, g):
        return g * (math.pi / 180.0)


class Rad2deg(Primitive):
    name = "Rad2Deg"

    @staticmethod
    def forward(ctx, a):
        return a * (180.0 / math.pi)

    @staticmethod
    def backward(ctx, g):
        return g * (180.0 / math.pi)
