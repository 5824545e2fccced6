"""nn.ChannelShuffle / F.channel_shuffle against torch (values, gradients, dtypes,
errors) and F.gumbel_softmax's properties (it samples: one-hot when hard, rows sum to
one, straight-through gradient, the temperature's effect, seeded reproducibility)."""
import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 2), ((2, 6, 3), 3), ((1, 8, 2, 2), 4), ((2, 6, 1, 2, 2), 6),
                                          ((0, 4, 3), 2), ((2, 6, 3), 1)])
def test_channel_shuffle(shape, groups):
    check(lambda lib, x: lib.nn.functional.channel_shuffle(x, groups), rand(*shape))
    check(lambda lib, x: lib.nn.ChannelShuffle(groups)(x), rand(*shape, dtype=np.float64))


def test_channel_shuffle_order_ints_and_repr():
    x = np.arange(6).reshape(1, 6, 1)
    check(lambda lib, x: lib.nn.functional.channel_shuffle(x, 2), x, grad=False)
    out = ember.nn.functional.channel_shuffle(ember.tensor(x), 2)
    assert out.flatten().tolist() == [0, 3, 1, 4, 2, 5]
    check(lambda lib, x: lib.nn.functional.channel_shuffle(x.transpose(1, 2), 2), rand(2, 3, 4))
    assert repr(ember.nn.ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.nn.functional.channel_shuffle(x, 4),
    lambda lib, x: lib.nn.functional.channel_shuffle(x, 0),
    lambda lib, x: lib.nn.functional.channel_shuffle(x, -2),
    lambda lib, x: lib.nn.functional.channel_shuffle(x[0, 0], 2),
    lambda lib, x: lib.nn.functional.channel_shuffle(x[0], 2),
    lambda lib, x: lib.nn.functional.channel_shuffle(x, 2.0),
])
def test_channel_shuffle_errors(fn):
    check_error(fn, rand(2, 6, 3))


# ---------------------------------------------------------------- gumbel_softmax
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_gumbel_softmax_soft_rows_sum_to_one(dim):
    logits = ember.tensor(rand(4, 5, 3))
    y = ember.nn.functional.gumbel_softmax(logits, tau=0.7, dim=dim)
    assert tuple(y.shape) == (4, 5, 3) and y.dtype == ember.float32
    np.testing.assert_allclose(y.sum(dim).numpy(), 1.0, rtol=1e-5)
    assert (y.numpy() > 0).all()


@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_hard_is_one_hot_with_straight_through_gradient(dim):
    logits = ember.tensor(rand(6, 4, dtype=np.float64), requires_grad=True)
    ember.manual_seed(3)
    y = ember.nn.functional.gumbel_softmax(logits, tau=0.5, hard=True, dim=dim)
    v = y.detach().numpy()
    assert set(np.unique(v)) <= {0.0, 1.0}
    np.testing.assert_array_equal(v.sum(dim), 1.0)
    # the same draw, soft: its argmax is the hard sample, and its gradient is the hard one's
    ember.manual_seed(3)
    logits2 = ember.tensor(logits.detach().numpy(), requires_grad=True)
    soft = ember.nn.functional.gumbel_softmax(logits2, tau=0.5, dim=dim)
    np.testing.assert_array_equal(soft.detach().numpy().argmax(dim), v.argmax(dim))
    w = ember.tensor(rand(6, 4, dtype=np.float64))
    (y * w).sum().backward()
    (soft * w).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), logits2.grad.numpy(), rtol=1e-12)
    assert np.abs(logits.grad.numpy()).sum() > 0


def test_gumbel_softmax_samples_follow_the_logits():
    ember.manual_seed(0)
    p = np.array([0.6, 0.3, 0.1])
    logits = ember.tensor(np.log(np.tile(p, (4000, 1))).astype(np.float32))
    y = ember.nn.functional.gumbel_softmax(logits, hard=True)
    freq = y.numpy().mean(0)
    np.testing.assert_allclose(freq, p, atol=0.03)


def test_gumbel_softmax_temperature_and_seed():
    logits = ember.tensor(rand(3, 5))
    ember.manual_seed(7)
    a = ember.nn.functional.gumbel_softmax(logits, tau=0.05)
    ember.manual_seed(7)
    b = ember.nn.functional.gumbel_softmax(logits, tau=0.05)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert (a.numpy().max(-1) > 0.9).all()          # a low temperature is nearly one-hot
    c = ember.nn.functional.gumbel_softmax(logits, tau=100.0)
    assert (c.numpy().max(-1) < 0.5).all()          # a high one is nearly uniform
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
        ember.nn.functional.gumbel_softmax(logits, eps=1e-5)
