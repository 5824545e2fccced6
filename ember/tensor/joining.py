"""Joining and splitting along a dim: cat, stack and the h/v/d/column stacks,
split, chunk, tensor_split, unbind, narrow, select, and atleast_1d/2d/3d.

cat and stack run one concatenate; split, chunk and unbind are one multi-output
primitive whose outputs are views of the input (an in-place write into one of them
is refused while gradients are recorded, as in PyTorch); narrow, select and the
pieces of tensor_split are single views."""
from __future__ import annotations

import math
import operator

import numpy as np

from ..backend import dtypes as D
from ..ops import shape as S
from .shape import _int, int_args, reshape, unsqueeze
from .tensor import Tensor
from .wrap import apply, link_view, normalize_axis, view_apply

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "split", "chunk", "tensor_split", "unbind", "narrow", "select", "atleast_1d", "atleast_2d",
           "atleast_3d"]


def _tensors(op: str, tensors) -> list:
    """A tuple or list of tensors (PyTorch rejects a lone tensor and generators)."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}")
    return list(tensors)


def _common_dtype(ts: list) -> list:
    """Cast every tensor to the promoted dtype of all of them (differentiably)."""
    dt = ts[0].dtype
    for x in ts[1:]:
        if x.dtype is not dt:
            dt = D.promote_types(dt, x.dtype)
    return [x if x.dtype is dt else x.to(dt) for x in ts]


# ---------------------------------------------------------------------------- joining
def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Concatenate along an existing dim; 1-D empty tensors are skipped; dtypes promote."""
    ts = _tensors("cat", tensors)
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(ts):
        if x.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [(i, x) for i, x in enumerate(ts) if not (x.ndim == 1 and x._data.shape[0] == 0)]
    axis = 0
    if kept:
        ref = kept[0][1]
        n, rshape = ref.ndim, ref._data.shape
        axis = normalize_axis(_int("cat", dim, "dim"), n, "cat")
        for i, x in kept[1:]:
            if x.ndim != n:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {n} and {x.ndim}")
            s = x._data.shape
            for d in range(n):
                if d != axis and s[d] != rshape[d]:
                    raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. Expected size "
                                       f"{rshape[d]} but got size {s[d]} for tensor number {i} in the list.")
    return apply(S.Cat, *_common_dtype(ts), axis=axis)


