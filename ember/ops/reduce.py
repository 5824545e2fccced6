"""Reduction primitives: sum, mean, ... over all elements or over dims.

``dim`` arrives normalised (a tuple of non-negative axes, or None for all); the
backward re-inserts reduced axes (when keepdim was False) and broadcasts."""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["Sum", "Mean", "expand_reduced"]


def expand_reduced(g, shape, axis, keepdim):
    """Broadcast a reduced gradient back to ``shape``: d sum(x)/dx = 1 everywhere."""
    xp = array_module(g)
    if axis is None:
        axis = tuple(range(len(shape)))
    if not keepdim and len(shape):
        g = xp.reshape(g, tuple(1 if i in axis else s for i, s in enumerate(shape)))
    return xp.broadcast_to(g, tuple(shape))


class Sum(Primitive):
    name = "Sum"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False, dtype=None):
        ctx.shape, ctx.axis, ctx.keepdim, ctx.dtype = a.shape, axis, keepdim, a.dtype
        return array_module(a).sum(a, axis=axis, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        # d sum/dx_i = 1: broadcast the gradient back over the reduced axes
        g = expand_reduced(g, ctx.shape, ctx.axis, ctx.keepdim)
        return g.astype(ctx.dtype) if g.dtype != ctx.dtype else g


class Mean(Primitive):
    name = "Mean"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False):
        xp = array_module(a)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        n = a.size if axis is None else 1
        if axis is not None:
            for ax in axis:
                n *= a.shape[ax]
        ctx.n = n
        return xp.mean(a, axis=axis, keepdims=keepdim, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        # d mean/dx_i = 1/n
        return expand_reduced(g / ctx.n if ctx.n else g, ctx.shape, ctx.axis, ctx.keepdim)
