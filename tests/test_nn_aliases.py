"""The torch.* spellings of nn.functional ops (ember/_nn_aliases.py): ATen's
signatures (int reduction, positional batch_norm with cudnn_enabled, max_pool
without return_indices), values and gradients against PyTorch."""
import numpy as np
import pytest

from tests.helpers import check, check_error, rand


def test_convolutions():
    check(lambda lib, x, w, b: lib.conv1d(x, w, b, 2, 1), rand(2, 3, 9), rand(4, 3, 3), rand(4))
    check(lambda lib, x, w: lib.conv2d(x, w, None, 1, 1, 1, 1), rand(1, 2, 5, 5), rand(3, 2, 3, 3))
    check(lambda lib, x, w: lib.conv3d(x, w), rand(1, 2, 4, 4, 4), rand(2, 2, 2, 2, 2))
    check(lambda lib, x, w: lib.conv_transpose1d(x, w, None, 2, 1, 1), rand(1, 3, 5), rand(3, 2, 3))
    check(lambda lib, x, w: lib.conv_transpose2d(x, w), rand(1, 3, 4, 4), rand(3, 2, 3, 3))
    check(lambda lib, x, w: lib.conv_transpose3d(x, w), rand(1, 2, 3, 3, 3), rand(2, 1, 2, 2, 2))


@pytest.mark.parametrize("training", [True, False])
def test_batch_and_instance_norm_positional(training):
    check(lambda lib, x, w, b, m, v: lib.batch_norm(x, w, b, m, v, training, 0.1, 1e-5, False),
          rand(4, 3, 5), rand(3), rand(3), rand(3), rand(3, low=0.5, high=2.0), grad=False)
    check(lambda lib, x, w, b: lib.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True),
          rand(4, 3, 5), rand(3), rand(3))
    check(lambda lib, x, w, b: lib.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
          rand(2, 3, 6), rand(3), rand(3))


def test_batch_norm_needs_every_argument():
    check_error(lambda lib, x: lib.batch_norm(x, None, None, None, None, True, 0.1, 1e-5), rand(4, 3))


def test_layer_and_group_norm():
    check(lambda lib, x, w, b: lib.layer_norm(x, [5], w, b, 1e-5, True), rand(2, 3, 5), rand(5), rand(5))
    check(lambda lib, x: lib.layer_norm(x, (3, 5)), rand(2, 3, 5))
    check(lambda lib, x, w, b: lib.group_norm(x, 2, w, b, 1e-5, False), rand(2, 4, 5), rand(4), rand(4))


def test_pooling():
    check(lambda lib, x: lib.avg_pool1d(x, 3), rand(2, 3, 8))
    check(lambda lib, x: lib.avg_pool1d(x, 3, 2, 1, True, False), rand(2, 3, 8))
    check(lambda lib, x: lib.adaptive_avg_pool1d(x, 3), rand(2, 3, 8))
    check(lambda lib, x: lib.adaptive_max_pool1d(x, 3), rand(2, 3, 8))
    check(lambda lib, x: lib.max_pool1d(x, 3), rand(2, 3, 8))
    check(lambda lib, x: lib.max_pool1d(x, 3, [], 1, 1, True), rand(2, 3, 8))
    check(lambda lib, x: lib.max_pool1d_with_indices(x, 2), rand(2, 3, 8))
    check(lambda lib, x: lib.max_pool2d(x, 2), rand(1, 2, 6, 6))
    check(lambda lib, x: lib.max_pool2d(x, 3, 2, 1), rand(1, 2, 6, 6))
    check(lambda lib, x: lib.max_pool3d(x, 2), rand(1, 1, 4, 4, 4))
    check(lambda lib, x: lib.channel_shuffle(x, 2), rand(1, 4, 2, 2))


@pytest.mark.parametrize("reduction", [None, 0, 1, 2])
def test_losses_int_reduction(reduction):
    r = () if reduction is None else (reduction,)
    y01 = rand(3, 4, low=0.0, high=1.0)
    sign = np.sign(rand(3)).astype(np.float32)
    check(lambda lib, x, y: lib.binary_cross_entropy_with_logits(x, y, None, None, *r), rand(3, 4), y01)
    check(lambda lib, x, y, w, pw: lib.binary_cross_entropy_with_logits(x, y, w.detach(), pw.detach(), *r),
          rand(3, 4), y01, rand(4), rand(4, low=0.5, high=2.0))
    check(lambda lib, a, b, t: lib.cosine_embedding_loss(a, b, t, 0.1, *r), rand(3, 4), rand(3, 4), sign)
    check(lambda lib, x, t: lib.hinge_embedding_loss(x, t, 1.0, *r), rand(3, 4), np.sign(rand(3, 4)))
    check(lambda lib, x, y: lib.kl_div(x, y, *r), rand(3, 4), y01)
    check(lambda lib, x, y: lib.kl_div(x, y, *r, log_target=True), rand(3, 4), rand(3, 4))
    check(lambda lib, a, b, t: lib.margin_ranking_loss(a, b, t, 0.2, *r), rand(3), rand(3), sign)
    check(lambda lib, a, p, n: lib.triplet_margin_loss(a, p, n, 1.0, 2.0, 1e-6, False, *r),
          rand(3, 4), rand(3, 4), rand(3, 4))
    if reduction is not None:
        check(lambda lib, x, y: lib.poisson_nll_loss(x, y, True, False, 1e-8, reduction), rand(3, 4), y01)
        check(lambda lib, x, y: lib.poisson_nll_loss(x, y, False, True, 1e-8, reduction),
              rand(3, 4, low=0.1, high=2.0), y01 * 3)


def test_loss_reduction_must_be_int():
    check_error(lambda lib, x: lib.binary_cross_entropy_with_logits(x, x, reduction="sum"), rand(3))
    check_error(lambda lib, x: lib.kl_div(x, x, "mean"), rand(3))
