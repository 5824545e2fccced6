"""AlexNet with torchvision's layout (``features`` / ``avgpool`` / ``classifier``), so
torchvision's ``alexnet`` checkpoints load.  d2l's single-channel AlexNet (96/256/384
channels, Linear(6400, 4096)) is ``ember.models.d2l.alexnet``."""
from __future__ import annotations

from typing import Any

from .. import nn
from ..tensor.shape import flatten
from ._utils import check_legacy_pretrained, load_weights, resolve_weights, weights_enum

__all__ = ["AlexNet", "alexnet", "AlexNet_Weights"]

AlexNet_Weights = weights_enum("AlexNet_Weights", {"IMAGENET1K_V1": "alexnet-owt-7be5be79.pth"}, "IMAGENET1K_V1")


class AlexNet(nn.Module):
    """torchvision's AlexNet ("one weird trick" variant: 64/192/384/256/256 channels),
    adaptive 6x6 average pooling, then Dropout-Linear-ReLU x2 and the classifier.
    ``in_channels`` (an ember extension, default 3) sets the first conv's input channels."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, in_channels: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(flatten(x, 1))


def alexnet(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> AlexNet:
    """torchvision's ``alexnet``: ``weights`` is a local checkpoint path or state_dict
    (no downloads); ``progress`` is accepted and unused; other kwargs go to ``AlexNet``."""
    check_legacy_pretrained("alexnet", kwargs)
    state = resolve_weights(weights, "alexnet")
    return load_weights(AlexNet(**kwargs), state)
