"""Turning Python data into tensors: ``tensor``, ``as_tensor``, ``from_numpy``.

``as_array`` is the one conversion routine: nested sequences of numbers (or
one-element tensors), NumPy arrays and scalars, and tensors, to an array of the
dtype PyTorch would give.  Inference follows PyTorch: the dtypes of all the leaves
are promoted together, where a Python bool is bool, a Python int int64, a Python
float the default dtype, and a NumPy scalar, array or tensor keeps its own dtype
(``[np.float64(1), 2]`` is float64, ``[1, 2.5]`` float32)."""
from __future__ import annotations

import numbers

import numpy as np

from ..backend import dtypes as D
from ..backend.device import DEFAULT_IN_USE, default_device_or_none, device_module, device_of, is_array, to_device

__all__ = ["tensor", "as_tensor", "from_numpy", "as_array", "infer_dtype"]


def _Tensor():
    from .tensor import Tensor
    return Tensor


_PY = {bool: D.bool_, int: D.int64}


def _scalar_dtype(x, T):
    """The dtype of one leaf, or None when ``x`` is a sequence to descend into."""
    t = type(x)
    if t is float:
        return D.get_default_dtype()
    d = _PY.get(t)
    if d is not None:
        return d
    if isinstance(x, T):
        if x._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index "
                            f"(tensor(): a tensor inside a list must have one element, got shape "
                            f"{list(x.shape)})")
        return x.dtype
    if isinstance(x, np.generic) or is_array(x):
        if x.dtype == object:
            _object_array_error(x.dtype)
        return D.from_numpy_dtype(x.dtype) if isinstance(x, np.generic) else None
    if isinstance(x, bool):
        return D.bool_
    if isinstance(x, numbers.Integral):
        return D.int64
    if isinstance(x, numbers.Real):
        return D.get_default_dtype()
    if isinstance(x, complex):
        raise TypeError("ember does not support complex tensors")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if isinstance(x, (list, tuple, range)):
        return None
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def infer_dtype(data) -> D.dtype:
    """The dtype ``torch.tensor(data)`` would give."""
    T = _Tensor()
    if isinstance(data, T):
        return data.dtype
    if is_array(data):
        if data.dtype == object:
            _object_array_error(data.dtype)
        return D.from_numpy_dtype(data.dtype)
    best = None
    stack = [data]
    while stack:
        x = stack.pop()
        if type(x) in (list, tuple):
            kinds = set(map(type, x))
            if kinds <= _FAST:  # a flat run of Python numbers: no per-element calls
                for k in kinds:
                    d = _PY.get(k) or D.get_default_dtype()
                    best = d if best is None else (best if best is d else D.promote_types(best, d))
                continue
        d = _scalar_dtype(x, T)
        if d is None:
            if is_array(x):
                d = D.from_numpy_dtype(x.dtype)
            else:
                stack.extend(x)
                continue
        best = d if best is None else (best if best is d else D.promote_types(best, d))
    return best if best is not None else D.get_default_dtype()


_FAST = {float, int, bool}


def _object_array_error(npd):
    raise TypeError(f"can't convert np.ndarray of type numpy.object_. The only supported types are: float64, "
                    f"float32, float16, int64, int32, int16, int8, uint8, and bool. (An object array often "
                    f"comes from a pandas DataFrame with mixed column types: convert it with "
                    f"df.to_numpy(dtype=float) first.)")


def _to_nested(data, T):
    """Sequences with one-element tensors replaced by their values."""
    if isinstance(data, T):
        return data._data.reshape(()).item() if data._data.ndim else data.item()
    if isinstance(data, (list, tuple)):
        kinds = set(map(type, data))
        if kinds <= _FAST or not any(issubclass(k, (T, list, tuple)) for k in kinds):
            return data
        return [_to_nested(x, T) for x in data]
    return data


