"""Unary math (exp, log, trigonometric, rounding, erf, ...), clamp, where, min/max
and the other elementwise functions of two or three operands, as public functions
and Tensor methods (with their in-place ``*_`` forms).  Thin wrappers over
``ember.ops.elementwise`` / ``ember.ops.unary``: argument checks and dtype rules
here, math there."""
from __future__ import annotations

import numbers

from ..backend import dtypes as D
from ..ops import elementwise as E
from .math import write_out
from . import amp as _amp
from .tensor import Tensor
from .wrap import apply, binary, broadcast_error, float_input, promote, to_tensor

_FLOAT_UNARY = {
    "exp": E.Exp, "exp2": E.Exp2, "expm1": E.Expm1, "log": E.Log, "log2": E.Log2, "log10": E.Log10,
    "log1p": E.Log1p, "sqrt": E.Sqrt, "rsqrt": E.Rsqrt, "sin": E.Sin, "cos": E.Cos, "tan": E.Tan,
    "asin": E.Asin, "acos": E.Acos, "atan": E.Atan, "sinh": E.Sinh, "cosh": E.Cosh, "tanh": E.Tanh,
    "asinh": E.Asinh, "acosh": E.Acosh, "atanh": E.Atanh, "sigmoid": E.Sigmoid, "erf": E.Erf,
    "erfc": E.Erfc, "erfinv": E.Erfinv, "reciprocal": E.Reciprocal, "deg2rad": E.Deg2rad,
    "rad2deg": E.Rad2deg,
}
_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh",
            "arctanh": "atanh"}

