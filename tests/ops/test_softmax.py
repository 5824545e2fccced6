"""softmax / log_softmax / softmin against torch: values, gradients, dims, dtype=,
implicit-dim warnings, extreme inputs, float64 gradcheck and gradgradcheck."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF
from tests.helpers import check, check_error, rand

FNS = ["softmax", "log_softmax", "softmin"]


@pytest.mark.parametrize("name", FNS)
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1),
                                       ((2, 3, 4, 5), -2), ((2, 0, 3), 2), ((), 0), ((1, 7), 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_against_torch(name, shape, dim, dtype):
    x = rand(*shape, dtype=dtype, low=-5, high=5)
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, dim), x)


@pytest.mark.parametrize("name", FNS)
def test_non_contiguous(name):
    x = rand(6, 8)
    check(lambda lib, t: getattr(lib.nn.functional, name)(t.t()[:, ::2], 1), x)
    check(lambda lib, t: getattr(lib.nn.functional, name)(t.t(), 0), x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_methods_and_top_level(name):
    x = rand(3, 5)
    check(lambda lib, t: getattr(t, name)(1), x)
    check(lambda lib, t: getattr(lib, name)(t, 0), x)
    check(lambda lib, t: getattr(t, name)(-1, dtype=lib.float64), x)


@pytest.mark.parametrize("name", FNS)
def test_dtype_argument(name):
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, 1, dtype=lib.float64), rand(3, 4))
    # computed in float32: the float64 input's gradient has float32 precision
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, 1, dtype=lib.float32), rand(3, 4, dtype=np.float64),
          grad_atol=1e-6, grad_rtol=1e-5)
    ints = np.array([[1, 2, 3], [0, -1, 4]], np.int64)
    check(lambda lib, t: getattr(lib.nn.functional, name)(t, 1, dtype=lib.float32), ints, grad=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_integer_input_rejected(name):
    check_error(lambda lib, t: getattr(lib.nn.functional, name)(t, 1), np.array([[1, 2]], np.int64))


@pytest.mark.parametrize("name", FNS)
def test_bad_dim(name):
    check_error(lambda lib, t: getattr(lib.nn.functional, name)(t, 2), rand(3, 4))


@pytest.mark.parametrize("name", FNS)
@pytest.mark.parametrize("shape", [(), (4,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
def test_implicit_dim(name, shape):
    x = rand(*shape)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been deprecated"):
        e = getattr(EF, name)(ember.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = getattr(torch.nn.functional, name)(torch.tensor(x))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", FNS)
def test_extreme_inputs_finite(name):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4], [3e38, -3e38, 1.0],
                  [-1e4, 0.0, 1e-30]], np.float32)
    e, t = check(lambda lib, a: getattr(lib.nn.functional, name)(a, 1), x)
    np.testing.assert_array_equal(np.isfinite(e.detach().numpy()), np.isfinite(t.detach().numpy()))
    rows = [0, 1, 2, 4]  # +-1e4 stay finite (row 3 spans 6e38, which overflows float32 in torch too)
    assert np.isfinite(e.detach().numpy()[rows]).all()


@pytest.mark.parametrize("name", FNS)
def test_infinities_and_nan_like_torch(name):
    x = np.array([[-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0]],
                 np.float32)
    check(lambda lib, a: getattr(lib.nn.functional, name)(a, 1), x, grad=False)


def test_grad_fn_names():
    x = ember.tensor(rand(2, 3), requires_grad=True)
    assert repr(EF.softmax(x, 1).grad_fn).startswith("<SoftmaxBackward0")
    assert repr(EF.log_softmax(x, 1).grad_fn).startswith("<LogSoftmaxBackward0")
    assert repr(EF.softmin(x, 1).grad_fn).startswith("<SoftmaxBackward0")


@pytest.mark.parametrize("name", FNS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gradcheck(name, dim):
    x = ember.tensor(rand(3, 4, dtype=np.float64), requires_grad=True)
    fn = getattr(EF, name)
    assert ember.autograd.gradcheck(lambda a: fn(a, dim), (x,))
    assert ember.autograd.gradgradcheck(lambda a: fn(a, dim), (x,))


def test_float16():
    x = rand(3, 5, dtype=np.float16)
    check(lambda lib, t: lib.nn.functional.softmax(t, 1), x, grad=False, atol=1e-3, rtol=1e-3)
    check(lambda lib, t: lib.nn.functional.log_softmax(t, 1), x, grad=False, atol=1e-2, rtol=1e-3)


def test_rows_sum_to_one_large():
    x = rand(64, 1000, low=-50, high=50)
    y = EF.softmax(ember.tensor(x), 1).numpy()
    np.testing.assert_allclose(y.sum(1), 1.0, rtol=1e-5)
    ly = EF.log_softmax(ember.tensor(x), 1).numpy()
    np.testing.assert_allclose(np.exp(ly).sum(1), 1.0, rtol=1e-5)
