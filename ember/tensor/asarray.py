"""``torch.asarray``: a tensor from a tensor, array, buffer, scalar or sequence,
sharing memory whenever dtype and device allow (unless ``copy=True``).

Tensors keep their autograd history: ``asarray(t)`` is ``t`` itself, a dtype or
device change is the differentiable ``to``, and ``copy=True`` a ``clone``.  With
``requires_grad`` left unspecified a tensor's own flag is kept (PyTorch 2.13 warns
about that default when the tensor requires grad; ember warns alike)."""
from __future__ import annotations

import warnings

import numpy as np

from ..backend import dtypes as D
from ..backend.device import device_of, factory_device, is_array, to_device
from .creation import as_array, infer_dtype
from .tensor import Tensor

__all__ = ["asarray"]

_RG_WARNING = ("torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead of False. Pass "
               "requires_grad=False explicitly to get the old behavior and silence this warning.")


def _from_tensor(t: Tensor, dt, dev, copy) -> Tensor:
    same_dt = dt is None or dt is t.dtype
    same_dev = dev is None or dev == t.device or (dev.index is None and dev.type == t.device.type)
    if copy is False and not same_dt:
        raise ValueError(f"can't alias tensor with dtype '{t.dtype.scalar_name}' into dtype "
                         f"'{dt.scalar_name}'.")
    if copy is False and not same_dev:
        raise ValueError(f"can't alias tensor on device '{t.device}' into device '{dev}'.")
    out = t.to(device=dev, dtype=dt)
    if copy and out is t:
        out = t.clone()
    return out


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None, requires_grad: bool | None = None) -> Tensor:
    """``obj`` as a tensor; ``copy=None`` shares memory when it can, ``copy=False``
    insists on it (ValueError otherwise), ``copy=True`` always copies."""
    dt = D.to_dtype(dtype) if dtype is not None else None
    dev = to_device(device) if device is not None else None
    if isinstance(obj, Tensor):
        out = _from_tensor(obj, dt, dev, copy)
        if requires_grad is None:
            if obj.requires_grad:
                warnings.warn(_RG_WARNING, UserWarning, stacklevel=2)
            return out
        if not requires_grad:
            return out.detach() if out.requires_grad else out
        if out.requires_grad:
            return out
        out = out if out is not obj else obj.detach()
        return out.requires_grad_(True)
    if is_array(obj) or isinstance(obj, np.generic):
        arr = np.asarray(obj) if isinstance(obj, np.generic) else obj
        want = dt if dt is not None else D.from_numpy_dtype(arr.dtype)
        if copy is False and want.np != arr.dtype:
            raise ValueError(f"can't alias NumPy array with dtype '{D.from_numpy_dtype(arr.dtype).scalar_name}' "
                             f"into dtype '{want.scalar_name}'.")
        data = as_array(arr, want, dev if dev is not None else device_of(arr),
                        copy=bool(copy) or isinstance(obj, np.generic), op="asarray")
    elif hasattr(obj, "__buffer__") and not isinstance(obj, (list, tuple)) or isinstance(obj, (bytes, bytearray,
                                                                                              memoryview)):
        want = dt if dt is not None else D.get_default_dtype()
        data = np.frombuffer(obj, dtype=want.np)
        data = as_array(data, want, dev, copy=bool(copy), op="asarray")
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        want = dt if dt is not None else infer_dtype(obj)
        data = as_array(obj, want, factory_device(dev), copy=True, op="asarray")
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t
