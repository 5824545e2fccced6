"""Activation primitives of ``nn.functional`` beyond the basic unary ones (relu, sigmoid
and tanh live in ``unary.py``): leaky/parametric ReLU, the ELU family, GELU, SiLU,
Mish, the hard* functions, softplus, log-sigmoid, the shrinks, threshold and GLU.

Each saves its input (never a derived intermediate), so that when a backward is
itself differentiated (``create_graph=True``) the formula is recomputed from the
input and its own derivative is right.  Backward formulas use only operators and
``xp`` functions that ember's tensor namespace also has.  The grad_fn names are
PyTorch's (``relu6`` is a ``HardtanhBackward0``, ``selu`` an ``EluBackward0``).
"""
from __future__ import annotations

import math

from . import special
from .base import Primitive, array_module, unbroadcast

__all__ = ["LeakyRelu", "Elu", "Celu", "Gelu", "Silu", "Mish", "Hardtanh", "Hardswish", "Hardsigmoid",
           "Softplus", "LogSigmoid", "Softshrink", "Hardshrink", "Threshold", "Glu", "Prelu"]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715
_SIXTH_F32 = 0.1666666716337204  # float32(1/6)


def _erf(xp, a):
    """erf on arrays (ember's own fit) or on tensors (the differentiable ember.erf)."""
    f = getattr(xp, "erf", None)
    return f(a) if f is not None else special.erf(a)


def _sigmoid(xp, a):
    """1 / (1 + e^-a) without overflow: e^-|a| never exceeds 1."""
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


def _softplus0(xp, a):
    """log(1 + e^a), stable for any a: max(a, 0) + log1p(e^-|a|)."""
    return xp.clip(a, 0, None) + xp.log1p(xp.exp(-xp.abs(a)))


class _Act(Primitive):
    """Elementwise activation with options: ``f(xp, a, **opts)`` and
    ``df(xp, a, g, **opts)`` (the input gradient); options are kept on ctx."""

    @classmethod
    def forward(cls, ctx, a, **opts):
        ctx.save(a)
        ctx.opts = opts
        return cls.f(array_module(a), a, **opts)

    @classmethod
    def backward(cls, ctx, g):
        a, = ctx.saved
        return cls.df(array_module(g), a, g, **ctx.opts)


class LeakyRelu(_Act):
    name = "LeakyRelu"

    @staticmethod
    def f(xp, a, slope):
        return xp.where(a > 0, a, a * slope)

    @staticmethod
    def df(xp, a, g, slope):
        # d/da = 1 for a > 0, else slope
        return xp.where(a > 0, g, g * slope)


class Elu(_Act):
    """scale * (a if a > 0 else alpha * (e^(input_scale a) - 1)): elu, and selu
    (alpha, scale fixed)."""
    name = "Elu"

    @staticmethod
    def f(xp, a, alpha, scale, input_scale):
        neg = xp.expm1(xp.clip(a, None, 0) * input_scale) * (alpha * scale)
        return xp.where(a > 0, a * scale, neg)

    @staticmethod
    def df(xp, a, g, alpha, scale, input_scale):
        # d/da = scale for a > 0, else scale * alpha * input_scale * e^(input_scale a)
        e = xp.exp(xp.clip(a, None, 0) * input_scale) * (alpha * scale * input_scale)
        return xp.where(a > 0, g * scale, g * e)


class Celu(Elu):
    """max(0, a) + min(0, alpha (e^(a/alpha) - 1)): an ELU with input_scale 1/alpha."""
    name = "Celu"


class Gelu(_Act):
    """a * Phi(a) (approximate='none', exact erf) or the tanh approximation."""
    name = "Gelu"

    @staticmethod
    def f(xp, a, approximate):
        if approximate == "tanh":
            inner = (a + a * a * a * _GELU_C) * _SQRT_2_OVER_PI
            return a * (xp.tanh(inner) + 1) * 0.5
        return a * (_erf(xp, a * _SQRT_HALF) + 1) * 0.5

    @staticmethod
    def df(xp, a, g, approximate):
        if approximate == "tanh":
            # y = a/2 (1 + t), t = tanh(u), u = sqrt(2/pi) (a + c a^3):
            # dy/da = (1 + t)/2 + a/2 (1 - t^2) sqrt(2/pi) (1 + 3 c a^2)
            t = xp.tanh((a + a * a * a * _GELU_C) * _SQRT_2_OVER_PI)
            du = (a * a * (3 * _GELU_C) + 1) * _SQRT_2_OVER_PI
            return g * ((t + 1) * 0.5 + a * 0.5 * (1 - t * t) * du)
        # d (a Phi(a)) = Phi(a) + a phi(a), phi the standard normal density
        cdf = (_erf(xp, a * _SQRT_HALF) + 1) * 0.5
        pdf = xp.exp(a * a * -0.5) * _INV_SQRT_2PI
        return g * (cdf + a * pdf)


class Silu(_Act):
    name = "Silu"

    @staticmethod
    def f(xp, a):
        return a * _sigmoid(xp, a)

    @staticmethod
    def df(xp, a, g):
        # d (a s(a)) = s (1 + a (1 - s))
        s = _sigmoid(xp, a)
        return g * (s * (a * (1 - s) + 1))


