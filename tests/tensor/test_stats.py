"""cov and corrcoef against PyTorch: values, weights, correction, dtypes, gradients
(and gradcheck in float64), warnings and errors."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import check, check_error, rand


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_cov(correction):
    check(lambda lib, x: lib.cov(x, correction=correction), rand(3, 6))
    check(lambda lib, x: x.cov(correction=correction), rand(7, dtype=np.float64))
    check(lambda lib, x: lib.cov(x.t()), rand(6, 3))


def test_cov_weights():
    fw = np.array([1, 2, 0, 3, 1], np.int64)
    aw = rand(5, low=0.1, high=1.0)
    check(lambda lib, x, f: lib.cov(x, fweights=f), rand(3, 5), fw)
    check(lambda lib, x, a: lib.cov(x, aweights=a), rand(3, 5), aw)
    check(lambda lib, x, f, a: lib.cov(x, correction=0, fweights=f, aweights=a), rand(3, 5), fw, aw)
    check(lambda lib, x, f, a: lib.cov(x, fweights=f, aweights=a), rand(2, 5), fw, aw)
    check(lambda lib, x, a: lib.cov(x, aweights=a), rand(3, 5, dtype=np.float64), aw.astype(np.float64))


def test_cov_integer_half_and_degenerate_inputs():
    check(lambda lib, x: lib.cov(x), rand(3, 5, dtype=np.int64))
    check(lambda lib, x: lib.cov(x), rand(3, 5, dtype=np.float16), atol=1e-2, rtol=1e-2)
    check(lambda lib, x: lib.cov(x), rand(0, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x: lib.cov(x), rand(3, 1), grad=False)
        check(lambda lib, x: lib.cov(x, correction=5), rand(3, 4), grad=False)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        ember.cov(ember.rand(2, 3), correction=3)


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.cov(x.reshape(2, 2, 3)), lambda lib, x: lib.cov(x.bool()),
    lambda lib, x: lib.cov(x, fweights=lib.tensor([1.0, 2, 3])),
    lambda lib, x: lib.cov(x, fweights=lib.tensor([1, -2, 3])),
    lambda lib, x: lib.cov(x, fweights=lib.tensor([[1, 2, 3]])),
    lambda lib, x: lib.cov(x, aweights=lib.tensor([1, 2, 3])),
    lambda lib, x: lib.cov(x, aweights=lib.tensor([1.0, -2, 3])),
    lambda lib, x: lib.cov(x, aweights=lib.tensor([1.0, 2])),
    lambda lib, x: lib.cov(x, fweights=lib.tensor([0, 0, 0])),
    lambda lib, x: lib.corrcoef(x.reshape(2, 2, 3)),
])
def test_cov_errors(fn):
    check_error(fn, rand(4, 3))


def test_corrcoef():
    check(lambda lib, x: lib.corrcoef(x), rand(4, 7))
    check(lambda lib, x: x.corrcoef(), rand(3, 5, dtype=np.float64))
    check(lambda lib, x: lib.corrcoef(x), rand(6))
    check(lambda lib, x: lib.corrcoef(x), rand(3, 5, dtype=np.int64), grad=False)
    check(lambda lib, x: lib.corrcoef(x), np.ones((2, 3), np.float32), grad=False)
    check(lambda lib, x: lib.corrcoef(x), np.float32([[1, 2, 3], [2, 3, 4.5]]))


def test_gradcheck():
    g = np.random.default_rng(3)
    x = ember.tensor(g.standard_normal((3, 6)), requires_grad=True)
    a = ember.tensor(g.uniform(0.2, 1.0, 6))
    f = ember.tensor([1, 2, 1, 3, 1, 2])
    assert ember.autograd.gradcheck(lambda t: ember.cov(t, fweights=f, aweights=a), (x,))
    assert ember.autograd.gradcheck(ember.corrcoef, (x,))
