"""Embedding one tensor into another: ``select_scatter``, ``slice_scatter``,
``diagonal_scatter`` (copies of the input with ``src`` written into one region),
``index_reduce`` (+ in place) and ``fill_diagonal_``.

All are compositions of differentiable ops (a clone, a view, ``copy_`` through it;
``scatter_reduce``; ``masked_fill``), so gradients come from those: the input gets
the gradient outside the written region, ``src`` the gradient inside it."""
from __future__ import annotations

import operator
import warnings

from ..backend.device import array_module
from .gather_scatter import _index_add_args, scatter_reduce
from .tensor import Tensor
from .wrap import normalize_axis, to_tensor

__all__ = ["select_scatter", "slice_scatter", "diagonal_scatter", "index_reduce"]

_REDUCE = ("prod", "mean", "amax", "amin")
_warned = []


def _tensor(op: str, x, name: str, pos: int) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    return x


def _embed(input: Tensor, src: Tensor, view) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``view(copy)``."""
    out = input.clone()
    region = view(out)
    if tuple(src.shape) != tuple(region.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(region.shape)}")
    region.copy_(src)
    return out


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    _tensor("select_scatter", input, "input", 1)
    _tensor("select_scatter", src, "src", 2)
    return _embed(input, src, lambda t: t.select(dim, index))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """``input`` with ``input[..., start:end:step, ...]`` (on ``dim``) replaced by ``src``."""
    _tensor("slice_scatter", input, "input", 1)
    _tensor("slice_scatter", src, "src", 2)
    d = normalize_axis(operator.index(dim), input.ndim, "slice_scatter")
    step = operator.index(step)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * d + (slice(start, end, step),)
    return _embed(input, src, lambda t: t[key])


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """``input`` with its (offset, dim1, dim2) diagonal replaced by ``src``."""
    _tensor("diagonal_scatter", input, "input", 1)
    _tensor("diagonal_scatter", src, "src", 2)
    return _embed(input, src, lambda t: t.diagonal(offset, dim1, dim2))


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """Reduce (prod, mean, amax or amin) the slices ``source.select(dim, i)`` into
    ``input.select(dim, index[i])``; with ``include_self`` the input's own values
    take part.  The same as ``scatter_reduce`` with the index spread along ``dim``."""
    if not _warned:
        _warned.append(True)
        warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=2)
    if reduce not in _REDUCE:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                           f"{reduce}.")
    _tensor("index_reduce", input, "input", 1)
    try:
        _index_add_args(input, dim, index, source, 1, "index_reduce_")   # PyTorch's checks and messages
    except RuntimeError as e:
        if "out of bounds" in str(e):   # index_add's wording; index_reduce raises IndexError
            raise IndexError("index out of range in self") from None
        raise
    if input.ndim == 0:
        return scatter_reduce(input, 0, index.reshape(()), source.reshape(()), reduce, include_self=include_self)
    d = normalize_axis(operator.index(dim), input.ndim)
    src = source if source.ndim else source.reshape(1)
    shape = [1] * src.ndim
    shape[d] = -1
    idx = index.reshape(shape).expand(*src.shape)
    return scatter_reduce(input, d, idx, src, reduce, include_self=include_self)


def index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    return self._commit_inplace(index_reduce(self, dim, index, source, reduce, include_self=include_self),
                                "index_reduce_")


def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Write ``fill_value`` on the main diagonal of a matrix (or of an n-D tensor with
    equal sizes); ``wrap`` restarts the diagonal below a tall matrix, one row after
    it ends (NumPy's rule)."""
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    shape = tuple(self.shape)
    if self.ndim > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    xp = array_module(self._data)
    n = self.numel()
    rows, cols = shape[0], shape[1]
    if self.ndim == 2:
        step = cols + 1
        end = n if (wrap and rows > cols) else min(rows, cols) * cols
    else:
        step = sum(shape[0] ** k for k in range(self.ndim))
        end = n
    flat = xp.zeros(n, dtype=bool)
    flat[0:end:step] = True
    mask = to_tensor(flat.reshape(shape))
    return self._commit_inplace(self.masked_fill(mask, fill_value), "fill_diagonal_")


Tensor.select_scatter = select_scatter
Tensor.slice_scatter = slice_scatter
Tensor.diagonal_scatter = diagonal_scatter
Tensor.index_reduce = index_reduce
Tensor.index_reduce_ = index_reduce_
Tensor.fill_diagonal_ = fill_diagonal_