class Mish(_Act):
    name = "Mish"

    @staticmethod
    def f(xp, a):
        return a * xp.tanh(_softplus0(xp, a))

    @staticmethod
    def df(xp, a, g):
        # d (a tanh(sp(a))) = tanh(sp) + a s(a) (1 - tanh(sp)^2)
        t = xp.tanh(_softplus0(xp, a))
        return g * (t + a * _sigmoid(xp, a) * (1 - t * t))


class Hardtanh(_Act):
    """clamp(a, min_val, max_val); relu6 is hardtanh(0, 6)."""
    name = "Hardtanh"

    @staticmethod
    def f(xp, a, lo, hi):
        return xp.clip(a, lo, hi)

    @staticmethod
    def df(xp, a, g, lo, hi):
        # d/da = 1 strictly inside (lo, hi), else 0
        return xp.where((a > lo) & (a < hi), g, 0)


class Hardswish(_Act):
    name = "Hardswish"

    @staticmethod
    def f(xp, a):
        return a * xp.clip(a + 3, 0, 6) / 6

    @staticmethod
    def df(xp, a, g):
        # d/da = 0 for a <= -3, a/3 + 1/2 strictly inside (-3, 3), 1 from 3 on (PyTorch's edges)
        mid = g * (a / 3 + 0.5)
        return xp.where(a <= -3, 0, xp.where(a < 3, mid, g))


class Hardsigmoid(_Act):
    name = "Hardsigmoid"

    @staticmethod
    def f(xp, a):
        return xp.clip(a + 3, 0, 6) / 6

    @staticmethod
    def df(xp, a, g):
        # d/da = 1/6 strictly inside (-3, 3), else 0 (1/6 rounded to float32, as PyTorch's
        # kernel has it even for float64)
        return xp.where((a > -3) & (a < 3), g * _SIXTH_F32, 0)


class Softplus(_Act):
    """log(1 + e^(beta a)) / beta, and a itself where beta a > threshold."""
    name = "Softplus"

    @staticmethod
    def f(xp, a, beta, threshold):
        z = a * beta
        return xp.where(z > threshold, a, _softplus0(xp, z) / beta)

    @staticmethod
    def df(xp, a, g, beta, threshold):
        # d/da = sigmoid(beta a) below the threshold, 1 above
        z = a * beta
        return xp.where(z > threshold, g, g * _sigmoid(xp, z))


class LogSigmoid(_Act):
    name = "LogSigmoid"

    @staticmethod
    def f(xp, a):
        # log s(a) = -softplus(-a) = min(a, 0) - log1p(e^-|a|)
        return xp.clip(a, None, 0) - xp.log1p(xp.exp(-xp.abs(a)))

    @staticmethod
    def df(xp, a, g):
        # d log s(a) = 1 - s(a) = s(-a)
        return g * _sigmoid(xp, -a)


class Softshrink(_Act):
    name = "Softshrink"

    @staticmethod
    def f(xp, a, lambd):
        return xp.where(a > lambd, a - lambd, xp.where(a < -lambd, a + lambd, 0))

    @staticmethod
    def df(xp, a, g, lambd):
        # d/da = 1 outside [-lambd, lambd], else 0
        return xp.where((a >= -lambd) & (a <= lambd), 0, g)


class Hardshrink(_Act):
    name = "Hardshrink"

    @staticmethod
    def f(xp, a, lambd):
        return xp.where((a >= -lambd) & (a <= lambd), 0, a)

    @staticmethod
    def df(xp, a, g, lambd):
        # d/da = 1 outside [-lambd, lambd], else 0
        return xp.where((a >= -lambd) & (a <= lambd), 0, g)


class Threshold(_Act):
    """a where a > threshold, else value."""
    name = "Threshold"

    @staticmethod
    def f(xp, a, threshold, value):
        return xp.where(a > threshold, a, value)

    @staticmethod
    def df(xp, a, g, threshold, value):
        # d/da = 1 where a > threshold, else 0
        return xp.where(a > threshold, g, 0)


class Glu(Primitive):
    """a * sigmoid(b), a and b the two halves of the input along ``dim``."""
    name = "Glu"

    @staticmethod
    def forward(ctx, x, dim):
        xp = array_module(x)
        ctx.save(x)
        ctx.dim = dim
        a, b = xp.split(x, 2, axis=dim)
        return a * _sigmoid(xp, b)

    @staticmethod
    def backward(ctx, g):
        # y = a s(b): dy/da = s(b) ; dy/db = a s(b) (1 - s(b)); the two halves concatenated
        x, = ctx.saved
        xp = array_module(g)
        a, b = xp.split(x, 2, axis=ctx.dim)
        s = _sigmoid(xp, b)
        return xp.concatenate([g * s, g * a * s * (1 - s)], axis=ctx.dim)


class Prelu(Primitive):
    """a for a > 0, else w * a; ``w`` (one weight, or one per channel) arrives already
    shaped to broadcast against a (channels on axis 1)."""
    name = "PreluKernel"

    @staticmethod
    def forward(ctx, a, w):
        ctx.save(a, w)
        return array_module(a).where(a > 0, a, a * w)

    @staticmethod
    def backward(ctx, g):
        # dy/da = 1 (a > 0) or w ; dy/dw = a where a <= 0, summed over the broadcast axes
        a, w = ctx.saved
        xp = array_module(g)
        pos = a > 0
        ga = xp.where(pos, g, g * w) if ctx.needs_input_grad[0] else None
        gw = unbroadcast(xp.where(pos, 0, g * a), w.shape) if ctx.needs_input_grad[1] else None
        return ga, gw
