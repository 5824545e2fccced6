"""View bookkeeping: replaying a chain of view ops, and ``CopySlices``, the node a
base tensor gets when one of its views is modified in place.

A view remembers the chain of view primitives (with their options) that made it from
its base.  Replaying the chain on any array of the base's shape gives the matching
view of that array, which is how the gradient is routed between base and view.
"""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["replay", "CopySlices"]


def replay(chain, a):
    """Apply the view chain [(op, args, kwargs), ...] to ``a`` (array, or tensor via its xp)."""
    xp = array_module(a)
    run = getattr(xp, "apply_op", None)
    for op, args, kwargs in chain:
        if run is None:
            a = op.forward(_NoSave, a, *args, **kwargs)
        else:
            a = run(op, a, *args, **kwargs)
    return a


class _NoSave:
    needs_input_grad = ()

    @staticmethod
    def save(*values):
        pass


class CopySlices(Primitive):
    """base_new = base_old with the view region replaced by view_new.

    d/d base_old = grad with the view region zeroed; d/d view_new = the view region of grad."""

    name = "CopySlices"

    @staticmethod
    def forward(ctx, base, view):  # pragma: no cover - built directly by Tensor._commit_inplace
        raise RuntimeError("CopySlices is created by in-place writes, not called")

    @staticmethod
    def backward(ctx, grad):
        xp = array_module(grad)
        import numpy as np
        mask = np.zeros(ctx.shape, dtype=bool)
        replay(ctx.chain, mask)[...] = True
        if xp is not np:
            mask = xp.asarray(mask)
        g_base = xp.where(mask, 0, grad) if ctx.needs_input_grad[0] else None
        g_view = replay(ctx.chain, grad)
        return g_base, g_view
