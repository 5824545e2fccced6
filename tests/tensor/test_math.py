"""Arithmetic and elementwise math against PyTorch: values, dtypes, shapes and gradients
on random inputs (broadcasting, 0-d, zero-size, non-contiguous), plus errors, operators,
in-place forms and ``out=``."""
import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand as _rand

RNG = np.random.default_rng(1)


def rand(*shape, **kw):
    """helpers.rand, with 0-d shapes as 0-d arrays (not NumPy scalars)."""
    return np.asarray(_rand(*shape, **kw))

# shapes for binary ops: (a, b) pairs that broadcast, incl. 0-d and zero-size
PAIRS = [((3, 4), (3, 4)), ((3, 1), (4,)), ((2, 3, 4), (1, 4)), ((), (3,)), ((5,), ()), ((), ()), ((0, 3), (3,)),
         ((0, 3), (1, 3))]
F32, F64 = np.float32, np.float64


def away(a, lo=0.3):
    """Push values away from 0 (for divisors and functions with a pole at 0)."""
    return np.where(np.abs(a) < lo, np.where(a < 0, -lo, lo), a).astype(a.dtype)


def pos(*shape, dtype=F32, low=0.2, high=2.0):
    return rand(*shape, dtype=dtype, low=low, high=high)


# ---------------------------------------------------------------------------- binary arithmetic
BINARY = {
    "add": lambda lib, x, y: lib.add(x, y),
    "add_alpha": lambda lib, x, y: lib.add(x, y, alpha=2.5),
    "sub": lambda lib, x, y: x - y,
    "sub_alpha": lambda lib, x, y: lib.sub(x, y, alpha=-1.5),
    "mul": lambda lib, x, y: x * y,
    "div": lambda lib, x, y: x / y,
    "pow": lambda lib, x, y: x.abs() ** y,
    "maximum": lambda lib, x, y: lib.maximum(x, y),
    "minimum": lambda lib, x, y: lib.minimum(x, y),
    "fmax": lambda lib, x, y: lib.fmax(x, y),
    "fmin": lambda lib, x, y: lib.fmin(x, y),
    "atan2": lambda lib, x, y: lib.atan2(x, y),
    "hypot": lambda lib, x, y: lib.hypot(x, y),
    "logaddexp": lambda lib, x, y: lib.logaddexp(x, y),
    "logaddexp2": lambda lib, x, y: lib.logaddexp2(x, y),
    "xlogy": lambda lib, x, y: lib.xlogy(x, y.abs()),
    "remainder": lambda lib, x, y: x % y,
    "fmod": lambda lib, x, y: lib.fmod(x, y),
    "copysign": lambda lib, x, y: lib.copysign(x, y),
    "lerp": lambda lib, x, y: lib.lerp(x, y, 0.3),
    "lerp_hi": lambda lib, x, y: lib.lerp(x, y, 0.8),
    "div_trunc": lambda lib, x, y: lib.div(x, y, rounding_mode="trunc"),
    "div_floor": lambda lib, x, y: lib.div(x, y, rounding_mode="floor"),
    "where": lambda lib, x, y: lib.where(x > 0, x, y),
    "clamp_t": lambda lib, x, y: lib.clamp(x, min=y),
    "clamp_max_t": lambda lib, x, y: lib.clamp(x, max=y),
}
DIVISOR = {"div", "remainder", "fmod", "div_trunc", "div_floor", "xlogy", "pow"}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("sa,sb", PAIRS)
def test_binary_matches_torch(name, sa, sb):
    x, y = rand(*sa), rand(*sb)
    if name in DIVISOR:
        y = away(y)
    if name in ("remainder", "fmod", "div_trunc", "div_floor"):
        x = np.asarray(x * 3)  # several periods; random quotients are (almost surely) not integers
    if name == "pow":
        x = away(x)
    check(BINARY[name], x, y)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "atan2", "hypot", "xlogy", "lerp",
                                  "logaddexp", "where", "copysign"])
def test_binary_float64_tight(name):
    x, y = rand(4, 3, dtype=F64), away(rand(3, dtype=F64))
    if name == "pow":
        x = away(x)
    check(BINARY[name], x, y)


@pytest.mark.parametrize("name", ["add", "mul", "div", "maximum", "atan2", "where", "sub"])
def test_binary_non_contiguous(name):
    x = rand(4, 6)
    y = away(rand(6, 4))
    check(lambda lib, a, b: BINARY[name](lib, a[:, ::2], b.t()[:, 1::2]), x, y)
    check(lambda lib, a, b: BINARY[name](lib, a.t(), b), x, y)


SCALARS = [2, -3, 0.5, -1.25, True]


