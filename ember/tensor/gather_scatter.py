"""Index-driven functions: gather / scatter / scatter_reduce, index_select /
index_add / index_fill / index_copy / index_put, take / take_along_dim / put
(the masked_* family and nonzero are in ``masked.py``).

Each validates its arguments the way PyTorch does (same exception types and
messages), builds a NumPy key for ``ember.ops.indexing`` and applies one of its
primitives: reading is ``Index`` (backward: scatter-add), writing is ``SetItem`` or
``AddAt``.  In-place variants write directly when autograd is not watching.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..backend.device import array_module
from ..ops import indexing as X
from ..ops.base import normalize_axis
from .indexing import type_name, value_operand, write
from .tensor import Tensor
from .wrap import apply

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "index_fill",
           "index_copy", "index_put", "take", "take_along_dim", "put"]

# ---------------------------------------------------------------------------- helpers
def _index(index, op: str, allowed=("int64", "int32"), msg=None, exc=RuntimeError):
    """The raw array of an index tensor, checking its dtype."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    a = index._data
    dt = a.dtype  # kind/itemsize: dtype.name is a slow Python property
    if dt.kind != "i" or (dt.itemsize != 8 and (dt.itemsize != 4 or "int32" not in allowed)):
        raise exc(msg or f"{op}(): Expected dtype int32/int64 for index")
    return a


def _tensor(x, op: str, what: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(x).__name__}")
    return x


def _on(xp, a):
    """Index array ``a`` on the module ``xp`` of the tensor it indexes."""
    return a if array_module(a) is xp else xp.asarray(a if xp is not np else a.get())


def _along(idx, dim: int, sizes, full=None):
    """The advanced key reading ``a[i0, ..., idx[i], ..., in]`` at every position i of
    ``idx`` (gather's rule): aranges for the other dims, ``idx`` for ``dim``.
    ``full[d]`` False means a's dim d has size 1 and is broadcast (index 0)."""
    xp = array_module(idx)
    n = idx.ndim
    key = []
    for d in range(n):
        if d == dim:
            key.append(idx)
            continue
        shape = [1] * n
        shape[d] = sizes[d]
        r = xp.arange(sizes[d]) if full is None or full[d] else xp.zeros(sizes[d], dtype=np.int64)
        key.append(r.reshape(shape))
    return tuple(key)


def _bounds(idx, size: int, dim: int, wrap: bool = False, exc=RuntimeError, msg=None) -> None:
    """All of ``idx`` in [0, size) (or [-size, size) when ``wrap``)."""
    if idx.size == 0:
        return
    if idx.size == 1:
        lo = hi = int(idx.reshape(-1)[0])
    else:
        lo, hi = int(idx.min()), int(idx.max())
    low = -size if wrap else 0
    if lo < low or hi >= size:
        bad = lo if lo < low else hi
        raise exc(msg.format(bad) if msg else f"index {bad} is out of bounds for dimension {dim} with size "
                                               f"{size}")


def broadcast_shapes(a, b):
    """The broadcast of two shapes, with PyTorch's message when they do not match."""
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _expand_key(shape, target):
    """A key reading a tensor of ``shape`` broadcast to ``target`` (a copy whose
    gradient sums over the broadcast positions)."""
    lead = len(target) - len(shape)
    n = len(target)
    key = []
    for j, s in enumerate(shape):
        size = target[lead + j]
        view = [1] * n
        view[lead + j] = size
        r = np.arange(size) if s == size else np.zeros(size, dtype=np.int64)
        key.append(r.reshape(view))
    pre = (None,) * lead if lead else None
    if lead:  # a[None, ...] puts the leading dims first; index them with zeros of their sizes
        key = [np.zeros([target[i] if k == i else 1 for k in range(n)], dtype=np.int64) for i in range(lead)] \
            + key
    return pre, tuple(key)


