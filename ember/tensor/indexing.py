"""Indexing: ``Tensor.__getitem__`` / ``__setitem__`` and ``copy_``.

PyTorch's rules, which are NumPy's with two differences that matter here: integer
indices (and 0-d integer tensors) are applied first as selects, so they never
count as advanced indices; and slices must have positive steps.  A key is turned
into the ``(pre, adv, acc)`` form of ``ember.ops.indexing`` (see there):

* only ints / slices / None / Ellipsis: a basic key, read as a **view** (``Slice``);
* anything with integer or bool arrays: ``pre`` (the selects and unsqueezes), then
  ``adv`` (slices and arrays), read as a copy (``Index``).

The gather / scatter / index_* / take family lives in ``gather_scatter.py``, the
masked_* family and nonzero in ``masked.py``; all are re-exported from here.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..autograd.grad_mode import GRAD
from ..backend.device import array_module, is_array
from ..ops import indexing as X
from .tensor import Tensor
from .wrap import apply, view_apply

_NONE = type(None)
_ELLIPSIS = type(Ellipsis)


def type_name(t: Tensor) -> str:
    """PyTorch's scalar-type name of a tensor (Float, Long, ...)."""
    return t.dtype.scalar_name


# ---------------------------------------------------------------------------- key parsing
def _bad_step(s: slice):
    if s.step == 0:
        raise ValueError("slice step cannot be zero")
    raise ValueError("step must be greater than zero")


def _seq_as_tuple(key) -> bool:
    """PyTorch reads ``x[[a, b]]`` as ``x[a, b]`` when the list holds tensors,
    sequences, slices, Ellipsis or None (a short list only), else as one index."""
    if not isinstance(key, list) or len(key) >= 32:
        return False
    for k in key:
        if isinstance(k, (Tensor, list, tuple, slice, range)) or k is None or k is Ellipsis or is_array(k):
            return True
    return False


def _seq_array(seq):
    """A list / tuple / range index as a NumPy array: bool (a mask) or int64."""
    if isinstance(seq, range):
        return np.arange(seq.start, seq.stop, seq.step, dtype=np.int64)
    try:
        arr = np.asarray(seq)
    except ValueError:
        raise IndexError(f"index {seq!r}: nested sequences of different lengths cannot be used as an "
                         f"index") from None
    if arr.dtype.kind == "b":
        return arr
    if arr.size == 0 or arr.dtype.kind in "iuf":
        return arr.astype(np.int64)
    raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors (got a list of "
                     f"{arr.dtype})")


def _array_entry(arr):
    """An index array as a key entry: a bool mask, an int array, or (0-d int) a plain int."""
    kind = arr.dtype.kind
    if kind == "b":
        return arr
    if kind == "u" and arr.dtype.itemsize == 1:
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                      "instead.", UserWarning, stacklevel=4)
        return arr.astype(bool)
    if kind in "iu":
        return int(arr) if arr.ndim == 0 else arr
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _entry(k):
    """One element of an index tuple, normalised to int / slice / None / Ellipsis / array."""
    tk = type(k)
    if tk is int or k is None or k is Ellipsis:
        return k
    if tk is slice:
        if k.step is not None and k.step <= 0:
            _bad_step(k)
        return k
    if tk is bool:
        return np.array(k)
    if isinstance(k, Tensor):
        return _array_entry(k._data)
    if is_array(k) or isinstance(k, np.ndarray):
        return _array_entry(k)
    if isinstance(k, (list, tuple, range)):
        return _array_entry(_seq_array(k))
    if isinstance(k, np.bool_):
        return np.array(bool(k))
    if isinstance(k, numbers.Integral) or (hasattr(k, "__index__") and not isinstance(k, numbers.Real)):
        return int(k.__index__())
    if isinstance(k, str):
        raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                     f"valid indices (got {type(k).__name__})")