def _ragged(data, depth: int = 0, shape=None):
    """PyTorch's message for a ragged nested sequence (found by walking it)."""
    if shape is None:
        shape = []
        x = data
        while isinstance(x, (list, tuple, range)) or is_array(x):
            shape.append(len(x))
            if not len(x):
                break
            x = x[0]
    if depth >= len(shape):
        if isinstance(data, (list, tuple)):
            return f"expected a number at dim {depth}, got a sequence of length {len(data)}"
        return None
    if not isinstance(data, (list, tuple, range)) and not is_array(data):
        return f"expected sequence of length {shape[depth]} at dim {depth} (got a {type(data).__name__})"
    if len(data) != shape[depth]:
        return f"expected sequence of length {shape[depth]} at dim {depth} (got {len(data)})"
    for x in data:
        m = _ragged(x, depth + 1, shape)
        if m:
            return m
    return None


def as_array(data, dtype=None, device=None, copy: bool = False, op: str = "tensor"):
    """An array holding ``data`` with the given (or inferred) dtype on ``device``."""
    T = _Tensor()
    if isinstance(data, T):
        arr = data._data
        dt = D.to_dtype(dtype) if dtype is not None else data.dtype
    elif is_array(data):
        if data.dtype == object:
            _object_array_error(data.dtype)
        arr = data
        dt = D.to_dtype(dtype) if dtype is not None else D.from_numpy_dtype(data.dtype)
    else:
        if data is None or isinstance(data, dict):
            raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
        if isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        inferred = infer_dtype(data)
        dt = D.to_dtype(dtype) if dtype is not None else inferred
        nested = _to_nested(data, T)
        try:
            arr = np.array(nested, dtype=dt.np)
        except OverflowError:
            raise ValueError(f"Overflow when unpacking long long: {op}() got a Python int outside the "
                             f"range of {dt}") from None
        except (ValueError, TypeError) as e:
            msg = _ragged(nested)
            if msg:
                kind = TypeError if msg.startswith("expected a number") else ValueError
                raise kind(f"{msg} ({op}(): the nested sequences must form a rectangular array)") from None
            raise TypeError(f"{op}(): could not convert the data to a tensor ({e})") from None
        copy = False
    dev = to_device(device) if device is not None else device_of(arr)
    src = device_of(arr)
    if src != dev and not (dev.type == src.type and (dev.index is None or dev.type == "cpu")):
        xp = device_module(dev)
        if dev.type == "cuda":
            with xp.cuda.Device(dev.index or 0):
                arr = xp.asarray(arr)
        else:
            arr = arr.get()
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
    """``torch.tensor``: always copies ``data`` into a new leaf tensor.  Without ``device``
    it lands on the default device once one is set (``set_default_device`` / ``with
    ember.device(...)``), else where ``data`` lives (a cuda tensor stays on cuda)."""
    if device is None and DEFAULT_IN_USE[0]:
        device = default_device_or_none()
    T = _Tensor()
    t = T._make(as_array(data, dtype, device, copy=True))
    if requires_grad:
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"Only Tensors of floating point and complex dtype can require gradients "
                               f"(tensor(): got {t.dtype})")
        t._rg = True
    return t


def as_tensor(data, dtype=None, device=None):
    """``torch.as_tensor``: shares memory with a NumPy array or tensor when dtype and
    device allow, else copies.  Without ``device`` the default device applies as in
    ``tensor`` (so under a cuda default a cpu tensor is copied to cuda, as PyTorch does)."""
    if device is None and DEFAULT_IN_USE[0]:
        device = default_device_or_none()
    T = _Tensor()
    if isinstance(data, T):
        if (dtype is None or D.to_dtype(dtype) is data.dtype) and (device is None or to_device(device) == data.device):
            return data
        return data.to(device=device, dtype=dtype)
    return T._make(as_array(data, dtype, device, copy=False, op="as_tensor"))


def from_numpy(ndarray) -> "Tensor":
    """A tensor sharing memory with ``ndarray`` (writes through either are seen by both);
    always on the cpu, whatever the default device (as PyTorch)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype == object:
        _object_array_error(ndarray.dtype)
    D.from_numpy_dtype(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making "
                         "a copy of your array  with array.copy().)")
    return _Tensor()._make(ndarray)


def _rebuild(cls, array, requires_grad, device):
    """Unpickling a tensor (copy.deepcopy, pickle, DataLoader workers)."""
    arr = as_array(array, device=device)
    t = cls._make(arr) if cls.__name__ == "Tensor" else cls(_Tensor()._make(arr), requires_grad)
    if requires_grad:
        t._rg = True
    return t
