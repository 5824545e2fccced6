"""Shape primitives: reshapes, axis permutations, broadcasting, slicing along one
axis, joining and splitting, flips, rolls, repeats, triangles and diagonals.

The ones whose result shares memory with the input (reshape when the strides allow
it, transposes, expand, narrow, select, split, unbind, diagonal) are marked
``view = True``; the Tensor layer links their results to the base tensor.

Backward formulas that need a primitive with no NumPy spelling (narrow's
zero-padding, select's scatter, the segment sums of repeat_interleave) call it
through ``run``: directly on arrays, recorded on tensors, so every backward here
can itself be differentiated (``create_graph=True``).
"""
from __future__ import annotations

import numpy as np

from .base import Primitive, array_module, unbroadcast

__all__ = ["View", "UnsafeView", "Squeeze", "SqueezeDim", "SqueezeDims", "Unsqueeze", "UnsqueezeInplace",
           "Permute", "Transpose", "TransposeInplace", "T", "TInplace", "Expand", "Narrow", "SliceScatter",
           "Select", "SelectScatter", "Split", "SplitWithSizes", "SplitView", "Unbind", "UnbindView",
           "Cat", "Stack", "Flip", "Roll", "Repeat", "RepeatInterleave", "SegmentSum", "Tril", "Triu",
           "Diagonal", "DiagonalCopy", "DiagonalScatter", "DiagEmbed", "run", "view_possible"]


class _Scratch:
    """The ctx of a forward run inside another primitive's backward on arrays (nothing recorded)."""

    needs_input_grad = ()

    def save(self, *values) -> None:
        pass


def run(op, *arrays, **kwargs):
    """Apply primitive ``op`` inside a backward formula: its forward on arrays, or
    recorded through the tensor namespace when the formula runs on tensors."""
    record = getattr(array_module(arrays[0]), "apply_op", None)
    if record is None:
        return op.forward(_Scratch(), *arrays, **kwargs)
    return record(op, *arrays, **kwargs)


def _along(axis: int, index):
    """An index tuple selecting ``index`` on ``axis`` (an Ellipsis keeps 0-d results arrays)."""
    return (slice(None),) * axis + (index, Ellipsis)


def view_possible(shape, strides, new_shape) -> bool:
    """Whether an array of ``shape``/``strides`` (in elements) can be viewed as
    ``new_shape`` without copying: PyTorch's rule (``computeStride``).  Each run of
    dims that is contiguous in memory must be covered exactly by new dims."""
    if len(shape) == 0 or 0 in shape:
        return True
    view_d = len(new_shape) - 1
    chunk_base = strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return False
            if d > 0:
                chunk_base = strides[d - 1]
                tensor_numel = view_numel = 1
    return view_d == -1


# ---------------------------------------------------------------------------- reshapes
class _Reshape(Primitive):
    """Same values, new shape (the wrapper computes ``shape``)."""

    view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return array_module(a).reshape(a, shape)

    @staticmethod
    def backward(ctx, g):
        # reshaping moves no values: reshape the gradient back
        return array_module(g).reshape(g, ctx.in_shape)


class View(_Reshape):
    """view / reshape when the strides allow a view."""
    name = "View"


class UnsafeView(_Reshape):
    """reshape that has to copy (PyTorch's ``_unsafe_view`` of a contiguous copy)."""
    name = "UnsafeView"
    view = False

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return array_module(a).reshape(a, shape).copy()


class Squeeze(_Reshape):
    """squeeze() of every size-1 dim."""
    name = "Squeeze"


class SqueezeDim(Squeeze):
    """squeeze(dim)."""
    version = 1


class SqueezeDims(Squeeze):
    """squeeze((d0, d1, ...))."""
    version = 2


class Unsqueeze(_Reshape):
    name = "Unsqueeze"


class UnsqueezeInplace(Unsqueeze):
    version = 1


# ---------------------------------------------------------------------------- axis orders
class Permute(Primitive):
    """Reorder axes: permute, movedim, T."""
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


class Transpose(Permute):
    """transpose / swapaxes / swapdims / mT (a permutation that swaps two axes)."""
    name = "Transpose"


class TransposeInplace(Transpose):
    version = 1


class T(Permute):
    """t()."""
    name = "T"


