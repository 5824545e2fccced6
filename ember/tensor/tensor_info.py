"""Tensor queries and legacy methods: ``get_device``, ``is_signed``, ``is_nonzero``,
``is_same_size``, ``is_inference``, ``storage_offset``, ``pin_memory`` /
``is_pinned``, ``new``, ``resize_`` and ``resize_as_``.

ember has no inference tensors (``is_inference`` is always False, see
docs/differences.md) and no page-locked host memory: ``pin_memory`` needs a cuda
device, as in a PyTorch build without an accelerator, and then returns a copy;
``is_pinned`` is False.  ``resize_`` keeps the tensor's first elements in row-major
order; new elements are zeros (PyTorch leaves them uninitialised)."""
from __future__ import annotations

import numpy as np

from ..backend import dtypes as D
from ..backend.device import array_module
from .factory import legacy_new, parse_size
from .tensor import Tensor

__all__ = ["is_nonzero", "is_same_size", "is_signed", "is_inference", "get_device"]


def get_device(self: Tensor) -> int:
    """The cuda device index, or -1 for a cpu tensor."""
    d = self.device
    return -1 if d.type == "cpu" else (d.index or 0)


def is_signed(self: Tensor) -> bool:
    """True for signed dtypes (floats and signed integers; not uint8 or bool)."""
    return self.dtype not in (D.uint8, D.bool_)


def is_nonzero(self: Tensor) -> bool:
    """The truth value of a one-element tensor (NaN counts as non-zero)."""
    n = self.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(self._data.reshape(-1)[0] != 0)


def is_same_size(self: Tensor, other: Tensor) -> bool:
    return tuple(self.shape) == tuple(other.shape)


def is_inference(self: Tensor) -> bool:
    """Always False: ember has no inference tensors (inference_mode is no_grad)."""
    return False


def storage_offset(self: Tensor) -> int:
    """How many elements into the memory it views this tensor starts (0 for a tensor
    that owns its memory)."""
    a = self._data
    root = a
    while getattr(root, "base", None) is not None and hasattr(root.base, "dtype"):
        root = root.base
    if root is a:
        return 0
    ptr = (lambda x: x.__array_interface__["data"][0]) if isinstance(a, np.ndarray) else (lambda x: x.data.ptr)
    return max(0, (ptr(a) - ptr(root)) // a.itemsize)


def pin_memory(self: Tensor, device=None) -> Tensor:
    """A copy for fast transfer to the GPU; needs a cuda device (PyTorch's CPU build
    raises the same error)."""
    from .. import cuda
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if self.device.type != "cpu":
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    return self.clone()


def is_pinned(self: Tensor, device=None) -> bool:
    return False


def new(self: Tensor, *args, device=None, dtype=None) -> Tensor:
    """The legacy constructor on a tensor: sizes give a zeroed tensor, data is copied,
    both with this tensor's dtype and device."""
    if dtype is not None and D.to_dtype(dtype) is not self.dtype:
        raise TypeError("new(): dtype must be this tensor's dtype (use new_tensor or to for another)")
    if len(args) == 1 and isinstance(args[0], Tensor) and args[0].dtype is not self.dtype:
        raise TypeError(f"expected {self.dtype} (got {args[0].dtype})")
    return legacy_new(Tensor, args, device if device is not None else self.device, self.dtype)


def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give this tensor the shape ``sizes``, keeping its first elements (row-major);
    added elements are zeros.  Not allowed on tensors that require grad."""
    shape = parse_size(sizes, "resize_")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    a = self._data
    n = int(np.prod(shape, dtype=np.int64))
    if tuple(a.shape) == shape:
        return self
    if n <= a.size and a.flags.c_contiguous:
        self._data = a.reshape(-1)[:n].reshape(shape)      # still the same memory, as PyTorch's
    else:
        out = array_module(a).zeros(n, dtype=a.dtype)
        k = min(n, a.size)
        out[:k] = a.reshape(-1)[:k]
        self._data = out.reshape(shape)
    self._version[0] += 1
    return self


def resize_as_(self: Tensor, the_template: Tensor, memory_format=None) -> Tensor:
    return resize_(self, tuple(the_template.shape))


for _fn in (get_device, is_signed, is_nonzero, is_same_size, is_inference, storage_offset, pin_memory, is_pinned,
            new, resize_, resize_as_):
    setattr(Tensor, _fn.__name__, _fn)
