"""nn.Module's registration, iteration, state_dict and hooks, against torch.nn.Module."""
import numpy as np
import pytest
import torch

import ember
from helpers import assert_close


def build(lib):
    """The same small module tree in either framework, with identical weights."""
    nn = lib.nn

    class Leaf(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = nn.Parameter(lib.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2) / 10))
            self.bias = nn.Parameter(lib.tensor(np.ones(2, dtype=np.float32)))
            self.register_buffer("running", lib.tensor(np.zeros(2, dtype=np.float32)))
            self.register_buffer("scratch", lib.tensor(np.zeros(1, dtype=np.float32)), persistent=False)

        def forward(self, x):
            return (x.reshape(-1, 1) * self.weight).sum(0) + self.bias

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = Leaf(3)
            self.body = nn.Sequential(Leaf(2), nn.Sequential(Leaf(2)))
            self.shared = self.first          # the same module twice
            self.extra = nn.ModuleList([Leaf(1), Leaf(1)])
            self.table = nn.ModuleDict({"b": Leaf(1), "a": Leaf(1)})
            self.scale = nn.Parameter(lib.tensor([2.0]))

        def forward(self, x):
            h = self.first(x)
            return self.shared(h[:1].reshape(-1)[0].reshape(1).expand(3)) * self.scale
    return Net()


def test_names_and_order_match_torch():
    e, t = build(ember), build(torch)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_parameters(prefix="net", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="net", recurse=False)]
    assert [n for n, _ in e.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert len(list(e.parameters())) == len(list(t.parameters()))


def test_repr_matches_torch():
    e, t = build(ember), build(torch)
    assert repr(e) == repr(t)


def test_state_dict_values_are_detached_views():
    e = build(ember)
    sd = e.state_dict()
    assert not sd["first.weight"].requires_grad
    sd["first.weight"][0, 0] = 5.0
    assert e.first.weight[0, 0].item() == 5.0
    kv = e.state_dict(keep_vars=True)
    assert kv["first.weight"] is e.first.weight


def test_load_state_dict_roundtrip_and_errors():
    e, t = build(ember), build(torch)
    sd = {k: ember.tensor(v.numpy() + 1) for k, v in t.state_dict().items()}
    res = e.load_state_dict(sd)
    assert repr(res) == "<All keys matched successfully>"
    assert_close(e.first.weight.detach(), t.first.weight.detach() + 1)
    bad = dict(sd)
    del bad["scale"]
    bad["nope"] = ember.zeros(1) if hasattr(ember, "zeros") else ember.tensor([0.0])
    with pytest.raises(RuntimeError) as ei:
        e.load_state_dict(bad)
    tbad = {k: torch.tensor(v.numpy()) for k, v in bad.items()}
    with pytest.raises(RuntimeError) as ti:
        t.load_state_dict(tbad)
    assert str(ei.value) == str(ti.value)
    res = e.load_state_dict(bad, strict=False)
    tres = t.load_state_dict(tbad, strict=False)
    assert res.missing_keys == tres.missing_keys and res.unexpected_keys == tres.unexpected_keys
    wrong = dict(sd)
    wrong["first.bias"] = ember.tensor([1.0, 2.0, 3.0])
    twrong = {k: torch.tensor(v.numpy()) for k, v in wrong.items()}
    with pytest.raises(RuntimeError) as ei:
        e.load_state_dict(wrong)
    with pytest.raises(RuntimeError) as ti:
        t.load_state_dict(twrong)
    assert str(ei.value) == str(ti.value)


def test_shared_parameter_accumulates_both_gradients():
    e, t = build(ember), build(torch)
    xe, xt = ember.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    e(xe).sum().backward()
    t(xt).sum().backward()
    assert_close(e.first.weight.grad, t.first.weight.grad)
    assert_close(e.scale.grad, t.scale.grad)


def test_train_eval_zero_grad_requires_grad_apply():
    e = build(ember)
    e.eval()
    assert not any(m.training for m in e.modules())
    e.train()
    assert all(m.training for m in e.modules())
    e(ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    e.zero_grad(set_to_none=False)
    assert e.first.weight.grad is not None and float(e.first.weight.grad.sum()) == 0.0
    e.zero_grad()
    assert e.first.weight.grad is None
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())
    seen = []
    e.apply(lambda m: seen.append(type(m).__name__))
    t = build(torch)
    tseen = []
    t.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen


def test_attribute_rules():
    nn = ember.nn
    m = nn.Module()
    m.w = nn.Parameter(ember.tensor([1.0]))
    with pytest.raises(TypeError):
        m.w = ember.tensor([2.0])  # a plain tensor cannot replace a parameter
    m.w = None
    assert "w" in m._parameters and m.w is None
    with pytest.raises(AttributeError):
        _ = m.missing
    m.sub = nn.Module()
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(KeyError):
        m.register_buffer("a.b", None)
    assert isinstance(nn.Parameter(ember.tensor([1.0])), ember.Tensor)
    assert repr(nn.Parameter(ember.tensor([2.5]))) == repr(torch.nn.Parameter(torch.tensor([2.5])))


def test_forward_hooks_and_pre_hooks():
    for lib in (ember, torch):
        net = build(lib)
        calls = []
        h1 = net.first.register_forward_pre_hook(lambda m, a: calls.append("pre"))
        h2 = net.first.register_forward_hook(lambda m, a, out: out * 0)
        out = net.first(lib.tensor([1.0, 2.0, 3.0]))
        assert float(out.abs().sum() if hasattr(out, "abs") else 0) == 0.0
        assert calls == ["pre"]
        h1.remove()
        h2.remove()
        out = net.first(lib.tensor([1.0, 2.0, 3.0]))
        assert calls == ["pre"] and float(out.sum()) != 0.0


def test_get_submodule_parameter_buffer():
    e, t = build(ember), build(torch)
    assert type(e.get_submodule("body.1.0")).__name__ == type(t.get_submodule("body.1.0")).__name__
    assert tuple(e.get_parameter("body.0.weight").shape) == tuple(t.get_parameter("body.0.weight").shape)
    assert tuple(e.get_buffer("first.running").shape) == (2,)
    with pytest.raises(AttributeError):
        e.get_submodule("body.7")


def test_module_to_double_keeps_parameter_objects():
    e = build(ember)
    w = e.first.weight
    e.double()
    assert e.first.weight is w and w.dtype is ember.float64
    assert e.first.running.dtype is ember.float64
    e.float()
    assert w.dtype is ember.float32