@pytest.mark.parametrize("s", SCALARS)
@pytest.mark.parametrize("op", ["add", "radd", "sub", "rsub", "mul", "rmul", "div", "rdiv", "pow", "rpow",
                                "mod", "rmod", "floordiv", "rfloordiv"])
def test_tensor_scalar_operators(op, s):
    fns = {
        "add": lambda lib, x: x + s, "radd": lambda lib, x: s + x, "sub": lambda lib, x: x - s,
        "rsub": lambda lib, x: s - x, "mul": lambda lib, x: x * s, "rmul": lambda lib, x: s * x,
        "div": lambda lib, x: x / s, "rdiv": lambda lib, x: s / x, "pow": lambda lib, x: x ** s,
        "rpow": lambda lib, x: abs(s) ** x, "mod": lambda lib, x: x % s, "rmod": lambda lib, x: s % x,
        "floordiv": lambda lib, x: x // s, "rfloordiv": lambda lib, x: s // x,
    }
    fn = fns[op]
    x = away(rand(3, 4))
    if op in ("sub", "rsub") and isinstance(s, bool):
        check_error(fn, x)
        return
    if op == "pow":
        x = np.abs(x)
    if op in ("floordiv", "rfloordiv", "rmod"):  # PyTorch has no derivative for these
        check(fn, x, grad=False)
        return
    check(fn, x)
    # integer tensors: integer results where PyTorch keeps them
    xi = rand(3, 4, dtype=np.int64, low=1, high=5)
    if op in ("rdiv", "rmod", "rfloordiv") and isinstance(s, bool):
        return
    if op in ("mod", "floordiv", "div") and s is True:
        check(fn, xi)
        return
    if op == "pow" and isinstance(s, int) and s < 0:
        check_error(fn, xi)
        return
    check(fn, xi)


def test_scalar_keeps_float32_and_int_division():
    x = ember.ones(3)
    assert (x * 2.5).dtype == ember.float32
    assert (x * np.float64(2.5)).dtype == ember.float32
    assert (ember.arange(4) / 2).dtype == ember.float32
    assert (ember.tensor([1, 2]) * 1.5).dtype == ember.float32
    h = ember.ones(2, dtype=ember.float16)
    assert (h + 1e3).dtype == ember.float16


def test_integer_wraparound_like_torch():
    check(lambda lib, x: x + 300, np.array([1, 2], dtype=np.int8), grad=False)
    check(lambda lib, x: x * 1000, np.array([1, 2], dtype=np.int8), grad=False)
    check(lambda lib, x: x - 3, np.array([1, 2], dtype=np.uint8), grad=False)
    check(lambda lib, x: x + (-1), np.array([1, 2], dtype=np.uint8), grad=False)
    check(lambda lib, x: x + 2 ** 63, np.array([3, -7]), grad=False)
    check_error(lambda lib, x: x + 2 ** 70, np.array([3, -7]))


