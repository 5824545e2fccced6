"""The modern CNNs as d2l (Dive into Deep Learning, chapters 7-8) builds them, for
single-channel Fashion-MNIST inputs resized to 224 (AlexNet, VGG, NiN, ResNet) or 96
(GoogLeNet, DenseNet), plus ``resnet_mini``, a small ResNet for raw 28x28 images.

These differ from torchvision's ImageNet models of the same name (narrower or wider layers,
no BN in d2l's GoogLeNet, plain ``nn.Sequential`` top levels so ``for layer in net`` walks
the stages); ``ember.models.alexnet`` etc. are torchvision's.  Every builder takes
``num_classes`` and ``in_channels`` and starts from d2l's Xavier-uniform initialisation.
"""
from __future__ import annotations

from .. import nn
from ..nn import functional as F
from ..tensor.joining import cat
from .lenet import d2l_init, lenet, lenet_bn, lenet_relu
from .nin import nin, nin_block

__all__ = ["lenet", "lenet_relu", "lenet_bn", "alexnet", "vgg_block", "vgg", "VGG11_ARCH", "nin_block", "nin",
           "Inception", "googlenet", "Residual", "resnet_block", "resnet18", "resnet_mini", "conv_block",
           "DenseBlock", "transition_block", "densenet", "d2l_init"]


