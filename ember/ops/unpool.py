"""Max unpooling: the partial inverse of max pooling.

Each input value is written at the flat spatial position its index names, in a
zero output of the requested spatial size, plane by plane (one plane per batch item
and channel).  Backward reads the output gradient back at those positions."""
from __future__ import annotations

from math import prod

from .base import Primitive, array_module

__all__ = ["MaxUnpool2D", "MaxUnpool3D"]


class MaxUnpool2D(Primitive):
    """(N, C, *in) values and int64 indices -> (N, C, *out_size); 1-d and 2-d unpooling."""

    name = "MaxUnpool2D"

    @staticmethod
    def forward(ctx, x, indices=None, out_size=()):
        xp = array_module(x)
        planes = x.shape[0] * x.shape[1]
        flat = indices.reshape(planes, -1)
        out = xp.zeros((planes, prod(out_size)), dtype=x.dtype)
        out[xp.arange(planes)[:, None], flat] = x.reshape(planes, -1)
        ctx.flat = flat
        ctx.in_shape = x.shape
        return out.reshape(tuple(x.shape[:2]) + tuple(out_size))

    @staticmethod
    def backward(ctx, g):
        # out[p, idx[p, k]] = x[p, k]  =>  dL/dx[p, k] = g[p, idx[p, k]]
        xp = array_module(g)
        planes = ctx.in_shape[0] * ctx.in_shape[1]
        return xp.take_along_axis(g.reshape(planes, -1), ctx.flat, axis=1).reshape(ctx.in_shape)


class MaxUnpool3D(MaxUnpool2D):
    """3-d unpooling (same computation; PyTorch's grad_fn name)."""

    name = "MaxUnpool3D"
