"""LeNet-5 as d2l writes it (6.6), its ReLU/max-pool variant, and d2l's BN-LeNet (8.5).

All are ``nn.Sequential`` so the d2l habit ``for layer in net: X = layer(X)`` walks them.
Weights start as d2l's ``train_ch6`` leaves them: Xavier-uniform for every Conv2d/Linear
weight (biases keep PyTorch's default)."""
from __future__ import annotations

from .. import nn

__all__ = ["lenet", "lenet_relu", "lenet_bn", "d2l_init"]


def d2l_init(module: nn.Module) -> None:
    """d2l's ``init_weights``: ``xavier_uniform_`` on Linear and Conv2d weights."""
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)


def _lenet(act, pool, num_classes: int, in_channels: int) -> nn.Sequential:
    net = nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), act(), pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), act(), pool(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(), nn.Linear(84, num_classes))
    net.apply(d2l_init)
    return net


def lenet(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """d2l's LeNet for 28x28 inputs: sigmoid activations, average pooling (6.6)."""
    return _lenet(nn.Sigmoid, nn.AvgPool2d, num_classes, in_channels)


def lenet_relu(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """LeNet with ReLU and max pooling (the modern variant; trains with a smaller lr)."""
    return _lenet(nn.ReLU, nn.MaxPool2d, num_classes, in_channels)


def lenet_bn(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """d2l's LeNet with batch normalization after each conv/linear layer (8.5, concise
    version): no padding on the first conv, so the flattened size is 16*4*4 = 256."""
    net = nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(), nn.Linear(84, num_classes))
    net.apply(d2l_init)
    return net