def alexnet(num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5) -> nn.Sequential:
    """d2l's AlexNet (7.1) for 224x224 inputs: 96/256/384/384/256 channels, 6400 -> 4096."""
    net = nn.Sequential(
        nn.Conv2d(in_channels, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(), nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=dropout), nn.Linear(4096, num_classes))
    net.apply(d2l_init)
    return net


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` x (3x3 conv, padding 1, ReLU), then a 2x2 max pool with stride 2."""
    layers: list = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg(conv_arch=VGG11_ARCH, num_classes: int = 10, in_channels: int = 1, ratio: int = 1,
        dropout: float = 0.5) -> nn.Sequential:
    """d2l's VGG (7.2): one ``vgg_block`` per ``(num_convs, channels)`` in ``conv_arch``
    (VGG-11 by default), then 4096-4096-``num_classes``; ``ratio`` divides every block's
    channels (d2l trains with ``ratio=4``).  Expects 224x224 inputs (5 halvings -> 7x7)."""
    blocks, c = [], in_channels
    for num_convs, out in conv_arch:
        out //= ratio
        blocks.append(vgg_block(num_convs, c, out))
        c = out
    net = nn.Sequential(*blocks, nn.Flatten(), nn.Linear(c * 7 * 7, 4096), nn.ReLU(), nn.Dropout(dropout),
                        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(dropout), nn.Linear(4096, num_classes))
    net.apply(d2l_init)
    return net


class Inception(nn.Module):
    """d2l's Inception block (7.4): four parallel paths whose outputs are concatenated on
    channels, so H x W stay and the channels become ``c1 + c2[1] + c3[1] + c4``:
    1x1 conv | 1x1 conv -> 3x3 conv | 1x1 conv -> 5x5 conv | 3x3 max pool -> 1x1 conv."""

    def __init__(self, in_channels: int, c1: int, c2, c3, c4: int) -> None:
        super().__init__()
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return cat((p1, p2, p3, p4), dim=1)


def googlenet(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """d2l's GoogLeNet (Inception v1 without BN or auxiliary heads, 7.4): five stages
    ``b1``..``b5`` (nine Inception blocks) and a Linear(1024, num_classes); 96x96 inputs."""
    b1 = nn.Sequential(nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(nn.Conv2d(64, 64, kernel_size=1), nn.ReLU(), nn.Conv2d(64, 192, kernel_size=3, padding=1),
                       nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b3 = nn.Sequential(Inception(192, 64, (96, 128), (16, 32), 32), Inception(256, 128, (128, 192), (32, 96), 64),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b4 = nn.Sequential(Inception(480, 192, (96, 208), (16, 48), 64), Inception(512, 160, (112, 224), (24, 64), 64),
                       Inception(512, 128, (128, 256), (24, 64), 64), Inception(512, 112, (144, 288), (32, 64), 64),
                       Inception(528, 256, (160, 320), (32, 128), 128),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b5 = nn.Sequential(Inception(832, 256, (160, 320), (32, 128), 128), Inception(832, 384, (192, 384), (48, 128), 128),
                       nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    net = nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, num_classes))
    net.apply(d2l_init)
    return net


class Residual(nn.Module):
    """d2l's residual block (8.6): ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``,
    the shortcut a strided 1x1 conv (``conv3``) when shapes change, else the identity."""

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


def resnet_block(input_channels: int, num_channels: int, num_residuals: int, first_block: bool = False) -> list:
    """A stage of ``num_residuals`` blocks; the first halves H x W (1x1-conv shortcut)
    unless ``first_block`` (the stage right after the stem's max pool)."""
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk


def _stem(in_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


def resnet18(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """d2l's ResNet-18 (8.6): stem ``b1``, four stages of two residual blocks, global
    average pooling, Linear(512, num_classes).  Trained on 96x96 in the book."""
    net = nn.Sequential(_stem(in_channels), nn.Sequential(*resnet_block(64, 64, 2, first_block=True)),
                        nn.Sequential(*resnet_block(64, 128, 2)), nn.Sequential(*resnet_block(128, 256, 2)),
                        nn.Sequential(*resnet_block(256, 512, 2)), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                        nn.Linear(512, num_classes))
    net.apply(d2l_init)
    return net


def resnet_mini(num_classes: int = 10, in_channels: int = 1, channels=(32, 64, 128)) -> nn.Sequential:
    """A small d2l-style ResNet for raw 28x28 inputs (no resize): a 3x3 conv + BN + ReLU
    stem at ``channels[0]``, one residual block per stage (the first keeps 28x28, each next
    one halves H x W and widens to the next entry of ``channels``: 28 -> 14 -> 7), global
    average pooling and a linear classifier.  About 0.3M parameters with the defaults."""
    c0 = channels[0]
    stem = nn.Sequential(nn.Conv2d(in_channels, c0, kernel_size=3, padding=1), nn.BatchNorm2d(c0), nn.ReLU())
    stages = [nn.Sequential(Residual(c0, c0))]
    for a, b in zip(channels[:-1], channels[1:]):
        stages.append(nn.Sequential(Residual(a, b, use_1x1conv=True, strides=2)))
    net = nn.Sequential(stem, *stages, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(channels[-1], num_classes))
    net.apply(d2l_init)
    return net


def conv_block(input_channels: int, num_channels: int) -> nn.Sequential:
    """DenseNet's pre-activation conv: BN -> ReLU -> 3x3 conv (8.7)."""
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    """``num_convs`` conv blocks, each fed the concatenation of the block's input and all
    earlier outputs: channels grow by ``num_channels`` (the growth rate) per conv."""

    def __init__(self, num_convs: int, input_channels: int, num_channels: int) -> None:
        super().__init__()
        self.net = nn.Sequential(*[conv_block(num_channels * i + input_channels, num_channels)
                                   for i in range(num_convs)])

    def forward(self, X):
        for blk in self.net:
            X = cat((X, blk(X)), dim=1)
        return X


def transition_block(input_channels: int, num_channels: int) -> nn.Sequential:
    """BN -> ReLU -> 1x1 conv (fewer channels) -> 2x2 average pool (half H x W)."""
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=1), nn.AvgPool2d(kernel_size=2, stride=2))


def densenet(num_classes: int = 10, in_channels: int = 1, growth_rate: int = 32,
             num_convs_in_dense_blocks=(4, 4, 4, 4)) -> nn.Sequential:
    """d2l's DenseNet (8.7): ResNet's stem, four dense blocks of four convs (growth 32)
    with halving transitions between them, BN -> ReLU -> global pool -> Linear(248, ...)."""
    num_channels = 64
    blks: list = []
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        blks.append(DenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(num_convs_in_dense_blocks) - 1:
            blks.append(transition_block(num_channels, num_channels // 2))
            num_channels //= 2
    net = nn.Sequential(_stem(in_channels), *blks, nn.BatchNorm2d(num_channels), nn.ReLU(),
                        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(num_channels, num_classes))
    net.apply(d2l_init)
    return net
