"""Pooling primitives (ember/ops/pool.py) through nn.functional, against torch: values,
indices, gradients, every option (padding, dilation, ceil_mode, count_include_pad,
divisor_override), adaptive pools, float64 finite differences, NaN, errors."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from helpers import check, check_error, rand


def F_(lib):
    return lib.nn.functional


def distinct(*shape, dtype=np.float32, seed=1):
    """Values without ties (max pooling gradients are then unambiguous)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) / 7.0 - n / 14.0).astype(dtype)


def t64(*shape, seed=0):
    return ember.tensor(distinct(*shape, dtype=np.float64, seed=seed), requires_grad=True)


MAX_OPTIONS = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), dilation=2, padding=1),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=2, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=2, padding=(1, 0), dilation=(1, 2), ceil_mode=True),
]


@pytest.mark.parametrize("opts", MAX_OPTIONS)
def test_max_pool2d_values_indices_grads(opts):
    check(lambda lib, x: F_(lib).max_pool2d(x, return_indices=True, **opts), distinct(2, 3, 9, 8))


def test_max_pool_1d_3d_unbatched_and_float64():
    check(lambda lib, x: F_(lib).max_pool1d(x, 3, 2, 1, return_indices=True), distinct(2, 3, 9))
    check(lambda lib, x: F_(lib).max_pool1d(x, 2, ceil_mode=True), distinct(3, 7))
    check(lambda lib, x: F_(lib).max_pool2d(x, 2), distinct(3, 8, 8))
    check(lambda lib, x: F_(lib).max_pool3d(x, 2, 1, 1, return_indices=True), distinct(2, 2, 5, 4, 5))
    check(lambda lib, x: F_(lib).max_pool2d(x, 3, 2, 1), distinct(2, 2, 7, 7, dtype=np.float64))


def test_max_pool_ties_go_to_the_first_maximum():
    x = np.zeros((1, 1, 4, 4), np.float32)
    check(lambda lib, x: F_(lib).max_pool2d(x, 2, return_indices=True), x)
    check(lambda lib, x: F_(lib).max_pool2d(x, 3, 1, 1, return_indices=True), np.ones((1, 2, 5, 5), np.float32))


def test_max_pool_nan_and_inf_propagate():
    x = distinct(1, 1, 4, 4)
    x[0, 0, 1, 1] = np.nan
    x[0, 0, 3, 2] = np.inf
    e = F.max_pool2d(ember.tensor(x), 2, return_indices=True)
    t = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(e[0].numpy(), t[0].numpy())
    np.testing.assert_array_equal(e[1].numpy(), t[1].numpy())


def test_max_pool_non_contiguous_input_and_grad_fn():
    x = distinct(2, 3, 8, 12)
    check(lambda lib, x: F_(lib).max_pool2d(x[..., ::2].transpose(2, 3), 2, 1), x)
    y = F.max_pool2d(ember.tensor(x, requires_grad=True), 2)
    assert y.grad_fn.name() == "MaxPool2DWithIndicesBackward0"


@pytest.mark.parametrize("opts", [o for o in MAX_OPTIONS if "dilation" not in o])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(opts, count_include_pad):
    check(lambda lib, x: F_(lib).avg_pool2d(x, count_include_pad=count_include_pad, **opts), rand(2, 3, 9, 8))


@pytest.mark.parametrize("opts", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)])
def test_avg_pool2d_divisor_override(opts):
    check(lambda lib, x: F_(lib).avg_pool2d(x, divisor_override=5, **opts), rand(2, 3, 9, 8))


def test_avg_pool_1d_3d_unbatched():
    check(lambda lib, x: F_(lib).avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), rand(2, 3, 10))
    check(lambda lib, x: F_(lib).avg_pool1d(x, 2), rand(3, 7))
    check(lambda lib, x: F_(lib).avg_pool2d(x, 2, 1), rand(3, 5, 5))
    check(lambda lib, x: F_(lib).avg_pool3d(x, 2, 2, 1), rand(1, 2, 5, 4, 5))


def test_avg_pool_integer_input():
    x = np.arange(-20, 12, dtype=np.int64).reshape(1, 2, 4, 4)
    check(lambda lib, x: F_(lib).avg_pool2d(x, 3, 1, 1), x, grad=False)


@pytest.mark.parametrize("out", [3, (4, 5), (None, 2), 1, (9, 4), (2, 8)])
def test_adaptive_pools_2d(out):
    check(lambda lib, x: F_(lib).adaptive_avg_pool2d(x, out), rand(2, 3, 9, 8))
    check(lambda lib, x: F_(lib).adaptive_max_pool2d(x, out, return_indices=True), distinct(2, 3, 9, 8))


