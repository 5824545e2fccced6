"""Fine-tuning helpers (ember/train/finetune.py): finding and replacing the classifier of
torchvision-layout and d2l models, freezing the backbone, frozen BatchNorm statistics, and
d2l's 10x-head-lr parameter groups."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.models import d2l
from ember.train.finetune import (backbone_parameters, find_head, freeze_backbone, frozen_batchnorm_eval,
                                  head_parameters, param_groups, replace_head)


class Tiny(nn.Module):
    """A torchvision-shaped model: conv + BN features and an ``fc`` head."""

    def __init__(self, head_attr="fc"):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        setattr(self, head_attr, nn.Linear(4, 5))
        self.head_attr = head_attr

    def forward(self, x):
        return getattr(self, self.head_attr)(self.features(x))


class WithClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(6, 8), nn.ReLU())
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3), nn.Identity())

    def forward(self, x):
        return self.classifier(self.features(x))


def test_find_head_naming_conventions():
    assert find_head(Tiny())[0] == "fc"
    assert find_head(Tiny("classifier"))[0] == "classifier"          # DenseNet: classifier is a Linear
    name, m = find_head(WithClassifier())                              # AlexNet/VGG: last Linear of classifier
    assert name == "classifier.3" and m.out_features == 3
    name, m = find_head(d2l.lenet())                                   # d2l Sequential: the last Linear
    assert name == "11" and m.in_features == 84
    with pytest.raises(ValueError, match="no nn.Linear"):
        find_head(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()))


def test_replace_head_keeps_in_features_and_bias_setting():
    net = WithClassifier()
    old = net.classifier[3]
    new = replace_head(net, 7)
    assert net.classifier[3] is new and new is not old
    assert (new.in_features, new.out_features) == (8, 7)
    assert tuple(net(ember.randn(2, 6)).shape) == (2, 7)
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2, bias=False))
    new = replace_head(seq, 9, init="default")
    assert seq[2] is new and new.bias is None and new.out_features == 9
    # d2l's Xavier-uniform bound sqrt(6 / (fan_in + fan_out))
    ember.manual_seed(0)
    w = replace_head(nn.Sequential(nn.Linear(5, 400)), 600).weight
    bound = (6 / (5 + 600)) ** 0.5                                   # Linear(5, 600)
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.9 * bound
    for bad in (0, 2.5, "3"):
        with pytest.raises(ValueError, match="num_classes"):
            replace_head(Tiny(), bad)
    with pytest.raises(ValueError, match="init"):
        replace_head(Tiny(), 2, init="zeros")


def test_param_groups_give_the_head_10x_lr():
    net = Tiny()
    groups = param_groups(net, 0.01)
    assert [g["lr"] for g in groups] == [0.01, pytest.approx(0.1)]
    assert {id(p) for p in groups[1]["params"]} == {id(net.fc.weight), id(net.fc.bias)}
    n_all = len(list(net.parameters()))
    assert len(groups[0]["params"]) + len(groups[1]["params"]) == n_all
    opt = ember.optim.SGD(groups, lr=0.01)
    assert [g["lr"] for g in opt.param_groups] == [0.01, pytest.approx(0.1)]
    with pytest.raises(ValueError, match="positive"):
        param_groups(net, 0.0)
    with pytest.raises(ValueError, match="positive"):
        param_groups(net, 0.1, head_lr_mult=-1)


def test_freeze_backbone_trains_the_head_only_bit_identically():
    ember.manual_seed(0)
    net = Tiny()
    names = freeze_backbone(net)
    assert set(names) == {n for n, _ in net.named_parameters() if not n.startswith("fc.")}
    assert all(not p.requires_grad for _, p in backbone_parameters(net))
    assert all(p.requires_grad for p in head_parameters(net))
    groups = param_groups(net, 0.05)
    assert len(groups) == 1 and groups[0]["lr"] == pytest.approx(0.5)
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    opt = ember.optim.SGD(groups, lr=0.05, momentum=0.9, weight_decay=1e-3)
    x, y = ember.randn(16, 3, 8, 8), ember.randint(0, 5, (16,))
    losses = []
    for _ in range(20):
        net.train()
        assert frozen_batchnorm_eval(net) == 1
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    after = net.state_dict()
    for k, v in before.items():           # weights and BN running statistics: bit for bit
        same = after[k].numpy().tobytes() == v.tobytes()
        assert same != k.startswith("fc."), k
    assert net.features[0].weight.grad is None


def test_frozen_batchnorm_eval_only_touches_fully_frozen_bn():
    net = Tiny()
    net.train()
    assert frozen_batchnorm_eval(net) == 0 and net.features[1].training
    net.features[1].weight.requires_grad_(False)                       # half frozen: still trains
    assert frozen_batchnorm_eval(net) == 0
    net.features[1].bias.requires_grad_(False)
    assert frozen_batchnorm_eval(net) == 1 and not net.features[1].training and net.fc.training
    no_affine = nn.Sequential(nn.BatchNorm2d(3, affine=False))
    no_affine.train()
    assert frozen_batchnorm_eval(no_affine) == 0 and no_affine[0].training


def test_all_frozen_is_an_error():
    net = Tiny()
    net.requires_grad_(False)
    with pytest.raises(ValueError, match="frozen"):
        param_groups(net, 0.1)


def test_torchvision_resnet18_head_and_groups_match_pytorch_practice():
    """The notes' `model.fc = nn.Linear(model.fc.in_features, n)` and d2l's hotdog groups on
    ember's torchvision-layout ResNet-18, compared with the same steps in PyTorch."""
    torch = pytest.importorskip("torch")
    from ember.models import resnet18
    net = resnet18()
    head = replace_head(net, 2)
    assert net.fc is head and head.in_features == 512
    groups = param_groups(net, 5e-5)
    # PyTorch idiom (d2l 13.2): params_1x = all but fc; [{'params': params_1x}, {'params': fc, 'lr': lr * 10}]
    names_1x = [n for n, _ in net.named_parameters() if n not in ("fc.weight", "fc.bias")]
    assert len(groups[0]["params"]) == len(names_1x) == 60
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 2))
    topt = torch.optim.SGD([{"params": tnet[0].parameters()}, {"params": tnet[1].parameters(), "lr": 5e-4}], lr=5e-5)
    assert [g["lr"] for g in topt.param_groups] == pytest.approx([g["lr"] for g in groups])
    net.eval()
    with ember.no_grad():
        out = net(ember.randn(1, 3, 32, 32))
    assert np.isfinite(out.numpy()).all() and out.shape == (1, 2)
