"""Arithmetic: ``+ - * / // % **`` as public functions, Tensor methods, operators
(also reflected and in-place), each a thin wrapper over a primitive of
``ember.ops.elementwise``.  Unary math, clamp, where and the other elementwise
functions are in ``math_more.py``; comparisons and logic in ``compare.py``.
"""
from __future__ import annotations

from ..autograd.grad_mode import GRAD
from ..backend import dtypes as D
from ..backend.device import array_module
from ..ops import elementwise as E
from .tensor import Tensor
from .wrap import UnsupportedOperand, apply, binary, float_input, promote, to_tensor
from . import amp as _amp

__all__ = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
           "floor_divide", "remainder", "fmod", "neg", "negative", "positive", "pow", "float_power", "square",
           "clone"]


def write_out(result: Tensor, out: Tensor | None, op: str) -> Tensor:
    """Honour ``out=``: copy ``result`` into ``out`` (resized when its shape differs, as
    PyTorch does) and return ``out``.  Like PyTorch, ``out=`` does not record history."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if GRAD[0] and (result._rg or out._rg):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    rdt, odt = D.from_numpy_dtype(result._data.dtype), D.from_numpy_dtype(out._data.dtype)
    if not D.can_cast(rdt, odt):
        raise RuntimeError(f"result type {rdt.name.capitalize()} can't be cast to the desired output type "
                           f"{odt.name.capitalize()}")
    if out._data.shape == result._data.shape:
        out._data[...] = result._data
    else:
        out._data = result._data.astype(out._data.dtype)
    out._version[0] += 1
    return out


def _bool_sub_check(input, other) -> None:
    ib = isinstance(input, Tensor) and input._data.dtype.kind == "b"
    ob = isinstance(other, Tensor) and other._data.dtype.kind == "b"
    if ib and ob:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
                           "or `logical_xor()` operator instead.")
    if ib or ob or isinstance(other, bool) or isinstance(input, bool):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def _check_alpha(a: Tensor, alpha) -> None:
    kind = a._data.dtype.kind
    if isinstance(alpha, bool):
        if kind != "b":
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif isinstance(alpha, float) and kind != "f":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """input + alpha * other, with broadcasting and type promotion."""
    if alpha == 1 and type(alpha) is int and out is None:
        if isinstance(input, Tensor):
            return binary(E.Add, input, other)
        return binary(E.Add, other, input)  # a number first: addition commutes
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        input = to_tensor(input, other)
    a, b = promote(input, other)
    _check_alpha(a if isinstance(a, Tensor) else b, alpha)
    r = binary(E.Add, a, b) if alpha == 1 else binary(E.Add, a, b, alpha=alpha)
    return write_out(r, out, "add")


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """input - alpha * other (bool operands raise, as in PyTorch)."""
    _bool_sub_check(input, other)
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise UnsupportedOperand(f"sub(): expected a Tensor, got {type(input).__name__}")
        input = to_tensor(input, other)
    if alpha == 1 and type(alpha) is int:
        return write_out(binary(E.Sub, input, other), out, "sub")
    a, b = promote(input, other)
    _check_alpha(a if isinstance(a, Tensor) else b, alpha)
    return write_out(binary(E.Sub, a, b, alpha=alpha), out, "sub")


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input (``1 - x`` is ``rsub(x, 1)``; grad_fn RsubBackward1)."""
    _bool_sub_check(input, other)
    a, b = promote(input, other)
    if alpha != 1:
        _check_alpha(a if isinstance(a, Tensor) else b, alpha)
        return binary(E.Rsub, a, b, alpha=alpha)
    return binary(E.Rsub, a, b)


def mul(input, other, *, out=None) -> Tensor:
    """input * other."""
    if not isinstance(input, Tensor):
        input, other = other, input  # multiplication commutes; keep the tensor first
    r = binary(E.Mul, input, other)
    return r if out is None else write_out(r, out, "mul")


multiply = mul


def _is_float(x) -> bool:
    return isinstance(x, float) or (isinstance(x, Tensor) and x._data.dtype.kind == "f")


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """True division (integer and bool operands give the default float dtype), or
    rounded by ``rounding_mode`` 'trunc' / 'floor' (keeping integer dtypes)."""
    if rounding_mode is not None:
        from .math_more import _div_rounding
        return write_out(_div_rounding(input, other, rounding_mode), out, "div")
    a, b = input, other
    if not isinstance(a, Tensor):
        a = to_tensor(a, b if isinstance(b, Tensor) else None)
    if a._data.dtype.kind != "f" and not _is_float(b):
        a = float_input(a)  # int / int: both become the default float dtype
        if isinstance(b, Tensor) and b._data.dtype.kind != "f":
            b = float_input(b)
    r = binary(E.Div, a, b)
    return r if out is None else write_out(r, out, "div")


