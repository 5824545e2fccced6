"""Turning Python data into tensors: ``tensor``, ``as_tensor``, ``from_numpy``.

``as_array`` is the one conversion routine: nested lists of numbers (or 0-d
tensors), NumPy arrays and scalars, and tensors, to an array of PyTorch's dtype
(Python floats -> the default dtype, ints -> int64, bools -> bool)."""
from __future__ import annotations

import numbers

import numpy as np

from ..backend import dtypes as D
from ..backend.device import device_module, device_of, is_array, to_device

__all__ = ["tensor", "as_tensor", "from_numpy", "as_array", "infer_dtype"]


def _Tensor():
    from .tensor import Tensor
    return Tensor


def infer_dtype(data) -> D.dtype:
    """The dtype torch.tensor would give ``data``."""
    T = _Tensor()
    if isinstance(data, T):
        return data.dtype
    if is_array(data) or isinstance(data, np.generic):
        return D.from_numpy_dtype(data.dtype)
    if isinstance(data, bool):
        return D.bool_
    if isinstance(data, numbers.Integral):
        return D.int64
    if isinstance(data, numbers.Real):
        return D.get_default_dtype()
    if isinstance(data, complex):
        raise TypeError("ember does not support complex tensors")
    if isinstance(data, (list, tuple)):
        cat = -1
        best = None
        for x in data:
            d = infer_dtype(x)
            if d.category > cat or (d.category == cat and isinstance(x, (T, np.ndarray))):
                best, cat = (d if not isinstance(x, numbers.Number) or isinstance(x, np.generic)
                             else d), d.category
                if isinstance(x, (T, np.ndarray, np.generic)) and d.category == 2:
                    best = d
        if best is None:
            return D.get_default_dtype()
        if best.category == 2 and not any(isinstance(x, (T, np.ndarray, np.generic)) for x in data):
            return D.get_default_dtype()
        return best
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _to_nested(data):
    T = _Tensor()
    if isinstance(data, T):
        return data.__array__()
    if isinstance(data, (list, tuple)):
        return [_to_nested(x) for x in data]
    return data


def as_array(data, dtype=None, device=None, copy: bool = False, op: str = "tensor"):
    """An array holding ``data`` with the given (or inferred) dtype on ``device``."""
    T = _Tensor()
    if isinstance(data, T):
        arr = data._data
        dt = D.to_dtype(dtype) if dtype is not None else data.dtype
    else:
        if isinstance(data, str) or data is None or isinstance(data, dict):
            raise TypeError(f"{op}(): new(): invalid data type '{type(data).__name__}'")
        dt = D.to_dtype(dtype) if dtype is not None else infer_dtype(data)
        if is_array(data):
            arr = data
        else:
            nested = _to_nested(data)
            try:
                arr = np.array(nested, dtype=dt.np)
            except ValueError as e:
                raise ValueError(f"{op}(): expected a sequence of equal-length sequences of numbers ({e})") from None
            except TypeError as e:
                raise TypeError(f"{op}(): could not convert the data to a tensor ({e})") from None
            copy = False
            if arr.dtype == object:
                raise TypeError(f"{op}(): could not convert the data to a tensor")
    dev = to_device(device) if device is not None else device_of(arr)
    xp = device_module(dev)
    if device_of(arr) != dev and not (dev.type == device_of(arr).type and dev.index is None):
        arr = xp.asarray(arr) if dev.type == "cuda" else arr.get()
        copy = False
    if arr.dtype != dt.np:
        arr = arr.astype(dt.np)
        copy = False
    if copy:
        arr = arr.copy()
    if type(arr) is np.ndarray and not arr.flags.writeable:
        arr = arr.copy()
    return arr


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False):
    """``torch.tensor``: always copies ``data`` into a new leaf tensor."""
    T = _Tensor()
    if isinstance(data, T):
        pass  # PyTorch warns to use clone().detach(); ember copies without a warning
    t = T._make(as_array(data, dtype, device, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    """``torch.as_tensor``: shares memory with a NumPy array or tensor when it can."""
    T = _Tensor()
    if isinstance(data, T):
        if (dtype is None or D.to_dtype(dtype) is data.dtype) and (device is None or to_device(device) == data.device):
            return data
        return data.to(device=device, dtype=dtype)
    return T._make(as_array(data, dtype, device, copy=False, op="as_tensor"))


def from_numpy(ndarray) -> "Tensor":
    """A tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    if not ndarray.flags.writeable:
        pass  # PyTorch warns about non-writable arrays; the tensor still shares them
    return _Tensor()._make(ndarray)


def _rebuild(cls, array, requires_grad, device):
    """Unpickling a tensor (copy.deepcopy, pickle, DataLoader workers)."""
    arr = as_array(array, device=device)
    t = cls._make(arr) if cls.__name__ == "Tensor" else cls(_Tensor()._make(arr), requires_grad)
    if requires_grad:
        t._rg = True
    return t


_ = device_module
