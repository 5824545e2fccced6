"""Generative adversarial networks (the notes' 000 L640-686; d2l 20.1-20.2): a DCGAN for
28x28 single-channel images and the pieces of a CycleGAN.

A GAN trains two networks against each other: the generator G maps noise ``z`` to an image,
the discriminator D outputs one logit "real".  D's step pushes D(x) up for real x and
D(G(z)) down; G's step pushes D(G(z)) up (the non-saturating loss: G's images labelled
"real").  ``update_D`` / ``update_G`` are d2l's two alternating steps.

* ``Generator`` (``DCGANGenerator``): z (B, latent_dim) -> Linear -> (2c, 7, 7) -> BatchNorm2d,
  ReLU -> ConvTranspose2d(4, stride 2) to (c, 14, 14) -> BatchNorm2d, ReLU -> ConvTranspose2d to
  (1, 28, 28) -> Tanh, so images live in [-1, 1] (scale real images with ``x * 2 - 1``).
* ``Discriminator`` (``DCGANDiscriminator``): Conv2d(4, stride 2) -> LeakyReLU(0.2) ->
  Conv2d(4, stride 2) -> BatchNorm2d -> LeakyReLU(0.2) -> Linear to one logit (no batch norm on
  the first layer, as in DCGAN).
* ``dcgan_init``: the DCGAN paper's initialisation, for ``net.apply``.

CycleGAN translates between two unpaired image domains X and Y with two generators
G: X -> Y, F: Y -> X and two discriminators D_X, D_Y; besides the adversarial losses, the
cycle-consistency loss ``|F(G(x)) - x|_1 + |G(F(y)) - y|_1`` keeps the content of an image
through a round trip (``cycle_consistency_loss``).

* ``ResnetGenerator``: 7x7 conv, ``n_downsampling`` stride-2 convs, ``n_blocks`` ``ResnetBlock``
  (two 3x3 convs with InstanceNorm2d and a skip connection), as many stride-2 transposed convs,
  7x7 conv, Tanh.  The layers sit where the reference implementation (pytorch-CycleGAN-and-pix2pix)
  puts them, ``nn.ReflectionPad2d`` then an unpadded conv, so its state_dict keys are the same
  (``model.1.weight``, ``model.10.conv_block.1.weight``, ...).
* ``PatchDiscriminator`` (PatchGAN): 4x4 convs that output a map of logits, one per
  overlapping patch, instead of one per image.
* ``cyclegan_step``: one generator step and one discriminator step on a pair of batches.

The paper's sizes are the defaults (``ngf=64, n_blocks=9``, ``ndf=64, n_layers=3``); every
width and depth is an argument so that tests and CPUs can use tiny ones."""
from __future__ import annotations

import math

import ember
from .. import nn
from ..tensor.tensor import Tensor

__all__ = ["Generator", "Discriminator", "DCGANGenerator", "DCGANDiscriminator", "dcgan_init", "update_D",
           "update_G", "ResnetBlock", "ResnetGenerator", "PatchDiscriminator", "cycle_consistency_loss",
           "cyclegan_step", "sample_quality"]


class Generator(nn.Module):
    """DCGAN generator: ``forward(z)`` maps noise (B, latent_dim) to images
    (B, out_channels, 28, 28) in [-1, 1].  ``channels`` is the width at 14x14 (twice that at 7x7)."""

    def __init__(self, latent_dim: int = 64, channels: int = 64, out_channels: int = 1) -> None:
        super().__init__()
        if latent_dim <= 0 or channels <= 0 or out_channels <= 0:
            raise ValueError(f"Generator: latent_dim, channels and out_channels must be positive, got "
                             f"{latent_dim}, {channels}, {out_channels}")
        self.latent_dim, self.channels = latent_dim, channels
        c2 = 2 * channels
        self.net = nn.Sequential(
            nn.Linear(latent_dim, c2 * 7 * 7, bias=False), nn.Unflatten(1, (c2, 7, 7)),
            nn.BatchNorm2d(c2), nn.ReLU(),
            nn.ConvTranspose2d(c2, channels, 4, stride=2, padding=1, bias=False),  # 7 -> 14
            nn.BatchNorm2d(channels), nn.ReLU(),
            nn.ConvTranspose2d(channels, out_channels, 4, stride=2, padding=1),  # 14 -> 28
            nn.Tanh())

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise RuntimeError(f"Generator: expected noise of shape (batch, {self.latent_dim}), got {tuple(z.shape)}")
        return self.net(z)


class Discriminator(nn.Module):
    """DCGAN discriminator: ``forward(x)`` maps images (B, in_channels, 28, 28) to one
    "real" logit each, shape (B, 1).  ``channels`` is the width at 14x14 (twice that at 7x7)."""

    def __init__(self, channels: int = 64, in_channels: int = 1) -> None:
        super().__init__()
        if channels <= 0 or in_channels <= 0:
            raise ValueError(f"Discriminator: channels and in_channels must be positive, got {channels}, {in_channels}")
        c2 = 2 * channels
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, channels, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # 28 -> 14
            nn.Conv2d(channels, c2, 4, stride=2, padding=1, bias=False),  # 14 -> 7
            nn.BatchNorm2d(c2), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(c2 * 7 * 7, 1))

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or tuple(x.shape[2:]) != (28, 28):
            raise RuntimeError(f"Discriminator: expected images (batch, C, 28, 28), got {tuple(x.shape)}")
        return self.net(x)


