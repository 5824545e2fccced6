"""nn.init: the distributions and formulas of torch.nn.init, checked statistically and exactly."""
import math

import numpy as np
import pytest
import torch

import ember
from ember.nn import init


def pair(*shape):
    return ember.empty(*shape) if hasattr(ember, "empty") else ember.tensor(np.zeros(shape, np.float32)), \
        torch.empty(*shape)


@pytest.mark.parametrize("nl,param", [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                                      ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain(nl, param):
    assert init.calculate_gain(nl, param) == pytest.approx(torch.nn.init.calculate_gain(nl, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError):
        init.calculate_gain("nope")
    with pytest.raises(ValueError):
        init.calculate_gain("leaky_relu", "x")


def moments(t):
    a = np.asarray(t.detach().numpy(), dtype=np.float64)
    return a.mean(), a.std(), a.min(), a.max()


@pytest.mark.parametrize("fn,kwargs,shape", [
    ("uniform_", dict(a=-3, b=5), (400, 250)),
    ("normal_", dict(mean=1, std=0.5), (400, 250)),
    ("xavier_uniform_", dict(gain=2.0), (300, 200)),
    ("xavier_normal_", dict(), (300, 200)),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), (256, 64, 3, 3)),
    ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu"), (128, 64, 3, 3)),
    ("trunc_normal_", dict(mean=0.5, std=1.0, a=-1.0, b=2.0), (300, 300)),
])
def test_distributions_match_torch(fn, kwargs, shape):
    e, t = pair(*shape)
    torch.manual_seed(0)
    getattr(init, fn)(e, **kwargs)
    getattr(torch.nn.init, fn)(t, **kwargs)
    em, es, emin, emax = moments(e)
    tm, ts, tmin, tmax = moments(t)
    assert e.dtype is ember.float32
    assert abs(em - tm) < 0.02 * max(1.0, ts) + 3 * ts / math.sqrt(e.numel())
    assert abs(es - ts) / ts < 0.02
    if fn in ("uniform_", "xavier_uniform_", "kaiming_uniform_", "trunc_normal_"):
        assert abs(emin - tmin) / ts < 0.05 and abs(emax - tmax) / ts < 0.05


def test_constant_ones_zeros_eye_dirac_orthogonal():
    e, t = pair(3, 4)
    init.constant_(e, 42)
    assert e.tolist() == [[42.0] * 4] * 3
    init.ones_(e)
    assert float(e.sum()) == 12
    init.zeros_(e)
    assert float(e.sum()) == 0
    init.eye_(e)
    assert e.tolist() == torch.nn.init.eye_(t).tolist()
    e, t = pair(6, 2, 3, 3)
    init.dirac_(e, groups=2)
    torch.nn.init.dirac_(t, groups=2)
    assert e.tolist() == t.tolist()
    e, _ = pair(5, 8)
    init.orthogonal_(e, gain=2)
    m = e.numpy().astype(np.float64)
    np.testing.assert_allclose(m @ m.T, 4 * np.eye(5), atol=1e-5)
    with pytest.raises(ValueError):
        init.xavier_uniform_(ember.tensor([1.0, 2.0]))
    with pytest.raises(ValueError):
        init.kaiming_uniform_(pair(3, 3)[0], mode="fan_up")


def test_init_on_parameter_keeps_grad_flag_and_no_history():
    p = ember.nn.Parameter(ember.tensor(np.zeros((3, 3), np.float32)))
    out = init.normal_(p, std=0.01)
    assert out is p and p.requires_grad and p.grad_fn is None and p.is_leaf


def test_seeded_init_is_reproducible():
    a, _ = pair(10, 10)
    b, _ = pair(10, 10)
    ember.manual_seed(5)
    init.xavier_uniform_(a)
    ember.manual_seed(5)
    init.xavier_uniform_(b)
    assert a.tolist() == b.tolist()
