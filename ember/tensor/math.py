"""Arithmetic and elementwise math: public functions, Tensor methods and operators,
each a thin wrapper over a primitive of ``ember.ops.elementwise``."""
from __future__ import annotations

from ..ops import elementwise as E
from .tensor import Tensor
from .wrap import apply, binary, float_input, to_tensor

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "pow", "exp", "log", "sigmoid", "tanh", "relu", "clone"]


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and type promotion."""
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        input, other = other, input  # keep the tensor first (addition commutes)
        if alpha != 1:
            return binary(E.Add, other, input, alpha=alpha)
    return binary(E.Add, input, other, alpha=alpha) if alpha != 1 else binary(E.Add, input, other)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    if isinstance(other, bool) or (isinstance(other, Tensor) and other.dtype.name == "bool") or (
            isinstance(input, Tensor) and input.dtype.name == "bool"):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return binary(E.Sub, input, other, alpha=alpha) if alpha != 1 else binary(E.Sub, input, other)


subtract = sub


def mul(input, other, *, out=None):
    if not isinstance(input, Tensor):
        input, other = other, input
    return binary(E.Mul, input, other)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """True division (integers give the default float dtype)."""
    if rounding_mode is not None:
        from .math_more import _div_rounding
        return _div_rounding(input, other, rounding_mode)
    a, b = input, other
    if isinstance(a, Tensor) and a._data.dtype.kind in "iub" and not (
            isinstance(b, Tensor) and b._data.dtype.kind == "f") and not isinstance(b, float):
        a = float_input(a)
    elif isinstance(b, Tensor) and b._data.dtype.kind in "iub" and not (
            isinstance(a, Tensor) and a._data.dtype.kind == "f") and not isinstance(a, float):
        b = float_input(b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = to_tensor(a)
    return binary(E.Div, a, b)


divide = true_divide = div


def neg(input):
    if input.dtype.name == "bool":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return apply(E.Neg, input)


negative = neg


def pow(input, exponent):
    """input ** exponent (either may be a number)."""
    if not isinstance(input, Tensor):
        base = to_tensor(input, exponent)
        return binary(E.Pow, base, exponent)
    return binary(E.Pow, input, exponent)


def exp(input):
    return apply(E.Exp, float_input(input))


def log(input):
    return apply(E.Log, float_input(input))


def sigmoid(input):
    return apply(E.Sigmoid, float_input(input))


def tanh(input):
    return apply(E.Tanh, float_input(input))


def relu(input):
    return apply(E.Relu, input)


def clone(input, *, memory_format=None):
    return apply(E.Clone, input)


def _rsub(self, other):
    return sub(to_tensor(other, self), self)


def _rdiv(self, other):
    return div(to_tensor(other, self), self)


def _rpow(self, other):
    return pow(to_tensor(other, self), self)


def _inplace(fn, name):
    def method(self, other, **kw):
        return self._commit_inplace(fn(self, other, **kw), name)
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor."
    return method


def _unary_inplace(fn, name):
    def method(self):
        return self._commit_inplace(fn(self), name)
    method.__name__ = name
    return method


_METHODS = {
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div, "divide": div,
    "true_divide": div, "neg": neg, "negative": neg, "pow": pow, "exp": exp, "log": log,
    "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "clone": clone,
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": _rsub, "__mul__": mul, "__rmul__": mul,
    "__truediv__": div, "__rtruediv__": _rdiv, "__pow__": pow, "__rpow__": _rpow, "__neg__": neg,
    "__pos__": lambda self: self,
    "add_": _inplace(add, "add_"), "sub_": _inplace(sub, "sub_"), "mul_": _inplace(mul, "mul_"),
    "div_": _inplace(div, "div_"), "pow_": _inplace(pow, "pow_"),
    "__iadd__": _inplace(add, "add_"), "__isub__": _inplace(sub, "sub_"), "__imul__": _inplace(mul, "mul_"),
    "__itruediv__": _inplace(div, "div_"), "__ipow__": _inplace(pow, "pow_"),
    "exp_": _unary_inplace(exp, "exp_"), "neg_": _unary_inplace(neg, "neg_"),
    "sigmoid_": _unary_inplace(sigmoid, "sigmoid_"), "tanh_": _unary_inplace(tanh, "tanh_"),
    "relu_": _unary_inplace(relu, "relu_"), "log_": _unary_inplace(log, "log_"),
}
for _k, _v in _METHODS.items():
    setattr(Tensor, _k, _v)
