"""Tensor.unfold against PyTorch: shapes, values, views (writes through), gradients
with overlapping windows, gradcheck / gradgradcheck and errors."""
import numpy as np
import pytest

import ember
from tests.helpers import check, check_error, rand


@pytest.mark.parametrize("dim,size,step", [(0, 2, 1), (0, 3, 2), (1, 2, 1), (1, 4, 3), (-1, 1, 1), (1, 5, 5),
                                           (1, 0, 1), (2, 3, 4)])
def test_unfold(dim, size, step):
    check(lambda lib, x: x.unfold(dim, size, step), rand(4, 5, 6))


def test_unfold_patches_noncontiguous_and_0d():
    check(lambda lib, x: x.unfold(2, 3, 2).unfold(3, 3, 2), rand(1, 2, 7, 7))
    check(lambda lib, x: x.t().unfold(0, 2, 1), rand(3, 5))
    check(lambda lib, x: x[:, ::2].unfold(1, 2, 1), rand(3, 8))
    check(lambda lib, x: x.unfold(0, 1, 1), rand())
    check(lambda lib, x: x.unfold(0, 0, 1), rand())
    check(lambda lib, x: x.unfold(1, 2, 1), rand(3, 5, dtype=np.int64))


def test_unfold_is_a_view():
    x = ember.zeros(6)
    w = x.unfold(0, 2, 2)
    w[1, 0] = 5.0
    assert x.tolist() == [0, 0, 5, 0, 0, 0] and w.stride() == (2, 1)
    a = ember.rand(6, requires_grad=True)
    b = a * 1
    b.unfold(0, 3, 3).mul_(2)
    b.sum().backward()
    assert a.grad.tolist() == [2.0] * 6


def test_unfold_gradcheck():
    x = ember.tensor(np.random.default_rng(0).standard_normal((3, 7)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: t.unfold(1, 3, 2), (x,))
    assert ember.autograd.gradgradcheck(lambda t: t.unfold(1, 3, 1) ** 2, (x,))


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.unfold(1, 6, 1), lambda lib, x: x.unfold(1, 2, 0), lambda lib, x: x.unfold(2, 2, 1),
    lambda lib, x: x[0, 0].unfold(0, 2, 1), lambda lib, x: x.unfold(1, -1, 1),
])
def test_unfold_errors(fn):
    check_error(fn, rand(3, 5))
