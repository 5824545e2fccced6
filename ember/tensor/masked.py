"""Mask-driven functions: masked_fill / masked_select / masked_scatter (mask and
input broadcast together, as in PyTorch), and nonzero / argwhere.

Like ``gather_scatter.py``: PyTorch's argument checks, then one primitive of
``ember.ops.indexing`` (``MaskedFill``, ``Index`` with the mask as key, ``SetItem``).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..backend.device import array_module
from ..ops import indexing as X
from .gather_scatter import _expand, _on, _tensor, broadcast_shapes
from .indexing import type_name, value_operand, write, tracking
from .tensor import Tensor
from .wrap import apply

__all__ = ["masked_fill", "masked_select", "masked_scatter", "nonzero", "argwhere"]

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


# ---------------------------------------------------------------------------- masked_*
def _mask(mask, op: str, exc_name: str | None = None):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    m = mask._data
    if m.dtype.kind != "b":
        if exc_name == "select":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        names = _C_NAMES if exc_name is None else {"int64": "Long"}
        name = names.get(m.dtype.name, type_name(mask))
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {name}")
    return m


def _masked_fill_args(self: Tensor, mask, value, op: str):
    m = _mask(mask, op)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
    elif not isinstance(value, numbers.Number) or isinstance(value, complex):
        raise TypeError(f"masked_fill(): argument 'value' must be Number or Tensor, not {type(value).__name__}")
    value = value_operand(self, value, op)
    shape = broadcast_shapes(self._data.shape, m.shape)
    return _on(array_module(self._data), m), value, shape


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """input with ``value`` (a number or a 0-d tensor) where ``mask`` is True
    (mask and input broadcast together)."""
    m, value, _shape = _masked_fill_args(input, mask, value, "masked_fill_")
    op = X.MaskedFillValue if isinstance(value, Tensor) else X.MaskedFill
    return apply(op, input, value, m)


def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    m, value, shape = _masked_fill_args(self, mask, value, "masked_fill_")
    if tracking(self, value):
        op = X.MaskedFillValue if isinstance(value, Tensor) else X.MaskedFill
        return self._commit_inplace(apply(op, self, value, m), "masked_fill_")
    if tuple(shape) != tuple(self._data.shape):
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                           f"{list(shape)}")
    v = value._data if isinstance(value, Tensor) else value
    try:
        array_module(self._data).copyto(self._data, v, casting="unsafe", where=m)
    except ValueError as e:
        raise RuntimeError(f"masked_fill_: {e}") from None
    self._version[0] += 1
    return self


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of input where ``mask`` is True, as a 1-D tensor (both broadcast)."""
    m = _mask(mask, "masked_select", "select")
    a = input._data
    shape = broadcast_shapes(a.shape, m.shape)
    xp = array_module(a)
    m = _on(xp, m)
    if tuple(a.shape) == shape:
        if m.shape != a.shape:
            m = xp.broadcast_to(m, shape)
        return apply(X.MaskedSelect, input, None, (m,) if a.ndim else (m.reshape(()),), False)
    coords = xp.nonzero(xp.broadcast_to(m, shape))
    lead = len(shape) - a.ndim
    key = tuple(c if a.shape[j] == shape[lead + j] else xp.zeros_like(c)
                for j, c in enumerate(coords[lead:]))
    if a.ndim == 0:
        return apply(X.MaskedSelect, input, (None,), (xp.zeros(coords[0].shape, dtype=np.int64),), True)
    return apply(X.MaskedSelect, input, None, key, True)


def _masked_scatter_args(self: Tensor, mask, source, op: str):
    m = _mask(mask, op, exc_name="scatter")
    source = _tensor(source, op, "source")
    if source._data.dtype != self._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{type_name(self)} and {type_name(source)}")
    shape = broadcast_shapes(self._data.shape, m.shape)
    xp = array_module(self._data)
    m = _on(xp, m)
    if m.shape != shape:
        m = xp.broadcast_to(m, shape)
    count = int(m.sum())
    if source._data.size < count:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    flat = source.reshape(-1)
    if flat._data.shape[0] != count:
        flat = flat[:count]
    return m, flat, shape


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """input with the positions where ``mask`` is True filled, in order, by the first
    elements of ``source``."""
    m, flat, shape = _masked_scatter_args(input, mask, source, "masked_scatter_")
    return apply(X.MaskedScatter, _expand(input, shape), flat, None, (m,), False)


def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    m, flat, shape = _masked_scatter_args(self, mask, source, "masked_scatter_")
    if tuple(shape) != tuple(self._data.shape):
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                           f"{list(shape)}")
    return write(self, X.MaskedScatter, flat, None, (m,), False, "masked_scatter_")


# ---------------------------------------------------------------------------- nonzero
def nonzero(input: Tensor, *, as_tuple: bool = False, out=None):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or (as_tuple) one
    1-D tensor per dim."""
    a = input._data
    xp = array_module(a)
    if as_tuple:
        flat = a.reshape(1) if a.ndim == 0 else a
        return tuple(Tensor._make(c.astype(np.int64, copy=False)) for c in xp.nonzero(flat))
    return Tensor._make(xp.argwhere(a).astype(np.int64, copy=False))


def argwhere(input: Tensor) -> Tensor:
    """nonzero(input): the (n, ndim) indices of the non-zero elements."""
    return nonzero(input)


for _f in (masked_fill, masked_fill_, masked_select, masked_scatter, masked_scatter_, nonzero, argwhere):
    setattr(Tensor, _f.__name__, _f)