__all__ = (list(_FLOAT_UNARY) + list(_ALIASES) + [
    "abs", "absolute", "sign", "sgn", "floor", "ceil", "round", "trunc", "fix", "frac", "relu", "nan_to_num",
    "logit", "clamp", "clip", "clamp_min", "clamp_max", "where", "maximum", "minimum", "fmax", "fmin",
    "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "lerp", "addcmul", "addcdiv"])


def _tensor_arg(x, op: str, name: str, pos: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _not_implemented(op: str, t: Tensor) -> NotImplementedError:
    # PyTorch's own exception type and wording for a kernel missing for a dtype
    return NotImplementedError(f'"{op}_cpu" not implemented for \'{t.dtype.scalar_name}\'')


# ---------------------------------------------------------------------------- unary
def _float_unary(name: str, op):
    def fn(input, *, out=None):
        if _amp.ON and _amp.T.on:
            return _amp.run(name, fn, input, out=out)
        _tensor_arg(input, name, "input", 1)
        r = apply(op, float_input(input))
        return r if out is None else write_out(r, out, name)
    fn.__name__ = name
    fn.__doc__ = (f"Elementwise {name}; integer and bool inputs give the default float dtype. "
                  f"Differentiable ({op.name}Backward{op.version}).")
    return fn


for _name, _op in _FLOAT_UNARY.items():
    globals()[_name] = _float_unary(_name, _op)
for _alias, _name in _ALIASES.items():
    globals()[_alias] = globals()[_name]


def abs(input, *, out=None) -> Tensor:
    """|input|, keeping the dtype; the gradient at 0 is 0."""
    if input._data.dtype.kind == "b":
        raise _not_implemented("abs", input)
    return write_out(apply(E.Abs, input), out, "abs")


absolute = abs


def sign(input, *, out=None) -> Tensor:
    """-1, 0 or 1 by the sign of input (bool stays bool); gradient 0."""
    if input._data.dtype.kind == "b":
        return write_out(input.clone(), out, "sign")
    return write_out(apply(E.Sign, input), out, "sign")


def sgn(input, *, out=None) -> Tensor:
    """sign for real tensors (PyTorch's complex-aware name)."""
    if input._data.dtype.kind == "b":
        return write_out(input.clone(), out, "sgn")
    return write_out(apply(E.Sgn, input), out, "sgn")


def _rounding(name: str, op):
    def fn(input, *, out=None):
        kind = input._data.dtype.kind
        if kind == "b":
            raise NotImplementedError(f'"{name}_vml_cpu" not implemented for \'Bool\'')
        if kind in "iu":  # integers are already whole
            return write_out(input.clone(), out, name)
        return write_out(apply(op, input), out, name)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} (integers are returned unchanged); the gradient is 0."
    return fn


floor = _rounding("floor", E.Floor)
ceil = _rounding("ceil", E.Ceil)
trunc = fix = _rounding("trunc", E.Trunc)
_round0 = _rounding("round", E.Round)


def round(input, *, decimals: int = 0, out=None) -> Tensor:
    """Round half to even, to ``decimals`` places (negative: to tens, hundreds, ...)."""
    if decimals == 0:
        return _round0(input, out=out)
    if input._data.dtype.kind != "f":
        raise _not_implemented("round", input)
    return write_out(apply(E.RoundDecimals, input, int(decimals)), out, "round")


def frac(input, *, out=None) -> Tensor:
    """input - trunc(input), with the sign of input; gradient 1."""
    if input._data.dtype.kind != "f":
        raise _not_implemented("frac", input)
    return write_out(apply(E.Frac, input), out, "frac")


def relu(input) -> Tensor:
    """max(input, 0), keeping the dtype; the gradient at 0 is 0."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return apply(E.Relu, input)


def nan_to_num(input, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *,
               out=None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf`` (default: the dtype's largest value), -inf -> ``neginf``."""
    if input._data.dtype.kind != "f":
        return write_out(input.clone(), out, "nan_to_num")
    return write_out(apply(E.NanToNum, input, float(nan), posinf, neginf), out, "nan_to_num")


def logit(input, eps: float | None = None, *, out=None) -> Tensor:
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
    return write_out(apply(E.Logit, float_input(input), None if eps is None else float(eps)), out, "logit")


# ---------------------------------------------------------------------------- clamp
def clamp(input, min=None, max=None, *, out=None) -> Tensor:
    """Limit input to [min, max]; bounds are numbers or tensors (not a mix).  With
    min > max every element becomes max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tmin, tmax = isinstance(min, Tensor), isinstance(max, Tensor)
    if tmin or tmax:
        if (min is not None and not tmin) or (max is not None and not tmax):
            raise TypeError(f"clamp() received an invalid combination of arguments - got (Tensor, min="
                            f"{type(min).__name__}, max={type(max).__name__}), but expected one of: (Tensor "
                            "input, Tensor min, Tensor max) or (Tensor input, Number min, Number max)")
        return write_out(_clamp_tensor(E.ClampTensor, input, min, max), out, "clamp")
    return write_out(_clamp_scalar(E.ClampScalar, input, min, max), out, "clamp")


clip = clamp


_FAST_BOUND = (float, int, type(None))


def _clamp_scalar(op, input, lo, hi) -> Tensor:
    if input._data.dtype.kind == "f" and type(lo) in _FAST_BOUND and type(hi) in _FAST_BOUND:
        return apply(op, input, lo, hi)  # the common case: the float dtype is kept
    for v in (lo, hi):
        if v is not None and not isinstance(v, numbers.Number):
            raise TypeError(f"clamp(): min and max must be numbers or tensors, got {type(v).__name__}")
    rt = D.result_type(input, *(v for v in (lo, hi) if v is not None))
    a = input if input.dtype is rt else input.to(rt)
    cast = float if rt.is_floating_point else (int if rt is not D.bool_ else bool)
    return apply(op, a, None if lo is None else cast(lo), None if hi is None else cast(hi))


def _clamp_tensor(op, input, lo, hi) -> Tensor:
    operands = [x for x in (input, lo, hi) if x is not None]
    rt = D.result_type(*operands)
    a, lo, hi = (None if x is None else (x if x.dtype is rt else x.to(rt)) for x in (input, lo, hi))
    try:
        return apply(op, a, lo, hi)
    except ValueError:
        err = broadcast_error(a, lo, hi)
        if err is None:
            raise
        raise err from None


def clamp_min(input, min) -> Tensor:
    """max(input, min) (PyTorch's ClampMinBackward)."""
    if isinstance(min, Tensor):
        return _clamp_tensor(E.ClampMinTensor, input, min, None)
    return _clamp_scalar(E.ClampMin, input, min, None)


def clamp_max(input, max) -> Tensor:
    if isinstance(max, Tensor):
        return _clamp_tensor(E.ClampMaxTensor, input, None, max)
    return _clamp_scalar(E.ClampMax, input, None, max)


# ---------------------------------------------------------------------------- where
def where(condition, input=None, other=None, *, out=None):
    """``condition ? input : other`` elementwise (numbers allowed), broadcasting all
    three; with only ``condition``, the indices of its nonzero elements (a tuple)."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    if input is None and other is None:
        d = condition._data
        xp = _xp(d)
        return tuple(Tensor._make(ix.astype(xp.int64, copy=False)) for ix in xp.nonzero(d.reshape(-1) if d.ndim == 0
                                                                                       else d))
    if condition._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype.name.capitalize()}")
    x, y = input, other
    for v, t in ((y, x), (x, y)):
        if type(v) is int and isinstance(t, Tensor) and t._data.dtype.kind in "iu":
            _check_fits(v, t)
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        rt = D.result_type(x, y)
        x = to_tensor(x, condition).to(rt)
    x, y = promote(x, y)
    try:
        r = apply(E.Where, condition, x, y)
    except ValueError:
        err = broadcast_error(condition, x, y)
        if err is None:
            raise
        raise err from None
    return write_out(r, out, "where")


def _check_fits(v: int, t: Tensor) -> None:
    import numpy as np
    info = np.iinfo(t._data.dtype)
    if not info.min <= v <= info.max:
        raise RuntimeError(f"value cannot be converted to type {t._data.dtype.name}_t without overflow")


def _xp(d):
    from ..backend.device import array_module
    return array_module(d)


# ---------------------------------------------------------------------------- two tensors
def _pair(op: str, input, other):
    _tensor_arg(input, op, "input", 1)
    _tensor_arg(other, op, "other", 2)
    return promote(input, other)


def _binary_fn(name: str, prim, floating: bool = False, no_int: bool = False):
    def fn(input, other, *, out=None):
        a, b = _pair(name, input, other)
        if no_int and a._data.dtype.kind != "f":
            raise _not_implemented(name, a)
        if floating and a._data.dtype.kind != "f":
            a, b = float_input(a), float_input(b)
        return write_out(binary(prim, a, b), out, name)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} of two tensors, broadcasting (grad_fn {prim.name}Backward{prim.version})."
    return fn


maximum = _binary_fn("maximum", E.Maximum)
minimum = _binary_fn("minimum", E.Minimum)
fmax = _binary_fn("fmax", E.Fmax)
fmin = _binary_fn("fmin", E.Fmin)
atan2 = arctan2 = _binary_fn("atan2", E.Atan2, floating=True)
hypot = _binary_fn("hypot", E.Hypot, no_int=True)
logaddexp = _binary_fn("logaddexp", E.Logaddexp, no_int=True)
logaddexp2 = _binary_fn("logaddexp2", E.Logaddexp2, no_int=True)


def xlogy(input, other, *, out=None) -> Tensor:
    """input * log(other), 0 where input == 0 (unless other is NaN); either may be a number."""
    if not isinstance(input, Tensor):
        _tensor_arg(other, "xlogy", "other", 2)
        s, b = promote(input, other)
        b = float_input(b)
        if isinstance(s, Tensor):
            return write_out(binary(E.Xlogy, float_input(s), b), out, "xlogy")
        return write_out(apply(E.XlogyScalarSelf, float(s), b), out, "xlogy")
    a, b = promote(input, other)
    a = float_input(a)
    if isinstance(b, Tensor):
        return write_out(binary(E.Xlogy, a, float_input(b)), out, "xlogy")
    return write_out(apply(E.XlogyScalarOther, a, float(b)), out, "xlogy")


def copysign(input, other, *, out=None) -> Tensor:
    """|input| with the sign of other (a tensor or a number); integers give floats."""
    _tensor_arg(input, "copysign", "input", 1)
    a, b = promote(input, other)
    a = float_input(a)
    b = float_input(b) if isinstance(b, Tensor) else float(b)
    return write_out(binary(E.Copysign, a, b), out, "copysign")


def _same_dtype(op: str, a: Tensor, b: Tensor, name: str) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected dtype {_c_name(a)} for `{name}` but got dtype {_c_name(b)}")


def _c_name(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}[t._data.dtype.name]


def lerp(input, end, weight, *, out=None) -> Tensor:
    """input + weight * (end - input); weight a number or a tensor."""
    _tensor_arg(input, "lerp", "input", 1)
    _tensor_arg(end, "lerp", "end", 2)
    _same_dtype("lerp", input, end, "end")
    if isinstance(weight, Tensor):
        _same_dtype("lerp", input, weight, "weight")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"lerp_kernel_scalar" not implemented for \'{input.type()[6:-6]}\'')
    try:
        if isinstance(weight, Tensor):
            r = apply(E.LerpTensor, input, end, weight)
        else:
            r = apply(E.Lerp, input, end, float(weight))
    except ValueError:
        err = broadcast_error(input, end, weight)
        if err is None:
            raise
        raise err from None
    return write_out(r, out, "lerp")


def _three(op: str, prim, input, tensor1, tensor2, value):
    _tensor_arg(input, op, "input", 1)
    _tensor_arg(tensor1, op, "tensor1", 2)
    _tensor_arg(tensor2, op, "tensor2", 3)
    rt = D.result_type(input, tensor1, tensor2)
    a, t1, t2 = (x if x.dtype is rt else x.to(rt) for x in (input, tensor1, tensor2))
    if isinstance(value, float) and rt.category < 2:
        raise RuntimeError(f"{op}: value must be an integer for integer inputs, got {value}")
    try:
        return apply(prim, a, t1, t2, value=value)
    except ValueError:
        err = broadcast_error(a, t1, t2)
        if err is None:
            raise
        raise err from None


def addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """input + value * tensor1 * tensor2."""
    return write_out(_three("addcmul", E.Addcmul, input, tensor1, tensor2, value), out, "addcmul")


def addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """input + value * tensor1 / tensor2 (integer tensor1 and tensor2 raise, as in PyTorch)."""
    if (isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and tensor1._data.dtype.kind in "iub"
            and tensor2._data.dtype.kind in "iub"):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release "
                           "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
                           "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
                           ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
                           "float inputs. The future addcdiv behavior is just the latter implementation: "
                           "(input + value * tensor1 / tensor2), for all dtypes.")
    return write_out(_three("addcdiv", E.Addcdiv, input, tensor1, tensor2, value), out, "addcdiv")


# ---------------------------------------------------------------------------- division with rounding
def _div_rounding(input, other, mode) -> Tensor:
    """div(..., rounding_mode='trunc' | 'floor'): integer dtypes stay integer."""
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{mode}'")
    from .math import _int_zero_check
    if not isinstance(input, Tensor):
        input = to_tensor(input, other if isinstance(other, Tensor) else None)
    a, b = promote(input, other)
    _int_zero_check(a, b)
    return binary(E.DivRounding, a, b, mode=mode)


# ---------------------------------------------------------------------------- methods
def _inplace(fn, name):
    def method(self, *args, **kwargs):
        return self._commit_inplace(fn(self, *args, **kwargs), name)
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: writes the result into this tensor."
    return method


_METHOD_NAMES = __all__ + ["clamp_min", "clamp_max"]
_NO_INPLACE = {"where", "maximum", "minimum", "fmax", "fmin", "logaddexp", "logaddexp2"}
for _name in _METHOD_NAMES:
    _fn = globals()[_name]
    setattr(Tensor, _name, _fn)
    if _name not in _NO_INPLACE:
        setattr(Tensor, _name + "_", _inplace(_fn, _name + "_"))
Tensor.__abs__ = abs


def _where_method(self, condition, y):
    """``x.where(condition, y)`` is ``where(condition, x, y)``."""
    return where(condition, self, y)


Tensor.where = _where_method
