"""``torch.numel``, ``torch.finfo`` and ``torch.iinfo``: facts about a tensor's size
and about the numeric limits of ember's dtypes.

``finfo`` / ``iinfo`` read NumPy's tables (ember's dtypes wrap NumPy dtypes), and
give PyTorch's attribute names and types: Python floats (ints for iinfo) and the
dtype's short name as a string."""
from __future__ import annotations

import numpy as np

from ..backend import dtypes as D
from .tensor import Tensor

__all__ = ["numel", "finfo", "iinfo"]


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.numel()


def _dtype_arg(op: str, type_) -> D.dtype:
    if not isinstance(type_, D.dtype):
        raise TypeError(f"{op}(): argument 'type' (position 1) must be torch.dtype, not {type(type_).__name__}")
    return type_


class finfo:
    """Limits of a floating dtype (the default dtype when none is given): ``bits``,
    ``eps`` (1.0's distance to the next float), ``max``, ``min``, ``tiny`` ==
    ``smallest_normal``, ``resolution`` (10**-decimal digits) and ``dtype``."""

    def __init__(self, type=None) -> None:  # noqa: A002  (PyTorch's parameter name)
        d = D.get_default_dtype() if type is None else _dtype_arg("finfo", type)
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(d.np)
        self.bits: int = int(info.bits)
        self.eps: float = float(info.eps)
        self.max: float = float(info.max)
        self.min: float = float(info.min)
        self.tiny: float = float(info.smallest_normal)
        self.smallest_normal: float = self.tiny
        self.resolution: float = 10.0 ** -int(info.precision)   # exact decimal, not the dtype's rounding
        self.dtype: str = d.name

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    __hash__ = None  # PyTorch's finfo is unhashable too

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: ``bits``, ``max``, ``min`` and ``dtype``."""

    def __init__(self, type) -> None:  # noqa: A002
        d = _dtype_arg("iinfo", type)
        if d is D.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(d.np)
        self.bits: int = int(info.bits)
        self.max: int = int(info.max)
        self.min: int = int(info.min)
        self.dtype: str = d.name

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    __hash__ = None

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
