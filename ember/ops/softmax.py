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


def _normalised_forward(ctx, a, axis, finish):
    """The shared forward of softmax and log-softmax: ``finish(xp, z, axis)`` turns the
    shifted input ``z = a - max(a)`` (a fresh array it may overwrite) into the output.
    Saves the output and the axis for the backward."""
    xp = array_module(a)
    if a.ndim == 0:
        axis = None  # a 0-d input has only "dim 0/-1"; CuPy rejects axis=0 on 0-d arrays
    if a.size == 0:
        y = a.copy()
    else:
        z = _shifted(xp, a, axis)
        if not z.ndim:
            z = xp.asarray(z)[None]  # NumPy turns 0-d results into scalars; work on one element
            y = finish(xp, z, None)[0]
        else:
            y = finish(xp, z, axis)
        y = xp.asarray(y).astype(a.dtype, copy=False)
    ctx.axis = axis
    ctx.save(y)
    return y


def _softmax_of_shifted(xp, z, axis):
    xp.exp(z, out=z)
    z /= xp.sum(z, axis=axis, keepdims=True)
    return z


def _log_softmax_of_shifted(xp, z, axis):
    z -= xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))
    return z


class Softmax(Primitive):
    name = "Softmax"

    @staticmethod
    def forward(ctx, a, axis):
        return _normalised_forward(ctx, a, axis, _softmax_of_shifted)

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
        return _normalised_forward(ctx, a, axis, _log_softmax_of_shifted)

    @staticmethod
    def backward(ctx, g):
        # y = a - logsumexp(a): da = g - softmax(a) * sum(g, axis), softmax(a) = e^y
        y, = ctx.saved
        xp = array_module(g)
        return g - xp.exp(y) * xp.sum(g, axis=ctx.axis, keepdims=True)
