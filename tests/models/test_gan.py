"""ember.models.gan against PyTorch modules built here with the same layers: shapes, ranges,
parameter counts, outputs and gradients with shared weights; the training steps; a tiny
CycleGAN that has to learn a known mapping."""
import itertools

import numpy as np
import pytest
import torch

import ember
from ember.models import gan
from ember.models.gan import (Discriminator, Generator, PatchDiscriminator, ResnetGenerator, cycle_consistency_loss,
                              cyclegan_step, dcgan_init, sample_quality, update_D, update_G)

tnn = torch.nn


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def copy_params(src, dst):
    """ember parameters -> torch module with the same parameters in the same order."""
    src_p, dst_p = list(src.parameters()), list(dst.parameters())
    assert [tuple(p.shape) for p in src_p] == [tuple(p.shape) for p in dst_p]
    with torch.no_grad():
        for a, b in zip(src_p, dst_p):
            b.copy_(torch.from_numpy(a.detach().numpy().copy()))


def torch_dcgan(latent, c):
    G = tnn.Sequential(tnn.Linear(latent, 2 * c * 49, bias=False), tnn.Unflatten(1, (2 * c, 7, 7)),
                       tnn.BatchNorm2d(2 * c), tnn.ReLU(), tnn.ConvTranspose2d(2 * c, c, 4, 2, 1, bias=False),
                       tnn.BatchNorm2d(c), tnn.ReLU(), tnn.ConvTranspose2d(c, 1, 4, 2, 1), tnn.Tanh())
    D = tnn.Sequential(tnn.Conv2d(1, c, 4, 2, 1), tnn.LeakyReLU(0.2), tnn.Conv2d(c, 2 * c, 4, 2, 1, bias=False),
                       tnn.BatchNorm2d(2 * c), tnn.LeakyReLU(0.2), tnn.Flatten(), tnn.Linear(2 * c * 49, 1))
    return G, D


