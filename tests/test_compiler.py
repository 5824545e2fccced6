"""ember.compile / ember.compiler against torch.compile: the same outward shape, run eagerly."""
import copy

import numpy as np
import pytest
import torch

import ember
from ember import nn


def _pair():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    em = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, em


def test_compiled_module_has_torchs_shape_and_outputs():
    tm, em = _pair()
    tc, ec = torch.compile(tm), ember.compile(em)
    assert type(ec).__name__ == type(tc).__name__ == "OptimizedModule"
    assert ec._orig_mod is em
    assert list(ec.state_dict()) == list(tc.state_dict())  # '_orig_mod.0.weight', ...
    # attributes fall through to the model (dunders such as indexing do not, in PyTorch either)
    assert getattr(ec, "0") is em[0] and ec.training
    with pytest.raises(TypeError):
        tc[0]
    with pytest.raises(TypeError):
        ec[0]
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ec(ember.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    ec.eval()
    assert not em.training  # train/eval reach the wrapped model
    assert repr(ec).startswith("OptimizedModule(\n  (_orig_mod): Sequential(")


def test_compiled_module_trains_and_round_trips():
    _, em = _pair()
    ec = ember.compile(em, mode="reduce-overhead")
    opt = ember.optim.SGD(ec.parameters(), lr=0.1)
    x, y = ember.randn(8, 3), ember.randn(8, 2)
    before = em[0].weight.detach().clone()
    loss = ((ec(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    assert not ember.equal(before, em[0].weight)  # the model's own parameters were trained
    again = ember.compile(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    again.load_state_dict(ec.state_dict())
    assert ember.equal(again._orig_mod[0].weight, em[0].weight)
    assert copy.deepcopy(ec)._orig_mod[0].weight is not em[0].weight


def test_functions_decorators_and_disable():
    def f(x):
        return x + 1
    assert ember.compile(f) is f
    assert ember.compile(fullgraph=True)(f) is f
    m = nn.Linear(2, 2)
    assert ember.compile(m, disable=True) is m and torch.compile(torch.nn.Linear(2, 2), disable=True) is not None
    assert ember.compiler.disable(f) is f and ember.compiler.disable()(f) is f
    assert ember.compiler.is_compiling() is torch.compiler.is_compiling() is False
    ember.compiler.reset()


@pytest.mark.parametrize("kwargs", [{"mode": "fastest"}, {"mode": "default", "options": {}}])
def test_argument_errors_match_torch(kwargs):
    with pytest.raises(RuntimeError) as want:
        torch.compile(torch.nn.Linear(2, 2), **kwargs)
    with pytest.raises(RuntimeError) as got:
        ember.compile(nn.Linear(2, 2), **kwargs)
    assert str(got.value) == str(want.value)


def test_non_callable_is_refused_as_torch_does():
    with pytest.raises(AssertionError) as want:
        torch.compile(3)
    with pytest.raises(AssertionError) as got:
        ember.compile(3)
    assert str(got.value) == str(want.value)
