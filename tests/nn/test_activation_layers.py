"""Activation modules against torch: forward/backward with copied parameters, reprs
for option combinations, PReLU's parameter (init, per-channel gradient), Softmax's
implicit dim warning, train/eval of RReLU."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
from tests.helpers import assert_close, rand

# (class name, args, kwargs)
LAYERS = [("ReLU", (), {}), ("ReLU", (True,), {}), ("ReLU6", (), {}), ("ReLU6", (), {"inplace": True}),
          ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}), ("PReLU", (), {}), ("PReLU", (3, 0.1), {}),
          ("RReLU", (), {}), ("RReLU", (0.1, 0.3, True), {}), ("ELU", (), {}), ("ELU", (0.5, True), {}),
          ("CELU", (), {}), ("CELU", (2.0,), {}), ("SELU", (), {}), ("SELU", (True,), {}), ("GELU", (), {}),
          ("GELU", ("tanh",), {}), ("GELU", (), {"approximate": "none"}), ("SiLU", (), {}), ("SiLU", (True,), {}),
          ("Mish", (), {}), ("Mish", (True,), {}), ("Sigmoid", (), {}), ("Tanh", (), {}), ("Hardtanh", (), {}),
          ("Hardtanh", (-2, 2, True), {}), ("Hardtanh", (), {"min_val": -0.5, "max_val": 0.25}),
          ("Hardswish", (), {}), ("Hardswish", (True,), {}), ("Hardsigmoid", (), {}), ("Hardsigmoid", (True,), {}),
          ("Softplus", (), {}), ("Softplus", (2, 10), {}), ("Softsign", (), {}), ("LogSigmoid", (), {}),
          ("Tanhshrink", (), {}), ("Softshrink", (), {}), ("Softshrink", (1,), {}), ("Hardshrink", (), {}),
          ("Hardshrink", (1.0,), {}), ("Threshold", (0.1, 20), {}), ("Threshold", (0.1, 20.0, True), {}),
          ("GLU", (), {}), ("GLU", (1,), {}), ("Softmax", (1,), {}), ("Softmax", (), {"dim": -1}),
          ("Softmin", (), {"dim": 0}), ("LogSoftmax", (), {"dim": 1}), ("Softmax2d", (), {})]


def ids(c):
    return f"{c[0]}{c[1]}{c[2]}"


@pytest.mark.parametrize("case", LAYERS, ids=ids)
def test_repr(case):
    name, args, kw = case
    assert repr(getattr(enn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


@pytest.mark.parametrize("case", LAYERS, ids=ids)
@pytest.mark.parametrize("train", [True, False])
def test_forward_backward(case, train):
    name, args, kw = case
    if name == "RReLU" and train:
        return  # random slopes: see test_rrelu_train
    em, tm = getattr(enn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    em.train(train)
    tm.train(train)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = rand(2, 4, 4, 4) if name == "GLU" else rand(2, 3, 4, 4)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    # in-place layers need a non-leaf input
    ye, yt = em(xe * 1), tm(xt * 1)
    assert_close(ye, yt, what="output")
    g = np.random.default_rng(3).standard_normal(tuple(yt.shape)).astype(np.float32)
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(xe.grad, xt.grad, what="input grad")
    for (k, pe), (_, pt) in zip(em.named_parameters(), tm.named_parameters()):
        assert_close(pe.grad, pt.grad, what=f"grad of {k}")


def test_prelu_parameter():
    e, t = enn.PReLU(4, init=0.3), torch.nn.PReLU(4, init=0.3)
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight"]
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy())
    assert e.num_parameters == 4 and e.init == 0.3
    assert enn.PReLU(dtype=ember.float64).weight.dtype == ember.float64
    x = rand(5, 4, 3)
    xe, xt = ember.tensor(x), torch.tensor(x)
    e(xe).sum().backward()
    t(xt).sum().backward()
    assert_close(e.weight.grad, t.weight.grad)
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size"):
        e(ember.randn(2, 3))


def test_rrelu_train():
    ember.manual_seed(0)
    m = enn.RReLU(0.1, 0.3)
    x = ember.tensor(-np.ones((200, 50), np.float32))
    y = m(x).numpy()
    assert y.min() >= -0.3 - 1e-6 and y.max() <= -0.1 + 1e-6
    assert abs(y.mean() + 0.2) < 0.01  # slopes ~ U(0.1, 0.3)
    m.eval()
    np.testing.assert_allclose(m(x).numpy(), -0.2, rtol=1e-6)


def test_softmax_dim_none_warns_like_torch():
    x = rand(2, 3, 4)
    e = enn.Softmax()
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ye = e(ember.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yt = torch.nn.Softmax()(torch.tensor(x))
    np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=1e-5, atol=1e-7)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        enn.LogSoftmax()(ember.tensor(x))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        enn.Softmin()(ember.tensor(x))


def test_inplace_modules_write_through():
    y = ember.randn(3, 4) * 1
    out = enn.ReLU(inplace=True)(y)
    assert out is y and float(y.min()) >= 0


def test_hardtanh_bad_bounds():
    with pytest.raises(AssertionError):
        enn.Hardtanh(1.0, 1.0)
    with pytest.raises(AssertionError):
        torch.nn.Hardtanh(1.0, 1.0)


def test_softmax2d_errors():
    with pytest.raises(ValueError):
        enn.Softmax2d()(ember.randn(2, 3))


def test_in_sequential_print_matches_torch():
    e = enn.Sequential(enn.Linear(4, 8), enn.LeakyReLU(0.1), enn.Linear(8, 8), enn.GELU(), enn.Linear(8, 2),
                       enn.LogSoftmax(dim=-1))
    t = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.LeakyReLU(0.1), torch.nn.Linear(8, 8), torch.nn.GELU(),
                            torch.nn.Linear(8, 2), torch.nn.LogSoftmax(dim=-1))
    assert repr(e) == repr(t)