concat = concatenate = cat


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equal-shaped tensors along a new dim."""
    ts = _tensors("stack", tensors)
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = ts[0]._data.shape
    for i, x in enumerate(ts[1:], 1):
        if x._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                               f"and {list(x._data.shape)} at entry {i}")
    axis = normalize_axis(_int("stack", dim, "dim"), len(shape) + 1, "stack")
    return apply(S.Stack, *_common_dtype(ts), axis=axis)


def _atleast(nd: int, args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(_atleast(nd, (x,)) for x in args[0])
    if len(args) != 1:
        return tuple(_atleast(nd, (x,)) for x in args)
    x = args[0]
    if not isinstance(x, Tensor):
        raise TypeError(f"atleast_{nd}d(): expected a Tensor, got {type(x).__name__}")
    n = x.ndim
    if n >= nd:
        return x
    if n == 0:
        return reshape(x, (1,) * nd)
    if nd == 2:
        return unsqueeze(x, 0)
    if n == 1:
        return unsqueeze(unsqueeze(x, 0), -1)
    return unsqueeze(x, -1)


def atleast_1d(*tensors):
    """Tensors with fewer than 1 dim get one (a tuple back when several are given)."""
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """0-D becomes (1, 1), 1-D (n,) becomes (1, n)."""
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    """0-D becomes (1, 1, 1), (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)."""
    return _atleast(3, tensors)


def hstack(tensors, *, out=None) -> Tensor:
    """cat along dim 1 (dim 0 for 1-D tensors)."""
    ts = list(atleast_1d(_tensors("hstack", tensors)))
    return cat(ts, 0 if ts and ts[0].ndim == 1 else 1)


def vstack(tensors, *, out=None) -> Tensor:
    """cat along dim 0 after making every tensor at least 2-D."""
    return cat(list(atleast_2d(_tensors("vstack", tensors))), 0)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """cat along dim 2 after making every tensor at least 3-D."""
    return cat(list(atleast_3d(_tensors("dstack", tensors))), 2)


def column_stack(tensors, *, out=None) -> Tensor:
    """0-D and 1-D tensors become columns, then cat along dim 1."""
    ts = [reshape(x, (x.numel(), 1)) if x.ndim <= 1 else x for x in _tensors("column_stack", tensors)]
    return hstack(ts)


# ---------------------------------------------------------------------------- splitting
def _pieces(input: Tensor, op, sizes: list, axis: int) -> tuple:
    """Run a Split primitive and link each output to the input as a view."""
    outs = apply(op, input, tuple(sizes), axis)
    start = 0
    for i, (o, s) in enumerate(zip(outs, sizes)):
        link_view(input, o, (S.SplitView, (axis, start, s), {"output": i}))
        start += s
    return outs


def _dim_of(op: str, input: Tensor, dim, msg: str) -> int:
    if input.ndim == 0:
        raise RuntimeError(msg)
    return normalize_axis(_int(op, dim, "dim"), input.ndim, op)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` (the last may be smaller), or of the listed sizes; views."""
    axis = _dim_of("split", tensor, dim, "split expects at least a 1-dimensional tensor")
    size = tensor._data.shape[axis]
    if isinstance(split_size_or_sections, (tuple, list)):
        sizes = list(int_args("split", (tuple(split_size_or_sections),), "split_size"))
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                               f"size at dimension {axis}), but got split_sizes={sizes}")
        return _pieces(tensor, S.SplitWithSizes, sizes, axis)
    s = _int("split", split_size_or_sections, "split_size")
    if s < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
    if s == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
    sizes = [0] if size == 0 else [s] * (size // s) + ([size % s] if size % s else [])
    return _pieces(tensor, S.Split, sizes, axis)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of ceil(size / chunks) (the last smaller); views."""
    axis = _dim_of("chunk", input, dim, "chunk expects at least a 1-dimensional tensor")
    chunks = _int("chunk", chunks, "chunks")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input._data.shape[axis]
    if size == 0:
        return _pieces(input, S.Split, [0] * chunks, axis)
    step = math.ceil(size / chunks)
    return _pieces(input, S.Split, [step] * (size // step) + ([size % step] if size % step else []), axis)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """``n`` near-equal pieces (the first size % n one longer), or pieces cut at the
    given indices (Python slice rules); each a view."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    axis = normalize_axis(_int("tensor_split", dim, "dim"), input.ndim, "tensor_split")
    size = input._data.shape[axis]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype.kind not in "iu":
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have integer dtype, but got "
                               f"{ios.dtype}")
        if ios.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {ios.ndim} dims")
        ios = int(ios.item()) if ios.ndim == 0 else [int(v) for v in np.asarray(ios)]
    if isinstance(ios, (tuple, list)):
        cuts = list(int_args("tensor_split", (tuple(ios),), "indices"))
        bounds = []
        prev = 0
        for c in cuts + [size]:
            start, stop, _ = slice(prev, c).indices(size)
            bounds.append((start, max(0, stop - start)))
            prev = c
    else:
        k = _int("tensor_split", ios, "sections")
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        base, extra = divmod(size, k)
        bounds, start = [], 0
        for i in range(k):
            n = base + (1 if i < extra else 0)
            bounds.append((start, n))
            start += n
    return tuple(view_apply(S.Narrow, input, axis, s, n) for s, n in bounds)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Every position along ``dim``, that dim removed; views."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    axis = normalize_axis(_int("unbind", dim, "dim"), input.ndim, "unbind")
    outs = apply(S.Unbind, input, axis)
    for i, o in enumerate(outs):
        link_view(input, o, (S.UnbindView, (axis, i), {"output": i}))
    return outs


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """``length`` positions from ``start`` (may be negative, or a 0-d tensor) along ``dim``; a view."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    axis = normalize_axis(_int("narrow", dim, "dim"), input.ndim, "narrow")
    start, length = _int("narrow", start, "start"), _int("narrow", length, "length")
    size = input._data.shape[axis]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return view_apply(S.Narrow, input, axis, start, length)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (that dim removed); a view."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = normalize_axis(_int("select", dim, "dim"), input.ndim, "select")
    index = operator.index(index)
    size = input._data.shape[axis]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at "
                         f"dimension {axis}")
    return view_apply(S.Select, input, axis, index % size)


Tensor.split = split
Tensor.chunk = chunk
Tensor.tensor_split = tensor_split
Tensor.unbind = unbind
Tensor.narrow = narrow
Tensor.select = select
