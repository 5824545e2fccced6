"""Elementwise primitives of two or more operands: arithmetic, powers, min/max, where,
clamp and friends; also casts and device copies.  Unary math is in ``unary.py``
(re-exported here, so ``elementwise.Exp`` works too).

Each class states forward and backward side by side.  Operands broadcast; backward
undoes it with ``unbroadcast``.  A non-tensor operand (Python number) is never
differentiated: its shape is ``None`` and its gradient is ``None``.  Backward formulas
use only ``xp`` functions and operators, so they also run on tensors when a backward
is itself differentiated (``create_graph=True``).

The hot arithmetic (+ - * /, maximum, minimum) goes through ``par(np.<ufunc>, ...)``
(backend/parallel.py): the same ufunc, split over threads when the NumPy arrays are
large, and handed to the operands' own module (CuPy, ember tensors) otherwise.
"""
from __future__ import annotations

import math

import numpy as np  # ufunc names for par(); arrays of other modules are dispatched by par

from ..backend.parallel import par
from ..backend.ufuncs import floor_divide, remainder
from .base import Primitive, array_module, unbroadcast
from .unary import *  # noqa: F401,F403  (Exp, Log, Sigmoid, ... live there)
from .unary import __all__ as _unary_all

__all__ = ["Add", "Sub", "Rsub", "Mul", "Div", "DivRounding", "FloorDivide", "Remainder", "RemainderScalar",
           "Fmod", "FmodScalar", "PowScalar", "Pow", "PowScalarBase", "Maximum", "Minimum", "Fmax", "Fmin",
           "Where", "ClampScalar", "ClampTensor", "ClampMin", "ClampMax", "ClampMinTensor", "ClampMaxTensor", "Atan2", "Lerp", "LerpTensor", "Addcmul", "Addcdiv",
           "Hypot", "Logaddexp", "Logaddexp2", "Xlogy", "XlogyScalarOther", "XlogyScalarSelf", "Copysign",
           "Cast", "ToDevice", "Clone", "Overwrite", "xlogy_array"] + list(_unary_all)


def _shape(x):
    """Shape of an array operand, None for a Python scalar."""
    return getattr(x, "shape", None)


def _ub(g, shape):
    """The gradient of an operand of ``shape`` (None: a number, no gradient)."""
    return None if shape is None else unbroadcast(g, shape)


# ---------------------------------------------------------------------------- + - * /
class Add(Primitive):
    """a + alpha * b."""
    name = "Add"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        return par(np.add, a, b) if alpha == 1 else par(np.add, a, par(np.multiply, alpha, b))

    @staticmethod
    def backward(ctx, g):
        # d/da = g ; d/db = alpha * g  (each summed back to its input's shape)
        sa, sb = ctx.shapes
        ga = _ub(g, sa)
        gb = None
        if sb is not None and ctx.needs_input_grad[1]:
            gb = unbroadcast(g if ctx.alpha == 1 else par(np.multiply, g, ctx.alpha), sb)
        return ga, gb


class Sub(Primitive):
    """a - alpha * b."""
    name = "Sub"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        return par(np.subtract, a, b) if alpha == 1 else par(np.subtract, a, par(np.multiply, alpha, b))

    @staticmethod
    def backward(ctx, g):
        # d/da = g ; d/db = -alpha * g
        sa, sb = ctx.shapes
        ga = _ub(g, sa)
        gb = None
        if sb is not None and ctx.needs_input_grad[1]:
            gb = unbroadcast(par(np.negative, g) if ctx.alpha == 1 else par(np.multiply, g, -ctx.alpha), sb)
        return ga, gb