DCGANGenerator = Generator
DCGANDiscriminator = Discriminator


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation (Radford et al. 2016), for ``net.apply(dcgan_init)``: conv,
    transposed-conv and linear weights ~ N(0, 0.02), biases 0; batch/instance-norm scales
    ~ N(1, 0.02), shifts 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def update_D(X: Tensor, Z: Tensor, net_D: nn.Module, net_G: nn.Module, loss: nn.Module,
             trainer_D: ember.optim.Optimizer) -> float:
    """One discriminator step (d2l 20.1): ``(loss(D(X), 1) + loss(D(G(Z)), 0)) / 2``; the
    fake images are detached so G gets no gradient.  Returns the loss."""
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_Y = net_D(net_G(Z).detach())
    loss_D = (loss(real_Y, ember.ones_like(real_Y)) + loss(fake_Y, ember.zeros_like(fake_Y))) / 2
    loss_D.backward()
    trainer_D.step()
    return float(loss_D)


def update_G(Z: Tensor, net_D: nn.Module, net_G: nn.Module, loss: nn.Module,
             trainer_G: ember.optim.Optimizer) -> float:
    """One generator step (d2l 20.1): ``loss(D(G(Z)), 1)``, the non-saturating loss.  The
    gradient flows through D into G; only G's optimizer steps (D's gradients are left
    behind and cleared by D's next ``zero_grad``).  Returns the loss."""
    trainer_G.zero_grad()
    fake_Y = net_D(net_G(Z))
    loss_G = loss(fake_Y, ember.ones_like(fake_Y))
    loss_G.backward()
    trainer_G.step()
    return float(loss_G)


# ---------------------------------------------------------------------- CycleGAN


def _padded_conv(c_in: int, c_out: int, k: int, padding_mode: str) -> list:
    """A k x k convolution keeping the size: ``ReflectionPad2d`` / ``ReplicationPad2d`` then an
    unpadded conv, or one zero-padded conv ('zeros')."""
    p = k // 2
    if padding_mode == "zeros":
        return [nn.Conv2d(c_in, c_out, k, padding=p)]
    pad = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d}.get(padding_mode)
    if pad is None:
        raise ValueError(f"padding_mode must be 'reflect', 'replicate' or 'zeros', got {padding_mode!r}")
    return [pad(p), nn.Conv2d(c_in, c_out, k)]


