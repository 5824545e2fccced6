"""Normalization layers against torch.nn: train and eval outputs and gradients, running
statistics over several steps (momentum, cumulative average), buffers and state_dict
keys, lazy batch norm, reprs, default parameters, errors."""
import numpy as np
import pytest
import torch

import ember
from helpers import rand

RNG = np.random.default_rng(7)


def pair(make):
    t = make(torch.nn)
    e = make(ember.nn)
    with torch.no_grad():  # non-trivial affine parameters
        for p in t.parameters():
            p.copy_(torch.tensor(RNG.uniform(0.5, 1.5, tuple(p.shape)).astype(np.float32)))
    e.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return e, t


def step(e, t, x, atol=1e-4):
    """One forward/backward in both; compare output, input and parameter gradients."""
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ey, ty = e(ex), t(tx)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), atol=atol, rtol=1e-4)
    assert str(ey.dtype) == str(ty.dtype)
    g = RNG.standard_normal(tuple(ty.shape)).astype(x.dtype)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), atol=atol, rtol=1e-4)
    tp = dict(t.named_parameters())
    for name, p in e.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=atol, rtol=1e-4, err_msg=name)


def same_buffers(e, t):
    tb = dict(t.named_buffers())
    eb = dict(e.named_buffers())
    assert list(eb) == list(tb)
    for k, v in tb.items():
        assert str(eb[k].dtype) == str(v.dtype), k
        np.testing.assert_allclose(eb[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.BatchNorm1d(3), (8, 3)),
    (lambda nn: nn.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
    (lambda nn: nn.BatchNorm2d(3), (4, 3, 5, 6)),
    (lambda nn: nn.BatchNorm2d(3, momentum=None), (4, 3, 5, 6)),
    (lambda nn: nn.BatchNorm2d(3, affine=False, eps=1e-3), (4, 3, 5, 6)),
    (lambda nn: nn.BatchNorm2d(3, bias=False), (4, 3, 2, 2)),
    (lambda nn: nn.BatchNorm3d(3), (2, 3, 2, 3, 4)),
])
def test_batch_norm_train_steps_then_eval(make, shape):
    e, t = pair(make)
    for _ in range(3):
        step(e, t, rand(*shape))
        same_buffers(e, t)
    e.eval()
    t.eval()
    step(e, t, rand(*shape))
    same_buffers(e, t)


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval():
    e, t = pair(lambda nn: nn.BatchNorm2d(3, track_running_stats=False))
    assert e.running_mean is None and e.num_batches_tracked is None
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight", "bias"]
    step(e, t, rand(4, 3, 3, 3))
    e.eval()
    t.eval()
    step(e, t, rand(4, 3, 3, 3))


def test_batch_norm_buffers_and_state_dict():
    e, t = ember.nn.BatchNorm2d(6), torch.nn.BatchNorm2d(6)
    assert list(e.state_dict()) == list(t.state_dict()) == \
        ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert e.num_batches_tracked.dtype == ember.int64 and e.num_batches_tracked.item() == 0
    assert [n for n, _ in e.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(e.weight.detach().numpy(), np.ones(6, np.float32))
    np.testing.assert_array_equal(e.bias.detach().numpy(), np.zeros(6, np.float32))
    e(ember.tensor(rand(4, 6, 3, 3)))
    e(ember.tensor(rand(4, 6, 3, 3)))
    assert e.num_batches_tracked.item() == 2
    e.reset_running_stats()
    assert e.num_batches_tracked.item() == 0 and float(e.running_var.sum()) == 6.0
    # an old checkpoint without num_batches_tracked still loads
    sd = {k: v for k, v in e.state_dict().items() if k != "num_batches_tracked"}
    e.load_state_dict(sd)


def test_batch_norm_in_sequential_train_eval_switch():
    def make(nn):
        return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                             nn.Linear(4 * 25, 3), nn.BatchNorm1d(3))
    e, t = pair(make)
    for _ in range(2):
        step(e, t, rand(5, 2, 5, 5))
    same_buffers(e, t)
    e.eval()
    t.eval()
    step(e, t, rand(5, 2, 5, 5))