class Rsub(Primitive):
    """b - alpha * a (PyTorch's ``rsub``: ``1 - x`` is ``rsub(x, 1)``)."""
    name = "Rsub"
    version = 1

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        return par(np.subtract, b, a) if alpha == 1 else par(np.subtract, b, par(np.multiply, alpha, a))

    @staticmethod
    def backward(ctx, g):
        # d/da = -alpha * g ; d/db = g
        sa, sb = ctx.shapes
        ga = _ub(par(np.negative, g) if ctx.alpha == 1 else par(np.multiply, g, -ctx.alpha), sa)
        return ga, _ub(g, sb)


class Mul(Primitive):
    name = "Mul"

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        if need:  # keep only the operand each wanted gradient reads (as PyTorch saves)
            ctx.shapes = (_shape(a), _shape(b))
            ctx.save(b if need[0] else None, a if need[1] else None)
        return par(np.multiply, a, b)

    @staticmethod
    def backward(ctx, g):
        # d(ab)/da = b ; d(ab)/db = a
        b, a = ctx.saved
        sa, sb = ctx.shapes
        ga = _ub(par(np.multiply, g, b), sa) if ctx.needs_input_grad[0] else None
        gb = _ub(par(np.multiply, g, a), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Primitive):
    """True division a / b (operands already of a floating result dtype)."""
    name = "Div"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return par(np.true_divide, a, b)

    @staticmethod
    def backward(ctx, g):
        # d(a/b)/da = 1/b ; d(a/b)/db = -a/b^2.  b^2 is constant along the axes b is
        # broadcast over, so the sum back to b's shape is taken of g * a first (one
        # full-size pass instead of three): -sum(g a) / b^2.
        a, b = ctx.saved
        ga = _ub(par(np.true_divide, g, b), _shape(a)) if ctx.needs_input_grad[0] else None
        gb = -_ub(par(np.multiply, g, a), _shape(b)) / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


def _trunc_div(a, b, xp):
    """Integer division rounded toward zero (C's), exact for int64."""
    q = xp.floor_divide(a, b)
    r = a - q * b
    return q + ((r != 0) & ((a < 0) != (b < 0)))


class DivRounding(Primitive):
    """a / b rounded by ``mode`` ('trunc' or 'floor'); the result is piecewise constant."""
    name = "Div"
    version = 2

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.shapes = (_shape(a), _shape(b))
        xp = array_module(a if ctx.shapes[0] is not None else b)
        kind = (a if ctx.shapes[0] is not None else b).dtype.kind
        if mode == "floor":
            return floor_divide(xp, a, b)
        if kind == "f":
            return xp.trunc(a / b)
        return _trunc_div(a, b, xp)

    @staticmethod
    def backward(ctx, g):
        # rounding is flat almost everywhere: zero gradients
        sa, sb = ctx.shapes
        xp = array_module(g)
        ga = None if sa is None else xp.zeros_like(unbroadcast(g, sa))
        gb = None if sb is None else xp.zeros_like(unbroadcast(g, sb))
        return ga, gb