class ResnetBlock(nn.Module):
    """``x + conv-norm-relu-conv-norm(x)``: two 3x3 convolutions keeping ``dim`` channels."""

    def __init__(self, dim: int, padding_mode: str = "reflect") -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            *_padded_conv(dim, dim, 3, padding_mode), nn.InstanceNorm2d(dim), nn.ReLU(),
            *_padded_conv(dim, dim, 3, padding_mode), nn.InstanceNorm2d(dim))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator: images (B, in_channels, H, W) -> (B, out_channels, H, W) in
    [-1, 1]; H and W must be multiples of ``2 ** n_downsampling``.  ``padding_mode`` of the
    size-keeping convs: 'reflect' (the paper's), 'replicate' or 'zeros'."""

    def __init__(self, in_channels: int = 3, out_channels: int = 3, ngf: int = 64, n_blocks: int = 9,
                 n_downsampling: int = 2, padding_mode: str = "reflect") -> None:
        super().__init__()
        if min(in_channels, out_channels, ngf) <= 0 or n_blocks < 0 or n_downsampling < 0:
            raise ValueError(f"ResnetGenerator: bad sizes in_channels={in_channels}, out_channels={out_channels}, "
                             f"ngf={ngf}, n_blocks={n_blocks}, n_downsampling={n_downsampling}")
        self.n_downsampling = n_downsampling
        layers = [*_padded_conv(in_channels, ngf, 7, padding_mode), nn.InstanceNorm2d(ngf), nn.ReLU()]
        for i in range(n_downsampling):
            c = ngf * 2 ** i
            layers += [nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.InstanceNorm2d(2 * c), nn.ReLU()]
        layers += [ResnetBlock(ngf * 2 ** n_downsampling, padding_mode) for _ in range(n_blocks)]
        for i in range(n_downsampling, 0, -1):
            c = ngf * 2 ** i
            layers += [nn.ConvTranspose2d(c, c // 2, 3, stride=2, padding=1, output_padding=1),
                       nn.InstanceNorm2d(c // 2), nn.ReLU()]
        layers += [*_padded_conv(ngf, out_channels, 7, padding_mode), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        m = 2 ** self.n_downsampling
        if x.dim() != 4 or x.shape[2] % m or x.shape[3] % m:
            raise RuntimeError(f"ResnetGenerator: expected images (batch, C, H, W) with H and W multiples of {m}, "
                               f"got {tuple(x.shape)}")
        return self.model(x)


class PatchDiscriminator(nn.Module):
    """PatchGAN discriminator (pix2pix / CycleGAN): ``n_layers`` stride-2 4x4 convs, a stride-1
    one and a 1-channel output conv; images (B, in_channels, H, W) -> logits (B, 1, h, w), one
    per receptive-field patch (70x70 pixels with the defaults)."""

    def __init__(self, in_channels: int = 3, ndf: int = 64, n_layers: int = 3) -> None:
        super().__init__()
        if in_channels <= 0 or ndf <= 0 or n_layers < 1:
            raise ValueError(f"PatchDiscriminator: bad sizes in_channels={in_channels}, ndf={ndf}, n_layers={n_layers}")
        layers = [nn.Conv2d(in_channels, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        c = ndf
        for n in range(1, n_layers + 1):
            c_next = ndf * min(2 ** n, 8)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(c, c_next, 4, stride=stride, padding=1), nn.InstanceNorm2d(c_next),
                       nn.LeakyReLU(0.2)]
            c = c_next
        layers.append(nn.Conv2d(c, 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)


def cycle_consistency_loss(G: nn.Module, F: nn.Module, x: Tensor, y: Tensor | None = None) -> Tensor:
    """Mean absolute error between ``F(G(x))`` and ``x`` (the forward cycle), plus that of
    ``G(F(y))`` and ``y`` when ``y`` is given (the backward cycle)."""
    loss = nn.functional.l1_loss(F(G(x)), x)
    if y is not None:
        loss = loss + nn.functional.l1_loss(G(F(y)), y)
    return loss


def _gan_loss(logits: Tensor, real: bool) -> Tensor:
    target = ember.ones_like(logits) if real else ember.zeros_like(logits)
    return nn.functional.binary_cross_entropy_with_logits(logits, target)


def cyclegan_step(G: nn.Module, F: nn.Module, D_X: nn.Module, D_Y: nn.Module, x: Tensor, y: Tensor,
                  opt_G: ember.optim.Optimizer, opt_D: ember.optim.Optimizer, lambda_cycle: float = 10.0) -> dict:
    """One CycleGAN step on unpaired batches ``x`` (domain X) and ``y`` (domain Y).

    Generators (``opt_G`` holds G's and F's parameters): ``gan(D_Y(G(x)), real) +
    gan(D_X(F(y)), real) + lambda_cycle * cycle``.  Discriminators (``opt_D`` holds D_X's
    and D_Y's): ``(gan(D(real), real) + gan(D(fake.detach()), fake)) / 2`` each.  ``gan`` is
    binary cross-entropy on logits (the paper uses least squares; either works).  Returns
    the losses as floats: ``{"G": ..., "cycle": ..., "D": ...}``."""
    opt_G.zero_grad()
    fake_y, fake_x = G(x), F(y)
    cycle = nn.functional.l1_loss(F(fake_y), x) + nn.functional.l1_loss(G(fake_x), y)
    loss_G = _gan_loss(D_Y(fake_y), True) + _gan_loss(D_X(fake_x), True) + lambda_cycle * cycle
    loss_G.backward()
    opt_G.step()
    opt_D.zero_grad()
    loss_D = (_gan_loss(D_Y(y), True) + _gan_loss(D_Y(fake_y.detach()), False)) / 2 \
        + (_gan_loss(D_X(x), True) + _gan_loss(D_X(fake_x.detach()), False)) / 2
    loss_D.backward()
    opt_D.step()
    return {"G": float(loss_G), "cycle": float(cycle), "D": float(loss_D)}


# ---------------------------------------------------------------------- sample quality


def sample_quality(classifier: nn.Module, images: Tensor, batch_size: int = 500, threshold: float = 0.9) -> dict:
    """How a Fashion-MNIST classifier sees a batch of images (in [0, 1], (N, 1, 28, 28)).

    * ``confident``: the fraction classified with softmax probability > ``threshold``.
      Recognisable garments score high; blurry or broken images score low.
    * ``class_entropy``: entropy (nats) of the histogram of predicted classes; ln 10 = 2.303
      when every class is generated equally often, 0 when all images fall in one class
      (mode collapse).
    * ``histogram``: the predicted-class counts.

    Both numbers are reported beside those of real test images and of an untrained
    generator, so a bad generator shows up: it can fail either one."""
    was_training = classifier.training
    classifier.eval()
    probs = []
    with ember.no_grad():
        for i in range(0, images.shape[0], batch_size):
            probs.append(nn.functional.softmax(classifier(images[i:i + batch_size]), dim=1))
    classifier.train(was_training)
    p = ember.cat(probs)
    conf, pred = p.max(dim=1)
    counts = (pred[:, None] == ember.arange(p.shape[1])).sum(0).tolist()
    n = sum(counts)
    entropy = sum(c / n * math.log(n / c) for c in counts if c)
    return {"confident": float((conf > threshold).float().mean()), "class_entropy": entropy, "histogram": counts}
