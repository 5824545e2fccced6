"""Functions that move or copy values into a new layout: flip, roll, repeat, tile,
repeat_interleave, tril/triu, diag, diagonal (a view) and diag_embed."""
from __future__ import annotations

import numpy as np

from ..ops import shape as S
from .shape import _int, expand, flatten, int_args, unsqueeze, view
from .tensor import Tensor
from .wrap import apply, normalize_axis, view_apply

__all__ = ["flip", "fliplr", "flipud", "roll", "tile", "repeat_interleave", "tril", "triu", "diag", "diagonal",
           "diag_embed"]


def _unique_dims(op: str, dims, n: int) -> tuple:
    axes = tuple(normalize_axis(d, n, op) for d in dims)
    for a in axes:
        if axes.count(a) > 1:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return axes


def flip(input: Tensor, *dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy)."""
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    dims = int_args("flip", dims, "dims")
    axes = _unique_dims("flip", dims, input.ndim)
    return apply(S.Flip, input, axes if input.ndim else ())


def fliplr(input: Tensor) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along ``dims`` (over the flattened tensor when dims is None)."""
    shifts = int_args("roll", (shifts,) if not isinstance(shifts, (tuple, list)) else (tuple(shifts),), "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return apply(S.Roll, input, shifts[0], None)
    dims = int_args("roll", (dims,) if not isinstance(dims, (tuple, list)) else (tuple(dims),), "dims")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    axes = tuple(normalize_axis(d, input.ndim, "roll") for d in dims)
    if input.ndim == 0:
        return apply(S.Roll, input, shifts[0], None)
    return apply(S.Roll, input, shifts, axes)


def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dim; more sizes than dims add leading dims."""
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    reps = int_args("repeat", sizes, "repeats")
    shape = input._data.shape
    if len(reps) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    padded = (1,) * (len(reps) - len(shape)) + tuple(shape)
    out = [r * s for r, s in zip(reps, padded)]
    for r in reps:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {out}")
    return apply(S.Repeat, input, reps)


def tile(input: Tensor, dims) -> Tensor:
    """repeat, with ``dims`` padded with leading ones when shorter than the tensor's dims."""
    reps = int_args("tile", (dims,) if not isinstance(dims, (tuple, list)) else (tuple(dims),), "dims")
    reps = (1,) * (input.ndim - len(reps)) + reps
    return repeat(input, reps)


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element (or each slice along ``dim``) ``repeats`` times; ``dim=None``
    flattens first.  ``repeat_interleave(repeats)`` alone gives indices 0.. repeated."""
    if repeats is None:
        if not isinstance(input, Tensor) or input.ndim != 1 or input._data.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 1-D integer tensor")
        from .factory import arange
        return repeat_interleave(arange(input.shape[0], device=input.device), input)
    if dim is None:
        input, axis = flatten(input), 0
    else:
        axis = normalize_axis(_int("repeat_interleave", dim, "dim"), input.ndim, "repeat_interleave")
        if input.ndim == 0:
            input = view(input, (1,))
    if isinstance(repeats, Tensor):
        if repeats._data.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats must be an integer tensor, got {repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
        reps = np.asarray(repeats).astype(np.int64).reshape(-1)
        if (reps < 0).any():
            raise RuntimeError("repeats can not be negative")
        if reps.size != 1:
            size = input._data.shape[axis]
            if reps.size != size:
                raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                                   f"repeats.size(0) = {reps.size} and input.size({axis}) = {size}")
            return apply(S.RepeatInterleave, input, reps, axis)
        repeats = int(reps[0])
    r = _int("repeat_interleave", repeats, "repeats")
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = input._data.shape
    # each slice copied r times next to itself: stretch a new axis after dim, then merge
    big = expand(unsqueeze(input, axis + 1), shape[:axis + 1] + (r,) + shape[axis + 1:])
    from .math import clone
    return view(clone(big), shape[:axis] + (shape[axis] * r,) + shape[axis + 1:])


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle (on and below ``diagonal``) of the last two dims, zeros above."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return apply(S.Tril, input, _int("tril", diagonal, "diagonal"))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle (on and above ``diagonal``) of the last two dims, zeros below."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return apply(S.Triu, input, _int("triu", diagonal, "diagonal"))


def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    return self._commit_inplace(tril(self, diagonal), "tril_")


def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    return self._commit_inplace(triu(self, diagonal), "triu_")


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset`` diagonal of dims (dim1, dim2), appended as the last dim; a view."""
    n = input.ndim
    d1 = normalize_axis(_int("diagonal", dim1, "dim1"), n, "diagonal")
    d2 = normalize_axis(_int("diagonal", dim2, "dim2"), n, "diagonal")
    if n == 0:
        raise IndexError(f"diagonal: Dimension out of range (expected to be in range of [-1, 0], but got {dim2})")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return view_apply(S.Diagonal, input, _int("diagonal", offset, "offset"), d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Put the last dim of ``input`` on the ``offset`` diagonal of two new dims (dim1, dim2)."""
    n = input.ndim + 1
    d1 = normalize_axis(_int("diag_embed", dim1, "dim1"), n, "diag_embed")
    d2 = normalize_axis(_int("diag_embed", dim2, "dim2"), n, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _int("diag_embed", offset, "offset")
    if input.ndim == 0:
        input = view(input, (1,))
    m = input._data.shape[-1] + abs(offset)
    rest = iter(input._data.shape[:-1])
    shape = tuple(m if i in (d1, d2) else next(rest) for i in range(n))
    return apply(S.DiagEmbed, input, shape, offset, d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor becomes a square matrix with it on the ``diagonal``; a matrix gives that diagonal (a copy)."""
    k = _int("diag", diagonal, "diagonal")
    if input.ndim == 1:
        m = input._data.shape[0] + abs(k)
        return apply(S.DiagEmbed, input, (m, m), k, 0, 1)
    if input.ndim == 2:
        return apply(S.DiagonalCopy, input, k, 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


Tensor.flip = flip
Tensor.fliplr = fliplr
Tensor.flipud = flipud
Tensor.roll = roll
Tensor.repeat = repeat
Tensor.tile = tile
Tensor.repeat_interleave = repeat_interleave
Tensor.tril = tril
Tensor.triu = triu
Tensor.tril_ = tril_
Tensor.triu_ = triu_
Tensor.diagonal = diagonal
Tensor.diag_embed = diag_embed
Tensor.diag = diag
