"""Reduction primitives: sum, mean, prod, max/min, var/std, logsumexp, norms, scans.

Conventions shared by every class here:

- ``axis`` arrives normalised by the wrapper: a tuple of non-negative axes, or None
  for all of them (scans and index-returning reductions take a single int).  0-d
  inputs arrive with ``axis=None``.
- Backward restores the reduced axes (``restore``) and broadcasts.
- Masks and weights that are piecewise constant in the input (which element is
  the max, the sign of x, where x is zero) are computed in forward, only when a
  gradient is wanted, and saved as constants: the backward formula is then plain
  arithmetic, which also differentiates correctly when it runs on tensors
  (``create_graph=True``), where x and the output are live graph values.
"""
from __future__ import annotations

import contextlib

from ..backend.device import is_array
from ..backend.sums import fast_sum
from ..backend.ufuncs import accumulate
from .base import Primitive, array_module

__all__ = ["Sum", "SumDim", "Mean", "MeanDim", "Nansum", "Prod", "ProdDim", "MaxAll", "MinAll", "MedianAll",
           "NanmedianAll", "Amax", "Amin", "Aminmax", "MaxDim", "MinDim", "MedianDim", "NanmedianDim", "ModeDim",
           "Var", "Std", "VarMean", "StdMean", "Logsumexp", "Norm", "NuclearNorm", "Cumsum", "Cumprod", "Cummax",
           "Cummin", "expand_reduced", "restore", "wants_grad", "quiet"]


# ----------------------------------------------------------------------------- helpers
def quiet(xp):
    """Silence NumPy's floating-point warnings (0/0 in an empty mean, log(0)...)."""
    es = getattr(xp, "errstate", None)
    return es(all="ignore") if es is not None else contextlib.nullcontext()


def wants_grad(ctx) -> bool:
    """True when forward runs under a recording node that wants the input's gradient."""
    n = ctx.needs_input_grad
    return bool(n) and n[0]


def _arr(xp, v):
    """NumPy full reductions return scalars; saved outputs must be the returned array."""
    return v if is_array(v) else xp.asarray(v)


def _kept_shape(shape, axis):
    """``shape`` with the reduced axes set to 1 (keepdim's shape)."""
    if axis is None:
        return tuple(1 for _ in shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def restore(g, shape, axis, keepdim):
    """Give a reduced value back its reduced axes (as size 1) so it broadcasts
    against the input of ``shape``."""
    if keepdim or not len(shape):
        return g
    return array_module(g).reshape(g, _kept_shape(shape, axis))


def expand_reduced(g, shape, axis, keepdim):
    """Broadcast a reduced gradient back to ``shape``: d sum(x)/dx = 1 everywhere."""
    return array_module(g).broadcast_to(restore(g, shape, axis, keepdim), tuple(shape))


def _count(shape, axis) -> int:
    """How many elements each reduced value combines."""
    n = 1
    for i, s in enumerate(shape):
        if axis is None or i in axis:
            n *= s
    return n


def _evenly(xp, a, value_kept, axis):
    """Weights splitting a gradient evenly among the elements equal to the reduced
    value (PyTorch's rule for max/min/median without dim, amax and amin); NaN results
    select the NaNs."""
    mask = a == value_kept
    if a.dtype.kind == "f":
        nan = xp.isnan(value_kept)
        if nan.any():
            mask = mask | (xp.isnan(a) & nan)
    mask = mask.astype(a.dtype)
    with quiet(xp):
        return mask / xp.sum(mask, axis=axis, keepdims=True)


# ----------------------------------------------------------------------------- sums and means
def _sum(xp, a, axis, keepdims, dtype=None):
    """``xp.sum``, by backend/sums.py for large float32/float64 NumPy arrays (SIMD
    blocks on ember's threads: 3-4x faster than NumPy's pairwise sum, as accurate as
    PyTorch's)."""
    if dtype is None or dtype == a.dtype:
        s = fast_sum(a, axis, keepdims)
        if s is not None:
            return s
    return xp.sum(a, axis=axis, keepdims=keepdims, dtype=dtype)


class Sum(Primitive):
    """Sum over all elements (SumBackward0)."""
    name = "Sum"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False, dtype=None):
        ctx.shape, ctx.axis, ctx.keepdim, ctx.dtype = a.shape, axis, keepdim, a.dtype
        xp = array_module(a)
        if dtype is None and a.dtype.kind == "f" and a.dtype.itemsize < 4:
            return xp.sum(a, axis=axis, keepdims=keepdim, dtype=xp.float32).astype(a.dtype)  # fp16: f32 accumulator
        return _sum(xp, a, axis, keepdim, dtype)

    @staticmethod
    def backward(ctx, g):
        # d sum/dx_i = 1: broadcast the gradient back over the reduced axes
        g = expand_reduced(g, ctx.shape, ctx.axis, ctx.keepdim)
        return g.astype(ctx.dtype) if g.dtype != ctx.dtype else g


