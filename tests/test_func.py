"""torch.func.functional_call and nn.utils.stateless.functional_call in ember, against
torch: outputs and gradients with replaced parameters/buffers, tied weights, strict
keys, several dicts, restoration of the module afterwards, errors."""
import numpy as np
import pytest
import torch

import ember
from helpers import rand


def net(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Tanh(), lib.nn.Linear(4, 2))


def twins():
    t, e = net(torch), net(ember)
    e.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return e, t


def new_params(lib, module, seed=1):
    rng = np.random.default_rng(seed)
    return {k: lib.tensor(rng.standard_normal(tuple(v.shape)).astype(np.float32), requires_grad=True)
            for k, v in module.named_parameters()}


def test_functional_call_values_gradients_and_restoration():
    e, t = twins()
    pe, pt = new_params(ember, e), new_params(torch, t)
    before = {k: v.detach().numpy().copy() for k, v in e.state_dict().items()}
    x = rand(5, 3)
    ye = ember.func.functional_call(e, pe, (ember.tensor(x),))
    yt = torch.func.functional_call(t, pt, (torch.tensor(x),))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    ye.sum().backward()
    yt.sum().backward()
    for k in pt:
        np.testing.assert_allclose(pe[k].grad.numpy(), pt[k].grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    # the module's own parameters are back and got no gradient; its buffers were updated in training mode
    assert all(p.grad is None for p in e.parameters())
    for k, v in e.state_dict().items():
        if "running" not in k and "num_batches" not in k:
            np.testing.assert_array_equal(v.numpy(), before[k])
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(e.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_buffers_several_dicts_and_kwargs():
    e, t = twins()
    e.eval(), t.eval()
    x = rand(4, 3)
    outs = []
    for lib, m in ((ember, e), (torch, t)):
        params = {k: v.detach() * 2 for k, v in m.named_parameters()}
        buffers = {"1.running_mean": lib.ones(4), "1.running_var": lib.full((4,), 4.0)}
        outs.append(lib.func.functional_call(m, (params, buffers), lib.tensor(x)).detach().numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6)

    class Scale(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = ember.nn.Parameter(ember.ones(2))

        def forward(self, x, *, bias=0.0):
            return x * self.w + bias
    m = Scale()
    y = ember.func.functional_call(m, {"w": ember.tensor([2.0, 3.0])}, ember.ones(2), {"bias": 1.0})
    assert y.tolist() == [3.0, 4.0] and m.w.tolist() == [1.0, 1.0]


def test_tied_weights():
    outs = []
    for lib in (ember, torch):
        emb = lib.nn.Embedding(5, 3)
        with lib.no_grad():
            emb.weight.copy_(lib.tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)))
        head = lib.nn.Linear(3, 5, bias=False)
        head.weight = emb.weight
        m = lib.nn.Sequential(emb, head)
        w = lib.tensor(np.arange(15, dtype=np.float32).reshape(5, 3) / 10)
        idx = lib.tensor([0, 2])
        tied = lib.func.functional_call(m, {"0.weight": w}, idx)
        untied = lib.func.functional_call(m, {"0.weight": w}, idx, tie_weights=False)
        outs.append((tied.detach().numpy(), untied.detach().numpy()))
        with pytest.raises(ValueError, match="functional_call got multiple values for keys \\['0.weight', "
                                             "'1.weight'\\], which are tied"):
            lib.func.functional_call(m, {"0.weight": w, "1.weight": w * 2}, idx)
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-6)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-6)
    assert not np.allclose(outs[0][0], outs[0][1])


def test_strict_and_errors():
    for lib in (ember, torch):
        m = lib.nn.Linear(2, 2)
        with pytest.raises(RuntimeError) as exc:
            lib.func.functional_call(m, {"weight": lib.zeros(2, 2), "extra": lib.zeros(1)}, lib.ones(2),
                                     strict=True)
        assert str(exc.value) == ("Error(s) in reparametrizing for Linear:\n\tUnexpected key(s): 'extra'.\n\t"
                                  "Missing key(s): 'bias'.")
        with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
            lib.func.functional_call(m, ({"weight": lib.zeros(2, 2)}, {"weight": lib.zeros(2, 2)}), lib.ones(2))
        with pytest.raises(ValueError, match="Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                                             "dicts"):
            lib.func.functional_call(m, 3, lib.ones(2))
        with pytest.raises(TypeError, match="is not an instance of torch.Tensor"):
            lib.func.functional_call(m, {"weight": [[1.0, 2.0]]}, lib.ones(2))
        # a forward that raises leaves the module as it was
        with pytest.raises(RuntimeError):
            lib.func.functional_call(m, {"weight": lib.zeros(3, 3)}, lib.ones(2))
        assert tuple(m.weight.shape) == (2, 2) and isinstance(m.weight, lib.nn.Parameter)
        # an unknown name is set for the call and removed afterwards (not strict)
        lib.func.functional_call(m, {"scale": lib.ones(1)}, lib.ones(2))
        assert not hasattr(m, "scale")


def test_stateless_functional_call_is_deprecated_alias():
    m = ember.nn.Linear(2, 1)
    w = {"weight": ember.tensor([[1.0, 2.0]]), "bias": ember.tensor([0.5])}
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        y = ember.nn.utils.stateless.functional_call(m, w, (ember.tensor([[1.0, 1.0]]),))
    assert y.tolist() == [[3.5]]


def test_per_sample_gradients_pattern():
    """The usual torch.func idiom without vmap: gradients w.r.t. detached copies."""
    e, t = twins()
    e.eval(), t.eval()
    x = rand(3, 3)
    grads = []
    for lib, m in ((ember, e), (torch, t)):
        params = {k: v.detach().clone().requires_grad_() for k, v in m.named_parameters()}
        g = []
        for i in range(3):
            out = lib.func.functional_call(m, params, (lib.tensor(x[i:i + 1]),))
            gs = lib.autograd.grad(out.sum(), list(params.values()))
            g.append(np.concatenate([a.numpy().ravel() for a in gs]))
        grads.append(np.stack(g))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-6)
