"""VGG-11/13/16/19 (configurations A, B, D, E), with and without batch norm, in torchvision's
layout: ``features`` is one flat Sequential (indices as torchvision's, so
``features.0.weight`` ... load), ``avgpool`` is adaptive 7x7, ``classifier`` three Linears.

A VGG block (notes 004 C25, 001 "VGG"): n x (3x3 conv, padding 1, ReLU) and a 2x2 max pool
with stride 2; the configuration lists channels with ``"M"`` for each pool."""
from __future__ import annotations

from typing import Any

from .. import nn
from ..tensor.shape import flatten
from ._utils import check_legacy_pretrained, load_weights, resolve_weights, weights_enum

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
           "vgg19_bn", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
           "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights"]

cfgs: dict[str, list] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def make_layers(cfg: list, batch_norm: bool = False, in_channels: int = 3) -> nn.Sequential:
    """torchvision's ``features``: conv (+ BatchNorm2d) + ReLU per number, max pool per "M"."""
    layers: list = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """``features`` -> adaptive 7x7 average pool -> flatten -> 4096 -> 4096 -> classes.
    ``init_weights`` applies torchvision's scheme: Kaiming-normal (fan_out, relu) convs with
    zero bias, BN weight 1 / bias 0, Linear N(0, 0.01) with zero bias."""

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout), nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(flatten(x, 1))


def _vgg(name: str, cfg: str, batch_norm: bool, weights: Any, kwargs: dict) -> VGG:
    check_legacy_pretrained(name, kwargs)
    state = resolve_weights(weights, name)
    if weights is not None:
        kwargs.setdefault("init_weights", False)
    in_channels = kwargs.pop("in_channels", 3)
    model = VGG(make_layers(cfgs[cfg], batch_norm=batch_norm, in_channels=in_channels), **kwargs)
    return load_weights(model, state)


_FILES = {"vgg11": "vgg11-8a719046.pth", "vgg13": "vgg13-19584684.pth", "vgg16": "vgg16-397923af.pth",
          "vgg19": "vgg19-dcbb9e9d.pth", "vgg11_bn": "vgg11_bn-6002323d.pth", "vgg13_bn": "vgg13_bn-abd245e5.pth",
          "vgg16_bn": "vgg16_bn-6c64b313.pth", "vgg19_bn": "vgg19_bn-c79401a0.pth"}
VGG11_Weights = weights_enum("VGG11_Weights", {"IMAGENET1K_V1": _FILES["vgg11"]}, "IMAGENET1K_V1")
VGG13_Weights = weights_enum("VGG13_Weights", {"IMAGENET1K_V1": _FILES["vgg13"]}, "IMAGENET1K_V1")
VGG16_Weights = weights_enum("VGG16_Weights", {"IMAGENET1K_V1": _FILES["vgg16"]}, "IMAGENET1K_V1")
VGG19_Weights = weights_enum("VGG19_Weights", {"IMAGENET1K_V1": _FILES["vgg19"]}, "IMAGENET1K_V1")
VGG11_BN_Weights = weights_enum("VGG11_BN_Weights", {"IMAGENET1K_V1": _FILES["vgg11_bn"]}, "IMAGENET1K_V1")
VGG13_BN_Weights = weights_enum("VGG13_BN_Weights", {"IMAGENET1K_V1": _FILES["vgg13_bn"]}, "IMAGENET1K_V1")
VGG16_BN_Weights = weights_enum("VGG16_BN_Weights", {"IMAGENET1K_V1": _FILES["vgg16_bn"]}, "IMAGENET1K_V1")
VGG19_BN_Weights = weights_enum("VGG19_BN_Weights", {"IMAGENET1K_V1": _FILES["vgg19_bn"]}, "IMAGENET1K_V1")


def vgg11(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration "A"); ``weights`` a local checkpoint path or state_dict."""
    return _vgg("vgg11", "A", False, weights, kwargs)


def vgg11_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 with batch normalization."""
    return _vgg("vgg11_bn", "A", True, weights, kwargs)


def vgg13(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13 (configuration "B")."""
    return _vgg("vgg13", "B", False, weights, kwargs)


def vgg13_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13 with batch normalization."""
    return _vgg("vgg13_bn", "B", True, weights, kwargs)


def vgg16(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 (configuration "D")."""
    return _vgg("vgg16", "D", False, weights, kwargs)


def vgg16_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 with batch normalization."""
    return _vgg("vgg16_bn", "D", True, weights, kwargs)


def vgg19(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19 (configuration "E")."""
    return _vgg("vgg19", "E", False, weights, kwargs)


def vgg19_bn(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19 with batch normalization."""
    return _vgg("vgg19_bn", "E", True, weights, kwargs)