class TInplace(T):
    version = 1


# ---------------------------------------------------------------------------- broadcasting
class Expand(Primitive):
    """expand / broadcast_to: new leading dims and size-1 dims stretched, as a view.

    A result that really repeats memory is read-only (as PyTorch refuses in-place
    writes into it); one that only adds size-1 dims stays writable."""
    name = "Expand"
    view = True

    @staticmethod
    def forward(ctx, a, shape):
        xp = array_module(a)
        ctx.in_shape = a.shape
        lead = len(shape) - a.ndim
        if lead:
            a = xp.expand_dims(a, tuple(range(lead)))
        if tuple(a.shape) == tuple(shape):
            return a
        return xp.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        # d expand(x)/dx sums the gradient over every stretched or added dim
        return unbroadcast(g, ctx.in_shape)


# ---------------------------------------------------------------------------- one axis
class Narrow(Primitive):
    """narrow(dim, start, length): a slice along one axis, as a view."""
    name = "Slice"
    view = True

    @staticmethod
    def forward(ctx, a, axis, start, length):
        ctx.in_shape, ctx.axis, ctx.start = a.shape, axis, start
        return a[_along(axis, slice(start, start + length))]

    @staticmethod
    def backward(ctx, g):
        # the slice's gradient lands in its place; zeros elsewhere
        return run(SliceScatter, g, ctx.in_shape, ctx.axis, ctx.start)


class SliceScatter(Primitive):
    """Zeros of ``shape`` with ``a`` written at [start, start + len) on ``axis``
    (narrow's backward; its own backward is the narrow)."""
    name = "SliceScatter"

    @staticmethod
    def forward(ctx, a, shape, axis, start):
        ctx.axis, ctx.start, ctx.length = axis, start, a.shape[axis]
        out = array_module(a).zeros(shape, dtype=a.dtype)
        out[_along(axis, slice(start, start + a.shape[axis]))] = a
        return out

    @staticmethod
    def backward(ctx, g):
        # only the written region depends on a
        return run(Narrow, g, ctx.axis, ctx.start, ctx.length)


class Select(Primitive):
    """select(dim, index): one position along an axis (that axis removed), as a view."""
    name = "Select"
    view = True

    @staticmethod
    def forward(ctx, a, axis, index):
        ctx.in_shape, ctx.axis, ctx.index = a.shape, axis, index
        return a[_along(axis, index)]

    @staticmethod
    def backward(ctx, g):
        # gradient at the selected position, zeros elsewhere
        return run(SelectScatter, g, ctx.in_shape, ctx.axis, ctx.index)


class SelectScatter(Primitive):
    """Zeros of ``shape`` with ``a`` written at ``index`` on ``axis`` (select's backward)."""
    name = "SelectScatter"

    @staticmethod
    def forward(ctx, a, shape, axis, index):
        ctx.axis, ctx.index = axis, index
        out = array_module(a).zeros(shape, dtype=a.dtype)
        out[_along(axis, index)] = a
        return out

    @staticmethod
    def backward(ctx, g):
        return run(Select, g, ctx.axis, ctx.index)


# ---------------------------------------------------------------------------- split / join
class Split(Primitive):
    """split(int) and chunk: consecutive pieces of ``sizes`` along an axis, each a view."""
    name = "Split"
    view = True

    @staticmethod
    def forward(ctx, a, sizes, axis):
        ctx.axis = axis
        out, start = [], 0
        for s in sizes:
            out.append(a[_along(axis, slice(start, start + s))])
            start += s
        return tuple(out)

    @staticmethod
    def backward(ctx, grads):
        # the pieces' gradients laid side by side (missing ones arrive as zeros)
        if not isinstance(grads, tuple):
            return grads
        return run(Cat, *grads, axis=ctx.axis)


class SplitWithSizes(Split):
    """split([sizes])."""
    name = "SplitWithSizes"


class SplitView(Narrow):
    """How an output of split/chunk is replayed from its base (a narrow), marked as
    one of several views made by one function: PyTorch forbids in-place writes
    into those while gradients are recorded."""
    multi_output = "Split"

    @staticmethod
    def forward(ctx, a, axis, start, length, output=0):
        return Narrow.forward(ctx, a, axis, start, length)