def test_integer_division_and_modulo():
    a = np.array([7, -7, 7, -7, 0, 5], dtype=np.int64)
    b = np.array([2, 2, -2, -2, 3, 5], dtype=np.int64)
    for mode in ("trunc", "floor"):
        check(lambda lib, x, y: lib.div(x, y, rounding_mode=mode), a, b)
        check(lambda lib, x: lib.div(x, 2, rounding_mode=mode), a)
    check(lambda lib, x, y: x // y, a, b)
    check(lambda lib, x, y: x % y, a, b)
    check(lambda lib, x, y: lib.fmod(x, y), a, b)
    check(lambda lib, x: lib.fmod(x, -3), a)
    check(lambda lib, x: lib.remainder(5, x), b)
    check(lambda lib, x, y: x / y, a, b)
    for fn in (lambda lib, x: x // 0, lambda lib, x: x % 0, lambda lib, x: lib.fmod(x, 0),
               lambda lib, x: lib.div(x, 0, rounding_mode="floor"),
               lambda lib, x: x // lib.tensor([0, 1, 1, 1, 1, 1])):
        e = check_error(fn, a, match="ZeroDivisionError")
        assert isinstance(e, RuntimeError)
    check(lambda lib, x: x / 0, a.astype(F32), grad=False)
    check(lambda lib, x: lib.div(x, 0.0, rounding_mode="floor"), away(rand(4)), grad=False)
    check_error(lambda lib, x: lib.div(x, 2, rounding_mode="bad"), a, match="rounding_mode")


def test_integer_powers():
    base = np.array([0, 1, 2, -1, -2, 3], dtype=np.int64)
    check(lambda lib, x: x ** 2, base)
    check(lambda lib, x: 2 ** x, np.abs(base))
    check(lambda lib, x: 2.5 ** x, base)
    check(lambda lib, x: x ** 2.5, np.abs(base))
    check(lambda lib, x, y: x ** y, base, np.full(6, -1))
    check(lambda lib, x, y: x ** y, base, np.full(6, -2))
    check(lambda lib, x, y: x ** y, base, np.array([3, 2, 1, 0, 5, 2]))
    check_error(lambda lib, x: x ** -1, base, match="negative integer powers")
    check(lambda lib, x: lib.square(x), base)
    check(lambda lib, x: lib.square(x), np.array([True, False]))
    check(lambda lib, x: lib.float_power(x, 2), base)


def test_bool_arithmetic():
    b = np.array([True, False, True])
    check(lambda lib, x: x + x, b)
    check(lambda lib, x: x * x, b)
    check(lambda lib, x: x / x, b)
    check(lambda lib, x: x + 1, b)
    check(lambda lib, x: x * 2.5, b)
    check(lambda lib, x: x + True, b)
    check(lambda lib, x: x ** 2, b)
    for fn in (lambda lib, x: x - x, lambda lib, x: x - 1, lambda lib, x: 1 - x, lambda lib, x: -x,
               lambda lib, x: lib.sub(x, True), lambda lib, x: +x):
        check_error(fn, b, match="bool tensor")
    check_error(lambda lib, x: x - True, rand(3), match="bool")


def test_alpha_rules():
    check(lambda lib, x, y: lib.add(x, y, alpha=2), np.array([1, 2]), np.array([3, 4]))
    check(lambda lib, x: lib.add(x, 1, alpha=2), np.array([1, 2]))
    check(lambda lib, x: lib.add(2, x), np.array([1, 2]))
    check(lambda lib, x: lib.sub(3, x), np.array([1, 2]))
    check(lambda lib, x: lib.rsub(x, 2), rand(3))
    check(lambda lib, x: lib.rsub(x, 2, alpha=3), rand(3))
    check(lambda lib: lib.mul(2, 3))
    check_error(lambda lib, x: lib.sub(x, x, alpha=0.5), np.array([1, 2]), match="alpha")
    check_error(lambda lib, x: lib.add(x, x, alpha=True), rand(2), match="Boolean alpha")


def test_broadcast_error_message():
    e = check_error(lambda lib, x, y: x + y, rand(2, 3), rand(2, 4))
    assert str(e) == "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
    e = check_error(lambda lib, x, y: x * y, rand(3), rand(4))
    assert "at non-singleton dimension 0" in str(e)
    check_error(lambda lib, x, y: lib.where(x > 0, x, y), rand(2, 3), rand(4))
    check_error(lambda lib, x, y: lib.maximum(x, y), rand(2, 3), rand(4))
    check_error(lambda lib, x, y: lib.clamp(x, min=y), rand(2), rand(3))
    check_error(lambda lib, x, y: x == y, rand(3), rand(4))
    check_error(lambda lib, x, y: lib.addcmul(x, x, y), rand(3), rand(4))


def test_unsupported_operands():
    for fn in (lambda lib, x: x + "a", lambda lib, x: x + [1, 2], lambda lib, x: x + None,
               lambda lib, x: x * (1, 2), lambda lib, x: "a" - x, lambda lib, x: x ** "a",
               lambda lib, x: lib.maximum(x, 2.0), lambda lib, x: lib.atan2(x, 2.0),
               lambda lib, x: lib.addcmul(x, x, 2.0), lambda lib, x: lib.fmod(5, x)):
        check_error(fn, rand(2))
    x = ember.ones(2)
    with pytest.raises(TypeError):
        ember.add(x, "a")


def test_array_operand():
    check(lambda lib, x: x + np.float64(2), rand(3))
    assert (ember.ones(2) + np.ones(2, dtype=np.float32)).dtype == ember.float32


# ---------------------------------------------------------------------------- unary math
def _domain(name, shape, dtype):
    if name in ("log", "log2", "log10", "sqrt", "rsqrt"):
        return pos(*shape, dtype=dtype)
    if name in ("asin", "acos", "atanh", "erfinv"):
        return rand(*shape, dtype=dtype, low=-0.9, high=0.9)
    if name == "acosh":
        return rand(*shape, dtype=dtype, low=1.2, high=3.0)
    if name == "log1p":
        return rand(*shape, dtype=dtype, low=-0.8, high=2.0)
    if name == "logit":
        return rand(*shape, dtype=dtype, low=0.05, high=0.95)
    if name in ("reciprocal", "tan"):
        return away(rand(*shape, dtype=dtype, low=-1.3, high=1.3))
    return rand(*shape, dtype=dtype, low=-3, high=3)


UNARY = ["neg", "abs", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square", "sin",
         "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "relu",
         "sign", "sgn", "reciprocal", "floor", "ceil", "round", "trunc", "fix", "frac", "erf", "erfc", "erfinv",
         "nan_to_num", "logit", "deg2rad", "rad2deg", "positive", "negative", "absolute", "arcsin", "arccos",
         "arctan", "arcsinh", "arccosh", "arctanh"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 3), (2, 1, 3)])