class SumDim(Sum):
    """Sum over given dims (SumBackward1)."""
    version = 1


class Mean(Primitive):
    """Mean over all elements (MeanBackward0)."""
    name = "Mean"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False):
        xp = array_module(a)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        ctx.n = _count(a.shape, axis)
        acc = xp.float32 if a.dtype.itemsize < 4 else a.dtype
        with quiet(xp):  # the mean of nothing is 0/0 = nan, as in PyTorch
            return (_sum(xp, a, axis, keepdim, acc) / ctx.n).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # d mean/dx_i = 1/n
        return expand_reduced(g / ctx.n if ctx.n else g, ctx.shape, ctx.axis, ctx.keepdim)


class MeanDim(Mean):
    version = 1


class Nansum(Primitive):
    """Sum treating NaN as zero."""
    name = "Nansum"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False, dtype=None):
        xp = array_module(a)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        if wants_grad(ctx):
            ctx.save((~xp.isnan(a)).astype(a.dtype))
        return xp.nansum(a, axis=axis, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        # d nansum/dx_i = 1 where x_i is a number, 0 where it is NaN
        keep, = ctx.saved
        return expand_reduced(g, ctx.shape, ctx.axis, ctx.keepdim) * keep


# ----------------------------------------------------------------------------- products
class Prod(Primitive):
    """Product of all elements (ProdBackward0); ``axis`` is None or a 1-tuple."""
    name = "Prod"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False, dtype=None):
        xp = array_module(a)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        out = _arr(xp, xp.prod(a, axis=axis, keepdims=keepdim, dtype=dtype))
        if wants_grad(ctx):
            zero = a == 0
            ctx.zeros = None
            if zero.any():
                # constants for the zero case: where x is nonzero, and where x is the only zero of its slice
                count = xp.sum(zero, axis=axis, keepdims=True)
                ctx.zeros = ((~zero).astype(a.dtype), zero.astype(a.dtype), (zero & (count == 1)).astype(a.dtype))
                ctx.raw, ctx.dtype = xp, a.dtype
            ctx.save(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # d prod/dx_i = prod_{j != i} x_j, which is prod/x_i when no x_j is zero.
        # With zeros: nonzero x_i get prod/x_i (= 0 in slices holding a zero); a zero that is
        # alone in its slice gets the product of the others; when a slice holds several
        # zeros every derivative is 0.
        a, out = ctx.saved
        xp = array_module(g)
        g = restore(g, ctx.shape, ctx.axis, ctx.keepdim)
        out = restore(out, ctx.shape, ctx.axis, ctx.keepdim)
        if ctx.zeros is None:
            return g * out / a
        if not is_array(g):  # differentiated again: the exact (quadratic) formula, see _omit_each
            flat, ax = (xp.reshape(a, (-1,)), 0) if ctx.axis is None else (a, ctx.axis[0])
            others = xp.prod(_omit_each(ctx.raw, flat, ax, ctx.dtype), axis=ax + 1)
            return g * xp.reshape(xp.transpose(others, _front_to(ax, flat.ndim)), tuple(ctx.shape))
        nonzero, zero, lone = ctx.zeros
        safe = a * nonzero + zero  # zeros replaced by 1
        axis = None if ctx.axis is None else ctx.axis[0]
        others = xp.prod(safe, axis=axis, keepdims=True)
        return g * out / safe * nonzero + g * others * lone


class ProdDim(Prod):
    version = 1


def _omit_each(raw, a, axis, dtype):
    """Shape (n, *a.shape): slice i is ``a`` with its i-th entry along ``axis`` set to 1,
    so prod/cumprod of slice i are the products that leave x_i out.  Quadratic in n,
    used only to differentiate prod/cumprod twice where x has zeros (PyTorch's double
    backward does the same amount of work); ``raw`` is the array module for constants."""
    n = a.shape[axis]
    eye = raw.eye(n, dtype=dtype).reshape((n,) + tuple(n if k == axis else 1 for k in range(a.ndim)))
    return a * (1.0 - eye) + eye


def _front_to(axis, ndim):
    """Permutation moving axis 0 of an (n, ...) stack to position ``axis``."""
    return tuple(range(1, axis + 1)) + (0,) + tuple(range(axis + 1, ndim))


# ----------------------------------------------------------------------------- max, min, median
class _Evenly(Primitive):
    """Full reductions whose gradient is split evenly among the elements equal to
    the result (ties share it).  Subclasses set ``select(xp, a)``."""

    @staticmethod
    def select(xp, a):  # pragma: no cover - abstract
        raise TypeError("abstract")

    @classmethod
    def forward(cls, ctx, a):
        xp = array_module(a)
        out = _arr(xp, cls.select(xp, a))
        if wants_grad(ctx):
            ctx.save(_evenly(xp, a, out, None))
        return out

    @staticmethod
    def backward(ctx, g):
        # d/dx_i = [x_i == result] / (number of elements equal to the result)
        w, = ctx.saved
        return g * w


class MaxAll(_Evenly):
    name, version = "Max", 1
    select = staticmethod(lambda xp, a: xp.max(a))


class MinAll(_Evenly):
    name, version = "Min", 1
    select = staticmethod(lambda xp, a: xp.min(a))


def _lower_median(xp, a):
    flat = a.reshape(-1)
    n = flat.size
    if n == 0:
        return xp.asarray(xp.nan, dtype=a.dtype)
    if a.dtype.kind == "f" and xp.isnan(flat).any():
        return xp.asarray(xp.nan, dtype=a.dtype)
    k = (n - 1) // 2
    return xp.partition(flat, k)[k]


def _lower_nanmedian(xp, a):
    flat = a.reshape(-1)
    if a.dtype.kind == "f":
        flat = flat[~xp.isnan(flat)]
    if flat.size == 0:
        return xp.asarray(xp.nan, dtype=a.dtype)
    k = (flat.size - 1) // 2
    return xp.partition(flat, k)[k]


class MedianAll(_Evenly):
    """Lower median of all elements (MedianBackward0)."""
    name = "Median"
    select = staticmethod(_lower_median)


class NanmedianAll(_Evenly):
    name = "Nanmedian"
    select = staticmethod(_lower_nanmedian)


class Amax(Primitive):
    """Max over ``axis`` (tuple or None), values only; ties share the gradient."""
    name = "Amax"
    reduce = "max"

    @classmethod
    def forward(cls, ctx, a, axis=None, keepdim=False):
        xp = array_module(a)
        out = _arr(xp, getattr(xp, cls.reduce)(a, axis=axis, keepdims=keepdim))
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        if wants_grad(ctx):
            ctx.save(_evenly(xp, a, restore(out, a.shape, axis, keepdim), axis))
        return out

    @staticmethod
    def backward(ctx, g):
        # d amax/dx_i = [x_i == amax] / (count of ties in the slice)
        w, = ctx.saved
        return restore(g, ctx.shape, ctx.axis, ctx.keepdim) * w


class Amin(Amax):
    name = "Amin"
    reduce = "min"


class Aminmax(Primitive):
    """(min, max) over one axis or all; each output's gradient is split among its ties."""
    name = "Aminmax"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False):
        xp = array_module(a)
        lo = _arr(xp, xp.min(a, axis=axis, keepdims=keepdim))
        hi = _arr(xp, xp.max(a, axis=axis, keepdims=keepdim))
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        if wants_grad(ctx):
            ctx.save(_evenly(xp, a, restore(lo, a.shape, axis, keepdim), axis),
                     _evenly(xp, a, restore(hi, a.shape, axis, keepdim), axis))
        return lo, hi

    @staticmethod
    def backward(ctx, g):
        # each output as amin / amax; the two contributions add
        glo, ghi = g
        wlo, whi = ctx.saved
        r = ctx.shape, ctx.axis, ctx.keepdim
        return restore(glo, *r) * wlo + restore(ghi, *r) * whi


