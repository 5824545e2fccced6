"""lgamma, digamma, polygamma and mvlgamma (+ torch.special's names) against PyTorch:
accuracy over wide ranges incl. negative non-integers, poles and special values,
dtypes, gradients (gradcheck / gradgradcheck in float64) and errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.helpers import assert_close, check, check_error, rand

G = np.random.default_rng(7)
WIDE = np.concatenate([G.uniform(-60, 60, 600), G.uniform(-4, 4, 600), 10 ** G.uniform(-12, 14, 300),
                       -(10 ** G.uniform(-8, 5, 200)) - 0.37])
SPECIAL = np.array([0.0, -0.0, -1.0, -2.0, -7.0, 1.0, 2.0, 3.0, 10.0, 0.5, -0.5, -2.5, np.inf, -np.inf, np.nan,
                    1e-300, 1e300, 171.6, 1.4616321449683622])


def compare(fn, x, atol, rtol):
    e = fn(ember, ember.tensor(x))
    t = fn(torch, torch.tensor(x))
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.numpy(), t.numpy(), atol=atol, rtol=rtol, equal_nan=True)


FUNCS = {
    "lgamma": lambda lib, x: lib.lgamma(x),
    "digamma": lambda lib, x: lib.digamma(x),
    "trigamma": lambda lib, x: lib.polygamma(1, x),
    "polygamma2": lambda lib, x: lib.polygamma(2, x),
    "polygamma3": lambda lib, x: x.polygamma(3),
    "polygamma7": lambda lib, x: lib.polygamma(7, x),
}


@pytest.mark.parametrize("name", list(FUNCS))
def test_accuracy_float64(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(FUNCS[name], np.concatenate([WIDE, SPECIAL]), atol=1e-300, rtol=1e-10)


@pytest.mark.parametrize("name", list(FUNCS))
def test_accuracy_float32_and_half(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = np.concatenate([WIDE, SPECIAL])
        compare(FUNCS[name], x.astype(np.float32), atol=1e-5, rtol=1e-5)
        compare(FUNCS[name], G.uniform(-6, 6, 200).astype(np.float16), atol=1e-2, rtol=1e-2)


def test_integer_inputs_and_methods():
    check(lambda lib, x: lib.lgamma(x), np.int64([1, 2, 3, 5, -1, 0]))
    check(lambda lib, x: x.digamma(), np.int32([1, 2, 3, 5]))
    check(lambda lib, x: lib.polygamma(1, x), np.bool_([True, False]))
    check(lambda lib, x: x.clone().lgamma_(), rand(5, low=0.1, high=5))
    check(lambda lib, x: x.clone().digamma_(), rand(5, low=0.1, high=5))
    check(lambda lib, x: x.clone().polygamma_(2), rand(5, low=0.1, high=5))
    check(lambda lib, x: x.clone().mvlgamma_(2), rand(5, low=1.0, high=5))


@pytest.mark.parametrize("name", list(FUNCS))
def test_gradients_against_torch(name):
    check(FUNCS[name], rand(3, 4, low=0.2, high=6.0, dtype=np.float64))
    check(FUNCS[name], np.float64([-2.5, -0.3, -7.6, 0.7]))


def test_gradcheck_and_gradgradcheck():
    x = ember.tensor(np.float64([0.3, 1.7, 4.2, -1.4, -3.6, 12.5]), requires_grad=True)
    for f in (ember.lgamma, ember.digamma, lambda t: ember.polygamma(1, t), lambda t: ember.polygamma(3, t)):
        assert ember.autograd.gradcheck(f, (x,))
        assert ember.autograd.gradgradcheck(f, (x,))


@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_mvlgamma(p):
    check(lambda lib, x: lib.mvlgamma(x, p), rand(3, 4, low=p, high=p + 6))
    check(lambda lib, x: x.mvlgamma(p), rand(5, low=p, high=p + 3, dtype=np.float64))
    check(lambda lib, x: lib.mvlgamma(x, p), np.int64([3, 4, 9]) + p)
    x = ember.tensor(G.uniform(p, p + 4, 4), requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ember.mvlgamma(t, p), (x,))


def test_special_namespace():
    x = rand(6, low=0.3, high=7, dtype=np.float64)
    check(lambda lib, t: lib.special.gammaln(t), x)
    check(lambda lib, t: lib.special.digamma(t), x)
    check(lambda lib, t: lib.special.psi(t), x)
    check(lambda lib, t: lib.special.polygamma(2, t), x)
    check(lambda lib, t: lib.special.multigammaln(t, 3), x + 1)
    assert_close(ember.special.polygamma(1, ember.tensor(2.0)), torch.special.polygamma(1, torch.tensor(2.0)))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.polygamma(-1, x), lambda lib, x: lib.polygamma(1.5, x), lambda lib, x: lib.mvlgamma(x, 0),
    lambda lib, x: lib.lgamma(1.0), lambda lib, x: lib.mvlgamma(x, 1.5),
])
def test_errors(fn):
    check_error(fn, rand(3, low=1, high=2))