def test_unary_matches_torch(name, shape):
    x = _domain(name, shape, F32)
    if name == "sgn":  # torch's gradient is a ZeroTensor, which has no numpy()
        _check_zero_grad(name, x)
        return
    check(lambda lib, a: getattr(lib, name)(a), x)
    check(lambda lib, a: getattr(a, name)(), x)


@pytest.mark.parametrize("name", UNARY)
def test_unary_float64_and_non_contiguous(name):
    x = _domain(name, (4, 6), F64)
    if name == "sgn":
        _check_zero_grad(name, x)
        return
    check(lambda lib, a: getattr(lib, name)(a), x)
    check(lambda lib, a: getattr(lib, name)(a.t()[::2]), x)


def _check_zero_grad(name, x):
    check(lambda lib, a: getattr(lib, name)(a), x, grad=False)
    e = ember.tensor(x, requires_grad=True)
    getattr(ember, name)(e).sum().backward()
    assert e.grad is not None and not np.any(e.grad.numpy())


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "sigmoid", "tanh", "erf", "reciprocal", "abs", "neg",
                                  "floor", "round", "sign", "relu", "square", "nan_to_num", "atan", "exp2"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_unary_integer_and_bool_inputs(name, dtype):
    x = rand(5, dtype=dtype, low=1, high=4)
    fn = lambda lib, a: getattr(lib, name)(a)  # noqa: E731
    try:
        torch_ok = True
        getattr(torch, name)(torch.tensor(x))
    except (RuntimeError, NotImplementedError):
        torch_ok = False
    if torch_ok:
        check(fn, x)
    else:
        check_error(fn, x)


def test_round_decimals_and_half_even():
    check(lambda lib, x: lib.round(x), np.array([0.5, 1.5, 2.5, -0.5, -1.5], dtype=F32))
    for d in (1, 2, -1):
        check(lambda lib, x: lib.round(x, decimals=d), rand(5, low=-300, high=300))
        check(lambda lib, x: x.round(decimals=d), rand(5, dtype=F64, low=-300, high=300))
    check_error(lambda lib, x: lib.round(x, decimals=1), np.array([1, 2]))


def test_nan_to_num_and_logit_options():
    x = np.array([np.nan, np.inf, -np.inf, 1.5], dtype=F32)
    check(lambda lib, a: lib.nan_to_num(a), x)
    check(lambda lib, a: lib.nan_to_num(a, nan=1.0, posinf=2.0), x)
    check(lambda lib, a: lib.nan_to_num(a, neginf=-5.0), x.astype(np.float16))
    check(lambda lib, a: lib.logit(a, eps=0.1), np.array([0.01, 0.2, 0.5, 0.97], dtype=F32))
    check(lambda lib, a: lib.logit(a), np.array([0.01, 0.2, 0.5, 0.97], dtype=F64))


def test_extreme_inputs_stay_finite_where_torch_is():
    big = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0], dtype=F32)
    for name in ("sigmoid", "tanh", "exp", "erf", "erfc", "relu", "expm1", "log1p", "atan"):
        check(lambda lib, a: getattr(lib, name)(a), big if name != "log1p" else np.abs(big))
    check(lambda lib, a: lib.logaddexp(a, a.flip(0)), big)
    check(lambda lib, a: lib.sigmoid(a), big.astype(F64), rtol=1e-12)
    check(lambda lib, a: lib.sigmoid(a), big.astype(np.float16), grad=False)


def test_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 2.0], dtype=F32)
    for name in ("erf", "erfc", "erfinv", "exp", "log", "sqrt", "sign", "abs", "relu", "floor", "frac", "reciprocal",
                 "rsqrt", "sigmoid", "tanh", "atan", "nan_to_num", "trunc", "round"):
        check(lambda lib, a: getattr(lib, name)(a), x, grad=False)


def test_erf_accuracy_float64():
    x = np.concatenate([np.linspace(-7, 7, 2001), [1e-300, -1e-10, 0.4999999, 0.5, 26.0]])
    for name in ("erf", "erfc"):
        e = getattr(ember, name)(ember.tensor(x)).numpy()
        t = getattr(torch, name)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-300)
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 2001), [1 - 1e-15, 1e-12, -0.5]])
    np.testing.assert_allclose(ember.erfinv(ember.tensor(y)).numpy(), torch.erfinv(torch.tensor(y)).numpy(),
                               rtol=1e-12)