def _one_hot(xp, idx_kept, shape, axis, dtype):
    """1 at the selected index along ``axis``, 0 elsewhere (a constant of x's shape)."""
    pos = xp.arange(shape[axis]).reshape(tuple(-1 if i == axis else 1 for i in range(len(shape))))
    return (pos == idx_kept).astype(dtype)


def _median_index(xp, a, axis, nan_ignoring):
    """Index of the lower median along ``axis`` (kept dim).  Ties resolve as in
    PyTorch: the element in position (n-1)//2 of a stable sort.  A slice with NaN
    gives its first NaN (median), or NaN is skipped (nanmedian)."""
    n = a.shape[axis]
    isf = a.dtype.kind == "f"
    nan = xp.isnan(a) if isf else None
    has_nan = nan is not None and bool(nan.any())
    if nan_ignoring and has_nan:
        order = xp.argsort(a, axis=axis, kind="stable")  # NaNs sort last
        k = xp.maximum(xp.sum(~nan, axis=axis, keepdims=True) - 1, 0) // 2
        return xp.take_along_axis(order, k, axis=axis)
    k = (n - 1) // 2
    # linear time: the median value v by partition; the stable sort puts at position k
    # the (k - #{x < v} + 1)-th occurrence of v, in the slice's order
    v = xp.take(xp.partition(a, k, axis=axis), [k], axis=axis)
    less = xp.sum(a < v, axis=axis, keepdims=True)
    eq = a == v
    idx = xp.argmax(eq & (xp.cumsum(eq, axis=axis) == k - less + 1), axis=axis, keepdims=True)
    if has_nan:
        idx = xp.where(xp.any(nan, axis=axis, keepdims=True), xp.argmax(nan, axis=axis, keepdims=True), idx)
    return idx