class Unbind(Primitive):
    """unbind(dim): every position along an axis, each a view without that axis."""
    name = "Unbind"
    view = True

    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return tuple(a[_along(axis, i)] for i in range(a.shape[axis]))

    @staticmethod
    def backward(ctx, grads):
        # the positions' gradients stacked back along the axis
        if not isinstance(grads, tuple):
            grads = (grads,)
        return run(Stack, *grads, axis=ctx.axis)


class UnbindView(Select):
    """How an output of unbind is replayed from its base (a select); see SplitView."""
    multi_output = "Unbind"

    @staticmethod
    def forward(ctx, a, axis, index, output=0):
        return Select.forward(ctx, a, axis, index)


def _skipped(a) -> bool:
    """PyTorch's cat ignores 1-D empty tensors (shape (0,)) whatever the other shapes."""
    return a.ndim == 1 and a.shape[0] == 0


class Cat(Primitive):
    """cat along ``axis`` (inputs already share one dtype) in one concatenate."""
    name = "Cat"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        xp = array_module(arrays[0])
        parts = [a for a in arrays if not _skipped(a)]
        ctx.axis = axis
        ctx.skipped = [_skipped(a) for a in arrays]
        ctx.lengths = [0 if sk else a.shape[axis] for sk, a in zip(ctx.skipped, arrays)]
        if not parts:
            return xp.concatenate(arrays)
        return xp.concatenate(parts, axis=axis)

    @staticmethod
    def backward(ctx, g):
        # each input gets its own stretch of the gradient (empty skipped inputs: empty grads)
        out, start = [], 0
        needs = ctx.needs_input_grad or [True] * len(ctx.lengths)
        for n, skipped, length in zip(needs, ctx.skipped, ctx.lengths):
            if n:
                piece = run(Narrow, g, ctx.axis, start, length)
                out.append(array_module(piece).reshape(piece, (0,)) if skipped else piece)
            else:
                out.append(None)
            start += length
        return tuple(out)


class Stack(Primitive):
    """stack along a new ``axis`` (inputs share shape and dtype)."""
    name = "Stack"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis, ctx.n = axis, len(arrays)
        return array_module(arrays[0]).stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        # input i gets the gradient's slice i along the new axis
        needs = ctx.needs_input_grad or [True] * ctx.n
        return tuple(run(Select, g, ctx.axis, i) if needs[i] else None for i in range(ctx.n))


# ---------------------------------------------------------------------------- reorder values
class Flip(Primitive):
    """flip(dims): reverse the order along ``axes`` (a copy, as PyTorch)."""
    name = "Flip"

    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return array_module(a).flip(a, axes).copy()

    @staticmethod
    def backward(ctx, g):
        # flipping is its own inverse
        return run(Flip, g, ctx.axes)


