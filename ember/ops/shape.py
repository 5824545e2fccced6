"""Shape primitives.  The ones that return views of their input (reshape when the
memory allows, transposes, expand, ...) are marked ``view = True`` so the Tensor
layer links the result to its base."""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["Reshape", "Permute"]


class Reshape(Primitive):
    """reshape / view (a view when strides allow, else a copy); ``strict`` = view()'s rule."""
    name = "View"
    view = True

    @staticmethod
    def forward(ctx, a, shape, strict=False):
        ctx.in_shape = a.shape
        xp = array_module(a)
        if strict:
            try:
                return xp.reshape(a, shape, copy=False)
            except (ValueError, TypeError):
                raise RuntimeError(
                    f"view size is not compatible with input tensor's size and stride (at least one "
                    f"dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None
        return xp.reshape(a, shape)

    @staticmethod
    def backward(ctx, g):
        # reshaping moves no values: reshape the gradient back
        return array_module(g).reshape(g, ctx.in_shape)


class Permute(Primitive):
    """Reorder axes (transpose, permute, t, T, mT, swapaxes)."""
    name = "Permute"
    view = True

    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return array_module(a).transpose(a, axes)

    @staticmethod
    def backward(ctx, g):
        # the inverse permutation takes the gradient back
        inv = [0] * len(ctx.axes)
        for i, ax in enumerate(ctx.axes):
            inv[ax] = i
        return array_module(g).transpose(g, tuple(inv))