class FloorDivide(Primitive):
    """a // b.  PyTorch records no derivative for it: backward raises, as PyTorch's does."""
    name = "FloorDivide"

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a if _shape(a) is not None else b)
        return floor_divide(xp, a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")


class Remainder(Primitive):
    """a mod b with the sign of b (Python's %), b a tensor."""
    name = "Remainder"
    version = 1

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return remainder(array_module(a if _shape(a) is not None else b), a, b)

    @staticmethod
    def backward(ctx, g):
        # a - b * floor(a/b): d/da = 1 ; d/db = -floor(a/b)
        a, b = ctx.saved
        xp = array_module(g)
        ga = _ub(g, _shape(a)) if ctx.needs_input_grad[0] else None
        gb = _ub(-g * floor_divide(xp, a, b), _shape(b)) if ctx.needs_input_grad[1] else None
        return ga, gb


class RemainderScalar(Primitive):
    """a mod b, b a Python number."""
    name = "Remainder"

    @staticmethod
    def forward(ctx, a, b):
        return remainder(array_module(a), a, b)

    @staticmethod
    def backward(ctx, g):
        return g, None  # d/da = 1


class Fmod(Primitive):
    """C's fmod: a mod b with the sign of a, b a tensor."""
    name = "Fmod"
    version = 1

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return array_module(a).fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        # a - b * trunc(a/b): d/da = 1 ; d/db = -trunc(a/b)
        a, b = ctx.saved
        xp = array_module(g)
        ga = _ub(g, _shape(a)) if ctx.needs_input_grad[0] else None
        gb = _ub(-g * xp.trunc(a / b), _shape(b)) if ctx.needs_input_grad[1] else None
        return ga, gb


class FmodScalar(Primitive):
    name = "Fmod"

    @staticmethod
    def forward(ctx, a, b):
        return array_module(a).fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, None


# ---------------------------------------------------------------------------- powers
def _int_pow(a, b, xp):
    """Integer a ** b where b may hold negative values: 1 ** -n = 1, (-1) ** -n = +-1,
    anything else ** -n truncates to 0 (PyTorch's integer semantics)."""
    neg = b < 0
    if not neg.any():
        return xp.power(a, b)
    r = xp.power(a, xp.where(neg, 0, b))
    odd = (b % 2) != 0
    inv = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0)).astype(r.dtype)
    return xp.where(neg, inv, r)


class PowScalar(Primitive):
    """a ** e, e a Python number."""
    name = "Pow"

    @staticmethod
    def forward(ctx, a, e):
        ctx.save(a)
        ctx.e = e
        return array_module(a).power(a, e)

    @staticmethod
    def backward(ctx, g):
        # d(a^e)/da = e a^(e-1)  (zero when e == 0, also at a == 0)
        a, = ctx.saved
        e = ctx.e
        xp = array_module(g)
        if e == 0:
            return xp.zeros_like(g), None
        return g * (e * xp.power(a, e - 1)), None