class Roll(Primitive):
    """roll(shifts, dims): cyclic shift along ``axes`` (None: over the flattened array)."""
    name = "Roll"

    @staticmethod
    def forward(ctx, a, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return array_module(a).roll(a, shifts, axes)

    @staticmethod
    def backward(ctx, g):
        # roll back by the opposite shifts
        neg = -ctx.shifts if isinstance(ctx.shifts, int) else tuple(-s for s in ctx.shifts)
        return run(Roll, g, neg, ctx.axes)


class Repeat(Primitive):
    """repeat / tile: the whole array tiled ``reps`` times per dim (len(reps) >= ndim)."""
    name = "Repeat"

    @staticmethod
    def forward(ctx, a, reps):
        ctx.in_shape = a.shape
        ctx.reps = reps
        return array_module(a).tile(a, reps)

    @staticmethod
    def backward(ctx, g):
        # each input element appears once per tile: view the gradient as
        # (r0, s0, r1, s1, ...) and sum over the tile axes r_i
        xp = array_module(g)
        reps = ctx.reps
        shape = (1,) * (len(reps) - len(ctx.in_shape)) + tuple(ctx.in_shape)
        split = []
        for r, s in zip(reps, shape):
            split += [r, s]
        g = xp.reshape(g, tuple(split))
        g = xp.sum(g, axis=tuple(range(0, 2 * len(reps), 2)))
        return xp.reshape(g, ctx.in_shape)


class RepeatInterleave(Primitive):
    """repeat_interleave with per-position repeats (a NumPy int array) along ``axis``."""
    name = "IndexSelect"

    @staticmethod
    def forward(ctx, a, repeats, axis):
        ctx.repeats, ctx.axis = repeats, axis
        return array_module(a).repeat(a, repeats if isinstance(a, np.ndarray) else repeats.tolist(), axis)

    @staticmethod
    def backward(ctx, g):
        # each input position receives the sum of the gradients of its copies
        return run(SegmentSum, g, ctx.repeats, ctx.axis)


class SegmentSum(Primitive):
    """Sums of consecutive runs of ``repeats`` positions along ``axis`` (zero-length runs give 0)."""
    name = "SegmentSum"

    @staticmethod
    def forward(ctx, a, repeats, axis):
        xp = array_module(a)
        ctx.repeats, ctx.axis = repeats, axis
        shape = list(a.shape)
        shape[axis] = len(repeats)
        out = xp.zeros(tuple(shape), dtype=a.dtype)
        nz = np.flatnonzero(repeats)
        if len(nz) and a.size:
            starts = (np.cumsum(repeats) - repeats)[nz]
            idx = nz if isinstance(a, np.ndarray) else xp.asarray(nz)
            out[_along(axis, idx)] = xp.add.reduceat(a, starts if isinstance(a, np.ndarray) else
                                                     xp.asarray(starts), axis=axis)
        return out

    @staticmethod
    def backward(ctx, g):
        return run(RepeatInterleave, g, ctx.repeats, ctx.axis)


# ---------------------------------------------------------------------------- triangles, diagonals
class Tril(Primitive):
    """Lower triangle of the last two dims (on and below diagonal ``k``), zeros elsewhere."""
    name = "Tril"

    @staticmethod
    def forward(ctx, a, k):
        ctx.k = k
        return array_module(a).tril(a, k)

    @staticmethod
    def backward(ctx, g):
        # the kept entries pass the gradient through
        return run(Tril, g, ctx.k)


class Triu(Primitive):
    """Upper triangle of the last two dims (on and above diagonal ``k``)."""
    name = "Triu"

    @staticmethod
    def forward(ctx, a, k):
        ctx.k = k
        return array_module(a).triu(a, k)

    @staticmethod
    def backward(ctx, g):
        return run(Triu, g, ctx.k)


def _diagonal_view(a, offset, axis1, axis2):
    """A writable view of a diagonal (NumPy hands out a read-only one)."""
    d = array_module(a).diagonal(a, offset, axis1, axis2)
    if isinstance(d, np.ndarray) and not d.flags.writeable and a.flags.writeable:
        d.flags.writeable = True
    return d


class Diagonal(Primitive):
    """diagonal(offset, dim1, dim2): the diagonal as the last dim, as a view."""
    name = "Diagonal"
    view = True

    @staticmethod
    def forward(ctx, a, offset, axis1, axis2):
        ctx.in_shape, ctx.args = a.shape, (offset, axis1, axis2)
        return _diagonal_view(a, offset, axis1, axis2)

    @staticmethod
    def backward(ctx, g):
        # the gradient goes back onto the diagonal, zeros elsewhere
        return run(DiagonalScatter, g, ctx.in_shape, *ctx.args)


class DiagonalCopy(Diagonal):
    """diag() of a matrix: the diagonal as a new array."""
    view = False

    @staticmethod
    def forward(ctx, a, offset, axis1, axis2):
        ctx.in_shape, ctx.args = a.shape, (offset, axis1, axis2)
        return array_module(a).diagonal(a, offset, axis1, axis2).copy()


class DiagonalScatter(Primitive):
    """Zeros of ``shape`` with ``a``'s last dim written on the (offset, axis1, axis2) diagonal."""
    name = "DiagonalScatter"

    @staticmethod
    def forward(ctx, a, shape, offset, axis1, axis2):
        ctx.args = (offset, axis1, axis2)
        out = array_module(a).zeros(shape, dtype=a.dtype)
        _diagonal_view(out, offset, axis1, axis2)[...] = a
        return out

    @staticmethod
    def backward(ctx, g):
        # only the diagonal depends on a
        return run(Diagonal, g, *ctx.args)


class DiagEmbed(DiagonalScatter):
    """diag_embed and diag() of a vector."""
    name = "DiagEmbed"
