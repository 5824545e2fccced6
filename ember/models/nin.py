"""Network in Network as d2l (8.3) and the notes (004 C26) write it.

A NiN block is one ordinary convolution followed by two 1x1 convolutions, each with ReLU:
the 1x1 convolutions act as a per-pixel fully connected layer.  The last block outputs
``num_classes`` channels and global average pooling replaces the dense classifier."""
from __future__ import annotations

from .. import nn
from .lenet import d2l_init

__all__ = ["nin_block", "nin"]


def nin_block(in_channels: int, out_channels: int, kernel_size, strides, padding) -> nn.Sequential:
    """``Conv2d(k, strides, padding) -> ReLU -> Conv2d(1x1) -> ReLU -> Conv2d(1x1) -> ReLU``."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def nin(num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5) -> nn.Sequential:
    """d2l's NiN for 224x224 inputs (the notes' code, with ``num_classes`` and
    ``in_channels`` as arguments); 1x1x224x224 -> (1, num_classes)."""
    net = nn.Sequential(
        nin_block(in_channels, 96, kernel_size=11, strides=4, padding=0), nn.MaxPool2d(3, stride=2),
        nin_block(96, 256, kernel_size=5, strides=1, padding=2), nn.MaxPool2d(3, stride=2),
        nin_block(256, 384, kernel_size=3, strides=1, padding=1), nn.MaxPool2d(3, stride=2), nn.Dropout(dropout),
        nin_block(384, num_classes, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    net.apply(d2l_init)
    return net
