"""Elementwise primitives: arithmetic, unary math, casts and device copies.

Each class states forward and backward side by side.  Binary ops broadcast; their
backward undoes it with ``unbroadcast``.  The second operand of a binary op may be a
Python scalar (never differentiated).  Backward formulas use only ``xp`` functions
and operators, so they also run on tensors when a backward is differentiated.
"""
from __future__ import annotations

import math

from .base import Primitive, array_module, unbroadcast

__all__ = ["Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Sigmoid", "Tanh", "Relu",
           "Cast", "ToDevice", "Clone"]


def _shape(x):
    """Shape of an array operand, None for a Python scalar."""
    return getattr(x, "shape", None)


class Add(Primitive):
    """a + alpha * b."""
    name = "Add"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        return a + b if alpha == 1 else a + alpha * b

    @staticmethod
    def backward(ctx, g):
        # d/da = g ; d/db = alpha * g  (each summed back to its input's shape)
        sa, sb = ctx.shapes
        ga = unbroadcast(g, sa) if sa is not None else None
        gb = None
        if sb is not None and ctx.needs_input_grad[1]:
            gb = unbroadcast(g if ctx.alpha == 1 else g * ctx.alpha, sb)
        return ga, gb


class Sub(Primitive):
    """a - alpha * b."""
    name = "Sub"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        return a - b if alpha == 1 else a - alpha * b

    @staticmethod
    def backward(ctx, g):
        # d/da = g ; d/db = -alpha * g
        sa, sb = ctx.shapes
        ga = unbroadcast(g, sa) if sa is not None else None
        gb = unbroadcast(-g if ctx.alpha == 1 else g * (-ctx.alpha), sb) if sb is not None else None
        return ga, gb


class Mul(Primitive):
    name = "Mul"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        # d(ab)/da = b ; d(ab)/db = a
        a, b = ctx.saved
        ga = unbroadcast(g * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Primitive):
    """True division a / b."""
    name = "Div"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        # d(a/b)/da = 1/b ; d(a/b)/db = -a/b^2
        a, b = ctx.saved
        ga = unbroadcast(g / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(-g * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Primitive):
    name = "Neg"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Primitive):
    """a ** b, b a tensor or a Python scalar."""
    name = "Pow"

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        ctx.save(a, b)
        return xp.power(a, b)

    @staticmethod
    def backward(ctx, g):
        # d(a^b)/da = b a^(b-1) ; d(a^b)/db = a^b ln a  (0 where a == 0, as PyTorch)
        a, b = ctx.saved
        xp = array_module(g)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            if _shape(b) is None and b == 0:
                ga = g * 0
            else:
                ga = unbroadcast(g * b * xp.power(a, b - 1), a.shape)
        if _shape(b) is not None and ctx.needs_input_grad[1]:
            y = xp.power(a, b)
            if _shape(a) is None:  # scalar base: a Python float keeps float32 float32
                gb = g * y * math.log(a) if a > 0 else g * 0
            else:
                safe = xp.where(a == 0, 1, a)
                gb = unbroadcast(xp.where(a == 0, 0, g * y * xp.log(safe)), b.shape)
        return ga, gb


class Exp(Primitive):
    name = "Exp"

    @staticmethod
    def forward(ctx, a):
        y = array_module(a).exp(a)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d e^a / da = e^a (the saved output)
        y, = ctx.saved
        return g * y


class Log(Primitive):
    name = "Log"

    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return array_module(a).log(a)

    @staticmethod
    def backward(ctx, g):
        # d ln a / da = 1 / a
        a, = ctx.saved
        return g / a


class Sigmoid(Primitive):
    name = "Sigmoid"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        # 1/(1+e^-a), written to avoid overflow of e^-a for very negative a
        e = xp.exp(-xp.abs(a))
        y = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d sigma/da = sigma (1 - sigma)
        y, = ctx.saved
        return g * y * (1 - y)


class Tanh(Primitive):
    name = "Tanh"

    @staticmethod
    def forward(ctx, a):
        y = array_module(a).tanh(a)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d tanh/da = 1 - tanh^2
        y, = ctx.saved
        return g * (1 - y * y)


class Relu(Primitive):
    name = "Relu"

    @staticmethod
    def forward(ctx, a):
        y = array_module(a).maximum(a, 0)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d relu/da = 1 where the output is positive, else 0
        y, = ctx.saved
        return g * (y > 0)


class Cast(Primitive):
    """Change dtype; the gradient is cast back to the input's dtype."""
    name = "ToCopy"

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.in_dtype), None


class ToDevice(Primitive):
    """Copy to another device; the gradient is copied back."""
    name = "ToCopy"

    @staticmethod
    def forward(ctx, a, device):
        from ..backend.device import device_module, device_of
        ctx.src = device_of(a)
        if device.type == "cpu":
            return a.get()
        xp = device_module(device)
        with xp.cuda.Device(device.index or 0):
            return xp.asarray(a)

    @staticmethod
    def backward(ctx, g):
        from ..backend.device import device_module
        src = ctx.src
        if src.type == "cpu":
            return (g.get() if hasattr(g, "get") else g), None
        xp = device_module(src)
        return xp.asarray(g), None


class Clone(Primitive):
    name = "Clone"

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g
