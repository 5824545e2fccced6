"""ember.summary: per-layer output shapes and parameter counts (d2l's shape walk), totals,
and that it leaves the model as it found it."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.models as M
from ember import nn
from d2l_reference import SHAPE_WALKS


@pytest.fixture
def no_init(monkeypatch):
    """Zero fills instead of random initialisation (summaries only need shapes and counts)."""
    def zero(tensor, *args, **kwargs):
        with ember.no_grad():
            return tensor.zero_()
    for name in ("uniform_", "normal_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
                 "constant_", "ones_", "zeros_"):
        monkeypatch.setattr(ember.nn.init, name, zero)


def displayed_params(s, depth):
    """Sum of the Param # column as printed."""
    total = 0
    for line in str(s).splitlines():
        cell = line.rsplit(None, 1)[-1] if line.strip() else ""
        if line.startswith(("│", "└")) and cell.replace(",", "").isdigit():
            total += int(cell.replace(",", ""))
    return total


def test_lenet_rows_are_d2ls_shape_walk(capsys):
    s = ember.summary(M.lenet(), (1, 28, 28))
    printed = capsys.readouterr().out
    top = [r for r in s.rows if r.depth == 1]
    assert [(r.type, tuple(r.output_shape)) for r in top] == SHAPE_WALKS["lenet"][1]
    assert [r.num_params for r in top if r.num_params] == [156, 2416, 48120, 10164, 850]
    assert s.total_params == s.trainable_params == 61706 and s.non_trainable_params == 0
    assert s.rows[0].depth == 0 and s.rows[0].output_shape == [1, 10]
    assert "Total params: 61,706" in printed and "└─Conv2d: 1-1" in printed and "[1, 16, 5, 5]" in printed
    assert printed.strip() == str(s).strip()
    assert s.params_size == pytest.approx(61706 * 4 / 1e6)
    assert s.input_size == pytest.approx(28 * 28 * 4 / 1e6)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_resnet18_counts_add_up(depth, no_init):
    model = M.resnet18()
    s = ember.summary(model, (3, 32, 32), batch_size=2, depth=depth, verbose=0)
    n = sum(p.numel() for p in model.parameters())
    assert s.total_params == n == 11_689_512
    assert displayed_params(s, depth) == n
    assert max(r.depth for r in s.rows) == depth
    assert s.rows[0].output_shape == [2, 1000]
    layer4 = next(r for r in s.rows if r.name == "layer4")
    assert layer4.output_shape == [2, 512, 1, 1] and layer4.num_params == 8_393_728


def test_frozen_parameters_are_non_trainable(no_init):
    model = M.resnet18(num_classes=10)
    for p in model.parameters():
        p.requires_grad_(False)
    model.fc = nn.Linear(512, 10)
    s = ember.summary(model, (3, 32, 32), verbose=0)
    assert s.trainable_params == 5130 and s.non_trainable_params == s.total_params - 5130
    assert "Non-trainable params: 11,176,512" in str(s)


def test_summary_restores_mode_and_leaves_statistics(no_init):
    model = M.d2l.resnet_mini()
    model.train()
    model[0][1].eval()                       # a mixed state must come back as it was
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    s = ember.summary(model, (1, 28, 28), batch_size=4, verbose=0)
    assert model.training and not model[0][1].training and model[1][0].bn1.training
    for k, v in model.state_dict().items():
        assert np.array_equal(v.numpy(), before[k]), k
    assert s.rows[-1].type == "Linear" and s.rows[-1].output_shape == [4, 10]
    assert all(not h for m in model.modules() for h in (m._forward_hooks, m._forward_pre_hooks))


def test_every_zoo_model_summarises(no_init):
    """The torchvision-layout models with unusual calls (ModuleDict blocks fed lists, tuple
    outputs with None, BN-less heads) and every d2l model at the book's sizes.  (AlexNet and
    VGG are plain Sequentials; their 60-130M parameters would only make this test slow.)"""
    sizes = {"lenet": 28, "lenet_relu": 28, "lenet_bn": 28, "resnet_mini": 28, "nin": 96}
    for name in M.list_models():
        if name.startswith(("vgg", "alexnet", "resnet1", "resnet3")):
            continue
        kw = {"init_weights": False} if name == "googlenet" else {}
        model = M.get_model(name, **kw)
        c = 1 if name in sizes else 3
        size = sizes.get(name, 64 if name == "alexnet" else 32)
        s = ember.summary(model, (c, size, size), depth=1, verbose=0)
        assert s.total_params == sum(p.numel() for p in model.parameters()), name
        assert s.rows[0].output_shape[-1] in (10, 1000), name
    for name, (size, walk) in SHAPE_WALKS.items():
        s = ember.summary(getattr(M.d2l, name)(), (1, size, size), depth=1, verbose=0)
        assert [(r.type, tuple(r.output_shape)) for r in s.rows if r.depth == 1] == walk, name


class _TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.shared = nn.Linear(4, 4)
        self.scale = nn.Parameter(ember.ones(4))

    def forward(self, x, idx):
        y = self.shared(self.shared(x)) * self.scale
        return {"y": y, "idx": idx + 1, "none": None}


def test_multiple_inputs_dtypes_shared_modules_and_dict_outputs():
    s = ember.summary(_TwoInputs(), [(4,), (3,)], batch_size=2, dtype=[ember.float32, ember.int64], verbose=0)
    assert s.rows[0].output_shape == [[2, 4], [2, 3]]
    calls = [r for r in s.rows if r.type == "Linear"]
    assert len(calls) == 2 and not calls[0].recursive and calls[1].recursive
    assert "(recursive)" in str(s)
    assert s.total_params == 24 and displayed_params(s, 3) == 20   # the root's own 4 are not a row
    assert s.rows[0].own_params == 4
    out = ember.summary(nn.Linear(3, 2), input_data=ember.zeros(5, 3), verbose=0)
    assert out.rows[0].output_shape == [5, 2]


def test_errors():
    with pytest.raises(TypeError, match="nn.Module"):
        ember.summary(lambda x: x, (3,))
    with pytest.raises(ValueError, match="input_size"):
        ember.summary(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="batch_size"):
        ember.summary(nn.Linear(3, 2), (3,), batch_size=0)
    with pytest.raises(ValueError, match="2 dtypes for 1 inputs"):
        ember.summary(nn.Linear(3, 2), (3,), dtype=[ember.float32, ember.float32])
    with pytest.raises(RuntimeError):           # a wrong input size fails in the model, hooks removed
        model = nn.Sequential(nn.Linear(3, 2))
        try:
            ember.summary(model, (4,), verbose=0)
        finally:
            assert not model[0]._forward_hooks
