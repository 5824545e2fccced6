"""``frexp``: x = mantissa * 2^exponent with |mantissa| in [0.5, 1) (0, inf and NaN
keep exponent 0).  The exponent is an int32 output with no gradient."""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["Frexp"]


class Frexp(Primitive):
    name = "Frexp"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        m, e = xp.frexp(a)
        e = e.astype(xp.int32)
        ctx.save(e)
        ctx.materialize = False
        return m, e

    @staticmethod
    def backward(ctx, grads):
        # mantissa = x / 2^e with e piecewise constant: d mantissa / dx = 2^-e
        gm = grads[0]
        e, = ctx.saved
        if gm is None:
            return None
        xp = array_module(gm)
        return xp.ldexp(gm, -e)