# ---------------------------------------------------------------------------- clamp, where, three operands
def test_clamp_forms():
    x = rand(3, 4)
    check(lambda lib, a: lib.clamp(a, -0.5, 0.5), x)
    check(lambda lib, a: lib.clamp(a, min=0.1), x)
    check(lambda lib, a: a.clamp(max=0.1), x)
    check(lambda lib, a: lib.clip(a, 0.5, -0.5), x)  # min > max: everything is max, no gradient
    check(lambda lib, a: lib.clamp(a, 0, 1), np.array([3, -7, 0]))
    check(lambda lib, a: lib.clamp(a, 0.5, 2), np.array([3, -7, 0]))
    check(lambda lib, a: lib.clamp(a, 0, 1), np.array([True, False]))
    check(lambda lib, a, lo, hi: lib.clamp(a, lo, hi), x, rand(4), rand(3, 1) + 1.0)
    check(lambda lib, a, lo, hi: lib.clamp(a, lo, hi), x, rand(4) + 1.0, rand(3, 1))  # lo > hi somewhere
    check(lambda lib, a, lo: lib.clamp(a, min=lo), x, rand(1, 4))
    check(lambda lib, a, hi: lib.clamp(a, max=hi), x.astype(F64), rand(3, 1, dtype=F64))
    check(lambda lib, a: lib.clamp_min(a, 0.2), x)
    check(lambda lib, a, b: lib.clamp_max(a, b), x, rand(4))
    check(lambda lib, a: lib.clamp(a, min=lib.tensor(0.5)), np.array([3, -7]))
    check_error(lambda lib, a: lib.clamp(a), x, match="At least one")
    check_error(lambda lib, a: lib.clamp(a, min=a, max=1.0), x)


def test_clamp_boundary_gradients():
    x = np.array([0.0, 1.0, 1.5, 2.0, 3.0], dtype=F64)
    check(lambda lib, a: lib.clamp(a, 1.0, 2.0), x)
    check(lambda lib, a: lib.clamp(a, 2.0, 1.0), x)
    ones = np.ones(5, dtype=F64)
    check(lambda lib, a, b: lib.clamp(a, b, b * 2), x, ones)
    check(lambda lib, a, b: lib.clamp(a, b * 2, b), x, ones)
    check(lambda lib, a, b: lib.clamp(a, min=b), x, ones)
    check(lambda lib, a, b: lib.clamp(a, max=b), x, ones)


def test_where_forms():
    c = rand(3, 4) > 0
    x, y = rand(3, 4), rand(4)
    check(lambda lib, cond, a, b: lib.where(cond, a, b), c, x, y)
    check(lambda lib, cond, a: lib.where(cond, a, 0.0), c, x)
    check(lambda lib, cond, a: lib.where(cond, 2.5, a), c, x)
    check(lambda lib, cond: lib.where(cond, 1.0, 0), c)
    check(lambda lib, cond: lib.where(cond, 1, 0), c)
    check(lambda lib, cond: lib.where(cond, True, False), c)
    check(lambda lib, cond, a: lib.where(cond, a, 2.0), c, np.array([1, 2, 3, 4]))
    check(lambda lib, cond, a, b: lib.where(cond, a, b), c, x, y.astype(F64))
    check(lambda lib, cond, a, b: lib.where(cond, a, b), c[0], x, y)  # condition broadcasts
    check(lambda lib, cond, a: a.where(cond, 0.5), c, x)
    check(lambda lib, cond: lib.where(cond), c)
    check_error(lambda lib, cond, a: lib.where(cond, a, 300), c, np.array([1, 2, 3, 4], dtype=np.int8))
    check_error(lambda lib, a: lib.where(a, a, 2.0), x, match="boolean")


def test_max_min_ties_and_nan():
    a = np.array([1.0, 2.0, 3.0, np.nan, 5.0], dtype=F64)
    b = np.array([1.0, 1.0, 4.0, 2.0, np.nan], dtype=F64)
    for name in ("maximum", "minimum", "fmax", "fmin"):
        check(lambda lib, x, y: getattr(lib, name)(x, y), a, b)
        check(lambda lib, x, y: getattr(lib, name)(x, y), a, a.copy())
    check(lambda lib, x, y: lib.maximum(x, y), np.array([3, -7]), rand(2))
    check(lambda lib, x, y: lib.maximum(x, y), np.array([True, False]), np.array([False, False]))