def _expand(t: Tensor, target) -> Tensor:
    if tuple(t._data.shape) == tuple(target):
        return t
    pre, key = _expand_key(t._data.shape, target)
    xp = array_module(t._data)
    key = tuple(_on(xp, k) for k in key)
    return apply(X.Index, t, pre, key, True)


def _dims_key(dim: int, idx):
    return (slice(None),) * dim + (idx,)


# ---------------------------------------------------------------------------- gather / scatter
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None) -> Tensor:
    """out[i][j] = input[i][index[i][j]] (for dim=1): values picked along ``dim``."""
    a = input._data
    idx = _index(index, "gather")
    n = a.ndim
    d = normalize_axis(dim, n, "gather")
    if max(idx.ndim, 1) != max(n, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if n == 0 or idx.ndim == 0:
        _bounds(idx, a.shape[d] if n else 1, d)
        key = () if n == 0 else (idx.reshape(()) if n == 1 else idx,)
        return apply(X.Gather, input, None, key, True)
    for k in range(n):
        if k != d and idx.shape[k] > a.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(idx.shape)} to be no "
                               f"larger than self {list(a.shape)} apart from dimension {d}")
    _bounds(idx, a.shape[d], d)
    idx = _on(array_module(a), idx)
    return apply(X.Gather, input, None, _along(idx, d, idx.shape), True)


def _scatter_args(self: Tensor, dim, index, src, op: str):
    """Validate scatter's arguments; return (dim, key, src cut to index's shape)."""
    a = self._data
    idx = _index(index, "scatter")
    n = a.ndim
    d = normalize_axis(dim, n, op)
    if max(idx.ndim, 1) != max(n, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor):
        if src._data.dtype != a.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if max(src._data.ndim, 1) != max(idx.ndim, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if n == 0 or idx.ndim == 0:
        _bounds(idx, a.shape[d] if n else 1, d)
        key = () if n == 0 else (idx.reshape(()) if n == 1 else idx,)
        if isinstance(src, Tensor) and src._data.ndim:
            src = src.reshape(())
        return key, src
    sshape = src._data.shape if isinstance(src, Tensor) else None
    for k in range(n):
        if (k != d and idx.shape[k] > a.shape[k]) or (sshape is not None and idx.shape[k] > sshape[k]):
            tail = f" and to be no larger size than src {list(sshape)}" if sshape is not None else ""
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self {list(a.shape)} "
                               f"apart from dimension {d}{tail}")
    _bounds(idx, a.shape[d], d)
    idx = _on(array_module(a), idx)
    if isinstance(src, Tensor) and tuple(src._data.shape) != tuple(idx.shape):
        src = src[tuple(slice(0, s) for s in idx.shape)]
    return _along(idx, d, idx.shape), src


def _scatter_src(src, value, op: str):
    if src is None:
        src = value
    if src is None:
        raise TypeError(f"{op}() missing 1 required positional argument: 'src' or 'value'")
    if not isinstance(src, (Tensor, numbers.Number)) or isinstance(src, complex):
        raise TypeError(f"{op}(): argument 'src' must be Tensor or a number, not {type(src).__name__}")
    return src


def _scatter_op(src, reduce):
    if reduce is None:
        return X.Scatter if isinstance(src, Tensor) else X.ScatterValue
    if isinstance(src, Tensor):
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed "
                      "in a future PyTorch release. Use torch.scatter_reduce instead for more reduction "
                      "options.", UserWarning, stacklevel=3)
    if reduce == "add":
        return X.ScatterAddReduce
    if reduce == "multiply":
        return X.ScatterMulReduce
    raise RuntimeError("reduce argument must be either add or multiply.")


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """A copy of input with values from ``src`` (a tensor or a number) written at
    ``index`` along ``dim``: out[i][index[i][j]] = src[i][j] (for dim=1)."""
    src = _scatter_src(src, value, "scatter")
    op = _scatter_op(src, reduce)
    key, src = _scatter_args(input, dim, index, src, "scatter")
    if not isinstance(src, Tensor):
        src = value_operand(input, src, "scatter")
    return apply(op, input, src, None, key, True)


