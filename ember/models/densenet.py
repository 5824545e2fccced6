"""DenseNet-121 with torchvision's names (``features.conv0``, ``features.denseblock1.denselayer1.norm1``,
``features.transition1.conv``, ``features.norm5``, ``classifier``), so its checkpoints load
(including the old ``norm.1``-style keys of torchvision's published file, renamed on load).

Each dense layer sees the concatenation of every earlier feature map in its block and adds
``growth_rate`` channels (BN -> ReLU -> 1x1 conv to ``bn_size * growth_rate`` -> BN -> ReLU ->
3x3 conv); transitions halve channels (1x1 conv) and H x W (2x2 average pool)."""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from .. import nn
from ..nn import functional as F
from ..tensor.joining import cat
from ..tensor.shape import flatten
from ._utils import check_legacy_pretrained, load_weights, resolve_weights, weights_enum

__all__ = ["DenseNet", "densenet121", "DenseNet121_Weights"]

DenseNet121_Weights = weights_enum("DenseNet121_Weights", {"IMAGENET1K_V1": "densenet121-a639ec97.pth"},
                                   "IMAGENET1K_V1")


class _DenseLayer(nn.Module):
    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def forward(self, input):
        prev = [input] if not isinstance(input, (list, tuple)) else input
        bottleneck = self.conv1(self.relu1(self.norm1(cat(prev, 1))))
        new = self.conv2(self.relu2(self.norm2(bottleneck)))
        if self.drop_rate > 0:
            new = F.dropout(new, p=self.drop_rate, training=self.training)
        return new


class _DenseBlock(nn.ModuleDict):
    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        for i in range(num_layers):
            layer = _DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size, drop_rate,
                                memory_efficient)
            self.add_module(f"denselayer{i + 1}", layer)

    def forward(self, init_features):
        features = [init_features]
        for layer in self.values():
            features.append(layer(features))
        return cat(features, 1)


class _Transition(nn.Sequential):
    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """torchvision's DenseNet-BC: ``features`` (stem conv0/norm0/relu0/pool0, dense blocks and
    transitions, ``norm5``), then ReLU, global average pool and the ``classifier`` Linear.

    Initialised as torchvision: Kaiming-normal convs, BN weight 1 / bias 0, Linear bias 0.
    ``memory_efficient`` is accepted for torchvision compatibility; torchvision uses it to
    recompute activations (checkpointing), which ember does not do, so it changes nothing
    (outputs are identical either way).  ``in_channels`` is an ember extension."""

    def __init__(self, growth_rate: int = 32, block_config: tuple = (6, 12, 24, 16), num_init_features: int = 64,
                 bn_size: int = 4, drop_rate: float = 0, num_classes: int = 1000, memory_efficient: bool = False,
                 in_channels: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(in_channels, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(num_layers, num_features, bn_size, growth_rate, drop_rate, memory_efficient)
            self.features.add_module(f"denseblock{i + 1}", block)
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(num_features, num_features // 2))
                num_features //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        out = F.relu(self.features(x), inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(flatten(out, 1))


# torchvision's published densenet file predates the ``norm1`` names: ``denselayer1.norm.1.weight``.
_LEGACY_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\."
                         r"((?:[12])\.(?:weight|bias|running_mean|running_var|num_batches_tracked))$")


def _rename_legacy(state: dict) -> dict:
    out = {}
    for key, value in state.items():
        m = _LEGACY_KEY.match(key)
        out[m.group(1) + m.group(2) if m else key] = value
    return out


def densenet121(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> DenseNet:
    """DenseNet-121 (growth 32, blocks (6, 12, 24, 16), 64 initial features); ``weights`` a
    local checkpoint path or state_dict (old-style key names are accepted)."""
    check_legacy_pretrained("densenet121", kwargs)
    state = resolve_weights(weights, "densenet121")
    model = DenseNet(32, (6, 12, 24, 16), 64, **kwargs)
    return load_weights(model, state, remap=_rename_legacy)