def _mode_index(xp, a, axis):
    """Index of the most frequent value along ``axis`` (kept dim): the smallest such
    value, at its last occurrence (PyTorch's choice)."""
    order = xp.argsort(a, axis=axis, kind="stable")
    s = xp.take_along_axis(a, order, axis=axis)
    n = a.shape[axis]
    pos = xp.arange(n).reshape(tuple(-1 if i == axis else 1 for i in range(a.ndim)))
    pos = xp.broadcast_to(pos, a.shape)
    first = xp.ones(a.shape, dtype=bool)
    tail = [slice(None)] * a.ndim
    head = list(tail)
    tail[axis], head[axis] = slice(1, None), slice(None, -1)
    first[tuple(tail)] = s[tuple(tail)] != s[tuple(head)]
    start = accumulate(xp, "maximum", xp.where(first, pos, 0), axis)
    run = pos - start + 1  # how many equal values so far in this run of the sorted slice
    j = xp.argmax(run, axis=axis, keepdims=True)  # end of the first (smallest) longest run
    return xp.take_along_axis(order, j, axis=axis)


class MaxDim(Primitive):
    """(values, indices) along one axis (MaxBackward0); the gradient goes to the
    returned index."""
    name = "Max"

    @staticmethod
    def find(xp, a, axis):
        return xp.argmax(a, axis=axis, keepdims=True)

    @classmethod
    def forward(cls, ctx, a, axis, keepdim=False):
        xp = array_module(a)
        idx = cls.find(xp, a, axis).astype(xp.int64, copy=False)
        vals = xp.take_along_axis(a, idx, axis=axis)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, (axis,), keepdim
        if wants_grad(ctx):
            ctx.save(_one_hot(xp, idx, a.shape, axis, a.dtype))
        if not keepdim:
            vals, idx = xp.squeeze(vals, axis=axis), xp.squeeze(idx, axis=axis)
        return vals, idx

    @staticmethod
    def backward(ctx, g):
        # d values/dx_i = 1 at the returned index of each slice, 0 elsewhere
        hot, = ctx.saved
        return restore(g[0], ctx.shape, ctx.axis, ctx.keepdim) * hot