def scatter_(self: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """In-place scatter: ``zeros(n, 10).scatter_(1, y.unsqueeze(1), 1.0)`` is one-hot."""
    src = _scatter_src(src, value, "scatter_")
    op = _scatter_op(src, reduce)
    key, src = _scatter_args(self, dim, index, src, "scatter_")
    if not isinstance(src, Tensor):
        src = value_operand(self, src, "scatter_")
    return write(self, op, src, None, key, True, "scatter_")


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
    key, src = _scatter_args(input, dim, index, _tensor(src, "scatter_add", "src"), "scatter_add")
    return apply(X.ScatterAdd, input, src, None, key, True)


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    key, src = _scatter_args(self, dim, index, _tensor(src, "scatter_add_", "src"), "scatter_add_")
    return write(self, X.ScatterAdd, src, None, key, True, "scatter_add_")


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce the values of ``src`` scattered to the same position (with the input's
    value there when ``include_self``): reduce is sum, prod, mean, amax or amin."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    key, src = _scatter_args(input, dim, index, _tensor(src, "scatter_reduce", "src"), "scatter_reduce")
    return apply(X.ScatterReduce, input, src, key, reduce, bool(include_self))


def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    return self._commit_inplace(scatter_reduce(self, dim, index, src, reduce, include_self=include_self),
                                "scatter_reduce_")


# ---------------------------------------------------------------------------- index_*
def _vector_index(index, op: str, dim: int, size: int):
    idx = _index(index, op, msg=f"{op}(): Expected dtype int32/int64 for index but got: {type_name(index)}"
                 if isinstance(index, Tensor) else None)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                         f"{type_name(index)} and size: {list(idx.shape)}")
    return idx.reshape(-1)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of input at positions ``index`` (a vector) along ``dim``."""
    a = input._data
    d = normalize_axis(dim, a.ndim, "index_select")
    idx = _index(index, "index_select", msg="index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    size = a.shape[d] if a.ndim else 1
    _bounds(idx, size, d, exc=IndexError, msg="index out of range in self")
    if a.ndim == 0:
        return apply(X.IndexSelect, input, None, (), False)
    idx = _on(array_module(a), idx)
    return apply(X.IndexSelect, input, None, _dims_key(d, idx), True)


def _index_add_args(self: Tensor, dim, index, source, alpha, op: str):
    a = self._data
    d = normalize_axis(dim, a.ndim, op)
    source = _tensor(source, op, "source")
    idx = _vector_index(index, op, d, a.shape[d] if a.ndim else 1)
    if source._data.dtype != a.dtype:
        raise RuntimeError(f"{op}(): self ({type_name(self)}) and source ({type_name(source)}) must have the "
                           f"same scalar type")
    ns = source._data.shape[d] if source._data.ndim else 1
    if idx.shape[0] != ns:
        raise RuntimeError(f"{op}(): Number of indices ({idx.shape[0]}) should be equal to source.size(dim): "
                           f"({ns}), for dim: {d}")
    _bounds(idx, a.shape[d] if a.ndim else 1, d)
    _same_slices(self, source, d, op)
    if alpha != 1:
        source = source * alpha
    if a.ndim == 0:
        return (), source.reshape(()) if source._data.ndim else source
    return _dims_key(d, _on(array_module(a), idx)), source


def _same_slices(self: Tensor, source: Tensor, d: int, op: str) -> None:
    a, s = self._data.shape, source._data.shape
    if len(a) != len(s) or any(x != y for k, (x, y) in enumerate(zip(a, s)) if k != d):
        if self._data.ndim and source._data.ndim:
            raise RuntimeError(f"{op}(): source {list(s)} and self {list(a)} must have the same sizes apart "
                               f"from dimension {d}")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of input with ``alpha * source`` added at positions ``index`` along ``dim``."""
    key, source = _index_add_args(input, dim, index, source, alpha, "index_add_")
    return apply(X.IndexAdd, input, source, None, key, True)


