"""d2l's (Dive into Deep Learning, PyTorch edition) CNNs in plain ``torch.nn``, as the book
writes them, for the zoo tests; ``SHAPE_WALKS`` holds the shapes the book prints when it
walks a 1x1x224x224 (or 96x96 / 28x28) input through each top-level layer."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def lenet_relu():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def lenet_bn():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(), nn.Linear(84, 10))


def alexnet():
    return nn.Sequential(
        nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(), nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(4096, 10))


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(conv_arch=((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)), fc=4096):
    blks, c = [], 1
    for n, out in conv_arch:
        blks.append(vgg_block(n, c, out))
        c = out
    return nn.Sequential(*blks, nn.Flatten(), nn.Linear(c * 7 * 7, fc), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(fc, fc), nn.ReLU(), nn.Dropout(0.5), nn.Linear(fc, 10))


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def nin():
    return nn.Sequential(
        nin_block(1, 96, kernel_size=11, strides=4, padding=0), nn.MaxPool2d(3, stride=2),
        nin_block(96, 256, kernel_size=5, strides=1, padding=2), nn.MaxPool2d(3, stride=2),
        nin_block(256, 384, kernel_size=3, strides=1, padding=1), nn.MaxPool2d(3, stride=2), nn.Dropout(0.5),
        nin_block(384, 10, kernel_size=3, strides=1, padding=1), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4):
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
        return torch.cat((p1, p2, p3, p4), dim=1)


def googlenet():
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.ReLU(),
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
    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))


class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk


def resnet18():
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    return nn.Sequential(b1, nn.Sequential(*resnet_block(64, 64, 2, first_block=True)),
                         nn.Sequential(*resnet_block(64, 128, 2)), nn.Sequential(*resnet_block(128, 256, 2)),
                         nn.Sequential(*resnet_block(256, 512, 2)), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(512, 10))


def resnet_mini(channels=(32, 64, 128)):
    """ember's small ResNet for 28x28 inputs: a 3x3 stem, one residual per stage."""
    c0 = channels[0]
    stem = nn.Sequential(nn.Conv2d(1, c0, kernel_size=3, padding=1), nn.BatchNorm2d(c0), nn.ReLU())
    stages = [nn.Sequential(Residual(c0, c0))]
    for a, b in zip(channels[:-1], channels[1:]):
        stages.append(nn.Sequential(Residual(a, b, use_1x1conv=True, strides=2)))
    return nn.Sequential(stem, *stages, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(channels[-1], 10))


def conv_block(input_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, input_channels, num_channels):
        super().__init__()
        self.net = nn.Sequential(*[conv_block(num_channels * i + input_channels, num_channels)
                                   for i in range(num_convs)])

    def forward(self, X):
        for blk in self.net:
            X = torch.cat((X, blk(X)), dim=1)
        return X


def transition_block(input_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=1), nn.AvgPool2d(kernel_size=2, stride=2))