divide = true_divide = div


def _int_zero_check(a, b) -> None:
    """Integer division or modulo by zero raises, as PyTorch's CPU kernels do."""
    if isinstance(b, Tensor):
        if b._data.dtype.kind in "iub" and (b._data == 0).any():
            raise RuntimeError("ZeroDivisionError")
    elif isinstance(a, Tensor) and a._data.dtype.kind in "iub" and b == 0:
        raise RuntimeError("ZeroDivisionError")


def floor_divide(input, other, *, out=None) -> Tensor:
    """input // other, rounded toward minus infinity (PyTorch has no derivative for it)."""
    if not isinstance(input, Tensor):
        input = to_tensor(input, other if isinstance(other, Tensor) else None)
    a, b = promote(input, other)
    _int_zero_check(a, b)
    return write_out(binary(E.FloorDivide, a, b), out, "floor_divide")


def remainder(input, other, *, out=None) -> Tensor:
    """Python's modulo: the result has the sign of ``other``."""
    if not isinstance(input, Tensor):
        input = to_tensor(input, other if isinstance(other, Tensor) else None)
    a, b = promote(input, other)
    _int_zero_check(a, b)
    op = E.Remainder if isinstance(b, Tensor) else E.RemainderScalar
    return write_out(binary(op, a, b), out, "remainder")


