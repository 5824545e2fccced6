"""Softmax and log-softmax along one axis, as fused, numerically stable primitives.

Both subtract the row maximum before exponentiating, so inputs of any magnitude
(+-1e4 in float32) give finite results; log_softmax never takes the log of a
rounded-to-zero probability.  Each saves only its output: the gradients are
functions of it.  float16 is computed in float32 and rounded once at the end.
"""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["Softmax", "LogSoftmax"]


def _shifted(xp, a, axis):
    """a - max(a, axis) (a fresh array; rows of all -inf stay nan, as PyTorch's)."""
    if a.dtype.itemsize == 2:
        a = a.astype(xp.float32)
    m = xp.max(a, axis=axis, keepdims=True)
    errstate = getattr(xp, "errstate", None)  # NumPy: inf - inf is nan (and overflow inf), as in PyTorch, without warnings
    if errstate is None:
        return a - m
    with errstate(invalid="ignore", over="ignore"):
        return a - m


class Softmax(Primitive):
    name = "Softmax"

    @staticmethod
    def forward(ctx, a, axis):
        xp = array_module(a)
        if a.ndim == 0:
            axis = None  # a 0-d input has only "dim 0/-1"; CuPy rejects axis=0 on 0-d arrays
        if a.size == 0:
            y = a.copy()
        else:
            y = _shifted(xp, a, axis)
            if y.ndim:
                xp.exp(y, out=y)
                y /= xp.sum(y, axis=axis, keepdims=True)
            else:
                y = xp.exp(y) / xp.exp(y)
            y = y.astype(a.dtype, copy=False)
        ctx.axis = axis
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # y = softmax(a): da = y * (g - sum(g * y, axis))
        y, = ctx.saved
        xp = array_module(g)
        return y * (g - xp.sum(g * y, axis=ctx.axis, keepdims=True))


class LogSoftmax(Primitive):
    name = "LogSoftmax"

    @staticmethod
    def forward(ctx, a, axis):
        xp = array_module(a)
        if a.ndim == 0:
            axis = None  # a 0-d input has only "dim 0/-1"; CuPy rejects axis=0 on 0-d arrays
        if a.size == 0:
            y = a.copy()
        else:
            z = _shifted(xp, a, axis)
            if z.ndim:
                lse = xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))
                z -= lse
                y = z
            else:
                y = z - xp.log(xp.exp(z))
            y = y.astype(a.dtype, copy=False)
        ctx.axis = axis
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # y = a - logsumexp(a): da = g - softmax(a) * sum(g, axis), softmax(a) = e^y
        y, = ctx.saved
        xp = array_module(g)
        return g - xp.exp(y) * xp.sum(g, axis=ctx.axis, keepdims=True)
