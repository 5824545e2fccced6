"""Activation functions of nn.functional against torch: values, gradients, dtypes,
in-place variants, errors; float64 gradcheck (and gradgradcheck) of every primitive
of ember.ops.activation."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF
from tests.helpers import check, check_error, rand

# every activation with a few option sets: name -> list of kwargs
ACTS = {
    "relu": [{}], "relu6": [{}], "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": -1.5}],
    "elu": [{}, {"alpha": 0.5}], "selu": [{}], "celu": [{}, {"alpha": 2.0}],
    "gelu": [{}, {"approximate": "tanh"}], "silu": [{}], "mish": [{}], "sigmoid": [{}], "tanh": [{}],
    "hardtanh": [{}, {"min_val": -0.5, "max_val": 2.0}], "hardswish": [{}], "hardsigmoid": [{}],
    "softplus": [{}, {"beta": 2.0, "threshold": 3.0}, {"beta": 0.5}], "softsign": [{}], "logsigmoid": [{}],
    "tanhshrink": [{}], "softshrink": [{}, {"lambd": 1.0}], "hardshrink": [{}, {"lambd": 1.0}],
    "threshold": [{"threshold": 0.1, "value": 20.0}, {"threshold": -1.0, "value": -3.0}],
    "glu": [{}, {"dim": 0}],
}
CASES = [(n, kw) for n, kws in ACTS.items() for kw in kws]

# points where the piecewise definitions switch (the gradient convention there matters)
EDGES = np.array([-6, -3, -1, -0.5, 0, 0.1, 0.5, 1, 3, 6, 1.5, 2.0, -2.0, 10, -10, 25, -25, 0.25],
                 dtype=np.float32)


def _input(name, dtype=np.float32):
    x = np.concatenate([EDGES, rand(30, low=-7, high=7)]).astype(dtype)
    return x.reshape(6, 8)


@pytest.mark.parametrize("name,kw", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_grads(name, kw, dtype):
    x = _input(name, dtype)
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, **kw), x)


@pytest.mark.parametrize("name,kw", CASES)
def test_non_contiguous_and_zero_size(name, kw):
    x = rand(8, 6)
    check(lambda lib, t: getattr(lib.nn.functional, name)(t.t(), **kw), x)
    z = np.zeros((0, 4), np.float32)
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, **kw), z)


@pytest.mark.parametrize("name", [n for n in ACTS if n != "glu"])
def test_zero_dim(name):
    kw = ACTS[name][0]
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, **kw), np.array(-0.7, np.float32))
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, **kw), np.array(1.3, np.float32))


@pytest.mark.parametrize("name,kw", CASES)
def test_grad_fn_name(name, kw):
    e = getattr(EF, name)(ember.tensor(_input(name), requires_grad=True), **kw)
    t = getattr(torch.nn.functional, name)(torch.tensor(_input(name), requires_grad=True), **kw)
    assert repr(e.grad_fn).split(" ")[0] == repr(t.grad_fn).split(" ")[0]


@pytest.mark.parametrize("name,kw", CASES)
def test_gradcheck_float64(name, kw):
    x = _input(name, np.float64)
    # keep finite differences away from the kinks (eps = 1e-6)
    x = np.where(np.abs(x[..., None] - np.array([0, 3, -3, 1, -1, 0.5, -0.5, 0.1, -2, 2, 6, 1.5])).min(-1) < 1e-3,
                 x + 0.01, x)
    t = ember.tensor(x, requires_grad=True)
    fn = getattr(EF, name)
    assert ember.autograd.gradcheck(lambda a: fn(a, **kw), (t,))


@pytest.mark.parametrize("name,kw", [c for c in CASES if c[0] in (
    "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "logsigmoid", "glu", "leaky_relu")])
def test_gradgradcheck_float64(name, kw):
    x = rand(4, 6, dtype=np.float64) + 0.05
    t = ember.tensor(x, requires_grad=True)
    fn = getattr(EF, name)
    assert ember.autograd.gradgradcheck(lambda a: fn(a, **kw), (t,))


def test_prelu_against_torch():
    x = rand(3, 4, 5)
    check(lambda lib, a, w: lib.nn.functional.prelu(a, w), x, np.array([0.25], np.float32))
    check(lambda lib, a, w: lib.nn.functional.prelu(a, w), x, np.array([0.1, -0.2, 0.3, 0.4], np.float32))
    check(lambda lib, a, w: lib.nn.functional.prelu(a, w), rand(4), np.array([0.3], np.float32))
    check(lambda lib, a, w: lib.nn.functional.prelu(a, w), np.array(-1.5, np.float32), np.array([0.3], np.float32))
    check(lambda lib, a, w: lib.nn.functional.prelu(a, w), rand(2, 3, 4, 4, 2, dtype=np.float64),
          np.array([0.1, 0.2, 0.3], np.float64))


def test_prelu_gradcheck_and_errors():
    x = ember.tensor(rand(3, 4, 2, dtype=np.float64) + 0.01, requires_grad=True)
    w = ember.tensor(np.array([0.1, 0.2, 0.3, 0.4]), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a, b: EF.prelu(a, b), (x, w))
    check_error(lambda lib, a, w: lib.nn.functional.prelu(a, w), rand(2, 3), np.array([1., 2.], np.float32))
    check_error(lambda lib, a, w: lib.nn.functional.prelu(a, w), rand(3), np.array([1., 2., 3.], np.float32))


def test_rrelu_eval_and_train():
    x = rand(5, 6)
    check(lambda lib, a: lib.nn.functional.rrelu(a, 0.1, 0.3, training=False), x)
    ember.manual_seed(0)
    xe = ember.tensor(x, requires_grad=True)
    y = EF.rrelu(xe, 0.1, 0.3, training=True)
    neg = x < 0
    ratio = y.detach().numpy()[neg] / x[neg]
    assert np.all((ratio >= 0.1 - 1e-6) & (ratio <= 0.3 + 1e-6))
    np.testing.assert_array_equal(y.detach().numpy()[~neg], x[~neg])
    y.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy()[neg], ratio, rtol=1e-5)


@pytest.mark.parametrize("name,kw", [("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.3}),
                                     ("elu", {}), ("selu", {}), ("celu", {"alpha": 1.5}), ("silu", {}),
                                     ("mish", {}), ("hardtanh", {"min_val": -0.5, "max_val": 0.5}),
                                     ("hardswish", {}), ("hardsigmoid", {}),
                                     ("threshold", {"threshold": 0.2, "value": -1.0})])
def test_inplace_variants(name, kw):
    x = rand(4, 5)

    def f(lib, a):
        b = a * 1  # a non-leaf, so in-place is allowed under grad
        out = getattr(lib.nn.functional, name)(b, inplace=True, **kw)
        assert out is b
        return b
    check(f, x)
    # writing into a leaf that requires grad is refused, as in torch
    check_error(lambda lib, a: getattr(lib.nn.functional, name)(a.requires_grad_(), inplace=True, **kw), x)


def test_underscore_functions():
    x = rand(3, 4)
    for name, kw in [("relu_", {}), ("leaky_relu_", {"negative_slope": 0.1}), ("elu_", {}), ("hardtanh_", {}),
                     ("threshold_", {"threshold": 0.0, "value": 5.0}), ("celu_", {}), ("selu_", {})]:
        a, b = ember.tensor(x), torch.tensor(x)
        getattr(EF, name)(a, **kw)
        getattr(torch.nn.functional, name)(b, **kw)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_inplace_bumps_version_and_keeps_grad():
    x = ember.tensor(rand(4), requires_grad=True)
    y = x * 2
    v = y._version[0]
    EF.relu(y, inplace=True)
    assert y._version[0] == v + 1
    assert repr(y.grad_fn).startswith("<ReluBackward0")
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2.0 * (x.detach().numpy() > 0))


@pytest.mark.parametrize("name", ["relu", "relu6", "hardtanh", "threshold"])
def test_integer_inputs_keep_dtype(name):
    x = np.array([[-3, -1, 0, 2, 7]], np.int64)
    kw = {"threshold": 1, "value": 9} if name == "threshold" else {}
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, **kw), x, grad=False)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softsign", "tanhshrink"])
def test_integer_inputs_promote(name):
    check(lambda lib, t: getattr(lib.nn.functional, name)(t), np.array([[-2, 0, 3]], np.int64), grad=False)


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "hardswish",
                                  "hardsigmoid", "softplus", "logsigmoid", "softshrink", "hardshrink"])
def test_integer_inputs_rejected(name):
    e = check_error(lambda lib, t: getattr(lib.nn.functional, name)(t), np.array([1, 2], np.int64))
    assert "Long" in str(e)


def test_errors():
    x = rand(2, 3)
    check_error(lambda lib, t: lib.nn.functional.glu(t), x, match="Halving dimension must be even")
    check_error(lambda lib, t: lib.nn.functional.glu(t), np.array(1.0, np.float32))
    check_error(lambda lib, t: lib.nn.functional.glu(t, dim=5), x)
    check_error(lambda lib, t: lib.nn.functional.hardtanh(t, 2.0, 1.0), x)
    check_error(lambda lib, t: lib.nn.functional.softshrink(t, -1.0), x)
    check_error(lambda lib, t: lib.nn.functional.gelu(t, approximate="foo"), x)
    check_error(lambda lib, t: lib.nn.functional.relu(t), np.array([True, False]))
    with pytest.raises(TypeError):
        EF.relu([1.0, 2.0])


def test_extreme_inputs_stay_finite():
    x = np.array([-1e4, -500, -100, -30, 30, 100, 500, 1e4], np.float32)
    for name in ["sigmoid", "logsigmoid", "softplus", "silu", "mish", "elu", "selu", "celu", "gelu", "tanh",
                 "hardswish"]:
        e, t = check(lambda lib, a: getattr(lib.nn.functional, name)(a), x)
        assert np.array_equal(np.isfinite(e.detach().numpy()), np.isfinite(t.detach().numpy())), name


def test_gelu_exact_matches_erf_definition():
    x = np.linspace(-8, 8, 2001)
    y = EF.gelu(ember.tensor(x)).numpy()
    import math
    ref = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(y, ref, rtol=1e-13, atol=1e-15)


def test_float16():
    x = rand(3, 4, dtype=np.float16)
    for name in ["relu", "leaky_relu", "hardtanh", "gelu", "silu", "elu"]:
        check(lambda lib, a: getattr(lib.nn.functional, name)(a), x, grad=False, atol=2e-3, rtol=2e-3)
