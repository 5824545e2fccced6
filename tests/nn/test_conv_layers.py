"""Convolution layers against torch.nn: outputs and input/parameter gradients with the
same weights, every padding_mode, transposed output_size, lazy layers, reprs, default
initialisation distributions, constructor and forward errors."""
import math

import numpy as np
import pytest
import torch

import ember
from helpers import rand

RNG = np.random.default_rng(5)


def pair(make, *args, **kwargs):
    """The same layer in both frameworks, ember's with torch's parameters."""
    t = make(torch.nn)(*args, **kwargs)
    e = make(ember.nn)(*args, **kwargs)
    e.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return e, t


def compare(e, t, x, atol=1e-4, rtol=1e-4, **fw):
    ex = ember.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ey, ty = e(ex, **fw), t(tx, **fw)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), atol=atol, rtol=rtol)
    assert tuple(ey.shape) == tuple(ty.shape) and str(ey.dtype) == str(ty.dtype)
    g = RNG.standard_normal(tuple(ty.shape)).astype(x.dtype)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), atol=atol, rtol=rtol)
    tp = dict(t.named_parameters())
    for name, p in e.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=atol, rtol=rtol, err_msg=name)


@pytest.mark.filterwarnings("ignore:Using padding=.same.")
@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(padding=2),
    dict(stride=2, padding=1, dilation=2),
    dict(padding="same", bias=False),
    dict(groups=2, stride=(1, 2)),
])
def test_conv2d_layer(kwargs):
    e, t = pair(lambda nn: nn.Conv2d, 4, 6, (3, 2), **kwargs)
    compare(e, t, rand(2, 4, 9, 8))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_padding_modes(mode, padding):
    e, t = pair(lambda nn: nn.Conv2d, 3, 4, 3, padding=padding, padding_mode=mode)
    compare(e, t, rand(2, 3, 7, 6))


def test_conv1d_conv3d_layers_and_unbatched():
    e, t = pair(lambda nn: nn.Conv1d, 3, 5, 3, stride=2, padding=1, padding_mode="reflect")
    compare(e, t, rand(2, 3, 10))
    compare(e, t, rand(3, 10))
    e, t = pair(lambda nn: nn.Conv3d, 2, 3, 2, padding=1)
    compare(e, t, rand(1, 2, 4, 3, 4))
    e, t = pair(lambda nn: nn.Conv2d, 3, 4, 3)
    compare(e, t, rand(3, 6, 6))


def test_conv_transpose_layers():
    e, t = pair(lambda nn: nn.ConvTranspose2d, 4, 3, 3, stride=2, padding=1, output_padding=1)
    compare(e, t, rand(2, 4, 5, 6))
    e, t = pair(lambda nn: nn.ConvTranspose2d, 4, 6, (2, 3), stride=2, groups=2, bias=False, dilation=(1, 2))
    compare(e, t, rand(2, 4, 3, 4))
    e, t = pair(lambda nn: nn.ConvTranspose1d, 3, 2, 4, stride=3)
    compare(e, t, rand(2, 3, 5))


@pytest.mark.parametrize("size", [(11, 11), (12, 12), [2, 3, 12, 11]])
def test_conv_transpose_output_size(size):
    e, t = pair(lambda nn: nn.ConvTranspose2d, 3, 2, 3, stride=2, padding=1)
    compare(e, t, rand(2, 3, 6, 6), output_size=size)


def test_conv_transpose_output_size_error():
    e, t = pair(lambda nn: nn.ConvTranspose2d, 3, 2, 3, stride=2, padding=1)
    with pytest.raises(ValueError):
        t(torch.tensor(rand(1, 3, 6, 6)), output_size=(20, 20))
    with pytest.raises(ValueError, match="valid sizes range from"):
        e(ember.tensor(rand(1, 3, 6, 6)), output_size=(20, 20))


def test_lazy_conv2d_infers_in_channels_and_becomes_conv2d():
    m = ember.nn.LazyConv2d(6, 5, padding=2)
    assert repr(m) == repr(torch.nn.LazyConv2d(6, 5, padding=2))
    assert isinstance(m.weight, ember.nn.parameter.UninitializedParameter)
    y = m(ember.tensor(rand(2, 3, 8, 8)))
    assert type(m) is ember.nn.Conv2d and m.in_channels == 3
    assert tuple(m.weight.shape) == (6, 3, 5, 5) and tuple(m.bias.shape) == (6,)
    assert tuple(y.shape) == (2, 6, 8, 8)
    assert repr(m) == "Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
    bound = 1 / math.sqrt(3 * 25)
    assert float(m.weight.abs().max()) <= bound and float(m.bias.abs().max()) <= bound
    assert float(m.weight.abs().max()) > 0.5 * bound  # initialised, not zeros
    y.sum().backward()
    assert m.weight.grad is not None