def parse_key(t: Tensor, key):
    """``(pre, adv, acc, basic)`` for indexing ``t`` with ``key`` (PyTorch's semantics)."""
    if type(key) is not tuple:
        key = tuple(key) if _seq_as_tuple(key) else (key,)
    items = [_entry(k) for k in key]
    arrays = False
    used = 0
    ellipses = 0
    for k in items:
        tk = type(k)
        if tk is int or tk is slice:
            used += 1
        elif k is Ellipsis:
            ellipses += 1
        elif k is not None:
            arrays = True
            used += k.ndim if k.dtype.kind == "b" else 1
    ndim = t._data.ndim
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > ndim:
        if ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if not arrays:
        return None, tuple(items), False, True
    if ellipses:
        at = next(i for i, k in enumerate(items) if k is Ellipsis)
        items[at:at + 1] = [slice(None)] * (ndim - used)
    xp = array_module(t._data)
    if xp is not np:
        items = [xp.asarray(k) if isinstance(k, np.ndarray) else k for k in items]
    elif any(is_array(k) and not isinstance(k, np.ndarray) for k in items):
        raise RuntimeError("indices should be either on cpu or on the same device as the indexed tensor (cpu)")
    selects = any(type(k) is int or k is None for k in items)
    if selects:
        pre = []
        adv = []
        for k in items:
            tk = type(k)
            if tk is int or tk is slice or k is None:
                pre.append(k)
                if tk is not int:
                    adv.append(slice(None))
            else:
                n = k.ndim if k.dtype.kind == "b" else 1
                pre.extend([slice(None)] * n)
                adv.append(k)
        pre = tuple(pre)
    else:
        pre, adv = None, items
    _check_masks(t, items)
    acc = any(is_array(k) and k.dtype.kind != "b" for k in adv)
    return pre, tuple(adv), acc, False


def _check_masks(t: Tensor, items) -> None:
    """Bool masks must match the dims they index (PyTorch's message, not NumPy's)."""
    shape = t._data.shape
    view = []  # shape after the selects / unsqueezes / slices
    slots = []  # (mask, position in view)
    d = 0
    for k in items:
        tk = type(k)
        if k is None:
            view.append(1)
        elif tk is int:
            d += 1
        elif tk is slice:
            view.append(len(range(*k.indices(shape[d]))))
            d += 1
        elif k.dtype.kind == "b":
            slots.append((k, len(view)))
            view.extend(shape[d:d + k.ndim])
            d += k.ndim
        else:
            view.append(shape[d])
            d += 1
    view.extend(shape[d:])
    for mask, p in slots:
        for j, s in enumerate(mask.shape):
            if s != view[p + j]:
                raise IndexError(f"The shape of the mask {list(mask.shape)} at index {j} does not match the "
                                 f"shape of the indexed tensor {view} at index {p + j}")


def numpy_index_error(e: Exception, t: Tensor) -> IndexError:
    """NumPy's indexing messages reworded as PyTorch's."""
    msg = str(e)
    if msg.startswith("too many indices"):
        if t._data.ndim == 0:
            return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                              "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        return IndexError(f"too many indices for tensor of dimension {t._data.ndim}")
    if "out of bounds for axis" in msg:
        return IndexError(msg.replace("for axis", "for dimension"))
    if msg.startswith("shape mismatch"):
        return IndexError(msg.replace("arrays", "tensors"))
    return IndexError(msg)


# ---------------------------------------------------------------------------- getitem
def _getitem(self: Tensor, key):
    """``self[key]``: a view for basic keys, a copy when the key holds arrays."""
    tk = type(key)
    if tk is int:
        op = X.Select
    elif tk is slice:
        if key.step is not None and key.step <= 0:
            _bad_step(key)
        op = X.Slice
    elif tk is tuple:
        for k in key:
            tk2 = type(k)
            if tk2 is slice:
                if k.step is not None and k.step <= 0:
                    _bad_step(k)
            elif tk2 is not int and tk2 is not _NONE and tk2 is not _ELLIPSIS:
                return _getitem_general(self, key)
        op = X.Slice
    elif key is None or key is Ellipsis:
        op = X.Slice
    else:
        return _getitem_general(self, key)
    try:
        return view_apply(op, self, key)
    except IndexError as e:
        raise numpy_index_error(e, self) from None


def _getitem_general(self: Tensor, key):
    pre, adv, acc, basic = parse_key(self, key)
    try:
        if basic:
            return view_apply(X.Slice, self, adv)
        return apply(X.Index, self, pre, adv, acc)
    except IndexError as e:
        raise numpy_index_error(e, self) from None


# ---------------------------------------------------------------------------- writing
def tracking(self: Tensor, value) -> bool:
    """Whether an in-place write into ``self`` must be recorded for autograd."""
    return GRAD[0] and (self._rg or (isinstance(value, Tensor) and value._rg))