def test_three_operand_functions():
    a, b, c = rand(3, 4), rand(4), away(rand(3, 1))
    check(lambda lib, x, y, z: lib.addcmul(x, y, z), a, b, c)
    check(lambda lib, x, y, z: lib.addcmul(x, y, z, value=-0.5), a, b, c)
    check(lambda lib, x, y, z: lib.addcdiv(x, y, z, value=2), a, b, c)
    check(lambda lib, x, y, z: lib.lerp(x, y, z), a, b, c)
    check(lambda lib, x, y: lib.lerp(x, y, 0.6), a, b)
    check(lambda lib, x, y, z: lib.addcmul(x, y, z), np.array([1, 2]), np.array([3, 4]), np.array([5, 6]))
    check(lambda lib, x, y, z: lib.addcmul(x, y, z, value=2), a, np.array([1, 2, 3, 4]), np.array([1, 2, 3, 4]))
    check_error(lambda lib, x, y: lib.addcdiv(x, y, y), a, np.array([1, 2, 3, 4]), match="Integer division")
    check_error(lambda lib, x, y: lib.lerp(x, y, 0.5), a, b.astype(F64), match="expected dtype")
    check_error(lambda lib, x: lib.lerp(x, x, 0.5), np.array([1, 2]))


def test_xlogy_and_copysign_forms():
    x = np.array([0.0, 0.0, 1.5, 2.0, 0.0], dtype=F64)
    y = np.array([0.0, np.nan, 0.5, 3.0, 2.0], dtype=F64)
    check(lambda lib, a, b: lib.xlogy(a, b), x, y)
    check(lambda lib, a: lib.xlogy(a, 2.0), x)
    check(lambda lib, a: lib.xlogy(a, 0), x)
    check(lambda lib, b: lib.xlogy(2, b), pos(4))
    check(lambda lib, a, b: lib.xlogy(a, b), np.array([1, 0, 2]), np.array([1, 2, 3]))
    check(lambda lib, a, b: lib.copysign(a, b), rand(5, dtype=F64), np.array([1.0, -0.0, 0.0, -2.0, 3.0]))
    check(lambda lib, a: lib.copysign(a, -1.0), rand(4))
    check(lambda lib, a: lib.copysign(a, 1), np.array([3, -7]))


def test_pow_special_points():
    check(lambda lib, a: a ** 2, np.array([0.0, -1.0, 2.0]))
    check(lambda lib, a: a ** 0.5, np.array([0.0, 1.0, 4.0]))
    check(lambda lib, a: a ** 0, np.array([0.0, 1.0]))
    check(lambda lib, a, b: a ** b, np.array([0.0, 0.0, -1.0, 2.0]), np.array([0.0, 2.0, 2.0, 0.0]))
    check(lambda lib, b: 2 ** b, np.array([0.0, 1.0, -1.5]))
    check(lambda lib, b: 0 ** b, np.array([0.0, 1.0, 2.0]))
    check(lambda lib, b: (-2) ** b, np.array([0.0, 1.0, 2.0]))
    check(lambda lib, a, b: lib.pow(a, b), rand(3, 1), np.array(2.0, dtype=F32))


def test_grad_at_kinks():
    x = np.array([-1.0, 0.0, 1.0], dtype=F64)
    for name in ("abs", "relu", "sign", "sqrt", "floor", "frac", "round"):
        check(lambda lib, a: getattr(lib, name)(a), np.abs(x) if name == "sqrt" else x)
    _check_zero_grad("sgn", x)
    check(lambda lib, a, b: lib.atan2(a, b), np.array([0.0, 3.0]), np.array([0.0, 4.0]))
    check(lambda lib, a, b: lib.hypot(a, b), np.array([0.0, 3.0]), np.array([0.0, 4.0]))
    check(lambda lib, a: lib.nan_to_num(a), np.array([np.nan, np.inf, 1.0]))


def test_grad_fn_names():
    x = ember.rand(3, requires_grad=True)
    y = ember.rand(3, requires_grad=True)
    tx = torch.rand(3, requires_grad=True)
    ty = torch.rand(3, requires_grad=True)
    exprs = ["x + y", "x + 1", "x - y", "1 - x", "x * y", "x * 2", "x / y", "x / 2", "2 / x", "x ** y", "x ** 2",
             "2 ** x", "-x", "abs(x)", "x.exp()", "x.log1p()", "x.square()", "x.clamp(0.2, 0.5)", "x.clamp(min=y)",
             "x.clip(0, 1)", "x.clamp_min(0.5)", "x.clamp_max(y)", "ember.where(x > 0.5, x, y)",
             "ember.maximum(x, y)", "x.erfinv()", "x.round(decimals=2)", "x.round()", "x % y", "x % 2",
             "ember.fmod(x, 2)", "x.div(y, rounding_mode='floor')", "ember.lerp(x, y, 0.3)", "ember.lerp(x, y, y)",
             "ember.xlogy(x, 2.)", "ember.xlogy(x, y)", "ember.logaddexp2(x, y)", "x.deg2rad()", "x.fix()",
             "ember.addcdiv(x, x, y)", "ember.nan_to_num(x)", "x.sgn()", "ember.float_power(x, 2)"]
    for expr in exprs:
        e = eval(expr, {"ember": ember, "x": x, "y": y})
        t = eval(expr.replace("ember.", "torch."), {"torch": torch, "x": tx, "y": ty})
        assert e.grad_fn.name() == t.grad_fn.name(), expr


