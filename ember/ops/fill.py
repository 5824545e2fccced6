"""Primitives for in-place fills (``fill_``, ``zero_``): the new values do not depend
on the old ones, so no gradient reaches the overwritten tensor."""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["FillScalar", "FillTensor"]


class FillScalar(Primitive):
    """Every element set to a Python number (PyTorch's ``FillBackward2``)."""
    name = "Fill"
    version = 2

    @staticmethod
    def forward(ctx, a, value):
        return array_module(a).full(a.shape, value, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        # d value / d a = 0: the old contents are discarded (PyTorch: zeros_like(grad))
        return (array_module(g).zeros_like(g),)


class FillTensor(Primitive):
    """Every element set to a 0-d tensor's value (PyTorch's ``FillBackward3``)."""
    name = "Fill"
    version = 3

    @staticmethod
    def forward(ctx, a, v):
        ctx.v_dtype = v.dtype
        xp = array_module(a)
        return xp.broadcast_to(xp.asarray(v).astype(a.dtype), a.shape).copy()

    @staticmethod
    def backward(ctx, g):
        # out[i] = v for every i, so dL/dv = sum_i dL/dout[i]; the old values get nothing
        xp = array_module(g)
        return xp.zeros_like(g), xp.sum(g).astype(ctx.v_dtype)
