"""``Tensor.unfold(dim, size, step)``: every window of ``size`` elements along
``dim``, ``step`` apart, as a view with the windows' positions in place of ``dim``
and the window contents as a new last axis (strides only, no copy)."""
from __future__ import annotations

from .base import Primitive, array_module
from .shape import run

__all__ = ["Unfold", "UnfoldBackward"]


def _windows(a, axis, size, step):
    xp = array_module(a)
    if a.ndim == 0:
        return a.reshape(1)[:size]
    n = (a.shape[axis] - size) // step + 1
    shape = a.shape[:axis] + (n,) + a.shape[axis + 1:] + (size,)
    st = a.strides
    strides = st[:axis] + (st[axis] * step,) + st[axis + 1:] + (st[axis],)
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


class Unfold(Primitive):
    name = "Unfold"
    view = True

    @staticmethod
    def forward(ctx, a, axis, size, step):
        ctx.in_shape, ctx.args = a.shape, (axis, size, step)
        return _windows(a, axis, size, step)

    @staticmethod
    def backward(ctx, g):
        # each input element receives the sum of the gradients of every window holding it
        return run(UnfoldBackward, g, ctx.in_shape, *ctx.args)


class UnfoldBackward(Primitive):
    """The windows' gradients (..., n, ..., size) summed back onto an input of ``shape``."""
    name = "UnfoldBackward"

    @staticmethod
    def forward(ctx, g, shape, axis, size, step):
        ctx.args = (axis, size, step)
        xp = array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if len(shape) == 0:
            return g.reshape(()) if g.shape[-1] else out
        n = g.shape[axis]
        for k in range(size):
            piece = xp.moveaxis(g[..., k], axis, -1)          # (..., n) with the window axis last
            dst = xp.moveaxis(out, axis, -1)
            dst[..., k:k + step * (n - 1) + 1:step] += piece
        return out

    @staticmethod
    def backward(ctx, gg):
        # the adjoint of the scatter-add is the windowing itself
        return run(Unfold, gg, *ctx.args)
