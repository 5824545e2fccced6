"""Elementwise primitives: finite-difference gradient checks in float64 for every
differentiable op (with broadcasting), the erf family's accuracy, and dtype
preservation of the forward passes."""
import numpy as np
import pytest
import torch

import ember
from ember.autograd import gradcheck
from ember.ops import special

RNG = np.random.default_rng(2)


def t64(*shape, low=-2.0, high=2.0):
    return ember.tensor(RNG.uniform(low, high, size=shape), dtype=ember.float64, requires_grad=True)


def away(t, lo=0.3):
    d = t.detach().numpy()
    d = np.where(np.abs(d) < lo, np.where(d < 0, -lo, lo), d)
    return ember.tensor(d, dtype=ember.float64, requires_grad=True)


UNARY = {
    "neg": (lambda x: -x, {}), "abs": (ember.abs, {}), "exp": (ember.exp, {}), "exp2": (ember.exp2, {}),
    "expm1": (ember.expm1, {}), "log": (ember.log, {"low": 0.2}), "log2": (ember.log2, {"low": 0.2}),
    "log10": (ember.log10, {"low": 0.2}), "log1p": (ember.log1p, {"low": -0.7}), "sqrt": (ember.sqrt, {"low": 0.2}),
    "rsqrt": (ember.rsqrt, {"low": 0.2}), "square": (ember.square, {}), "sin": (ember.sin, {}),
    "cos": (ember.cos, {}), "tan": (ember.tan, {"low": -1.2, "high": 1.2}),
    "asin": (ember.asin, {"low": -0.9, "high": 0.9}), "acos": (ember.acos, {"low": -0.9, "high": 0.9}),
    "atan": (ember.atan, {}), "sinh": (ember.sinh, {}), "cosh": (ember.cosh, {}), "tanh": (ember.tanh, {}),
    "asinh": (ember.asinh, {}), "acosh": (ember.acosh, {"low": 1.2, "high": 3.0}),
    "atanh": (ember.atanh, {"low": -0.9, "high": 0.9}), "sigmoid": (ember.sigmoid, {}), "relu": (ember.relu, {}),
    "reciprocal": (ember.reciprocal, {"low": 0.3}), "frac": (ember.frac, {}), "erf": (ember.erf, {}),
    "erfc": (ember.erfc, {}), "erfinv": (ember.erfinv, {"low": -0.9, "high": 0.9}),
    "nan_to_num": (ember.nan_to_num, {}), "logit": (ember.logit, {"low": 0.1, "high": 0.9}),
    "logit_eps": (lambda x: ember.logit(x, eps=0.2), {"low": 0.05, "high": 0.95}),
    "deg2rad": (ember.deg2rad, {}), "rad2deg": (ember.rad2deg, {}), "pow_scalar": (lambda x: x ** 3, {}),
    "pow_half": (lambda x: x ** 0.5, {"low": 0.2}), "rpow": (lambda x: 2.5 ** x, {}),
    "rsub": (lambda x: 1.5 - x, {}), "rdiv": (lambda x: 2 / x, {"low": 0.3}),
    "clamp": (lambda x: ember.clamp(x, -0.5, 0.7), {}), "clamp_min": (lambda x: x.clamp_min(0.1), {}),
    "lerp_scalar": (lambda x: ember.lerp(x, x * x, 0.7), {}), "xlogy_scalar": (lambda x: ember.xlogy(x, 3.0), {}),
    "xlogy_scalar_self": (lambda x: ember.xlogy(2.0, x), {"low": 0.2}),
    "copysign_scalar": (lambda x: ember.copysign(x, -1.0), {}), "remainder_scalar": (lambda x: x % 0.7, {}),
    "fmod_scalar": (lambda x: ember.fmod(x, 0.7), {}), "add_alpha": (lambda x: ember.add(x, x * x, alpha=-2.5), {}),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_gradcheck_unary(name):
    fn, kw = UNARY[name]
    x = t64(3, 4, **kw)
    if name in ("abs", "relu", "frac", "remainder_scalar", "fmod_scalar", "clamp", "clamp_min"):
        x = away(x, 0.05)  # keep finite differences off the kinks
    assert gradcheck(fn, (x,))


BINARY = {
    "add": lambda x, y: x + y, "sub": lambda x, y: ember.sub(x, y, alpha=0.5), "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "pow": lambda x, y: x.abs() ** y, "maximum": ember.maximum, "minimum": ember.minimum,
    "fmax": ember.fmax, "fmin": ember.fmin, "atan2": ember.atan2, "hypot": ember.hypot,
    "logaddexp": ember.logaddexp, "logaddexp2": ember.logaddexp2, "xlogy": lambda x, y: ember.xlogy(x, y.abs()),
    "remainder": lambda x, y: x % y, "fmod": ember.fmod, "copysign": ember.copysign,
    "lerp": lambda x, y: ember.lerp(x, y, 0.3), "lerp_tensor": lambda x, y: ember.lerp(x, y, y),
    "where": lambda x, y: ember.where(x > 0, x, y), "clamp_tensors": lambda x, y: ember.clamp(x, y, y + 1.0),
    "clamp_min_tensor": lambda x, y: ember.clamp(x, min=y), "clamp_max_tensor": lambda x, y: ember.clamp(x, max=y),
    "addcmul": lambda x, y: ember.addcmul(x, x, y, value=0.5), "addcdiv": lambda x, y: ember.addcdiv(x, x, y),
    "rsub": lambda x, y: ember.rsub(x, y, alpha=2),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_gradcheck_binary_broadcasting(name):
    x, y = t64(3, 4), away(t64(4))
    if name in ("pow", "xlogy"):
        x = away(x)
    if name in ("maximum", "minimum", "fmax", "fmin", "clamp_tensors", "clamp_min_tensor", "clamp_max_tensor"):
        y = ember.tensor(y.detach().numpy() + 0.01, dtype=ember.float64, requires_grad=True)  # no exact ties
    assert gradcheck(BINARY[name], (x, y))
    # the other way round: the second operand broadcasts the first (offset: no exact ties at +-0.3)
    assert gradcheck(BINARY[name], (away(t64(4)), away(t64(2, 1), 0.35)))


def test_gradcheck_three_tensors():
    a, b, c = t64(2, 3), t64(3), away(t64(2, 1))
    assert gradcheck(lambda x, y, z: ember.addcmul(x, y, z, value=-2), (a, b, c))
    assert gradcheck(lambda x, y, z: ember.addcdiv(x, y, z, value=0.5), (a, b, c))
    assert gradcheck(lambda x, y, z: ember.lerp(x, y, z), (a, b, c))
    assert gradcheck(lambda x, y, z: ember.where(x > 0, y, z), (a, b, c))


def test_gradcheck_zero_dim_and_empty():
    s = t64()
    v = t64(3)
    assert gradcheck(lambda x, y: x * y + ember.exp(x), (s, v))
    e = ember.zeros(0, 3, dtype=ember.float64, requires_grad=True)
    out = (ember.sigmoid(e) * 2).sum()
    out.backward()
    assert tuple(e.grad.shape) == (0, 3)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_forward_keeps_float_dtype(dtype):
    x = ember.tensor(RNG.uniform(0.1, 0.9, size=(4,)).astype(dtype))
    for fn in (ember.exp, ember.sigmoid, ember.erf, ember.erfinv, ember.sqrt, ember.tanh, ember.relu,
               lambda a: a * 0.5, lambda a: a / 3, lambda a: 2 ** a, lambda a: a ** 2.5, lambda a: ember.clamp(a, 0.2, 0.4),
               lambda a: ember.where(a > 0.5, a, 0.0), lambda a: ember.xlogy(a, 2.0), lambda a: ember.lerp(a, a, 0.3),
               lambda a: ember.round(a, decimals=1), ember.nan_to_num, lambda a: ember.logit(a, 0.1)):
        assert fn(x)._data.dtype == np.dtype(dtype)


def test_special_functions_against_torch():
    x = np.concatenate([np.linspace(-27, 27, 5001), [0.0, -0.0, np.inf, -np.inf, np.nan, 0.5, -0.5]])
    for name in ("erf", "erfc"):
        e = getattr(special, name)(x)
        t = getattr(torch, name)(torch.tensor(x)).numpy()
        normal = np.abs(t) > 1e-300
        np.testing.assert_allclose(e[normal], t[normal], rtol=1e-12)
        np.testing.assert_array_equal(np.isnan(e), np.isnan(t))
        assert np.all(np.abs(e[~normal & ~np.isnan(t)]) < 1e-290)
    y = np.concatenate([np.linspace(-1, 1, 4001), [1 - 2 ** -52, -1 + 2 ** -53, 1e-300, 2.0, -2.0, np.nan]])
    e, t = special.erfinv(y), torch.erfinv(torch.tensor(y)).numpy()
    finite = np.isfinite(t)
    np.testing.assert_allclose(e[finite], t[finite], rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(e[~finite], t[~finite])
    y32 = y.astype(np.float32)
    e32, t32 = special.erfinv(y32), torch.erfinv(torch.tensor(y32)).numpy()
    assert e32.dtype == np.float32
    np.testing.assert_allclose(e32, t32, rtol=1e-6, atol=1e-30)  # a few float32 ulps


def test_int_pow_negative_exponents():
    from ember.ops.elementwise import _int_pow
    a = np.array([0, 1, 2, -1, -2, -1, 5])
    b = np.array([-1, -3, -1, -2, -2, -3, 0])
    ref = torch.tensor(a) ** torch.tensor(b)
    np.testing.assert_array_equal(_int_pow(a, b, np), ref.numpy())


def test_floor_divide_backward_raises_like_torch():
    x = ember.tensor([1.5, 2.5], requires_grad=True)
    y = x // 2
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="floor_divide"):
        y.sum().backward()
