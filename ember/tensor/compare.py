"""Comparisons, logic and bit operations: ``== != < <= > >=``, ``logical_*``, ``& | ^ ~ << >>``,
``isnan``/``isinf``/``isfinite``, ``isclose``/``allclose``/``equal``.

None of these is differentiable, so they run on the raw arrays and return tensors
with no history (bool tensors, except the bitwise ops, which keep integer dtypes).
Operands are promoted by PyTorch's rules first: ``int_tensor == 1.5`` compares in
the default float dtype, as PyTorch does."""
from __future__ import annotations

import operator

import numpy as np

from ..autograd.grad_mode import GRAD
from ..autograd.node import apply
from ..backend import dtypes as D
from ..ops.elementwise import Overwrite
from ..backend.device import array_module, is_array
from .math import write_out
from .tensor import Tensor
from .wrap import UnsupportedOperand, broadcast_error, promote

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
           "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "isnan", "isinf",
           "isfinite", "isposinf", "isneginf", "isreal", "signbit", "isclose", "allclose", "equal"]



def _raw(a, b):
    """The operands as arrays (or Python numbers), promoted, with no autograd."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            x, y = a._data, b._data
            if x.dtype == y.dtype:
                if type(x) is not type(y) and x.ndim and y.ndim:
                    raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                                       f"devices, {a.device} and {b.device}!")
                return x, y
        elif type(b) is float and a._data.dtype.kind == "f":
            return a._data, b
    a, b = promote(a.detach() if isinstance(a, Tensor) else a, b.detach() if isinstance(b, Tensor) else b)
    return (a._data if isinstance(a, Tensor) else a), (b._data if isinstance(b, Tensor) else b)


def _apply(fn, a, b, x, y):
    try:
        r = fn(x, y)
    except ValueError:
        err = broadcast_error(x, y)
        if err is None:
            raise
        raise err from None
    if type(r) is not np.ndarray and not is_array(r):
        r = np.asarray(r)  # NumPy gives a scalar for 0-d operands
    return Tensor._make(r)


def _comparison(name: str, fn):
    def compare(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        x, y = _raw(input, other)
        r = _apply(fn, input, other, x, y)
        return r if out is None else write_out(r, out, name)
    compare.__name__ = name
    compare.__doc__ = f"Elementwise input {name} other as a bool tensor (other: a tensor or a number)."
    return compare


eq = _comparison("eq", operator.eq)
ne = not_equal = _comparison("ne", operator.ne)
lt = less = _comparison("lt", operator.lt)
le = less_equal = _comparison("le", operator.le)
gt = greater = _comparison("gt", operator.gt)
ge = greater_equal = _comparison("ge", operator.ge)


def _operator(fn):
    """``t == x``: an operand of an unsupported type gives NotImplemented (so ``t == None``
    is False, as in PyTorch)."""
    def method(self, other):
        try:
            return fn(self, other)
        except UnsupportedOperand:
            return NotImplemented
    method.__name__ = fn.__name__
    return method


# ---------------------------------------------------------------------------- logic
def _logical(name: str, ufunc: str):
    def fn(input, other, *, out=None):
        for pos, (arg, v) in enumerate((("input", input), ("other", other)), 1):
            if not isinstance(v, Tensor):
                raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                                f"{type(v).__name__}")
        x, y = input._data, other._data
        r = _apply(getattr(array_module(x), ufunc), input, other, x, y)
        return r if out is None else write_out(r, out, name)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name.split('_')[1]} of the truth values (nonzero is true), as a bool tensor."
    return fn


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


def logical_not(input, *, out=None) -> Tensor:
    r = Tensor._make(array_module(input._data).logical_not(input._data))
    return r if out is None else write_out(r, out, "logical_not")


# ---------------------------------------------------------------------------- bits
def _int_operands(name: str, input, other):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    x, y = _raw(input, other)
    for v in (x, y):
        kind = v.dtype.kind if hasattr(v, "dtype") else ("f" if isinstance(v, float) else "i")
        if kind == "f":
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'Float\'')
    return x, y


def _bitwise(name: str, fn):
    def bit(input, other, *, out=None):
        x, y = _int_operands(name, input, other)
        r = _apply(fn, input, other, x, y)
        return r if out is None else write_out(r, out, name)
    bit.__name__ = name
    bit.__doc__ = f"Elementwise {name} of integer or bool tensors (other may be a number)."
    return bit


bitwise_and = _bitwise("bitwise_and", operator.and_)
bitwise_or = _bitwise("bitwise_or", operator.or_)
bitwise_xor = _bitwise("bitwise_xor", operator.xor)


def _shift(x, s, left: bool):
    """x << s or x >> s with PyTorch's rules for shifts outside [0, bits): a left shift
    gives 0, a right shift gives the sign fill (0 or -1)."""
    xp = array_module(x if hasattr(x, "dtype") else s)
    dt = x.dtype if hasattr(x, "dtype") else s.dtype
    if dt.kind == "b":
        dt = np.dtype(np.int64)
        x = x.astype(dt) if hasattr(x, "dtype") else int(x)
        s = s.astype(dt) if hasattr(s, "dtype") else int(s)
    bits = dt.itemsize * 8
    out_of_range = xp.asarray((s < 0) | (s >= bits))  # an array even for a scalar shift (CuPy's where needs one)
    s_safe = xp.where(out_of_range, 0, s).astype(dt) if hasattr(s, "dtype") else (0 if out_of_range else s)
    if left:
        r = xp.left_shift(x, s_safe)
        return xp.where(out_of_range, 0, r).astype(r.dtype, copy=False)
    r = xp.right_shift(x, s_safe)
    fill = xp.right_shift(x, bits - 1) if dt.kind == "i" else 0
    return xp.where(out_of_range, fill, r).astype(r.dtype, copy=False)


def bitwise_left_shift(input, other, *, out=None) -> Tensor:
    """input << other for integer tensors (bool is shifted as int64)."""
    if not isinstance(input, Tensor):
        input = Tensor._make(array_module(other._data).asarray(input, dtype=np.int64))
    x, y = _int_operands("lshift", input, other)
    r = _apply(lambda p, q: _shift(p, q, True), input, other, x, y)
    return r if out is None else write_out(r, out, "bitwise_left_shift")


def bitwise_right_shift(input, other, *, out=None) -> Tensor:
    """input >> other (arithmetic shift for signed integers)."""
    if not isinstance(input, Tensor):
        input = Tensor._make(array_module(other._data).asarray(input, dtype=np.int64))
    x, y = _int_operands("rshift", input, other)
    r = _apply(lambda p, q: _shift(p, q, False), input, other, x, y)
    return r if out is None else write_out(r, out, "bitwise_right_shift")


def bitwise_not(input, *, out=None) -> Tensor:
    kind = input._data.dtype.kind
    if kind == "f":
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{input.dtype.scalar_name}\'')
    r = Tensor._make(~input._data)
    return r if out is None else write_out(r, out, "bitwise_not")


def _invert(self) -> Tensor:
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return Tensor._make(~self._data)


# ---------------------------------------------------------------------------- tests of values
def _test(name: str, ufunc: str, int_value=None):
    def fn(input) -> Tensor:
        d = input._data
        xp = array_module(d)
        if d.dtype.kind != "f" and int_value is not None:
            return Tensor._make(xp.full(d.shape, int_value, dtype=bool))
        return Tensor._make(getattr(xp, ufunc)(d))
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} as a bool tensor."
    return fn


isnan = _test("isnan", "isnan", False)
isinf = _test("isinf", "isinf", False)
isfinite = _test("isfinite", "isfinite", True)
isposinf = _test("isposinf", "isposinf", False)
isneginf = _test("isneginf", "isneginf", False)
signbit = _test("signbit", "signbit")


def isreal(input) -> Tensor:
    """All true: ember has no complex tensors."""
    return Tensor._make(array_module(input._data).ones(input._data.shape, dtype=bool))


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other| elementwise (exact equality always counts;
    NaNs are equal only with ``equal_nan``)."""
    for pos, (arg, v) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(v, Tensor):
            raise TypeError(f"isclose(): argument '{arg}' (position {pos}) must be Tensor, not {type(v).__name__}")
    x, y = input._data, other._data
    if x.dtype != y.dtype:
        raise RuntimeError(f"{input.dtype.name.capitalize()} did not match {other.dtype.name.capitalize()}")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose(): rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    xp = array_module(x)
    try:
        close = x == y
        if x.dtype.kind != "b":
            if x.dtype.kind != "f":
                x, y = x.astype(D.get_default_dtype().np), y.astype(D.get_default_dtype().np)
            with np.errstate(invalid="ignore", over="ignore"):
                err = xp.abs(x - y)
                close |= xp.isfinite(err) & (err <= atol + rtol * xp.abs(y))
            if equal_nan:
                close |= xp.isnan(x) & xp.isnan(y)
    except ValueError:
        raise broadcast_error(input, other) from None
    return Tensor._make(close)


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is ``isclose``."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other) -> bool:
    """True when both have the same shape and the same values (NaN never equals)."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    x, y = _raw(input, other)
    return bool((x == y).all())


# ---------------------------------------------------------------------------- methods
def _inplace(fn, name):
    def method(self, *args, **kwargs):
        return self._commit_inplace(fn(self, *args, **kwargs), name)
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor (in its dtype)."
    return method


_OVERWRITE = {}  # (comparison, other is a tensor) -> Overwrite subclass named as PyTorch's grad_fn
_CMP_NAMES = {"eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"}


def _inplace_compare(fn, name):
    """``x.lt_(y)``: x's (and y's) gradient becomes zero, as PyTorch records it (the
    in-place logical ops, by contrast, keep x's history, as PyTorch's do)."""
    stem = fn.__name__

    def method(self, other):
        r = fn(self, other)
        if GRAD[0] and (self._rg or (isinstance(other, Tensor) and other._rg)):
            key = (stem, isinstance(other, Tensor))
            op = _OVERWRITE.get(key)
            if op is None:
                op = _OVERWRITE[key] = type(f"{stem.capitalize()}Inplace", (Overwrite,),
                                            {"name": stem.capitalize(), "version": int(key[1])})
            r = apply(op, self, r._data, other if isinstance(other, Tensor) else None)
        return self._commit_inplace(r, name)
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor (in its dtype)."
    return method


def _reflected(fn):
    def method(self, other):
        try:
            return fn(self, other)
        except UnsupportedOperand:
            return NotImplemented
    return method


for _name in __all__:
    _fn = globals()[_name]
    setattr(Tensor, _name, _fn)
    if _name not in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit", "isclose",
                     "allclose", "equal"):
        wrap = _inplace_compare if _name in _CMP_NAMES else _inplace
        setattr(Tensor, _name + "_", wrap(_fn, _name + "_"))

for _dunder, _fn in {"__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
                     "__and__": bitwise_and, "__or__": bitwise_or, "__xor__": bitwise_xor,
                     "__rand__": bitwise_and, "__ror__": bitwise_or, "__rxor__": bitwise_xor,
                     "__lshift__": bitwise_left_shift, "__rshift__": bitwise_right_shift}.items():
    setattr(Tensor, _dunder, _operator(_fn))
Tensor.__invert__ = _invert
Tensor.__rlshift__ = _reflected(lambda self, other: bitwise_left_shift(other, self))
Tensor.__rrshift__ = _reflected(lambda self, other: bitwise_right_shift(other, self))
for _dunder, _name in {"__iand__": "bitwise_and_", "__ior__": "bitwise_or_", "__ixor__": "bitwise_xor_",
                       "__ilshift__": "bitwise_left_shift_", "__irshift__": "bitwise_right_shift_"}.items():
    setattr(Tensor, _dunder, getattr(Tensor, _name))