def test_lazy_conv_in_optimizer_and_state_dict_load():
    m = ember.nn.LazyConv2d(4, 3, groups=2, bias=False)
    m(ember.tensor(rand(3, 4, 5, 5)))
    assert tuple(m.weight.shape) == (4, 2, 3, 3) and m.bias is None
    lazy = ember.nn.LazyConv2d(4, 3, groups=2, bias=False)
    lazy.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), m.weight.detach().numpy())
    mt = ember.nn.LazyConvTranspose2d(5, 2, stride=2)
    y = mt(ember.tensor(rand(1, 3, 4, 4)))
    assert type(mt) is ember.nn.ConvTranspose2d and tuple(mt.weight.shape) == (3, 5, 2, 2)
    assert tuple(y.shape) == (1, 5, 8, 8)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Conv2d(1, 6, 5, padding=2),
    lambda nn: nn.Conv2d(3, 6, (3, 5), stride=2, padding=1, dilation=2, groups=3, bias=False, padding_mode="reflect"),
    lambda nn: nn.Conv2d(3, 6, 3, padding="same"),
    lambda nn: nn.Conv2d(3, 6, 3, padding="valid"),
    lambda nn: nn.Conv1d(3, 6, 3),
    lambda nn: nn.Conv3d(3, 6, 3, stride=(1, 2, 1)),
    lambda nn: nn.ConvTranspose2d(3, 6, 3, stride=2, output_padding=1),
    lambda nn: nn.ConvTranspose1d(3, 6, 3, groups=3, dilation=2),
    lambda nn: nn.LazyConv2d(6, 5),
    lambda nn: nn.LazyConv1d(6, 5, stride=2, bias=False),
    lambda nn: nn.Unfold(2, padding=1),
    lambda nn: nn.Fold((4, 4), 2),
    lambda nn: nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)),
])
def test_reprs(make):
    assert repr(make(ember.nn)) == repr(make(torch.nn))


def test_state_dict_keys_and_shapes():
    e = ember.nn.ConvTranspose2d(4, 6, 3, groups=2)
    t = torch.nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert list(e.state_dict()) == list(t.state_dict())
    assert [tuple(v.shape) for v in e.state_dict().values()] == [tuple(v.shape) for v in t.state_dict().values()]


@pytest.mark.parametrize("make", [lambda nn: nn.Conv2d(64, 128, 3), lambda nn: nn.ConvTranspose2d(64, 32, 3, groups=2)])
def test_default_init_distribution(make):
    ember.manual_seed(0)
    torch.manual_seed(0)
    e, t = make(ember.nn), make(torch.nn)
    for name in ("weight", "bias"):
        ev = getattr(e, name).detach().numpy().ravel()
        tv = getattr(t, name).detach().numpy().ravel()
        assert ev.dtype == np.float32
        bound = np.abs(tv).max()
        assert np.abs(ev).max() <= bound * 1.02 and np.abs(ev).max() >= bound * 0.9
        assert abs(ev.mean()) < 0.1 * bound
        np.testing.assert_allclose(ev.std(), tv.std(), rtol=0.1)


def test_constructor_errors_match_torch():
    for kwargs in (dict(groups=0), dict(groups=2), dict(padding="foo"), dict(padding="same", stride=2),
                   dict(padding_mode="zero")):
        with pytest.raises(ValueError):
            torch.nn.Conv2d(3, 4, 3, **kwargs)
        with pytest.raises(ValueError):
            ember.nn.Conv2d(3, 4, 3, **kwargs)
    with pytest.raises(ValueError):
        ember.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")


def test_forward_errors_match_torch():
    e, t = pair(lambda nn: nn.Conv2d, 3, 4, 3)
    for shape in ((2, 5, 8, 8), (2, 3, 2, 2), (3, 8)):
        with pytest.raises(RuntimeError):
            t(torch.tensor(rand(*shape)))
        with pytest.raises(RuntimeError):
            e(ember.tensor(rand(*shape)))


def test_lenet_features_train_step_matches_torch():
    """A LeNet feature stack (conv, sigmoid-free for exactness, pool) with one SGD step."""
    def make(nn):
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                             nn.ReLU(), nn.AvgPool2d(2, 2), nn.Flatten())
    t = make(torch.nn)
    e = make(ember.nn)
    e.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    x = rand(4, 1, 28, 28)
    eo = ember.optim.SGD(e.parameters(), lr=0.1)
    to = torch.optim.SGD(t.parameters(), lr=0.1)
    for _ in range(2):
        for m, o, lib in ((e, eo, ember), (t, to, torch)):
            o.zero_grad()
            (m(lib.tensor(x)) ** 2).mean().backward()
            o.step()
    for (name, p), q in zip(e.named_parameters(), t.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
