"""ember's dtypes (PyTorch's names) and PyTorch's type-promotion rules.

A dtype wraps a NumPy dtype; CuPy uses the same NumPy dtypes, so one table serves
both backends.  Promotion follows c10's ResultTypeState: dimensioned tensors win
over 0-d tensors, which win over Python scalars, unless a lower-priority operand
is of a higher category (bool < integer < floating).
"""
from __future__ import annotations

import builtins

import numpy as np

__all__ = [
    "dtype", "float16", "half", "float32", "float", "float64", "double", "int8", "int16", "short",
    "int32", "int", "int64", "long", "uint8", "bool", "get_default_dtype", "set_default_dtype",
    "to_dtype", "from_numpy_dtype", "promote_types", "result_type", "can_cast",
]


_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                 "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


class dtype:
    """A tensor element type; prints as ``torch.float32`` like PyTorch's."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "category", "scalar_name")

    def __init__(self, name: str, np_dtype, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_complex = False
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize
        # c10's ScalarType name, which PyTorch's error messages and type() strings use
        self.scalar_name = _SCALAR_NAMES[name]

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (to_dtype, (self.name,))

    def to_real(self) -> "dtype":
        return self


float16 = half = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = double = dtype("float64", np.float64, 2)
int8 = dtype("int8", np.int8, 1)
int16 = short = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = long = dtype("int64", np.int64, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool_ = dtype("bool", np.bool_, 0)
globals()["bool"] = bool_
globals()["float"] = float32
globals()["int"] = int32

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"half": float16, "float": float32, "double": float64, "short": int16,
                 "int": int32, "long": int64})

_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; like PyTorch, only float16/32/64 are accepted."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def from_numpy_dtype(npd) -> dtype:
    """The ember dtype for a NumPy dtype; raises TypeError for unsupported ones."""
    try:
        return _BY_NP[np.dtype(npd)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(npd)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def to_dtype(d) -> dtype:
    """Accept an ember dtype, a NumPy dtype/type, a Python type or a name."""
    if isinstance(d, dtype):
        return d
    if d is None:
        return _default[0]
    if isinstance(d, str):
        key = d[6:] if d.startswith("torch.") else d
        if key in _BY_NAME:
            return _BY_NAME[key]
        raise TypeError(f"invalid dtype: {d!r}")
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    return from_numpy_dtype(d)


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the smallest dtype both can be converted to without
    leaving their category; a higher category wins outright (int64 + float16 -> float16)."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _BY_NP[np.promote_types(a.np, b.np)]


def _scalar_dtype(x) -> dtype:
    if isinstance(x, builtins.bool):
        return bool_
    if isinstance(x, builtins.int):
        return int64
    if isinstance(x, builtins.float):
        return _default[0]
    if isinstance(x, complex):
        raise TypeError("ember does not support complex numbers")
    if isinstance(x, np.generic):  # NumPy scalars behave like Python numbers of their kind
        return _scalar_dtype(x.item())
    raise TypeError(f"expected a tensor or a number, got {type(x).__name__}")


def _combine(higher, lower):
    # c10 combine_categories: a lower-priority group matters only if its category is higher.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """torch.result_type over tensors (anything with ``dtype`` and ``ndim``) and numbers."""
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = _scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


def can_cast(from_: dtype, to: dtype) -> bool:
    """torch.can_cast: casting may not lower the category (float -> int, int -> bool)."""
    return from_.category <= to.category