def fmod(input, other, *, out=None) -> Tensor:
    """C's fmod: the result has the sign of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fmod(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    a, b = promote(input, other)
    _int_zero_check(a, b)
    op = E.Fmod if isinstance(b, Tensor) else E.FmodScalar
    return write_out(binary(op, a, b), out, "fmod")


def neg(input, *, out=None) -> Tensor:
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    r = apply(E.Neg, input)
    return r if out is None else write_out(r, out, "neg")


negative = neg


def positive(input) -> Tensor:
    """The input itself (``+x``); bool tensors raise, as in PyTorch."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def pow(input, exponent, *, out=None) -> Tensor:
    """input ** exponent; either may be a number (not both)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("pow", pow, input, exponent, out=out)
    if not isinstance(input, Tensor):
        if not isinstance(exponent, Tensor):
            raise TypeError("pow(): expected a Tensor as base or exponent")
        s, b = promote(input, exponent)
        if isinstance(s, Tensor):  # a 0-d tensor or array base
            return write_out(binary(E.Pow, s, b), out, "pow")
        return write_out(apply(E.PowScalarBase, s, b), out, "pow")
    a, e = promote(input, exponent)
    if isinstance(e, Tensor):
        return write_out(binary(E.Pow, a, e), out, "pow")
    if type(e) is not float and e < 0 and a._data.dtype.kind in "iub":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    r = apply(E.PowScalar, a, e)
    return r if out is None else write_out(r, out, "pow")


def float_power(input, exponent, *, out=None) -> Tensor:
    """pow computed in float64."""
    a = input.to(D.float64) if isinstance(input, Tensor) else float(input)
    e = exponent.to(D.float64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, e, out=out)


def square(input, *, out=None) -> Tensor:
    """input ** 2 (integers stay integers; bool gives int64, as PyTorch)."""
    return pow(input, 2, out=out)


def clone(input, *, memory_format=None) -> Tensor:
    return apply(E.Clone, input)


# ---------------------------------------------------------------------------- operators
def _op(fn):
    """A binary operator: an operand of an unsupported type gives NotImplemented."""
    def method(self, other):
        try:
            return fn(self, other)
        except UnsupportedOperand:
            return NotImplemented
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def __add__(self, other):
    try:
        return binary(E.Add, self, other)
    except UnsupportedOperand:
        return NotImplemented


def __sub__(self, other):
    try:
        return sub(self, other)
    except UnsupportedOperand:
        return NotImplemented


def __mul__(self, other):
    try:
        return binary(E.Mul, self, other)
    except UnsupportedOperand:
        return NotImplemented


def __truediv__(self, other):
    try:
        return div(self, other)
    except UnsupportedOperand:
        return NotImplemented


def _rsub(self, other):
    return rsub(self, other)


def _rdiv(self, other):
    """other / self, computed as PyTorch does: reciprocal(self) * other (MulBackward0)."""
    from .math_more import reciprocal
    return mul(reciprocal(self), other)


def _rpow(self, other):
    return pow(other, self)


def _rfloordiv(self, other):
    return floor_divide(to_tensor(other, self) if not isinstance(other, Tensor) else other, self)


def _rmod(self, other):
    return remainder(to_tensor(other, self) if not isinstance(other, Tensor) else other, self)


def _inplace(fn, name):
    def method(self, other, **kw):
        return self._commit_inplace(fn(self, other, **kw), name)
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor."
    return method


def _fast_inplace(fn, name, ufunc):
    """add_/sub_/mul_/div_ (and += ...): when nothing is recorded and the result keeps this
    tensor's dtype, write straight into its storage (one pass, no temporary); otherwise
    compute out of place and commit (checks, history, views)."""
    def method(self, other, **kw):
        d = self._data
        kind = d.dtype.kind
        if not kw and kind != "b" and not (GRAD[0] and (self._rg or (isinstance(other, Tensor) and other._rg))):
            if isinstance(other, Tensor):
                o = other._data
                ok = o.dtype == d.dtype and type(o) is type(d)
            else:
                o, t = other, type(other)
                ok = (t is float and kind == "f") or (t is int and kind in "fiu" and 0 <= other <= 127)
            # (a stride of 0 means an expanded tensor: the slow path raises PyTorch's overlap error)
            if ok and (ufunc != "divide" or kind == "f") and 0 not in d.strides:
                try:
                    getattr(array_module(d), ufunc)(d, o, out=d)
                except ValueError:
                    pass  # a shape that does not fit: the slow path raises PyTorch's error
                else:
                    self._version[0] += 1
                    return self
        return self._commit_inplace(fn(self, other, **kw), name)
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor."
    return method


def _unary_inplace(fn, name):
    def method(self):
        return self._commit_inplace(fn(self), name)
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor."
    return method


_METHODS = {
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div, "divide": div,
    "true_divide": div, "floor_divide": floor_divide, "remainder": remainder, "fmod": fmod, "neg": neg,
    "negative": neg, "positive": positive, "pow": pow, "float_power": float_power, "square": square,
    "clone": clone,
    "__add__": __add__, "__radd__": __add__, "__sub__": __sub__, "__rsub__": _op(_rsub),
    "__mul__": __mul__, "__rmul__": __mul__, "__truediv__": __truediv__, "__rtruediv__": _op(_rdiv),
    "__div__": __truediv__, "__rdiv__": _op(_rdiv),
    "__floordiv__": _op(floor_divide), "__rfloordiv__": _op(_rfloordiv), "__mod__": _op(remainder),
    "__rmod__": _op(_rmod), "__pow__": _op(pow), "__rpow__": _op(_rpow), "__neg__": neg,
    "__pos__": positive,
    "add_": _fast_inplace(add, "add_", "add"), "sub_": _fast_inplace(sub, "sub_", "subtract"),
    "mul_": _fast_inplace(mul, "mul_", "multiply"), "div_": _fast_inplace(div, "div_", "divide"),
    "__iadd__": _fast_inplace(add, "add_", "add"), "__isub__": _fast_inplace(sub, "sub_", "subtract"),
    "__imul__": _fast_inplace(mul, "mul_", "multiply"), "__itruediv__": _fast_inplace(div, "div_", "divide"),
    "subtract_": _inplace(sub, "subtract_"), "multiply_": _inplace(mul, "multiply_"),
    "divide_": _inplace(div, "divide_"), "true_divide_": _inplace(div, "true_divide_"),
    "floor_divide_": _inplace(floor_divide, "floor_divide_"), "remainder_": _inplace(remainder, "remainder_"),
    "fmod_": _inplace(fmod, "fmod_"), "pow_": _inplace(pow, "pow_"),
    "float_power_": _inplace(float_power, "float_power_"),
    "__idiv__": _inplace(div, "div_"), "__ipow__": _inplace(pow, "pow_"),
    "__ifloordiv__": _inplace(floor_divide, "floor_divide_"), "__imod__": _inplace(remainder, "remainder_"),
    "neg_": _unary_inplace(neg, "neg_"), "negative_": _unary_inplace(neg, "negative_"),
    "square_": _unary_inplace(square, "square_"),
}
for _k, _v in _METHODS.items():
    setattr(Tensor, _k, _v)

from . import math_more  # noqa: E402  (unary math, clamp, where, ...: attaches its methods)
from .math_more import *  # noqa: E402,F401,F403

__all__ += math_more.__all__
