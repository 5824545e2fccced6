"""Sorting and searching: ``sort``, ``argsort``, ``msort``, ``topk``, ``kthvalue``,
``unique``, ``unique_consecutive``, ``searchsorted``, ``bucketize`` (functions and
Tensor methods) over ``ember.ops.sort``.

Sorting is stable whatever ``stable`` says (PyTorch's CPU sort orders ties by
position too), NaN sorts as the largest value, and indices are int64."""
from __future__ import annotations

import numbers

from .. import return_types
from ..backend.device import array_module
from ..ops import sort as S
from .tensor import Tensor
from .wrap import apply, normalize_axis, to_tensor

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive", "searchsorted",
           "bucketize"]


def _detached(t: Tensor) -> Tensor:
    """An index result: no history (PyTorch's indices never require grad)."""
    return t if not t._rg else Tensor._make(t._data)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """(values, indices) of ``input`` sorted along ``dim``; ties keep their order."""
    axis = normalize_axis(dim, input.ndim, "sort")
    values, indices = apply(S.Sort, input, axis, bool(descending))
    return return_types.sort((values, _detached(indices)))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    axis = normalize_axis(dim, input.ndim, "argsort")
    if input.ndim == 0:
        return Tensor._make(array_module(input._data).zeros((), dtype="int64"))
    idx = S.stable_argsort(input._data, axis, bool(descending))
    return Tensor._make(idx.astype("int64", copy=False))


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first axis."""
    return sort(input, 0)[0]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):
    """The ``k`` largest (or smallest) entries along ``dim`` and their indices, largest
    first (smallest first when ``largest=False``)."""
    axis = normalize_axis(dim, input.ndim, "topk")
    n = input.shape[axis] if input.ndim else 1
    k = int(k)
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k = {k}, size of dim {dim} = {n})")
    values, indices = apply(S.Topk, input, k, axis, bool(largest), bool(sorted))
    return return_types.topk((values, _detached(indices)))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest entry (1-based) along ``dim`` and its index."""
    axis = normalize_axis(dim, input.ndim, "kthvalue")
    n = input.shape[axis] if input.ndim else 1
    k = int(k)
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} (k = {k}, size "
                           f"{n})")
    values, indices = apply(S.Kthvalue, input, k, axis, bool(keepdim))
    return return_types.kthvalue((values, _detached(indices)))


def _index_results(vals, inv, counts, return_inverse, return_counts, like: Tensor):
    out = [Tensor._make(vals)]
    if return_inverse:
        out.append(Tensor._make(inv))
    if return_counts:
        out.append(Tensor._make(counts))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None):
    """The distinct values of ``input`` (or distinct slices along ``dim``), in ascending
    order, with optionally the index of each element's value and each value's count."""
    axis = None if dim is None else normalize_axis(dim, input.ndim, "unique")
    if axis is not None and input.ndim == 0:
        axis = None
    vals, inv, counts = S.unique(input._data, bool(sorted), return_inverse, return_counts, axis)
    return _index_results(vals, inv, counts, return_inverse, return_counts, input)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """Collapse each run of equal consecutive values (or slices along ``dim``) to one."""
    axis = None if dim is None else normalize_axis(dim, input.ndim, "unique_consecutive")
    data = input._data if input.ndim else input._data.reshape(1)
    vals, inv, counts = S.unique_consecutive(data, axis)
    if input.ndim == 0:
        inv = inv.reshape(())
    return _index_results(vals, inv, counts, return_inverse, return_counts, input)


def _out_dtype(out_int32: bool) -> str:
    return "int32" if out_int32 else "int64"


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None, out=None) -> Tensor:
    """Indices where ``input``'s values would be inserted into the sorted last axis of
    ``sorted_sequence`` to keep it sorted (``right``/``side='right'``: after equal values)."""
    seq = sorted_sequence
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of "
                               "left while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    if scalar and not isinstance(input, numbers.Number):
        raise TypeError(f"searchsorted(): argument 'input' must be Tensor or Number, not {type(input).__name__}")
    values = to_tensor(input, seq)
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if seq.ndim > 1 and (scalar or tuple(seq.shape[:-1]) != tuple(values.shape[:-1])):
        if scalar:
            raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                               f"dimension is 1, but we got boundaries tensor dim({seq.ndim}) and input value's "
                               f"dim(0) numel(1)")
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
    sdata = None
    if sorter is not None:
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(seq.shape)}and got sorter tensor {list(sorter.shape)}")
        if sorter.dtype.name != "int64":
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{sorter.dtype.name.capitalize()}")
        sdata = sorter._data
    vdata = values._data
    res = S.searchsorted(seq._data, vdata, bool(right), sdata, _out_dtype(out_int32))
    return Tensor._make(array_module(seq._data).asarray(res, dtype=_out_dtype(out_int32)).reshape(vdata.shape))


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False, out=None) -> Tensor:
    """For each value, the index of the bucket of the sorted 1-D ``boundaries`` it falls in."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def _method(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _name in ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive"]:
    setattr(Tensor, _name, _method(globals()[_name]))