class Pow(Primitive):
    """a ** b, both tensors."""
    name = "Pow"
    version = 1

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        y = _int_pow(a, b, xp) if a.dtype.kind in "iu" else xp.power(a, b)
        ctx.save(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d/da = b a^(b-1) (0 where b == 0) ; d/db = a^b ln a (0 where a == 0 and b >= 0)
        a, b, y = ctx.saved
        xp = array_module(g)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(xp.where(b == 0, 0, g * (b * xp.power(a, b - 1))), a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(g * xp.where((a == 0) & (b >= 0), 0, y * xp.log(a)), b.shape)
        return ga, gb


class PowScalarBase(Primitive):
    """s ** b, s a Python number, b a tensor."""
    name = "Pow"
    version = 2

    @staticmethod
    def forward(ctx, s, b):
        xp = array_module(b)
        y = _int_pow(xp.asarray(s, dtype=b.dtype), b, xp) if b.dtype.kind in "iu" else xp.power(s, b)
        ctx.save(b, y)
        ctx.s = s
        return y

    @staticmethod
    def backward(ctx, g):
        # d(s^b)/db = s^b ln s ; 0 where s == 0 and b >= 0 (ln 0 = -inf, ln of s < 0 = nan)
        b, y = ctx.saved
        s = ctx.s
        xp = array_module(g)
        ln = math.log(s) if s > 0 else (-math.inf if s == 0 else math.nan)
        gb = g * (y * ln)
        if s == 0:
            gb = xp.where(b >= 0, 0, gb)
        return None, gb


# ---------------------------------------------------------------------------- min / max
class Maximum(Primitive):
    """Elementwise max, NaN-propagating; a tie sends half the gradient to each side."""
    name = "Maximum"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return par(np.maximum, a, b)

    @staticmethod
    def backward(ctx, g):
        # d/da = 1 where a > b, 1/2 where a == b, 0 where a < b (b symmetric)
        a, b = ctx.saved
        xp = array_module(g)
        half = xp.where(a == b, g * 0.5, g)
        ga = unbroadcast(xp.where(a < b, 0, half), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(xp.where(a > b, 0, half), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Minimum(Primitive):
    name = "Minimum"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return par(np.minimum, a, b)

    @staticmethod
    def backward(ctx, g):
        # d/da = 1 where a < b, 1/2 where a == b, 0 where a > b
        a, b = ctx.saved
        xp = array_module(g)
        half = xp.where(a == b, g * 0.5, g)
        ga = unbroadcast(xp.where(a > b, 0, half), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(xp.where(a < b, 0, half), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def _to_picked(ctx, g, pick_a):
    """Route g to a where ``pick_a``, else to b (summed back to each operand's shape)."""
    a, b = ctx.saved
    xp = array_module(g)
    ga = unbroadcast(xp.where(pick_a, g, 0), a.shape) if ctx.needs_input_grad[0] else None
    gb = unbroadcast(xp.where(pick_a, 0, g), b.shape) if ctx.needs_input_grad[1] else None
    return ga, gb


class Fmax(Primitive):
    """Elementwise max ignoring NaN (NaN only when both are); a tie goes to a."""
    name = "Fmax"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return array_module(a).fmax(a, b)

    @staticmethod
    def backward(ctx, g):
        # the gradient goes to whichever operand was picked: a where a >= b or b is NaN
        a, b = ctx.saved
        return _to_picked(ctx, g, (a >= b) | array_module(g).isnan(b))


class Fmin(Primitive):
    name = "Fmin"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return array_module(a).fmin(a, b)

    @staticmethod
    def backward(ctx, g):
        # a where a <= b or b is NaN, else b
        a, b = ctx.saved
        return _to_picked(ctx, g, (a <= b) | array_module(g).isnan(b))


class Where(Primitive):
    """cond ? x : y; x and y may be numbers."""
    name = "Where"

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save(cond)
        ctx.shapes = (_shape(x), _shape(y))
        return array_module(cond).where(cond, x, y)

    @staticmethod
    def backward(ctx, g):
        # d/dx = cond ; d/dy = not cond
        cond, = ctx.saved
        sx, sy = ctx.shapes
        xp = array_module(g)
        gx = unbroadcast(xp.where(cond, g, 0), sx) if sx is not None and ctx.needs_input_grad[1] else None
        gy = unbroadcast(xp.where(cond, 0, g), sy) if sy is not None and ctx.needs_input_grad[2] else None
        return None, gx, gy


class ClampScalar(Primitive):
    """clamp(a, lo, hi) with number bounds (either may be None)."""
    name = "Clamp"
    version = 1

    @staticmethod
    def forward(ctx, a, lo, hi):
        xp = array_module(a)
        ctx.save(a)
        ctx.lo, ctx.hi = lo, hi
        if lo is None:
            return xp.minimum(a, hi)
        y = xp.maximum(a, lo)
        if hi is None:
            return y
        return xp.minimum(y, hi, out=y) if y.ndim else xp.minimum(y, hi)

    @staticmethod
    def backward(ctx, g):
        # 1 where lo <= a <= hi, else 0 (0 everywhere when lo > hi; 0 at NaN)
        a, = ctx.saved
        xp = array_module(g)
        lo, hi = ctx.lo, ctx.hi
        if lo is not None and hi is not None:
            keep = (a >= lo) & (a <= hi)
        else:
            keep = (a >= lo) if lo is not None else (a <= hi)
        return xp.where(keep, g, 0), None, None


class ClampTensor(Primitive):
    """clamp(a, lo, hi) with tensor bounds (either may be None), broadcasting."""
    name = "Clamp"

    @staticmethod
    def forward(ctx, a, lo, hi):
        xp = array_module(a)
        ctx.save(a, lo, hi)
        y = xp.maximum(a, lo) if lo is not None else a
        return xp.minimum(y, hi) if hi is not None else (y if y is not a else a.copy())

    @staticmethod
    def backward(ctx, g):
        # a: 1 where lo <= a <= hi ; lo: 1 where a < lo < hi ; hi: 1 where a > hi or hi < lo
        a, lo, hi = ctx.saved
        xp = array_module(g)
        need = ctx.needs_input_grad
        ga = glo = ghi = None
        if lo is not None and hi is not None:
            if need[0]:
                ga = xp.where((a >= lo) & (a <= hi), g, 0)
            if need[1]:
                glo = xp.where((a < lo) & (lo < hi), g, 0)
            if need[2]:
                ghi = xp.where((a > hi) | (hi < lo), g, 0)
        elif lo is not None:
            ga = xp.where(a >= lo, g, 0) if need[0] else None
            glo = xp.where(a < lo, g, 0) if need[1] else None
        else:
            ga = xp.where(a <= hi, g, 0) if need[0] else None
            ghi = xp.where(a > hi, g, 0) if need[2] else None
        return (None if ga is None else unbroadcast(ga, a.shape),
                None if glo is None else unbroadcast(glo, lo.shape),
                None if ghi is None else unbroadcast(ghi, hi.shape))


# ---------------------------------------------------------------------------- other binary math
class Atan2(Primitive):
    name = "Atan2"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return array_module(a).arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        # d atan2(a, b)/da = b / (a^2 + b^2) ; d/db = -a / (a^2 + b^2)  (0 at the origin, as PyTorch)
        a, b = ctx.saved
        xp = array_module(g)
        den = a * a + b * b
        zero = den == 0
        safe = xp.where(zero, 1, den)
        ga = unbroadcast(xp.where(zero, 0, g * b / safe), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(xp.where(zero, 0, g * -a / safe), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def _lerp(a, b, w, xp):
    # PyTorch's two-sided form, exact at both ends: w < 0.5 ? a + w (b - a) : b - (b - a)(1 - w)
    d = b - a
    return xp.where(xp.abs(w) < 0.5, a + w * d, b - d * (1 - w))


class Lerp(Primitive):
    """a + w (b - a), w a Python number."""
    name = "Lerp"

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.w = w
        ctx.shapes = (a.shape, b.shape)
        d = b - a
        return a + w * d if abs(w) < 0.5 else b - d * (1 - w)

    @staticmethod
    def backward(ctx, g):
        # d/da = 1 - w ; d/db = w
        sa, sb = ctx.shapes
        w = ctx.w
        ga = unbroadcast(g * (1 - w), sa) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * w, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class LerpTensor(Primitive):
    """a + w (b - a), w a tensor."""
    name = "Lerp"
    version = 1

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save(a, b, w)
        return _lerp(a, b, w, array_module(a))

    @staticmethod
    def backward(ctx, g):
        # d/da = 1 - w ; d/db = w ; d/dw = b - a
        a, b, w = ctx.saved
        need = ctx.needs_input_grad
        ga = unbroadcast(g * (1 - w), a.shape) if need[0] else None
        gb = unbroadcast(g * w, b.shape) if need[1] else None
        gw = unbroadcast(g * (b - a), w.shape) if need[2] else None
        return ga, gb, gw


class Addcmul(Primitive):
    """a + value * t1 * t2."""
    name = "Addcmul"

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        ctx.save(t1, t2)
        ctx.value = value
        ctx.sa = a.shape
        prod = t1 * t2
        return a + prod if value == 1 else a + value * prod

    @staticmethod
    def backward(ctx, g):
        # d/da = 1 ; d/dt1 = value t2 ; d/dt2 = value t1
        t1, t2 = ctx.saved
        v = ctx.value
        need = ctx.needs_input_grad
        ga = unbroadcast(g, ctx.sa) if need[0] else None
        g1 = unbroadcast(g * t2 * v, t1.shape) if need[1] else None
        g2 = unbroadcast(g * t1 * v, t2.shape) if need[2] else None
        return ga, g1, g2


class Addcdiv(Primitive):
    """a + value * t1 / t2."""
    name = "Addcdiv"

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        ctx.save(t1, t2)
        ctx.value = value
        ctx.sa = a.shape
        q = t1 / t2
        return a + q if value == 1 else a + value * q

    @staticmethod
    def backward(ctx, g):
        # d/da = 1 ; d/dt1 = value / t2 ; d/dt2 = -value t1 / t2^2
        t1, t2 = ctx.saved
        v = ctx.value
        need = ctx.needs_input_grad
        ga = unbroadcast(g, ctx.sa) if need[0] else None
        g1 = unbroadcast(g * v / t2, t1.shape) if need[1] else None
        g2 = unbroadcast(-g * v * t1 / (t2 * t2), t2.shape) if need[2] else None
        return ga, g1, g2


class Hypot(Primitive):
    name = "Hypot"

    @staticmethod
    def forward(ctx, a, b):
        y = array_module(a).hypot(a, b)
        ctx.save(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        # d sqrt(a^2 + b^2)/da = a / y ; d/db = b / y
        a, b, y = ctx.saved
        ga = unbroadcast(g * a / y, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * b / y, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Logaddexp(Primitive):
    name = "Logaddexp"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return array_module(a).logaddexp(a, b)

    @staticmethod
    def backward(ctx, g):
        # d log(e^a + e^b)/da = 1 / (1 + e^(b - a)) ; d/db = 1 / (1 + e^(a - b))
        a, b = ctx.saved
        xp = array_module(g)
        ga = unbroadcast(g / (1 + xp.exp(b - a)), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g / (1 + xp.exp(a - b)), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Logaddexp2(Primitive):
    name = "Logaddexp2"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return array_module(a).logaddexp2(a, b)

    @staticmethod
    def backward(ctx, g):
        # d log2(2^a + 2^b)/da = 1 / (1 + 2^(b - a)) ; d/db = 1 / (1 + 2^(a - b))
        a, b = ctx.saved
        xp = array_module(g)
        ga = unbroadcast(g / (1 + xp.exp2(b - a)), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g / (1 + xp.exp2(a - b)), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def xlogy_array(x, y, xp):
    """x * log(y), 0 where x == 0 (unless y is NaN), in ``xp`` operations only; y may be
    a Python number (then x's dtype is kept)."""
    if _shape(y) is None:
        if y != y:
            return x * math.nan
        ly = math.log(y) if y > 0 else (-math.inf if y == 0 else math.nan)
        return xp.where(x == 0, 0, x * ly)
    safe = xp.where(x == 0, 1, y)
    r = xp.where(x == 0, 0, x * xp.log(safe))
    return xp.where(xp.isnan(y), y, r)


class Xlogy(Primitive):
    """x log y, both tensors."""
    name = "Xlogy"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save(x, y)
        return xlogy_array(x, y, array_module(x))

    @staticmethod
    def backward(ctx, g):
        # d/dx = log y (as PyTorch: xlogy(g, y), and 0 where x == 0 and y <= 0) ; d/dy = x / y
        x, y = ctx.saved
        xp = array_module(g)
        gx = None
        if ctx.needs_input_grad[0]:
            gx = unbroadcast(xp.where((x == 0) & (y <= 0), 0, xlogy_array(g, y, xp)), x.shape)
        gy = unbroadcast(g * x / y, y.shape) if ctx.needs_input_grad[1] else None
        return gx, gy


class XlogyScalarOther(Primitive):
    """x log y, y a Python number."""
    name = "Xlogy"
    version = 2

    @staticmethod
    def forward(ctx, x, y):
        ctx.save(x)
        ctx.y = y
        return xlogy_array(x, y, array_module(x))

    @staticmethod
    def backward(ctx, g):
        # d/dx = log y (as PyTorch: xlogy(g, y), and 0 where x == 0 and y <= 0)
        x, = ctx.saved
        xp = array_module(g)
        y = ctx.y
        if y != y:
            return g * math.nan, None
        gx = xlogy_array(g, y, xp)  # g log y, 0 where g == 0
        return (xp.where(x == 0, 0, gx) if y <= 0 else gx), None


class XlogyScalarSelf(Primitive):
    """x log y, x a Python number."""
    name = "Xlogy"
    version = 1

    @staticmethod
    def forward(ctx, x, y):
        ctx.save(y)
        ctx.x = x
        xp = array_module(y)
        return xlogy_array(xp.asarray(x, dtype=y.dtype), y, xp)

    @staticmethod
    def backward(ctx, g):
        # d/dy = x / y
        y, = ctx.saved
        return None, g * ctx.x / y


class Copysign(Primitive):
    """|a| with the sign of b (b a tensor or a number)."""
    name = "Copysign"

    @staticmethod
    def forward(ctx, a, b):
        y = array_module(a).copysign(a, b)
        ctx.save(a, y)
        ctx.sb = _shape(b)
        return y

    @staticmethod
    def backward(ctx, g):
        # d/da = y / a (the sign flip), 0 where a == 0 ; d/db = 0
        a, y = ctx.saved
        xp = array_module(g)
        zero = a == 0
        ga = unbroadcast(xp.where(zero, 0, g * (y / xp.where(zero, 1, a))), a.shape)
        gb = None if ctx.sb is None else xp.zeros_like(unbroadcast(g, ctx.sb))
        return ga, gb


# ---------------------------------------------------------------------------- casts, copies
class Cast(Primitive):
    """Change dtype; the gradient is cast back to the input's dtype."""
    name = "ToCopy"

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return _narrow(a, dtype)

    @staticmethod
    def backward(ctx, g):
        return _narrow(g, ctx.in_dtype), None


def _narrow(a, dtype):
    """``a.astype(dtype)``; a float cast to a narrower float (float32 -> float16 under
    autocast) overflows to inf silently, as in PyTorch (GradScaler looks for those infs),
    instead of NumPy's RuntimeWarning."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.dtype.itemsize > np.dtype(dtype).itemsize:
        with np.errstate(over="ignore"):
            return a.astype(dtype)
    return a.astype(dtype)


class ToDevice(Primitive):
    """Copy to another device; the gradient is copied back."""
    name = "ToCopy"

    @staticmethod
    def forward(ctx, a, device):
        from ..backend.device import device_module, device_of
        ctx.src = device_of(a)
        if device.type == "cpu":
            return a.get()
        xp = device_module(device)
        with xp.cuda.Device(device.index or 0):
            return xp.asarray(a)

    @staticmethod
    def backward(ctx, g):
        from ..backend.device import device_module
        src = ctx.src
        if src.type == "cpu":
            return (g.get() if hasattr(g, "get") else g), None
        xp = device_module(src)
        return xp.asarray(g), None


class Clone(Primitive):
    name = "Clone"

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class ClampMin(ClampScalar):
    """clamp_min(a, number)."""
    name = "ClampMin"
    version = 0


class ClampMax(ClampScalar):
    name = "ClampMax"
    version = 0


class ClampMinTensor(ClampTensor):
    """clamp_min(a, tensor)."""
    name = "ClampMin"
    version = 1


class ClampMaxTensor(ClampTensor):
    name = "ClampMax"
    version = 1


class Overwrite(Primitive):
    """An in-place comparison (``x.eq_(y)``): x's values are replaced by a piecewise-constant
    function of x and y, so both get a zero gradient (PyTorch's EqBackward0, GeBackward1, ...
    are subclasses named per comparison)."""
    name = "Overwrite"

    @staticmethod
    def forward(ctx, a, values, other):
        ctx.so = _shape(other)
        return values.astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        xp = array_module(g)
        go = None if ctx.so is None else xp.zeros_like(unbroadcast(g, ctx.so))
        return xp.zeros_like(g), None, go
