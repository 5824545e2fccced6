"""nn.utils.weight_norm / remove_weight_norm (hook-based) and norm_except_dim against
torch: parameter names and shapes, values, gradients, training steps, errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from _twins import assert_grads_equal, assert_state_equal, copy_state, run_both
from helpers import rand


def twins(make, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        t = torch.nn.utils.weight_norm(make(torch.nn), **kw)
        e = ember.nn.utils.weight_norm(make(ember.nn), **kw)
    copy_state(e, t)
    return e, t


CASES = [
    (lambda nn: nn.Linear(5, 4), {}, (3, 5)),
    (lambda nn: nn.Linear(5, 4), {"dim": None}, (3, 5)),
    (lambda nn: nn.Linear(5, 4), {"dim": 1}, (3, 5)),
    (lambda nn: nn.Conv2d(3, 4, 3), {}, (2, 3, 6, 6)),
    (lambda nn: nn.Conv2d(3, 4, 3), {"dim": 1}, (2, 3, 6, 6)),
    (lambda nn: nn.Conv2d(3, 4, 3), {"dim": -2}, (2, 3, 6, 6)),
    (lambda nn: nn.ConvTranspose1d(3, 2, 3), {"dim": 2}, (2, 3, 5)),
    (lambda nn: nn.Linear(5, 4, bias=False), {"name": "weight", "dim": -1}, (3, 5)),
]


@pytest.mark.parametrize("make,kw,xshape", CASES)
def test_weight_norm_matches_torch(make, kw, xshape):
    e, t = twins(make, **kw)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert tuple(e.weight_g.shape) == tuple(t.weight_g.shape)
    assert isinstance(e.weight, ember.Tensor) and not isinstance(e.weight, ember.nn.Parameter)
    assert repr(e) == repr(t)
    run_both(e, t, rand(*xshape))
    assert_grads_equal(e, t)


def test_weight_norm_initial_g_is_the_norm():
    lin = ember.nn.Linear(5, 4)
    w = lin.weight.detach().numpy().copy()
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        ember.nn.utils.weight_norm(lin)
    np.testing.assert_allclose(lin.weight_g.detach().numpy(), np.linalg.norm(w, axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(lin.weight.detach().numpy(), w, rtol=1e-6, atol=1e-7)


def test_weight_norm_training_follows_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        e, t = [lib.nn.Sequential(lib.nn.utils.weight_norm(lib.nn.Linear(4, 6)), lib.nn.Tanh(),
                                  lib.nn.utils.weight_norm(lib.nn.Linear(6, 2), dim=None)) for lib in (ember, torch)]
    copy_state(e, t)
    eo, to = ember.optim.SGD(e.parameters(), lr=0.3), torch.optim.SGD(t.parameters(), lr=0.3)
    x, y = rand(8, 4), rand(8, 2)
    for _ in range(4):
        eo.zero_grad(), to.zero_grad()
        ember.nn.functional.mse_loss(e(ember.tensor(x)), ember.tensor(y)).backward()
        torch.nn.functional.mse_loss(t(torch.tensor(x)), torch.tensor(y)).backward()
        eo.step(), to.step()
    assert_state_equal(e, t, rtol=1e-4, atol=1e-5)


def test_weight_norm_inside_a_sequential():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        t = torch.nn.Sequential(torch.nn.utils.weight_norm(torch.nn.Linear(4, 6)), torch.nn.ReLU())
        e = ember.nn.Sequential(ember.nn.utils.weight_norm(ember.nn.Linear(4, 6)), ember.nn.ReLU())
    assert list(e.state_dict()) == list(t.state_dict()) == ["0.bias", "0.weight_g", "0.weight_v"]


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_remove_weight_norm(dim):
    e, t = twins(lambda nn: nn.Linear(3, 4), dim=dim)
    x = rand(2, 3)
    run_both(e, t, x)
    ember.nn.utils.remove_weight_norm(e)
    torch.nn.utils.remove_weight_norm(t)
    assert isinstance(e.weight, ember.nn.Parameter)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()] == ["bias", "weight"]
    assert not e._forward_pre_hooks
    assert_state_equal(e, t)
    run_both(e, t, x)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_weight_norm_errors():
    e, t = twins(lambda nn: nn.Linear(3, 4))
    for lib, m in ((ember, e), (torch, t)):
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
            lib.nn.utils.weight_norm(m)
        with pytest.raises(ValueError, match="weight_norm of 'bias' not found in"):
            lib.nn.utils.remove_weight_norm(m, "bias")
    with pytest.raises(ValueError, match="uninitialized parameters"):
        ember.nn.utils.weight_norm(ember.nn.LazyLinear(3))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2, -3])
def test_norm_except_dim(dim):
    from ember.nn.utils.weight_norm import norm_except_dim
    x = rand(3, 4, 5, dtype=np.float64)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = norm_except_dim(xe, 2, dim), torch.norm_except_dim(xt, 2, dim)
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