# ---------------------------------------------------------------------------- in-place and out=
INPLACE = ["add_", "sub_", "mul_", "div_", "pow_", "clamp_", "abs_", "exp_", "log_", "sqrt_", "sigmoid_", "tanh_",
           "relu_", "neg_", "sin_", "floor_", "round_", "erf_", "atan2_", "hypot_", "lerp_", "addcmul_", "addcdiv_",
           "remainder_", "fmod_", "copysign_", "xlogy_", "nan_to_num_", "reciprocal_", "square_", "clip_",
           "clamp_min_", "frac_", "sign_", "trunc_", "exp2_", "rsqrt_", "logit_"]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_methods(name):
    args = {"add_": (0.5,), "sub_": (2,), "mul_": (1.5,), "div_": (3.0,), "pow_": (2,), "clamp_": (0.2, 0.6),
            "atan2_": ("y",), "hypot_": ("y",), "lerp_": ("y", 0.25), "addcmul_": ("y", "y"),
            "addcdiv_": ("y", "y"), "remainder_": (0.3,), "fmod_": (0.3,), "copysign_": (-1.0,), "xlogy_": ("y",),
            "clip_": (None, 0.5), "clamp_min_": (0.5,)}.get(name, ())

    def fn(lib, a, b):
        z = a * 1  # a non-leaf, so the in-place op is recorded
        real = [b if v == "y" else v for v in args]
        out = getattr(z, name)(*real)
        assert out is z
        return z
    check(fn, rand(3, 4, low=0.1, high=0.9), rand(4, low=0.1, high=0.9))


def test_augmented_assignment():
    def fn(lib, a, b):
        z = a * 1
        z += b
        z -= 1
        z *= b
        z /= 2
        z **= 2
        return z
    check(fn, rand(3, 4), rand(4))
    check(lambda lib, a: _iops(a), np.array([7, -3, 8]), grad=False)
    check(lambda lib, a, m: _imask(a, m), rand(4), rand(4) > 0)


def _iops(a):
    a = a.clone()
    a //= 2
    a %= 3
    a &= 3
    a |= 4
    a ^= 1
    a <<= 1
    a >>= 1
    return a


def _imask(a, m):
    z = a * 1
    z *= m  # float *= bool (the notes: weight.grad *= mask)
    return z


def test_inplace_errors():
    check_error(lambda lib, a: a.add_(1.5), np.array([1, 2]), match="can't be cast")
    check_error(lambda lib, a: a.div_(2), np.array([1, 2]), match="can't be cast")
    check_error(lambda lib, a: a.exp_(), np.array([1, 2]))
    check_error(lambda lib, a: a.clamp_(min=0.5), np.array([1, 2]))
    check_error(lambda lib, a, b: a.add_(b), rand(3), rand(2, 3))
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.add_(1)