def test_lazy_batch_norm():
    e = ember.nn.LazyBatchNorm2d()
    t = torch.nn.LazyBatchNorm2d()
    assert repr(e) == repr(t)
    x = rand(4, 5, 3, 3)
    ey = e(ember.tensor(x))
    ty = t(torch.tensor(x))
    assert type(e) is ember.nn.BatchNorm2d and e.num_features == 5
    assert repr(e) == repr(t)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), atol=1e-5)
    same_buffers(e, t)
    lazy = ember.nn.LazyBatchNorm2d()
    lazy.load_state_dict(e.state_dict())
    np.testing.assert_allclose(lazy.running_mean.numpy(), e.running_mean.numpy())


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.LayerNorm(6), (4, 6)),
    (lambda nn: nn.LayerNorm((5, 6), eps=1e-3), (2, 3, 5, 6)),
    (lambda nn: nn.LayerNorm(6, elementwise_affine=False), (3, 4, 6)),
    (lambda nn: nn.LayerNorm(6, bias=False), (3, 4, 6)),
    (lambda nn: nn.GroupNorm(2, 6), (4, 6, 3, 3)),
    (lambda nn: nn.GroupNorm(3, 6, affine=False), (4, 6, 5)),
    (lambda nn: nn.GroupNorm(1, 4, bias=False), (4, 4)),
    (lambda nn: nn.InstanceNorm2d(3), (4, 3, 5, 6)),
    (lambda nn: nn.InstanceNorm2d(3, affine=True), (3, 5, 6)),
    (lambda nn: nn.InstanceNorm1d(3, affine=True), (4, 3, 7)),
    (lambda nn: nn.LocalResponseNorm(3), (4, 6, 5, 3)),
    (lambda nn: nn.LocalResponseNorm(4, alpha=0.1, beta=0.5, k=2.0), (4, 6, 5)),
])
def test_other_norm_layers(make, shape):
    e, t = pair(make)
    step(e, t, rand(*shape))
    e.eval()
    t.eval()
    step(e, t, rand(*shape))


def test_instance_norm_tracking_running_stats():
    e, t = pair(lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.2))
    for _ in range(3):
        step(e, t, rand(4, 3, 5, 6))
    same_buffers(e, t)
    e.eval()
    t.eval()
    step(e, t, rand(4, 3, 5, 6))
    lz = ember.nn.LazyInstanceNorm2d()
    lz(ember.tensor(rand(2, 3, 4, 4)))
    assert type(lz) is ember.nn.InstanceNorm2d and lz.num_features == 3


@pytest.mark.parametrize("make", [
    lambda nn: nn.BatchNorm2d(6),
    lambda nn: nn.BatchNorm1d(6, momentum=None, affine=False, track_running_stats=False),
    lambda nn: nn.BatchNorm3d(6, eps=1e-3, bias=False),
    lambda nn: nn.LazyBatchNorm2d(),
    lambda nn: nn.LayerNorm(5),
    lambda nn: nn.LayerNorm((5, 6), elementwise_affine=False, bias=False),
    lambda nn: nn.LayerNorm(5, bias=False),
    lambda nn: nn.GroupNorm(2, 6),
    lambda nn: nn.GroupNorm(3, 6, affine=False),
    lambda nn: nn.InstanceNorm2d(3),
    lambda nn: nn.InstanceNorm1d(3, affine=True, track_running_stats=True),
    lambda nn: nn.LocalResponseNorm(5),
    lambda nn: nn.LocalResponseNorm(2, alpha=0.1, beta=0.5, k=2.0),
])
def test_reprs(make):
    assert repr(make(ember.nn)) == repr(make(torch.nn))


def test_state_dict_keys_of_other_norms():
    for make in (lambda nn: nn.LayerNorm(5, bias=False), lambda nn: nn.GroupNorm(2, 4),
                 lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True)):
        assert list(make(ember.nn).state_dict()) == list(make(torch.nn).state_dict())


def test_errors_match_torch():
    cases = [
        (lambda nn: nn.BatchNorm2d(3), (4, 3, 5)),        # ValueError: expected 4D input
        (lambda nn: nn.BatchNorm1d(3), (4, 3, 5, 5)),     # ValueError: expected 2D or 3D input
        (lambda nn: nn.BatchNorm1d(3), (1, 3)),           # ValueError: more than 1 value per channel
        (lambda nn: nn.BatchNorm2d(3), (2, 4, 3, 3)),     # RuntimeError: running_mean size
        (lambda nn: nn.LayerNorm(6), (2, 5)),             # RuntimeError: normalized_shape
        (lambda nn: nn.GroupNorm(2, 4), (2, 3, 3)),       # RuntimeError: channels
        (lambda nn: nn.InstanceNorm2d(3, affine=True), (2, 4, 3, 3)),  # ValueError: num_features
    ]
    for make, shape in cases:
        with pytest.raises(Exception) as te:
            make(torch.nn)(torch.tensor(rand(*shape)))
        with pytest.raises(Exception) as ee:
            make(ember.nn)(ember.tensor(rand(*shape)))
        base = next(b for b in type(te.value).__mro__ if b.__module__ == "builtins")
        assert isinstance(ee.value, base), (shape, ee.value, te.value)
    with pytest.raises(ValueError):
        ember.nn.GroupNorm(4, 6)
