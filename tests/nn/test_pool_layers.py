"""Pooling layers against torch.nn: outputs, indices, gradients, options, reprs and
attribute defaults (stride = kernel_size)."""
import numpy as np
import pytest
import torch

import ember
from helpers import rand


def distinct(*shape, seed=3):
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) / 5.0).astype(np.float32)


def run(make, x):
    """Forward + backward of the same layer in both frameworks; compare everything."""
    e, t = make(ember.nn), make(torch.nn)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    eo, to = e(ex), t(tx)
    eo = eo if isinstance(eo, tuple) else (eo,)
    to = to if isinstance(to, tuple) else (to,)
    for a, b in zip(eo, to):
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(0).standard_normal(tuple(to[0].shape)).astype(np.float32)
    eo[0].backward(ember.tensor(g))
    to[0].backward(torch.tensor(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda nn: nn.MaxPool2d(2),
    lambda nn: nn.MaxPool2d(3, stride=2, padding=1),
    lambda nn: nn.MaxPool2d((2, 3), stride=1, dilation=(2, 1), return_indices=True),
    lambda nn: nn.MaxPool2d(3, 2, ceil_mode=True),
    lambda nn: nn.MaxPool1d(3, 2, 1, return_indices=True),
    lambda nn: nn.AdaptiveMaxPool2d((3, 2), return_indices=True),
    lambda nn: nn.AdaptiveMaxPool1d(3),
])
def test_max_pool_layers(make):
    shape = (2, 3, 9, 8) if "1d" not in repr(make(torch.nn)).lower() else (2, 3, 9)
    run(make, distinct(*shape))


@pytest.mark.parametrize("make", [
    lambda nn: nn.AvgPool2d(2),
    lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda nn: nn.AvgPool2d((2, 3), divisor_override=3),
    lambda nn: nn.AvgPool1d(3, 2, 1),
    lambda nn: nn.AdaptiveAvgPool2d((None, 3)),
    lambda nn: nn.AdaptiveAvgPool2d(1),
    lambda nn: nn.AdaptiveAvgPool1d(4),
    lambda nn: nn.LPPool2d(2, 3, stride=2),
    lambda nn: nn.LPPool1d(2, 3),
])
def test_avg_pool_layers(make):
    shape = (2, 3, 9, 8) if "1d" not in repr(make(torch.nn)).lower() else (2, 3, 9)
    run(make, rand(*shape, low=0.1))


@pytest.mark.parametrize("make", [
    lambda nn: nn.MaxPool2d(2),
    lambda nn: nn.MaxPool2d((2, 3), stride=1, return_indices=True),
    lambda nn: nn.MaxPool2d(3, 2, 1, 2, ceil_mode=True),
    lambda nn: nn.MaxPool1d(3),
    lambda nn: nn.MaxPool3d(2),
    lambda nn: nn.AvgPool2d(2),
    lambda nn: nn.AvgPool2d(3, 2, 1, True, False, 4),
    lambda nn: nn.AvgPool1d(3),
    lambda nn: nn.AvgPool3d(2, 1),
    lambda nn: nn.AdaptiveAvgPool2d((None, 3)),
    lambda nn: nn.AdaptiveAvgPool2d((1, 1)),
    lambda nn: nn.AdaptiveMaxPool2d(3),
    lambda nn: nn.AdaptiveAvgPool1d(2),
    lambda nn: nn.LPPool2d(2, 3),
])
def test_reprs_and_attributes(make):
    e, t = make(ember.nn), make(torch.nn)
    assert repr(e) == repr(t)
    for name in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices", "count_include_pad",
                 "divisor_override", "output_size"):
        if hasattr(t, name):
            assert getattr(e, name) == getattr(t, name), name


def test_pool_layers_have_no_parameters_and_work_in_eval():
    m = ember.nn.MaxPool2d(2)
    assert list(m.parameters()) == [] and list(m.state_dict()) == []
    m.eval()
    run(lambda nn: nn.Sequential(nn.MaxPool2d(2), nn.AvgPool2d(2)).eval(), distinct(1, 2, 8, 8))


def test_pool_forward_errors():
    for lib in (torch, ember):
        with pytest.raises(RuntimeError):
            lib.nn.MaxPool2d(3)(lib.tensor(rand(1, 1, 2, 2)))
        with pytest.raises(RuntimeError):
            lib.nn.AvgPool2d(3, padding=2)(lib.tensor(rand(1, 1, 8, 8)))