def test_out_argument():
    x, y = ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])
    o = ember.empty(2)
    assert ember.add(x, y, out=o) is o and o.tolist() == [4.0, 6.0]
    o64 = ember.empty(2, dtype=ember.float64)
    ember.mul(x, y, out=o64)
    assert o64.dtype == ember.float64 and o64.tolist() == [3.0, 8.0]
    ember.exp(x, out=o)
    np.testing.assert_allclose(o.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    oi = ember.empty(2, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.exp(x, out=oi)
    with pytest.raises(RuntimeError, match="out="):
        ember.exp(ember.ones(2, requires_grad=True), out=o)
    ob = ember.empty(2)
    ember.lt(x, 1.5, out=ob)
    assert ob.tolist() == [1.0, 0.0]
    o3 = ember.empty(0)
    ember.sqrt(y, out=o3)
    assert tuple(o3.shape) == (2,)


# ---------------------------------------------------------------------------- second derivatives
def _second(lib, fn, xs):
    """grad of sum(d fn / d xs . v) w.r.t. xs: exercises backward formulas on tensors."""
    ts = [lib.tensor(x.copy(), requires_grad=True) for x in xs]
    out = fn(lib, *ts)
    gs = lib.autograd.grad(out.sum(), ts, create_graph=True)
    total = sum((g * (i + 1.5)).sum() for i, g in enumerate(gs))
    seconds = lib.autograd.grad(total, ts, allow_unused=True)
    return [None if s is None else s.detach().numpy() for s in seconds], [g.detach().numpy() for g in gs]


SECOND = {
    "exp": (lambda lib, x: lib.exp(x), 1), "log": (lambda lib, x: lib.log(x), 1),
    "sin": (lambda lib, x: lib.sin(x), 1), "cos": (lambda lib, x: lib.cos(x), 1),
    "tanh": (lambda lib, x: lib.tanh(x), 1), "sigmoid": (lambda lib, x: lib.sigmoid(x), 1),
    "sqrt": (lambda lib, x: lib.sqrt(x), 1), "pow_scalar": (lambda lib, x: x ** 3, 1),
    "pow": (lambda lib, x, y: x ** y, 2), "rpow": (lambda lib, x: 2.5 ** x, 1),
    "mul": (lambda lib, x, y: x * y * x, 2), "div": (lambda lib, x, y: x / y, 2),
    "erf": (lambda lib, x: lib.erf(x), 1), "atan": (lambda lib, x: lib.atan(x), 1),
    "reciprocal": (lambda lib, x: lib.reciprocal(x), 1), "rsqrt": (lambda lib, x: lib.rsqrt(x), 1),
    "log1p": (lambda lib, x: lib.log1p(x), 1), "asin": (lambda lib, x: lib.asin(x * 0.3), 1),
    "maximum": (lambda lib, x, y: lib.maximum(x, y) ** 2, 2), "hypot": (lambda lib, x, y: lib.hypot(x, y), 2),
    "logaddexp": (lambda lib, x, y: lib.logaddexp(x, y), 2), "where": (lambda lib, x, y: lib.where(x > 1, x * x, y * y), 2),
    "clamp": (lambda lib, x: lib.clamp(x, 0.8, 1.5) ** 2, 1), "atan2": (lambda lib, x, y: lib.atan2(x, y), 2),
    "xlogy": (lambda lib, x, y: lib.xlogy(x, y), 2), "lerp": (lambda lib, x, y: lib.lerp(x, y, x), 2),
    "abs": (lambda lib, x: lib.abs(x - 1) ** 2, 1), "expm1": (lambda lib, x: lib.expm1(x), 1),
    "addcdiv": (lambda lib, x, y: lib.addcdiv(x, x, y), 2), "square": (lambda lib, x: lib.square(x) * x, 1),
}


@pytest.mark.parametrize("name", sorted(SECOND))
def test_second_derivative_matches_torch(name):
    fn, n = SECOND[name]
    xs = [rand(3, 2, dtype=F64, low=0.5, high=2.0) for _ in range(n)]
    es, eg = _second(ember, fn, xs)
    ts, tg = _second(torch, fn, xs)
    for a, b in zip(eg, tg):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for a, b in zip(es, ts):
        if b is None:
            assert a is None or not np.any(a)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_fast_inplace_path_keeps_the_rules():
    # no grad recorded: written straight into storage, but versions, views and errors still hold
    x = ember.zeros(2, 3)
    v = x[0]
    before = x._version[0]
    v += 1.5
    assert x.tolist() == [[1.5, 1.5, 1.5], [0.0, 0.0, 0.0]] and x._version[0] == before + 1
    w = ember.ones(3, requires_grad=True)
    y = w * 2
    z = y.exp()  # saves its output
    with ember.no_grad():
        y.mul_(2)  # y itself is not saved by exp, so this is allowed
    s = w.sigmoid()
    with ember.no_grad():
        s += 1  # sigmoid saved s: backward must notice
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.sum().backward()
    z.sum().backward()
    e = ember.ones(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError):
        e.add_(1.0)
    i = ember.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 0.5
    i += 3
    assert i.tolist() == [4, 5] and i.dtype == ember.int64
    f = ember.ones(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        f.add_(ember.ones(2, 3))
    with ember.no_grad():
        p = ember.ones(3, requires_grad=True)
        p -= 0.1 * ember.ones(3)  # manual SGD step under no_grad
    assert p.requires_grad and p.grad_fn is None
    np.testing.assert_allclose(p.detach().numpy(), 0.9)


from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import mutually_broadcastable_shapes  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       name=st.sampled_from(["add", "mul", "div", "maximum", "where", "atan2", "sub_alpha", "lerp"]),
       seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting_property(shapes, name, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    x = np.asarray(rng.uniform(-2, 2, sa).astype(F32))
    y = away(np.asarray(rng.uniform(-2, 2, sb).astype(F32)))
    check(BINARY[name], x, y)


def test_tensors_stay_hashable():
    a, b = ember.ones(2), ember.ones(2)
    assert len({a: 1, b: 2}) == 2