class MinDim(MaxDim):
    name = "Min"
    find = staticmethod(lambda xp, a, axis: xp.argmin(a, axis=axis, keepdims=True))


class MedianDim(MaxDim):
    name, version = "Median", 1
    find = staticmethod(lambda xp, a, axis: _median_index(xp, a, axis, False))


class NanmedianDim(MaxDim):
    name, version = "Nanmedian", 1
    find = staticmethod(lambda xp, a, axis: _median_index(xp, a, axis, True))


class ModeDim(MaxDim):
    name = "Mode"
    find = staticmethod(_mode_index)


# ----------------------------------------------------------------------------- variance and std
def _var(xp, a, axis, keepdim, correction):
    """(variance, mean kept-dim) in two passes, as NumPy and PyTorch compute it."""
    n = _count(a.shape, axis)
    with quiet(xp):
        m = xp.sum(a, axis=axis, keepdims=True) / n
        d = a - m
        v = xp.sum(d * d, axis=axis, keepdims=keepdim) / max(0, n - correction)
    return _arr(xp, v), m


def _centered(xp, a, ctx):
    """x - mean(x) over the reduced axes, recomputed from x so that it stays
    differentiable under create_graph (sum / n: an empty input has no mean to warn about)."""
    return a - xp.sum(a, axis=ctx.axis, keepdims=True) / max(_count(ctx.shape, ctx.axis), 1)


class Var(Primitive):
    """Variance with ``correction`` (1 = unbiased, 0 = biased)."""
    name = "Var"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False, correction=1):
        xp = array_module(a)
        v, _ = _var(xp, a, axis, keepdim, correction)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        ctx.dof = max(0, _count(a.shape, axis) - correction)
        ctx.save(a)
        return v

    @staticmethod
    def backward(ctx, g):
        # d var/dx_i = 2 (x_i - mean) / (n - correction)
        a, = ctx.saved
        xp = array_module(g)
        g = restore(g, ctx.shape, ctx.axis, ctx.keepdim)
        with quiet(xp):  # no degrees of freedom: inf * 0 = nan, as in PyTorch
            return g * (2.0 / ctx.dof if ctx.dof else float("inf")) * _centered(xp, a, ctx)


class Std(Primitive):
    """Standard deviation: sqrt(var)."""
    name = "Std"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False, correction=1):
        xp = array_module(a)
        v, _ = _var(xp, a, axis, keepdim, correction)
        s = _arr(xp, xp.sqrt(v))
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        ctx.dof = max(0, _count(a.shape, axis) - correction)
        if wants_grad(ctx):
            ctx.save(a, s, _zero_mask(s))
        return s

    @staticmethod
    def backward(ctx, g):
        # d std/dx_i = (x_i - mean) / ((n - correction) std); 0 where std = 0 (PyTorch's choice)
        a, s, zero = ctx.saved
        return _std_grad(g, a, s, zero, ctx)


def _zero_mask(s):
    """Where a std or norm is 0, as a float constant; None when nowhere (the usual case)."""
    z = s == 0
    return z.astype(s.dtype) if z.any() else None


def _std_grad(g, a, s, zero, ctx):
    xp = array_module(g)
    r = ctx.shape, ctx.axis, ctx.keepdim
    g, s = restore(g, *r), restore(s, *r)
    with quiet(xp):
        d = _centered(xp, a, ctx)
    if zero is None:
        with quiet(xp):
            return g * d / (s * ctx.dof)
    zero = restore(zero, *r)
    return g * d / ((s + zero) * ctx.dof) * (1 - zero)