def torch_resnet_generator(cin, cout, ngf, n_blocks, n_down, pad="reflect"):
    """CycleGAN's ResnetGenerator laid out as the reference implementation lays it out:
    ReflectionPad2d then unpadded convolutions, in ``model`` / ``conv_block`` Sequentials."""
    def conv(a, b, k):
        if pad == "zeros":
            return [tnn.Conv2d(a, b, k, padding=k // 2)]
        return [tnn.ReflectionPad2d(k // 2), tnn.Conv2d(a, b, k)]

    class Block(tnn.Module):
        def __init__(self, d):
            super().__init__()
            self.conv_block = tnn.Sequential(*conv(d, d, 3), tnn.InstanceNorm2d(d), tnn.ReLU(), *conv(d, d, 3),
                                             tnn.InstanceNorm2d(d))

        def forward(self, x):
            return x + self.conv_block(x)

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            layers = [*conv(cin, ngf, 7), tnn.InstanceNorm2d(ngf), tnn.ReLU()]
            for i in range(n_down):
                c = ngf * 2 ** i
                layers += [tnn.Conv2d(c, 2 * c, 3, 2, 1), tnn.InstanceNorm2d(2 * c), tnn.ReLU()]
            layers += [Block(ngf * 2 ** n_down) for _ in range(n_blocks)]
            for i in range(n_down, 0, -1):
                c = ngf * 2 ** i
                layers += [tnn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1), tnn.InstanceNorm2d(c // 2),
                           tnn.ReLU()]
            layers += [*conv(ngf, cout, 7), tnn.Tanh()]
            self.model = tnn.Sequential(*layers)

        def forward(self, x):
            return self.model(x)
    return Net()


def torch_patch_discriminator(cin, ndf, n_layers):
    layers = [tnn.Conv2d(cin, ndf, 4, 2, 1), tnn.LeakyReLU(0.2)]
    c = ndf
    for n in range(1, n_layers):
        layers += [tnn.Conv2d(c, ndf * min(2 ** n, 8), 4, 2, 1), tnn.InstanceNorm2d(ndf * min(2 ** n, 8)),
                   tnn.LeakyReLU(0.2)]
        c = ndf * min(2 ** n, 8)
    c2 = ndf * min(2 ** n_layers, 8)
    layers += [tnn.Conv2d(c, c2, 4, 1, 1), tnn.InstanceNorm2d(c2), tnn.LeakyReLU(0.2), tnn.Conv2d(c2, 1, 4, 1, 1)]
    return tnn.Sequential(*layers)


def both(arr):
    return ember.tensor(arr), torch.tensor(arr)


# ---------------------------------------------------------------------- DCGAN


def test_dcgan_shapes_range_and_names():
    ember.manual_seed(0)
    G, D = Generator(latent_dim=16, channels=8), Discriminator(channels=8)
    x = G(ember.randn(5, 16) * 10)
    assert tuple(x.shape) == (5, 1, 28, 28)
    assert float(x.min()) >= -1 and float(x.max()) <= 1 and float(x.max()) > 0 > float(x.min())
    assert tuple(D(x).shape) == (5, 1)
    assert gan.DCGANGenerator is Generator and gan.DCGANDiscriminator is Discriminator
    assert ember.models.Generator is Generator and ember.models.cycle_consistency_loss is cycle_consistency_loss
    with pytest.raises(RuntimeError, match=r"Generator: expected noise of shape \(batch, 16\)"):
        G(ember.randn(5, 15))
    with pytest.raises(RuntimeError, match="Discriminator: expected images"):
        D(ember.randn(5, 1, 32, 32))
    with pytest.raises(ValueError, match="Generator"):
        Generator(0)


@pytest.mark.parametrize("latent,c", [(64, 64), (64, 32), (10, 3)])
def test_dcgan_parameter_counts_match_torch(latent, c):
    tG, tD = torch_dcgan(latent, c)
    assert n_params(Generator(latent, c)) == n_params(tG)
    assert n_params(Discriminator(c)) == n_params(tD)
    # the state_dict keys are the same layer by layer
    assert list(Generator(latent, c).net.state_dict()) == list(tG.state_dict())
    assert list(Discriminator(c).net.state_dict()) == list(tD.state_dict())


def test_dcgan_forward_and_gradient_through_D_match_torch():
    """Same weights: G's and D's outputs agree in train and eval mode, and the generator loss
    BCE(D(G(z)), 1) gives G the same gradients (they flow through D)."""
    ember.manual_seed(1)
    G, D = Generator(12, 6), Discriminator(6)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    tG, tD = torch_dcgan(12, 6)
    copy_params(G.net, tG)
    copy_params(D.net, tD)
    ez, tz = both(np.random.default_rng(0).standard_normal((7, 12)).astype(np.float32))
    e_logit, t_logit = D(G(ez)), tD(tG(tz))
    np.testing.assert_allclose(e_logit.detach().numpy(), t_logit.detach().numpy(), rtol=1e-4, atol=1e-5)
    e_loss = ember.nn.BCEWithLogitsLoss()(e_logit, ember.ones_like(e_logit))
    t_loss = tnn.BCEWithLogitsLoss()(t_logit, torch.ones_like(t_logit))
    np.testing.assert_allclose(e_loss.item(), t_loss.item(), rtol=1e-5)
    e_loss.backward()
    t_loss.backward()
    for a, b in zip(G.net.parameters(), tG.parameters()):
        assert a.grad is not None and float(a.grad.abs().sum()) > 0
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-3, atol=1e-6)
    for m in (G, D, tG, tD):
        m.eval()
    np.testing.assert_allclose(D(G(ez)).detach().numpy(), tD(tG(tz)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_dcgan_init():
    ember.manual_seed(0)
    G = Generator(64, 64)
    G.apply(dcgan_init)
    w = G.net[0].weight.detach().numpy()
    assert abs(w.std() - 0.02) < 0.001 and abs(w.mean()) < 0.001
    assert abs(G.net[4].weight.detach().numpy().std() - 0.02) < 0.001
    assert float(G.net[7].bias.abs().sum()) == 0
    bn = G.net[2]
    assert abs(bn.weight.detach().numpy().mean() - 1) < 0.005 and 0.01 < bn.weight.detach().numpy().std() < 0.03
    assert float(bn.bias.abs().sum()) == 0


def _snapshot(m):
    return [p.detach().numpy().copy() for p in m.parameters()]


def _changed(before, m):
    return [not np.array_equal(a, p.detach().numpy()) for a, p in zip(before, m.parameters())]


def test_update_D_and_update_G_step_only_their_network():
    ember.manual_seed(0)
    G, D = Generator(8, 4), Discriminator(4)
    loss = ember.nn.BCEWithLogitsLoss()
    opt_G = ember.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = ember.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    X, Z = ember.rand(6, 1, 28, 28) * 2 - 1, ember.randn(6, 8)
    g0, d0 = _snapshot(G), _snapshot(D)
    loss_D = update_D(X, Z, D, G, loss, opt_D)
    assert isinstance(loss_D, float) and 0 < loss_D < 2
    assert all(_changed(d0, D)) and not any(_changed(g0, G))
    assert all(p.grad is None or float(p.grad.abs().sum()) == 0 for p in G.parameters())
    d1 = _snapshot(D)
    update_G(Z, D, G, loss, opt_G)
    assert all(_changed(g0, G)) and not any(_changed(d1, D))


def test_a_few_steps_teach_D_then_G():
    """On a fixed batch of 'real' images (a bright square), a few D steps lower D's loss from
    about ln 2, and a few G steps then lower G's loss and raise D's logit on the fakes."""
    ember.manual_seed(0)
    G, D = Generator(8, 4), Discriminator(4)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    X = -ember.ones(16, 1, 28, 28)
    X[:, :, 8:20, 8:20] = 1.0
    Z = ember.randn(16, 8)
    loss = ember.nn.BCEWithLogitsLoss()
    opt_D = ember.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_G = ember.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    losses_D = [update_D(X, Z, D, G, loss, opt_D) for _ in range(5)]
    assert 0.55 < losses_D[0] < 0.85 and losses_D[-1] < 0.65 * losses_D[0]
    with ember.no_grad():
        before = float(D(G(Z)).mean())
    losses_G = [update_G(Z, D, G, loss, opt_G) for _ in range(5)]
    with ember.no_grad():
        after = float(D(G(Z)).mean())
    assert losses_G[-1] < losses_G[0] - 0.1
    assert after > before + 0.25


# ---------------------------------------------------------------------- CycleGAN


@pytest.mark.parametrize("cfg", [dict(ngf=4, n_blocks=2, n_downsampling=2), dict(ngf=8, n_blocks=1, n_downsampling=1),
                                 dict(ngf=4, n_blocks=0, n_downsampling=0),
                                 dict(ngf=4, n_blocks=1, n_downsampling=1, padding_mode="zeros")])
def test_resnet_generator_matches_the_reference_layout(cfg):
    """Same state_dict keys and shapes as the reference layout (ReflectionPad2d + unpadded
    Conv2d), so its checkpoints load; same outputs and input gradients for the same weights."""
    ember.manual_seed(0)
    G = ResnetGenerator(2, 3, **cfg)
    tG = torch_resnet_generator(2, 3, cfg["ngf"], cfg["n_blocks"], cfg["n_downsampling"],
                                cfg.get("padding_mode", "reflect"))
    assert {k: tuple(v.shape) for k, v in G.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in tG.state_dict().items()}
    tG.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in G.state_dict().items()})
    arr = np.random.default_rng(1).uniform(-1, 1, (2, 2, 12, 16)).astype(np.float32)
    ex, tx = ember.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    ey, ty = G(ex), tG(tx)
    assert tuple(ey.shape) == (2, 3, 12, 16)
    # float32 through InstanceNorm'd residual blocks: summation orders differ (1.5e-5 seen in one run)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=5e-5)
    (ey ** 2).sum().backward()
    (ty ** 2).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-3, atol=5e-5)


def test_cyclegan_default_sizes_match_the_paper():
    """The paper's 9-block generator (11.378M parameters) and 70x70 PatchGAN (2.765M)."""
    assert n_params(ResnetGenerator()) == n_params(torch_resnet_generator(3, 3, 64, 9, 2)) == 11378179
    D = PatchDiscriminator()
    assert n_params(D) == n_params(torch_patch_discriminator(3, 64, 3)) == 2764737
    assert "model.10.conv_block.1.weight" in ResnetGenerator().state_dict()  # the reference's key of the first block


@pytest.mark.parametrize("ndf,n_layers,size", [(4, 1, 16), (4, 2, 32), (2, 3, 40)])
def test_patch_discriminator_matches_torch(ndf, n_layers, size):
    ember.manual_seed(0)
    D = PatchDiscriminator(1, ndf, n_layers)
    tD = torch_patch_discriminator(1, ndf, n_layers)
    assert n_params(D) == n_params(tD)
    assert [k.replace("model.", "", 1) for k in D.state_dict()] == list(tD.state_dict())
    copy_params(D, tD)
    ex, tx = both(np.random.default_rng(2).uniform(-1, 1, (3, 1, size, size)).astype(np.float32))
    ey, ty = D(ex), tD(tx)
    assert ey.shape == ty.shape and ey.shape[1] == 1 and ey.shape[2] > 1
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_resnet_generator_rejects_sizes_it_cannot_restore():
    G = ResnetGenerator(1, 1, ngf=2, n_blocks=1, n_downsampling=2)
    with pytest.raises(RuntimeError, match="multiples of 4"):
        G(ember.randn(1, 1, 10, 12))
    with pytest.raises(ValueError, match="ResnetGenerator"):
        ResnetGenerator(ngf=0)
    with pytest.raises(ValueError, match="padding_mode must be"):
        ResnetGenerator(padding_mode="circular")
    with pytest.raises(ValueError, match="PatchDiscriminator"):
        PatchDiscriminator(n_layers=0)


def test_cycle_consistency_loss_is_l1_of_the_round_trips():
    ember.manual_seed(0)
    G = ResnetGenerator(1, 1, ngf=2, n_blocks=1, n_downsampling=1)
    F = ResnetGenerator(1, 1, ngf=2, n_blocks=1, n_downsampling=1)
    x, y = ember.rand(2, 1, 8, 8), ember.rand(2, 1, 8, 8)
    with ember.no_grad():
        fwd = (F(G(x)) - x).abs().mean()
        bwd = (G(F(y)) - y).abs().mean()
        np.testing.assert_allclose(float(cycle_consistency_loss(G, F, x)), float(fwd), rtol=1e-6)
        np.testing.assert_allclose(float(cycle_consistency_loss(G, F, x, y)), float(fwd + bwd), rtol=1e-6)
    # identity maps are perfectly cycle-consistent
    ident = ember.nn.Identity()
    assert float(cycle_consistency_loss(ident, ident, x, y)) == 0


def test_cyclegan_learns_the_inversion_between_two_toy_domains():
    """X: smooth dark images in [-1, -0.2]; Y = -X (1 - x in [0, 1] units), unpaired. 40
    CycleGAN steps must cut the cycle loss and G's distance to the true map x -> -x (and F's
    to y -> -y) well below those of the initial networks."""
    ember.manual_seed(0)
    g = ember.Generator().manual_seed(0)

    def domain_x(n):
        base = ember.rand(n, 1, 4, 4, generator=g)
        return -1 + 0.8 * ember.nn.functional.interpolate(base, size=(8, 8), mode="bilinear", align_corners=False)

    G, F = (ResnetGenerator(1, 1, ngf=8, n_blocks=1, n_downsampling=1) for _ in range(2))
    D_X, D_Y = (PatchDiscriminator(1, ndf=8, n_layers=1) for _ in range(2))
    for m in (G, F, D_X, D_Y):
        m.apply(dcgan_init)
    opt_G = ember.optim.Adam(itertools.chain(G.parameters(), F.parameters()), lr=2e-3, betas=(0.5, 0.999))
    opt_D = ember.optim.Adam(itertools.chain(D_X.parameters(), D_Y.parameters()), lr=2e-3, betas=(0.5, 0.999))
    x_test = domain_x(64)
    y_test = -x_test

    def measure():
        with ember.no_grad():
            return (float(cycle_consistency_loss(G, F, x_test, y_test)), float((G(x_test) - y_test).abs().mean()),
                    float((F(y_test) - x_test).abs().mean()))

    cyc0, g0, f0 = measure()
    for _ in range(40):
        losses = cyclegan_step(G, F, D_X, D_Y, domain_x(16), -domain_x(16), opt_G, opt_D)
    assert set(losses) == {"G", "cycle", "D"}
    cyc1, g1, f1 = measure()
    assert cyc1 < 0.4 * cyc0 and cyc1 < 0.35
    assert g1 < 0.5 * g0 and g1 < 0.3
    assert f1 < 0.5 * f0 and f1 < 0.3


# ---------------------------------------------------------------------- sample quality


def test_sample_quality_counts_confidence_and_class_entropy():
    class Fixed(ember.nn.Module):
        """Logits from the mean pixel: class = round(mean * 9), confident only at exact tenths."""
        def forward(self, x):
            m = x.mean(dim=(1, 2, 3))
            return -((ember.arange(10).float()[None] / 9 - m[:, None]) ** 2) * 5000

    imgs = ember.cat([ember.full((5, 1, 28, 28), k / 9) for k in range(10)])
    q = sample_quality(Fixed(), imgs, batch_size=7)
    assert q["histogram"] == [5] * 10 and q["confident"] == 1.0
    assert abs(q["class_entropy"] - np.log(10)) < 1e-9
    q = sample_quality(Fixed(), ember.full((20, 1, 28, 28), 0.5 / 9))  # halfway between classes 0 and 1
    assert q["confident"] == 0.0 and q["class_entropy"] == 0.0 and sum(q["histogram"]) == 20