def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    key, source = _index_add_args(self, dim, index, source, alpha, "index_add_")
    return write(self, X.IndexAdd, source, None, key, True, "index_add_")


def _index_copy_args(self: Tensor, dim, index, source, op: str):
    a = self._data
    d = normalize_axis(dim, a.ndim, op)
    source = _tensor(source, op, "source")
    idx = _vector_index(index, op, d, a.shape[d] if a.ndim else 1)
    if source._data.dtype != a.dtype:
        raise RuntimeError(f"{op}(): self and source expected to have the same dtype, but got (self) "
                           f"{type_name(self)} and (source) {type_name(source)}")
    ns = source._data.shape[d] if source._data.ndim else 1
    if idx.shape[0] != ns:
        raise IndexError(f"{op}(): Number of indices ({idx.shape[0]}) should be equal to source.size(dim) "
                         f"({ns})")
    _bounds(idx, a.shape[d] if a.ndim else 1, d, exc=IndexError)
    _same_slices(self, source, d, op)
    if a.ndim == 0:
        return (), source.reshape(()) if source._data.ndim else source
    return _dims_key(d, _on(array_module(a), idx)), source


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of input with the slices at ``index`` along ``dim`` replaced by ``source``."""
    key, source = _index_copy_args(input, dim, index, source, "index_copy_")
    return apply(X.IndexCopy, input, source, None, key, True)


def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    key, source = _index_copy_args(self, dim, index, source, "index_copy_")
    return write(self, X.IndexCopy, source, None, key, True, "index_copy_")


def _index_fill_args(self: Tensor, dim, index, value, op: str):
    a = self._data
    d = normalize_axis(dim, a.ndim, op)
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    idx = index._data
    if idx.dtype.name != "int64":
        raise IndexError(f"{op}(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    value = value_operand(self, value, op)
    size = a.shape[d] if a.ndim else 1
    _bounds(idx, size, d, wrap=True, exc=IndexError)
    xp = array_module(a)
    mask = xp.zeros(size, dtype=bool)  # a mask: a position named twice is filled (and differentiated) once
    mask[_on(xp, idx.reshape(-1))] = True
    if a.ndim == 0:
        return (Ellipsis if bool(mask[0]) else xp.asarray(False)), value
    return _dims_key(d, mask), value


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of input with the slices at ``index`` along ``dim`` set to ``value``."""
    key, value = _index_fill_args(input, dim, index, value, "index_fill_")
    return apply(X.IndexFill, input, value, None, key, False)


def index_fill_(self: Tensor, dim: int, index: Tensor, value) -> Tensor:
    key, value = _index_fill_args(self, dim, index, value, "index_fill_")
    return write(self, X.IndexFill, value, None, key, False, "index_fill_")


def _index_put_args(self: Tensor, indices, values, op: str):
    from .indexing import parse_key
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    pre, adv, acc, _basic = parse_key(self, tuple(indices))
    if not isinstance(values, Tensor):
        raise TypeError(f"{op}(): argument 'values' must be Tensor, not {type(values).__name__}")
    if values._data.dtype != self._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{type_name(self)} for the destination and {type_name(values)} for the source.")
    return pre, adv, acc, values


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """input with ``input[indices] = values`` (or ``+=`` with repeats summed when accumulate)."""
    pre, adv, acc, values = _index_put_args(input, indices, values, "index_put")
    return apply(X.IndexPutAcc if accumulate else X.IndexPut, input, values, pre, adv, acc)