class VarMean(Primitive):
    """(var, mean) in one pass over the data."""
    name = "VarMean"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False, correction=1):
        xp = array_module(a)
        v, m = _var(xp, a, axis, keepdim, correction)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        ctx.n = _count(a.shape, axis)
        ctx.dof = max(0, ctx.n - correction)
        ctx.save(a)
        return v, _arr(xp, m if keepdim else m.reshape(v.shape))

    @staticmethod
    def backward(ctx, g):
        # var part as Var.backward, plus d mean/dx_i = 1/n
        gv, gm = g
        a, = ctx.saved
        xp = array_module(gv)
        r = ctx.shape, ctx.axis, ctx.keepdim
        with quiet(xp):
            d = _centered(xp, a, ctx)
            gx = restore(gv, *r) * (2.0 / ctx.dof if ctx.dof else float("inf")) * d
        return gx + restore(gm, *r) / ctx.n if ctx.n else gx


class StdMean(Primitive):
    name = "StdMean"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False, correction=1):
        xp = array_module(a)
        v, m = _var(xp, a, axis, keepdim, correction)
        s = _arr(xp, xp.sqrt(v))
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        ctx.n = _count(a.shape, axis)
        ctx.dof = max(0, ctx.n - correction)
        if wants_grad(ctx):
            ctx.save(a, s, _zero_mask(s))
        return s, _arr(xp, m if keepdim else m.reshape(v.shape))

    @staticmethod
    def backward(ctx, g):
        # std part as Std.backward, plus d mean/dx_i = 1/n
        gs, gm = g
        a, s, zero = ctx.saved
        gx = _std_grad(gs, a, s, zero, ctx)
        return gx + restore(gm, ctx.shape, ctx.axis, ctx.keepdim) / ctx.n if ctx.n else gx


