"""Dropout as a primitive: multiply by a fixed random mask.

The mask is drawn by the caller (``nn.functional.dropout``, from ember's generators)
and arrives already scaled: 0 for a dropped element, 1/(1-p) for a kept one, shaped
to broadcast against the input (per element, or per channel for dropout2d).  PyTorch
records dropout as a multiplication (``MulBackward0``), and so does this primitive.
Alpha dropout is an affine map with a random per-element scale and shift.
"""
from __future__ import annotations

from .base import Primitive, unbroadcast

__all__ = ["DropoutMask", "AlphaDropoutMask"]


class DropoutMask(Primitive):
    name = "Mul"

    @staticmethod
    def forward(ctx, a, mask):
        ctx.mask = mask
        ctx.shape = a.shape
        return a * mask

    @staticmethod
    def backward(ctx, g):
        # y = a * mask (mask a constant): da = g * mask
        return unbroadcast(g * ctx.mask, ctx.shape), None


class AlphaDropoutMask(Primitive):
    """y = a * scale + shift (scale and shift per element or per channel)."""
    name = "Add"

    @staticmethod
    def forward(ctx, a, scale, shift):
        ctx.scale = scale
        ctx.shape = a.shape
        return a * scale + shift

    @staticmethod
    def backward(ctx, g):
        # dy/da = scale
        return unbroadcast(g * ctx.scale, ctx.shape), None, None
