"""ember.special (torch.special) against PyTorch: every name, values, dtypes and
gradients, the tails of ndtr / log_ndtr / ndtri, and import under the torch alias."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
from tests.helpers import check, check_error, rand

UNARY = ["expit", "logit", "erf", "erfc", "erfcx", "erfinv", "exp2", "expm1", "log1p", "sinc", "entr", "ndtr",
         "ndtri", "log_ndtr", "i0"]
DOMAIN = {"logit": (0.02, 0.98), "erfinv": (-0.98, 0.98), "ndtri": (0.01, 0.99), "log1p": (-0.9, 3.0),
          "entr": (0.05, 3.0), "i0": (-6.0, 6.0), "erfcx": (-3.0, 8.0), "log_ndtr": (-30.0, 8.0)}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_values_and_grads(name, dtype):
    low, high = DOMAIN.get(name, (-3.0, 3.0))
    x = rand(4, 5, dtype=dtype, low=low, high=high)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {}
    check(lambda lib, x: getattr(lib.special, name)(x), x, **tol)
    check(lambda lib, x: getattr(lib.special, name)(x.t()[::2]), x, **tol)


@pytest.mark.parametrize("name", UNARY)
def test_unary_int_input_becomes_float_and_special_values(name):
    check(lambda lib, x: getattr(lib.special, name)(x), np.array([0, 1, 2, -1], dtype=np.int64))
    special = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 0.5, 1e-30, 40.0, -40.0], dtype=np.float64)
    check(lambda lib, x: getattr(lib.special, name)(x), special, grad=False, rtol=1e-7)
    check(lambda lib, x: getattr(lib.special, name)(x), np.zeros((0, 3), np.float32))
    check(lambda lib, x: getattr(lib.special, name)(x), np.array(0.25, np.float32))


def test_normal_tails():
    x = np.array([-1e5, -300.0, -50.0, -38.0, -20.0, -10.0, -1.5, -1.0, -0.5, 2.0, 9.0, 10.0, 40.0])
    # the gradient exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi) (PyTorch's formula) cancels at x = -1e5
    check(lambda lib, x: lib.special.log_ndtr(x), x, rtol=1e-12, grad_rtol=1e-5)
    check(lambda lib, x: lib.special.ndtr(x), x, rtol=1e-12)
    check(lambda lib, x: lib.special.log_ndtr(x), x.astype(np.float32))
    p = np.array([1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.01, 0.2, 0.5, 0.7, 0.99, 1 - 1e-10, 1 - 1e-16])
    check(lambda lib, p: lib.special.ndtri(p), p, rtol=1e-12)
    check(lambda lib, p: lib.special.ndtri(p), p[3:].astype(np.float32))
    check(lambda lib, p: lib.special.erfcx(p), np.array([-5.0, 0.0, 1.0, 25.0, 1e3, 1e8]), rtol=1e-12)


def test_i0_large_arguments():
    x = np.array([-50.0, -10.0, 0.0, 3.0, 30.0, 120.0, 500.0])
    check(lambda lib, x: lib.special.i0(x), x, rtol=1e-12)
    check(lambda lib, x: lib.i0(x), x[:4].astype(np.float32))
    check(lambda lib, x: x.i0(), x[:4])


@pytest.mark.parametrize("name", ["xlogy", "xlog1py"])
def test_binary(name):
    fn = lambda lib, x, y: getattr(lib.special, name)(x, y)  # noqa: E731
    check(fn, rand(3, 4, low=0.1, high=2.0), rand(4, low=0.1, high=2.0))
    check(fn, rand(3, 1, dtype=np.float64, low=0.1), rand(1, 4, low=0.1, high=2.0))
    check(fn, np.array([0.0, 0.0, 1.0, 2.0]), np.array([np.nan, -1.0, 0.5, 3.0]))
    check(fn, rand(3, dtype=np.int64), rand(3, dtype=np.int64, low=0))
    check(lambda lib, y: getattr(lib.special, name)(2, y), rand(3, low=0.1))
    check(lambda lib, x: getattr(lib.special, name)(x, 2.5), rand(3, dtype=np.float64))
    check_error(lambda lib, x, y: getattr(lib.special, name)(x, y), rand(3), rand(4))
    check_error(lambda lib: getattr(lib.special, name)(1.0, 2.0))


def test_reductions_and_rounding():
    x = rand(3, 4)
    check(lambda lib, x: lib.special.logsumexp(x, 1), x)
    check(lambda lib, x: lib.special.logsumexp(x, (0, 1), keepdim=True), x)
    check(lambda lib, x: lib.special.softmax(x, 0), x)
    check(lambda lib, x: lib.special.log_softmax(x, -1, dtype=lib.float64), x)
    check(lambda lib, x: lib.special.round(x), x)
    check(lambda lib, x: lib.special.round(x, decimals=2), x)
    check(lambda lib, x: lib.special.logit(x, eps=0.1), rand(5, low=0.0, high=1.0))
    check(lambda lib, x: lib.special.sinc(x), rand(6, dtype=np.float16))


def test_entr_edges_match_torch_gradients():
    check(lambda lib, x: lib.special.entr(x), np.array([-1.0, 0.0, 0.5, np.nan, np.inf, 2.0]))


def test_missing_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="torch.special.zeta is not supported"):
        ember.special.zeta


def test_import_under_the_torch_alias():
    code = ("import ember.cli.torch_alias as a; a.install()\n"
            "import torch, torch.special\n"
            "from torch.special import expit\n"
            "assert torch.special.expit is expit and torch.__name__ == 'ember'\n"
            "print(float(expit(torch.tensor(0.0))))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0.5"


@pytest.mark.parametrize("name", ["sinc", "entr", "i0", "erfcx", "log_ndtr", "ndtri", "ndtr"])
def test_second_derivatives_match_torch(name):
    low, high = DOMAIN.get(name, (-3.0, 3.0))
    x = rand(6, dtype=np.float64, low=max(low, -5.0), high=high)
    hs = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        g, = lib.autograd.grad(getattr(lib.special, name)(t).sum(), t, create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), t)
        hs.append(h.detach().numpy())
    np.testing.assert_allclose(hs[0], hs[1], rtol=1e-7, atol=1e-9)


def test_xlog1py_gradcheck():
    x = ember.tensor(rand(3, 4, dtype=np.float64), requires_grad=True)
    y = ember.tensor(rand(4, dtype=np.float64, low=0.0, high=2.0), requires_grad=True)
    assert ember.autograd.gradcheck(ember.special.xlog1py, (x, y))