def test_adaptive_pools_1d_unbatched_and_larger_output():
    check(lambda lib, x: F_(lib).adaptive_avg_pool1d(x, 4), rand(2, 3, 9))
    check(lambda lib, x: F_(lib).adaptive_max_pool1d(x, 4, return_indices=True), distinct(2, 3, 9))
    check(lambda lib, x: F_(lib).adaptive_avg_pool2d(x, (3, 5)), rand(3, 7, 6))
    check(lambda lib, x: F_(lib).adaptive_max_pool2d(x, 4), distinct(3, 7, 6))
    check(lambda lib, x: F_(lib).adaptive_avg_pool2d(x, (6, 5)), rand(1, 2, 4, 3))  # output larger than input
    check(lambda lib, x: F_(lib).adaptive_max_pool2d(x, (6, 5)), distinct(1, 2, 4, 3))


def test_lp_pool():
    check(lambda lib, x: F_(lib).lp_pool2d(x, 2, 3, 2), rand(2, 3, 9, 8, low=0.1))
    check(lambda lib, x: F_(lib).lp_pool2d(x, 3, (2, 3), ceil_mode=True), rand(2, 3, 9, 8, low=0.1), rtol=1e-3)
    check(lambda lib, x: F_(lib).lp_pool1d(x, 1.5, 2), rand(2, 3, 9, low=0.1), rtol=1e-3)


# ---------------------------------------------------------------- finite differences (float64)
@pytest.mark.parametrize("opts", MAX_OPTIONS[:5])
def test_max_pool_gradcheck(opts):
    x = t64(1, 2, 7, 6)
    assert gradcheck(lambda x: F.max_pool2d(x, **opts), (x,))


def test_max_pool_second_derivative():
    x = t64(1, 2, 6, 6)
    assert gradgradcheck(lambda x: F.max_pool2d(x, 3, 2, 1) ** 2, (x,))
    assert gradgradcheck(lambda x: F.max_pool1d(x, 2) ** 2, (t64(1, 2, 6),))


@pytest.mark.parametrize("opts", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                                count_include_pad=False),
                                  dict(kernel_size=(2, 3), stride=1, padding=(1, 1), divisor_override=4)])
def test_avg_pool_gradcheck(opts):
    x = t64(1, 2, 7, 6)
    assert gradcheck(lambda x: F.avg_pool2d(x, **opts), (x,))
    assert gradgradcheck(lambda x: F.avg_pool2d(x, **opts) ** 2, (x,))


def test_adaptive_pool_gradcheck():
    x = t64(1, 2, 7, 6)
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 4)), (x,))
    assert gradcheck(lambda x: F.adaptive_max_pool2d(x, (3, 4)), (x,))
    assert gradcheck(lambda x: F.adaptive_avg_pool1d(x, 4), (t64(1, 2, 9),))


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("fn,shape,match", [
    (lambda lib, x: F_(lib).max_pool2d(x, 2), (3, 3), "3D or 4D"),
    (lambda lib, x: F_(lib).max_pool2d(x, 3, padding=2), (1, 2, 8, 8), "at most half"),
    (lambda lib, x: F_(lib).max_pool2d(x, 3), (1, 1, 2, 2), "Output size is too small"),
    (lambda lib, x: F_(lib).max_pool2d(x, 2, stride=0), (1, 1, 4, 4), "stride should not be zero"),
    (lambda lib, x: F_(lib).max_pool2d(x, (2, 2, 2)), (1, 1, 4, 4), "kernel_size"),
    (lambda lib, x: F_(lib).max_pool1d(x, 2), (3,), "2D or 3D"),
    (lambda lib, x: F_(lib).avg_pool2d(x, 3, padding=2), (1, 2, 8, 8), "at most half"),
    (lambda lib, x: F_(lib).avg_pool2d(x, 3), (1, 1, 2, 2), "Output size is too small"),
    (lambda lib, x: F_(lib).avg_pool2d(x, 2, 0), (1, 1, 4, 4), "stride should not be zero"),
    (lambda lib, x: F_(lib).adaptive_avg_pool2d(x, 2), (3,), "3D or 4D"),
    (lambda lib, x: F_(lib).adaptive_max_pool2d(x, 2), (3,), "3D or 4D"),
    (lambda lib, x: F_(lib).adaptive_avg_pool2d(x, (-1, 2)), (1, 2, 4, 4), "greater than or equal to 0"),
    (lambda lib, x: F_(lib).adaptive_avg_pool1d(x, 2), (3,), "dimensions"),
])
def test_pool_errors(fn, shape, match):
    check_error(fn, rand(*shape), match=match)
