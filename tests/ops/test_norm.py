"""Normalization primitives (ember/ops/norm.py) through nn.functional, against torch:
batch/instance/layer/group norm and local response norm -- values, gradients of
input, weight and bias, running-statistics updates, float64 finite differences
(first and second order), dtypes, errors."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from helpers import check, check_error, rand


def F_(lib):
    return lib.nn.functional


def t64(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


# ---------------------------------------------------------------- batch norm
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (4, 3, 5, 6), (2, 3, 2, 3, 4)])
def test_batch_norm_training(shape):
    check(lambda lib, x, w, b: F_(lib).batch_norm(x, None, None, w, b, training=True), rand(*shape), rand(3),
          rand(3), atol=1e-4)
    check(lambda lib, x: F_(lib).batch_norm(x, None, None, training=True, eps=1e-3), rand(*shape), atol=1e-4)


def test_batch_norm_weight_only_and_bias_only():
    check(lambda lib, x, w: F_(lib).batch_norm(x, None, None, w, None, training=True), rand(4, 3, 5), rand(3),
          atol=1e-4)
    check(lambda lib, x, b: F_(lib).batch_norm(x, None, None, None, b, training=True), rand(4, 3, 5), rand(3),
          atol=1e-4)


def test_batch_norm_eval_uses_running_stats():
    rm, rv = rand(3), rand(3, low=0.5)
    check(lambda lib, x, w, b: F_(lib).batch_norm(x, lib.tensor(rm), lib.tensor(rv), w, b, training=False),
          rand(4, 3, 5, 2), rand(3), rand(3))
    check(lambda lib, x: F_(lib).batch_norm(x, lib.tensor(rm), lib.tensor(rv)), rand(4, 3))


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0])
def test_batch_norm_running_stats_after_several_steps(momentum):
    er, ev = ember.zeros(3), ember.ones(3)
    tr, tv = torch.zeros(3), torch.ones(3)
    for step in range(4):
        x = rand(5, 3, 4, 2)
        F.batch_norm(ember.tensor(x), er, ev, training=True, momentum=momentum)
        torch.nn.functional.batch_norm(torch.tensor(x), tr, tv, training=True, momentum=momentum)
        np.testing.assert_allclose(er.numpy(), tr.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-5, atol=1e-6)  # unbiased variance
    assert er.dtype == ember.float32 and ev.dtype == ember.float32


def test_batch_norm_float64_and_no_grad_path():
    check(lambda lib, x, w, b: F_(lib).batch_norm(x, None, None, w, b, training=True),
          rand(4, 3, 5, dtype=np.float64), rand(3, dtype=np.float64), rand(3, dtype=np.float64))
    with ember.no_grad():
        y = F.batch_norm(ember.tensor(rand(4, 3, 5)), None, None, training=True)
    assert y.dtype == ember.float32 and y._data.dtype == np.float32


def test_batch_norm_gradcheck():
    x, w, b = t64(4, 3, 2, 3), t64(3, seed=1), t64(3, seed=2)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
    rm, rv = ember.tensor(np.zeros(3)), ember.tensor(np.ones(3) * 2)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b))


def test_batch_norm_grad_fn_name():
    y = F.batch_norm(ember.tensor(rand(4, 3), requires_grad=True), None, None, training=True)
    assert y.grad_fn.name() == "NativeBatchNormBackward0"


def test_batch_norm_errors():
    check_error(lambda lib, x: F_(lib).batch_norm(x, lib.zeros(3), lib.ones(3), training=True), rand(1, 3),
                match="more than 1 value per channel")
    check_error(lambda lib, x: F_(lib).batch_norm(x, lib.zeros(5), lib.ones(5), training=True), rand(4, 3),
                match="running_mean should contain 3 elements not 5")


# ---------------------------------------------------------------- instance norm
def test_instance_norm():
    check(lambda lib, x, w, b: F_(lib).instance_norm(x, weight=w, bias=b), rand(4, 3, 5, 6), rand(3), rand(3),
          atol=1e-4)
    check(lambda lib, x: F_(lib).instance_norm(x), rand(2, 3, 7), atol=1e-4)


def test_instance_norm_running_stats_and_eval():
    er, ev = ember.zeros(3), ember.ones(3)
    tr, tv = torch.zeros(3), torch.ones(3)
    for _ in range(3):
        x = rand(4, 3, 5, 6)
        F.instance_norm(ember.tensor(x), er, ev, momentum=0.2)
        torch.nn.functional.instance_norm(torch.tensor(x), tr, tv, momentum=0.2)
    np.testing.assert_allclose(er.numpy(), tr.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-5, atol=1e-6)
    rm, rv = tr.numpy(), tv.numpy()
    check(lambda lib, x: F_(lib).instance_norm(x, lib.tensor(rm), lib.tensor(rv), use_input_stats=False),
          rand(2, 3, 4, 4))


def test_instance_norm_gradcheck_and_errors():
    x, w, b = t64(2, 3, 4, 3), t64(3, seed=1), t64(3, seed=2)
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (x, w, b))
    check_error(lambda lib, x: F_(lib).instance_norm(x), rand(2, 3, 1), match="more than 1 spatial element")


# ---------------------------------------------------------------- layer norm
@pytest.mark.parametrize("shape,ns", [((4, 6), (6,)), ((2, 3, 5, 6), (5, 6)), ((3, 4, 5), (3, 4, 5))])
def test_layer_norm(shape, ns):
    check(lambda lib, x, w, b: F_(lib).layer_norm(x, ns, w, b), rand(*shape), rand(*ns), rand(*ns), atol=1e-4)
    check(lambda lib, x: F_(lib).layer_norm(x, ns, eps=1e-2), rand(*shape), atol=1e-4)
    check(lambda lib, x, w: F_(lib).layer_norm(x, ns, w), rand(*shape), rand(*ns), atol=1e-4)


def test_layer_norm_non_contiguous_and_float64():
    check(lambda lib, x, w, b: F_(lib).layer_norm(x.transpose(0, 1), (4,), w, b), rand(4, 3, 4), rand(4), rand(4),
          atol=1e-4)
    check(lambda lib, x: F_(lib).layer_norm(x, (5,)), rand(3, 5, dtype=np.float64))


def test_layer_norm_gradcheck_and_second_order():
    x, w, b = t64(3, 2, 4), t64(2, 4, seed=1), t64(2, 4, seed=2)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (2, 4), w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (2, 4), w, b), (x, w, b))


def test_layer_norm_errors():
    check_error(lambda lib, x: F_(lib).layer_norm(x, (7,)), rand(2, 3, 8), match="normalized_shape")
    check_error(lambda lib, x: F_(lib).layer_norm(x, (8,), lib.ones(7)), rand(2, 3, 8))


# ---------------------------------------------------------------- group norm
@pytest.mark.parametrize("shape,g", [((4, 6, 5, 3), 2), ((4, 6), 3), ((2, 6, 7), 6), ((2, 4, 3, 3), 1)])
def test_group_norm(shape, g):
    c = shape[1]
    # groups of 2 elements are ill-conditioned in float32 (x_hat = +-1): looser gradient tolerance
    tol = dict(atol=1e-4, grad_atol=2e-3, grad_rtol=2e-3)
    check(lambda lib, x, w, b: F_(lib).group_norm(x, g, w, b), rand(*shape), rand(c), rand(c), **tol)
    check(lambda lib, x: F_(lib).group_norm(x, g), rand(*shape), **tol)


def test_group_norm_gradcheck_and_errors():
    x, w, b = t64(2, 4, 3, 2), t64(4, seed=1), t64(4, seed=2)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    check_error(lambda lib, x: F_(lib).group_norm(x, 2), rand(2, 3, 8, 8), match="divisible by num_groups")


# ---------------------------------------------------------------- local response norm
@pytest.mark.parametrize("shape,size", [((4, 6, 5, 3), 3), ((4, 6, 5), 4), ((2, 6, 5, 3, 2), 2), ((2, 5, 3, 3), 7)])
def test_local_response_norm(shape, size):
    check(lambda lib, x: F_(lib).local_response_norm(x, size, alpha=0.1, beta=0.75, k=2.0), rand(*shape))


def test_local_response_norm_gradcheck_and_errors():
    x = t64(2, 5, 3, 2)
    assert gradcheck(lambda x: F.local_response_norm(x, 3, alpha=0.5), (x,))
    check_error(lambda lib, x: F_(lib).local_response_norm(x, 3), rand(4, 6), match="3D or higher")