def write(self: Tensor, op, value, pre, adv, acc, name: str) -> Tensor:
    """Write ``value`` into ``self[pre][adv]`` (``op`` a SetItem or AddAt primitive).

    With autograd watching: computed out of place by ``op`` and committed through
    ``_commit_inplace`` (PyTorch's in-place rules, views).  Otherwise a direct write
    into the array and a version bump."""
    if tracking(self, value):
        try:
            result = apply(op, self, value, pre, adv, acc)
        except ValueError as e:
            raise _value_error(e, self, value, pre, adv, name) from None
        except IndexError as e:
            raise numpy_index_error(e, self) from None
        return self._commit_inplace(result, name)
    data = self._data
    v = value._data if isinstance(value, Tensor) else value
    try:
        op.write(data if pre is None else data[pre], adv, v, acc)
    except ValueError as e:
        raise _value_error(e, self, value, pre, adv, name) from None
    except IndexError as e:
        raise numpy_index_error(e, self) from None
    except OverflowError as e:
        raise RuntimeError(f"{name}: value cannot be converted to type {type_name(self)} without overflow "
                           f"({e})") from None
    self._version[0] += 1
    return self


def _value_error(e: ValueError, self: Tensor, value, pre, adv, name: str) -> RuntimeError:
    msg = str(e)
    if "read-only" in msg:
        return RuntimeError(f"{name}: unsupported operation: more than one element of the written-to tensor "
                            "refers to a single memory location. Please clone() the tensor before "
                            "performing the operation.")
    vshape = list(getattr(value, "shape", ()))
    try:
        region = list(X._read(self._data, pre, adv).shape)
    except Exception:  # the key itself is bad; report NumPy's reason
        return RuntimeError(f"{name}: {msg}")
    return RuntimeError(f"shape mismatch: value tensor of shape {vshape} cannot be broadcast to indexing "
                        f"result of shape {region}")


def value_operand(self: Tensor, value, name: str):
    """A value written into ``self``: a Python number, or a tensor cast to self's dtype
    and device (differentiably)."""
    if isinstance(value, Tensor):
        if value._data.dtype != self._data.dtype:
            value = value.to(self.dtype)
        if type(value._data) is not type(self._data):
            value = value.to(self.device)
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        return int(value) if isinstance(value, numbers.Integral) else float(value)
    kind = type(value).__name__ if type(value).__module__ == "builtins" else \
        f"{type(value).__module__}.{type(value).__name__}"
    raise TypeError(f"can't assign a {kind} to a torch.{type_name(self)}Tensor")


def _setitem(self: Tensor, key, value) -> None:
    """``self[key] = value``: value broadcast to the indexed region, cast to self's dtype."""
    tk = type(key)
    if tk is int or key is None or key is Ellipsis or (tk is slice and (key.step is None or key.step > 0)):
        pre, adv, acc, basic = None, key, False, True
    else:
        pre, adv, acc, basic = parse_key(self, key)
    value = value_operand(self, value, "setitem")
    if basic:
        if tracking(self, value) and self._node is None and self._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        op = X.SetItem if isinstance(value, Tensor) else X.SetItemNumber  # a number: filled in place
        write(self, op, value, None, adv, False, "copy_")
    else:
        write(self, X.IndexPut, value, pre, adv, acc, "index_put_")


# ---------------------------------------------------------------------------- copy_
def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` into ``self`` in place, broadcasting it and converting dtype and
    device; differentiable with respect to ``src`` (and through views of self)."""
    if not isinstance(src, Tensor):
        if isinstance(src, numbers.Number) and not isinstance(src, complex):
            return write(self, X.SetItem, value_operand(self, src, "copy_"), None, Ellipsis, False, "copy_")
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}")
    shape = self._data.shape
    sshape = src._data.shape
    if sshape != shape:
        _check_broadcast(sshape, shape)
    src = value_operand(self, src, "copy_")
    if tracking(self, src):
        return self._commit_inplace(apply(X.Copy, self, src), "copy_")
    try:
        self._data[...] = src._data
    except ValueError as e:
        raise _value_error(e, self, src, None, Ellipsis, "copy_") from None
    self._version[0] += 1
    return self


def _check_broadcast(src, dst) -> None:
    """src must broadcast to dst (PyTorch's expand message otherwise)."""
    if len(src) > len(dst):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(src)}}}, size={list(dst)}): the number of sizes "
                           f"provided ({len(dst)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({len(src)})")
    for i in range(1, len(src) + 1):
        if src[-i] != 1 and src[-i] != dst[-i]:
            raise RuntimeError(f"The size of tensor a ({dst[-i]}) must match the size of tensor b ({src[-i]}) "
                               f"at non-singleton dimension {len(dst) - i}")


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem
Tensor.copy_ = copy_

from . import gather_scatter as _gs, masked as _masked  # noqa: E402  (the index- and mask-driven functions)
from .gather_scatter import *  # noqa: E402,F401,F403
from .masked import *  # noqa: E402,F401,F403

__all__ = _gs.__all__ + _masked.__all__
