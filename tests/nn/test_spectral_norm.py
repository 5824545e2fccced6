"""nn.utils.spectral_norm / remove_spectral_norm (hook-based) against torch.  Power
iteration starts from random vectors, so each test copies torch's ``weight_u`` /
``weight_v`` into ember and then compares outputs, the updated vectors, gradients and
training trajectories (a GAN discriminator), independently of the seeds."""
import numpy as np
import pytest
import torch

import ember
from _twins import assert_grads_equal, assert_state_equal, copy_state, run_both
from helpers import rand


def twins(make, **kw):
    t = torch.nn.utils.spectral_norm(make(torch.nn), **kw)
    e = ember.nn.utils.spectral_norm(make(ember.nn), **kw)
    copy_state(e, t)
    return e, t


CASES = [
    (lambda nn: nn.Linear(5, 4), {}, (3, 5)),
    (lambda nn: nn.Linear(5, 4), {"n_power_iterations": 3}, (3, 5)),
    (lambda nn: nn.Conv2d(3, 4, 3), {}, (2, 3, 6, 6)),
    (lambda nn: nn.Conv2d(3, 4, 3), {"dim": 1, "eps": 1e-6}, (2, 3, 6, 6)),
    (lambda nn: nn.ConvTranspose2d(3, 2, 3), {}, (2, 3, 4, 4)),       # dim defaults to 1
    (lambda nn: nn.Embedding(6, 3), {}, None),
]


@pytest.mark.parametrize("make,kw,xshape", CASES)
def test_spectral_norm_matches_torch(make, kw, xshape):
    e, t = twins(make, **kw)
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert repr(e) == repr(t)
    for step in range(3):  # each training forward runs the power iteration on the buffers
        e.zero_grad(), t.zero_grad()
        if xshape is None:
            idx = np.array([[0, 5, 2], [1, 1, 3]])
            eo, to = e(ember.tensor(idx)), t(torch.tensor(idx))
            np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
            eo.sum().backward(), to.sum().backward()
        else:
            run_both(e, t, rand(*xshape))
        assert_state_equal(e, t, rtol=1e-4, atol=1e-5)
        assert_grads_equal(e, t)
        np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-4, atol=1e-6)


def test_eval_mode_keeps_u_and_v():
    e, t = twins(lambda nn: nn.Linear(4, 3))
    e.eval(), t.eval()
    u0 = e.weight_u.numpy().copy()
    run_both(e, t, rand(2, 4))
    np.testing.assert_array_equal(e.weight_u.numpy(), u0)
    assert_grads_equal(e, t)


def test_sigma_approaches_the_largest_singular_value():
    lin = ember.nn.utils.spectral_norm(ember.nn.Linear(6, 5), n_power_iterations=20)
    lin(ember.randn(1, 6))
    s = np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False)
    assert s[0] == pytest.approx(1.0, rel=1e-4)


def test_gan_discriminator_trains_like_torch():
    def disc(nn):
        sn = nn.utils.spectral_norm
        return nn.Sequential(sn(nn.Conv2d(1, 4, 4, 2, 1)), nn.LeakyReLU(0.2), sn(nn.Conv2d(4, 8, 4, 2, 1)),
                             nn.LeakyReLU(0.2), nn.Flatten(), sn(nn.Linear(8 * 2 * 2, 1)))
    t, e = disc(torch.nn), disc(ember.nn)
    copy_state(e, t)
    to = torch.optim.Adam(t.parameters(), lr=2e-3, betas=(0.5, 0.999))
    eo = ember.optim.Adam(e.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real, fake = rand(6, 1, 8, 8), rand(6, 1, 8, 8)
    lab = np.concatenate([np.ones((6, 1)), np.zeros((6, 1))]).astype(np.float32)
    x = np.concatenate([real, fake])
    for _ in range(5):
        eo.zero_grad(), to.zero_grad()
        le = ember.nn.functional.binary_cross_entropy_with_logits(e(ember.tensor(x)), ember.tensor(lab))
        lt = torch.nn.functional.binary_cross_entropy_with_logits(t(torch.tensor(x)), torch.tensor(lab))
        assert float(le) == pytest.approx(lt.item(), rel=1e-4, abs=1e-5)
        le.backward(), lt.backward()
        eo.step(), to.step()
    assert_state_equal(e, t, rtol=1e-3, atol=1e-5)


def test_remove_spectral_norm():
    e, t = twins(lambda nn: nn.Conv2d(2, 3, 3))
    run_both(e, t, rand(1, 2, 5, 5))
    ember.nn.utils.remove_spectral_norm(e)
    torch.nn.utils.remove_spectral_norm(t)
    assert isinstance(e.weight, ember.nn.Parameter)
    assert list(e.state_dict()) == list(t.state_dict()) == ["bias", "weight"]
    assert not e._forward_pre_hooks and not e._state_dict_hooks and not e._load_state_dict_pre_hooks
    assert_state_equal(e, t)


def test_state_dict_round_trip_and_version0_checkpoint():
    # a tall weight (4 x 3): W^T W is invertible, so PyTorch's pinverse(W^T W) W^T u is well defined
    # (for a wide W it inverts rounding noise; ember takes pinv(W) u from the SVD, the same value
    # without the noise)
    e, t = twins(lambda nn: nn.Linear(3, 4))
    e2 = ember.nn.utils.spectral_norm(ember.nn.Linear(3, 4))
    e2.load_state_dict(e.state_dict())
    assert_state_equal(e2, t)
    # a checkpoint from before weight_v existed: weight, weight_orig and weight_u; v is solved for
    old = {k: v for k, v in t.state_dict().items() if k != "weight_v"}
    old["weight"] = t.weight.detach().clone()
    t2 = torch.nn.utils.spectral_norm(torch.nn.Linear(3, 4))
    t2.load_state_dict(dict(old))
    e3 = ember.nn.utils.spectral_norm(ember.nn.Linear(3, 4))
    e3.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in old.items()})
    assert_state_equal(e3, t2, rtol=1e-4, atol=1e-5)


def test_spectral_norm_errors():
    e, t = twins(lambda nn: nn.Linear(3, 4))
    for lib, m in ((ember, e), (torch, t)):
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
            lib.nn.utils.spectral_norm(m)
        with pytest.raises(ValueError, match="spectral_norm of 'bias' not found in"):
            lib.nn.utils.remove_spectral_norm(m, "bias")
        with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got "
                                             "n_power_iterations=0"):
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)
        with pytest.raises(ValueError, match="`SpectralNorm` cannot be applied as parameter `bias` is None"):
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2, bias=False), name="bias")