def densenet():
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    num_channels, growth_rate = 64, 32
    blks = []
    for i, num_convs in enumerate([4, 4, 4, 4]):
        blks.append(DenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != 3:
            blks.append(transition_block(num_channels, num_channels // 2))
            num_channels //= 2
    return nn.Sequential(b1, *blks, nn.BatchNorm2d(num_channels), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)),
                         nn.Flatten(), nn.Linear(num_channels, 10))


# The shapes d2l prints for ``for layer in net: X = layer(X); print(layer.__class__.__name__,
# 'output shape:\t', X.shape)`` (input size in the key).
SHAPE_WALKS = {
    "lenet": (28, [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)), ("AvgPool2d", (1, 6, 14, 14)),
                   ("Conv2d", (1, 16, 10, 10)), ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)),
                   ("Flatten", (1, 400)), ("Linear", (1, 120)), ("Sigmoid", (1, 120)), ("Linear", (1, 84)),
                   ("Sigmoid", (1, 84)), ("Linear", (1, 10))]),
    "alexnet": (224, [("Conv2d", (1, 96, 54, 54)), ("ReLU", (1, 96, 54, 54)), ("MaxPool2d", (1, 96, 26, 26)),
                      ("Conv2d", (1, 256, 26, 26)), ("ReLU", (1, 256, 26, 26)), ("MaxPool2d", (1, 256, 12, 12)),
                      ("Conv2d", (1, 384, 12, 12)), ("ReLU", (1, 384, 12, 12)), ("Conv2d", (1, 384, 12, 12)),
                      ("ReLU", (1, 384, 12, 12)), ("Conv2d", (1, 256, 12, 12)), ("ReLU", (1, 256, 12, 12)),
                      ("MaxPool2d", (1, 256, 5, 5)), ("Flatten", (1, 6400)), ("Linear", (1, 4096)),
                      ("ReLU", (1, 4096)), ("Dropout", (1, 4096)), ("Linear", (1, 4096)), ("ReLU", (1, 4096)),
                      ("Dropout", (1, 4096)), ("Linear", (1, 10))]),
    "vgg": (224, [("Sequential", (1, 64, 112, 112)), ("Sequential", (1, 128, 56, 56)),
                  ("Sequential", (1, 256, 28, 28)), ("Sequential", (1, 512, 14, 14)), ("Sequential", (1, 512, 7, 7)),
                  ("Flatten", (1, 25088)), ("Linear", (1, 4096)), ("ReLU", (1, 4096)), ("Dropout", (1, 4096)),
                  ("Linear", (1, 4096)), ("ReLU", (1, 4096)), ("Dropout", (1, 4096)), ("Linear", (1, 10))]),
    "nin": (224, [("Sequential", (1, 96, 54, 54)), ("MaxPool2d", (1, 96, 26, 26)), ("Sequential", (1, 256, 26, 26)),
                  ("MaxPool2d", (1, 256, 12, 12)), ("Sequential", (1, 384, 12, 12)), ("MaxPool2d", (1, 384, 5, 5)),
                  ("Dropout", (1, 384, 5, 5)), ("Sequential", (1, 10, 5, 5)), ("AdaptiveAvgPool2d", (1, 10, 1, 1)),
                  ("Flatten", (1, 10))]),
    "googlenet": (96, [("Sequential", (1, 64, 24, 24)), ("Sequential", (1, 192, 12, 12)),
                       ("Sequential", (1, 480, 6, 6)), ("Sequential", (1, 832, 3, 3)), ("Sequential", (1, 1024)),
                       ("Linear", (1, 10))]),
    "resnet18": (224, [("Sequential", (1, 64, 56, 56)), ("Sequential", (1, 64, 56, 56)),
                       ("Sequential", (1, 128, 28, 28)), ("Sequential", (1, 256, 14, 14)),
                       ("Sequential", (1, 512, 7, 7)), ("AdaptiveAvgPool2d", (1, 512, 1, 1)), ("Flatten", (1, 512)),
                       ("Linear", (1, 10))]),
    "densenet": (96, [("Sequential", (1, 64, 24, 24)), ("DenseBlock", (1, 192, 24, 24)),
                      ("Sequential", (1, 96, 12, 12)), ("DenseBlock", (1, 224, 12, 12)),
                      ("Sequential", (1, 112, 6, 6)), ("DenseBlock", (1, 240, 6, 6)), ("Sequential", (1, 120, 3, 3)),
                      ("DenseBlock", (1, 248, 3, 3)), ("BatchNorm2d", (1, 248, 3, 3)), ("ReLU", (1, 248, 3, 3)),
                      ("AdaptiveAvgPool2d", (1, 248, 1, 1)), ("Flatten", (1, 248)), ("Linear", (1, 10))]),
}

D2L_BUILDERS = {"lenet": lenet, "lenet_relu": lenet_relu, "lenet_bn": lenet_bn, "alexnet": alexnet, "vgg": vgg,
                "nin": nin, "googlenet": googlenet, "resnet18": resnet18, "densenet": densenet,
                "resnet_mini": resnet_mini}