def index_put_(self: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    pre, adv, acc, values = _index_put_args(self, indices, values, "index_put_")
    return write(self, X.IndexPutAcc if accumulate else X.IndexPut, values, pre, adv, acc, "index_put_")


# ---------------------------------------------------------------------------- take / put
def _flat_key(a, idx, op: str):
    """The key reading the elements of ``a`` at flat (row-major) positions ``idx``
    (negative positions count from the end)."""
    n = a.size
    _bounds(idx, n, 0, wrap=True, exc=IndexError,
            msg="out of range: tried to access index {} on a tensor of " + f"{n} elements.")
    xp = array_module(a)
    idx = _on(xp, idx)
    if a.ndim == 0:
        return (None,), (xp.zeros(idx.shape, dtype=np.int64),)
    if n == 0:
        return None, tuple(xp.zeros(idx.shape, dtype=np.int64) for _ in a.shape)
    return None, tuple(xp.unravel_index(idx % n, a.shape))


def take(input: Tensor, index: Tensor) -> Tensor:
    """input treated as 1-D, read at ``index``; the result has index's shape."""
    idx = _index(index, "take", allowed=("int64",),
                 msg=f"take(): Expected a long tensor for index, but got {type_name(index)}"
                 if isinstance(index, Tensor) else None)
    pre, key = _flat_key(input._data, idx, "take")
    return apply(X.Take, input, pre, key, True)


def _put_args(self: Tensor, index, source, op: str):
    idx = _index(index, op, allowed=("int64",), msg=f"{op}(): Expected a long tensor for index, but got "
                 f"{type_name(index)}" if isinstance(index, Tensor) else None)
    source = _tensor(source, op, "source")
    if source._data.size != idx.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source._data.size}, index.numel() = {idx.size}")
    if source._data.dtype != self._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{type_name(self)} and source.dtype = {type_name(source)}")
    pre, key = _flat_key(self._data, idx, op)
    if tuple(source._data.shape) != tuple(idx.shape):
        source = source.reshape(tuple(idx.shape))
    return pre, key, source


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """input treated as 1-D with ``source`` written (or added) at ``index``."""
    pre, key, source = _put_args(input, index, source, "put")
    return apply(X.PutAcc if accumulate else X.Put, input, source, pre, key, True)


def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    pre, key, source = _put_args(self, index, source, "put_")
    return write(self, X.PutAcc if accumulate else X.Put, source, pre, key, True, "put_")


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of input picked at ``indices`` along ``dim`` (like gather, with the other
    dims broadcast); with dim=None, on the flattened input."""
    idx = _index(indices, "take_along_dim", allowed=("int64",),
                 msg=f"torch.take_along_dim(): dtype of indices should be Long but got {type_name(indices)}"
                 if isinstance(indices, Tensor) else None)
    a = input._data
    xp = array_module(a)
    if dim is None:
        idx = idx.reshape(-1)
        _bounds(idx, a.size, 0)
        pre, key = _flat_key(a, idx, "take_along_dim")
        return apply(X.TakeAlongDim, input, pre, key, True)
    n = a.ndim
    d = normalize_axis(dim, n, "take_along_dim")
    if idx.ndim != n:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {n} dimensions for input, and {idx.ndim} dimensions for indices")
    if n == 0:
        _bounds(idx, 1, 0)
        return apply(X.TakeAlongDim, input, None, (), False)
    rest_a = tuple(1 if k == d else s for k, s in enumerate(a.shape))
    rest_i = tuple(1 if k == d else s for k, s in enumerate(idx.shape))
    shape = list(broadcast_shapes(rest_a, rest_i))
    shape[d] = idx.shape[d]
    _bounds(idx, a.shape[d], d)
    idx = _on(xp, idx)
    if tuple(idx.shape) != tuple(shape):
        idx = xp.broadcast_to(idx, shape)
    full = [a.shape[k] == shape[k] for k in range(n)]
    return apply(X.TakeAlongDim, input, None, _along(idx, d, shape, full), True)


for _f in (gather, scatter, scatter_, scatter_add, scatter_add_, scatter_reduce, scatter_reduce_, index_select,
           index_add, index_add_, index_copy, index_copy_, index_fill, index_fill_, index_put, index_put_,
           take, put, put_, take_along_dim):
    setattr(Tensor, _f.__name__, _f)