# ----------------------------------------------------------------------------- logsumexp and norms
class Logsumexp(Primitive):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m the max (finite)."""
    name = "Logsumexp"

    @staticmethod
    def forward(ctx, a, axis=None, keepdim=False):
        xp = array_module(a)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        with quiet(xp):
            if a.size == 0:
                out = xp.log(xp.sum(xp.exp(a), axis=axis, keepdims=keepdim))
            else:
                m = xp.max(a, axis=axis, keepdims=True)
                m = xp.where(xp.isinf(m), 0, m).astype(a.dtype, copy=False)  # all -inf (or +inf) slices
                out = xp.log(_sum(xp, xp.exp(a - m), axis, True)) + m
                if not keepdim:
                    out = out.reshape(tuple(s for i, s in enumerate(a.shape)
                                            if axis is not None and i not in axis))
        out = _arr(xp, out)
        ctx.save(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # d lse/dx_i = exp(x_i - lse) (the softmax of x)
        a, out = ctx.saved
        xp = array_module(g)
        r = ctx.shape, ctx.axis, ctx.keepdim
        return restore(g, *r) * xp.exp(a - restore(out, *r))


class Norm(Primitive):
    """Vector p-norm over ``axis`` (PyTorch's linalg.vector_norm)."""
    name = "LinalgVectorNorm"

    @staticmethod
    def forward(ctx, a, p=2.0, axis=None, keepdim=False):
        xp = array_module(a)
        ctx.shape, ctx.axis, ctx.keepdim, ctx.p = a.shape, axis, keepdim, p
        inf = float("inf")
        with quiet(xp):
            if p == 2:
                if axis is None and not keepdim and a.size:
                    flat = a.reshape(-1)
                    out = xp.sqrt(xp.dot(flat, flat))
                else:
                    out = xp.sqrt(xp.sum(a * a, axis=axis, keepdims=keepdim))
            elif p == 1:
                out = xp.sum(xp.abs(a), axis=axis, keepdims=keepdim)
            elif p == inf:
                out = xp.max(xp.abs(a), axis=axis, keepdims=keepdim)
            elif p == -inf:
                out = xp.min(xp.abs(a), axis=axis, keepdims=keepdim)
            elif p == 0:
                out = xp.sum(a != 0, axis=axis, keepdims=keepdim).astype(a.dtype)
            else:
                out = xp.sum(xp.abs(a) ** p, axis=axis, keepdims=keepdim) ** (1.0 / p)
        out = _arr(xp, out).astype(a.dtype, copy=False)
        if wants_grad(ctx):
            kept = restore(out, a.shape, axis, keepdim)
            if p in (inf, -inf):
                w = xp.sign(a) * _evenly(xp, xp.abs(a), kept, axis)
                ctx.save(w)
            elif p == 1:
                ctx.save(xp.sign(a))
            elif p == 0:
                ctx.save()
            else:
                # constants: where the norm is 0 (and, for p < 1, where x is 0)
                zn = _zero_mask(out)
                zx = _zero_mask(a) if p < 1 else None
                ctx.save(a, out, zn, zx)
        return out

    @staticmethod
    def backward(ctx, g):
        p = ctx.p
        r = ctx.shape, ctx.axis, ctx.keepdim
        g = restore(g, *r)
        if p == 0:
            return None  # the count of nonzeros is piecewise constant; PyTorch leaves the grad undefined
        if p == 1 or p in (float("inf"), float("-inf")):
            # p=1: d/dx_i = sign(x_i); p=+-inf: sign(x_i) at the extreme |x_i| (ties share)
            w, = ctx.saved
            return g * w
        a, out, zn, zx = ctx.saved
        xp = array_module(g)
        out = restore(out, *r)
        if zn is not None:
            zn = restore(zn, *r)
        if p == 2:
            # d ||x||/dx_i = x_i / ||x||; at the zero vector 0 (PyTorch's subgradient), which
            # the (1 - zn) factor keeps when this formula is differentiated again
            return g * a / out if zn is None else g * a / (out + zn) * (1 - zn)
        # d/dx_i = sign(x_i) |x_i|^(p-1) ||x||^(1-p); 0 where x_i = 0 (p < 1: |x_i| made 1 there,
        # sign 0 zeroes it) or where ||x|| = 0 (p > 1)
        absa = xp.abs(a) if zx is None else xp.abs(a) + zx
        scaled = xp.sign(a) * absa ** (p - 1)
        if zn is None or p < 1:
            return g * scaled * out ** (1 - p)
        return g * scaled * (out + zn) ** (1 - p) * (1 - zn)


class NuclearNorm(Primitive):
    """Sum of singular values over the two given axes (torch.norm(p='nuc')).  PyTorch
    computes it as sum(svdvals) and shows SumBackward1."""
    name, version = "Sum", 1

    @staticmethod
    def forward(ctx, a, axes, keepdim=False):
        xp = array_module(a)
        i, j = axes
        rest = [k for k in range(a.ndim) if k not in axes]
        m = xp.transpose(a, rest + [i, j])
        u, s, vh = xp.linalg.svd(m, full_matrices=False)
        out = xp.sum(s, axis=-1)
        ctx.perm, ctx.shape, ctx.axes, ctx.keepdim = rest + [i, j], a.shape, tuple(sorted(axes)), keepdim
        if keepdim:
            out = out.reshape(_kept_shape(a.shape, ctx.axes))
        if wants_grad(ctx):
            ctx.save(xp.matmul(u, vh))
        return _arr(xp, out)

    @staticmethod
    def backward(ctx, g):
        # d sum(s)/dA = U V^H (for distinct nonzero singular values)
        uv, = ctx.saved
        xp = array_module(g)
        g = xp.reshape(g, tuple(uv.shape[:-2]) + (1, 1))
        inv = [0] * len(ctx.perm)
        for k, pk in enumerate(ctx.perm):
            inv[pk] = k
        return xp.transpose(g * uv, inv)


# ----------------------------------------------------------------------------- scans
class Cumsum(Primitive):
    name = "Cumsum"

    @staticmethod
    def forward(ctx, a, axis, dtype=None):
        xp = array_module(a)
        ctx.axis, ctx.dtype = axis, a.dtype
        if a.ndim == 0:
            return a.astype(dtype or a.dtype, copy=True)
        return xp.cumsum(a, axis=axis, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        # d y_j/dx_i = [j >= i]: the gradient is the reversed cumulative sum of g
        xp = array_module(g)
        if g.ndim == 0:
            gx = g
        else:
            gx = xp.flip(xp.cumsum(xp.flip(g, ctx.axis), axis=ctx.axis), ctx.axis)
        return gx.astype(ctx.dtype) if gx.dtype != ctx.dtype else gx


def _rev_cumsum(xp, g, axis):
    return xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis)


class Cumprod(Primitive):
    name = "Cumprod"

    @staticmethod
    def forward(ctx, a, axis, dtype=None):
        xp = array_module(a)
        ctx.axis = axis
        if a.ndim == 0:
            out = a.astype(dtype or a.dtype, copy=True)
        else:
            out = xp.cumprod(a, axis=axis, dtype=dtype)
        ctx.zeros = None
        if wants_grad(ctx) and a.ndim:
            zero = a == 0
            if zero.any():
                # first zero of each slice, the elements before it, and those from it on
                after = xp.cumsum(zero, axis=axis) > 0
                first = after & ~xp.concatenate(
                    [xp.zeros_like(xp.take(after, [0], axis=axis)),
                     xp.take(after, range(a.shape[axis] - 1), axis=axis)], axis=axis)
                ctx.zeros = tuple(m.astype(a.dtype) for m in (~after, first, after))
                ctx.raw, ctx.dtype = xp, a.dtype
        ctx.save(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # y_j = prod_{k<=j} x_k.  Without zeros: dL/dx_i = sum_{j>=i} g_j y_j / x_i.
        # With a first zero at k in a slice: i < k as above (y_j = 0 for j >= k);
        # i = k gets sum_{j>=k} g_j prod_{l<=j, l!=k} x_l; i > k gets 0.
        a, out = ctx.saved
        xp = array_module(g)
        if g.ndim == 0:
            return g
        axis = ctx.axis
        if ctx.zeros is None:
            return _rev_cumsum(xp, g * out, axis) / a
        if not is_array(g):  # differentiated again: exact quadratic formula (see _omit_each)
            n = a.shape[axis]
            upper = ctx.raw.triu(ctx.raw.ones((n, n), dtype=ctx.dtype)).reshape(
                (n,) + tuple(n if k == axis else 1 for k in range(a.ndim)))  # [j >= i]
            c = xp.cumprod(_omit_each(ctx.raw, a, axis, ctx.dtype), axis=axis + 1)
            return xp.transpose(xp.sum(g * c * upper, axis=axis + 1), _front_to(axis, a.ndim))
        before, first, after = ctx.zeros
        safe = a * before + after  # x where nonzero-prefix, 1 from the first zero on
        part = _rev_cumsum(xp, g * out, axis) / safe * before
        skip = a * (1 - first) + first  # the first zero replaced by 1
        at_zero = xp.sum(g * xp.cumprod(skip, axis=axis) * after, axis=axis, keepdims=True)
        return part + at_zero * first


class Cummax(Primitive):
    """Running max (values, indices); ties and NaNs take the latest index."""
    name = "Cummax"
    ufunc = "maximum"

    @classmethod
    def forward(cls, ctx, a, axis):
        xp = array_module(a)
        ctx.axis, ctx.shape = axis, a.shape
        if a.ndim == 0:
            ctx.save(xp.zeros((), dtype=xp.int64))
            return a.copy(), xp.zeros((), dtype=xp.int64)
        vals = accumulate(xp, cls.ufunc, a, axis)
        pos = xp.arange(a.shape[axis], dtype=xp.int64).reshape(
            tuple(-1 if i == axis else 1 for i in range(a.ndim)))
        hit = a == vals
        if a.dtype.kind == "f":
            hit |= xp.isnan(a)
        idx = accumulate(xp, "maximum", xp.where(hit, pos, 0), axis)
        ctx.save(idx)
        return vals, idx

    @staticmethod
    def backward(ctx, g):
        # d values_j/dx_i = [indices_j == i]: scatter-add the gradient to the indices
        g = g[0]
        idx, = ctx.saved
        xp = array_module(g)
        if g.ndim == 0 or g.size == 0:
            return g
        gm = xp.moveaxis(g, ctx.axis, -1)
        im = xp.moveaxis(idx, ctx.axis, -1)
        n = gm.shape[-1]
        flat = xp.zeros(gm.size, dtype=g.dtype)
        rows = xp.arange(gm.size // n if n else 0, dtype=xp.int64).reshape(gm.shape[:-1] + (1,)) * n
        xp.add.at(flat, (rows + im).reshape(-1), gm.reshape(-1))
        return xp.moveaxis(flat.reshape(gm.shape), -1, ctx.axis)


class Cummin(Cummax):
    name = "Cummin"
    ufunc = "minimum"
