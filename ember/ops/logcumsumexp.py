"""``logcumsumexp``: y_i = log(sum_{j <= i} exp(x_j)) along an axis, as a running
``logaddexp`` (stable for any range of values)."""
from __future__ import annotations

from ..backend.ufuncs import accumulate
from .base import Primitive, array_module
from .reduce import quiet
from .shape import run

__all__ = ["LogCumSumExp"]


class LogCumSumExp(Primitive):
    name = "Logcumsumexp"

    @staticmethod
    def forward(ctx, a, axis):
        xp = array_module(a)
        ctx.axis, ctx.lowest = axis, float(xp.finfo(a.dtype).min)
        if a.ndim == 0:
            y = a.copy()
        else:
            with quiet(xp):                       # -inf - -inf inside logaddexp is handled by NumPy
                y = accumulate(xp, "logaddexp", a, axis)
        ctx.save(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        # dL/dx_j = sum_{i >= j} g_i exp(x_j - y_i).  PyTorch's stable form: split g into its
        # positive and negative parts and take logs, then
        #   gx = exp(rev_lcse(log g+ - y) + x) - exp(rev_lcse(log g- - y) + x)
        # with rev_lcse the logcumsumexp taken from the end backwards.
        a, y = ctx.saved
        xp = array_module(g)
        if g.ndim == 0:
            return g
        axis = ctx.axis
        lowest = ctx.lowest
        with quiet(xp):
            log_abs = xp.log(xp.abs(g))
            pos = xp.where(g > 0, log_abs, lowest)
            neg = xp.where(g < 0, log_abs, lowest)

            def rev(v):
                return xp.flip(run(LogCumSumExp, xp.flip(v, axis), axis), axis)
            return xp.exp(rev(pos - y) + a) - xp.exp(rev(neg - y) + a), None
