"""Convolution primitives (ember/ops/conv.py) through nn.functional, against torch:
values, input/weight/bias gradients, dtypes, every option, float64 finite
differences (first and second order), unfold/fold, padding modes and errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from ember.ops import conv as C
from ember.tensor.wrap import apply
from helpers import check, check_error, rand


def F_(lib):
    return lib.nn.functional


def t64(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


# ---------------------------------------------------------------- conv2d against torch
CONV2D_OPTIONS = [
    {},
    dict(padding=1),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(0, 2)),
    dict(dilation=2, padding=2),
    dict(dilation=(1, 2), stride=(1, 3)),
    dict(padding="same"),
    dict(padding="same", dilation=2),
    dict(padding="valid"),
    dict(stride=3, padding=2, dilation=2),
]


@pytest.mark.filterwarnings("ignore:Using padding=.same.")
@pytest.mark.parametrize("opts", CONV2D_OPTIONS)
def test_conv2d_matches_torch(opts):
    # even kernel width: 'same' needs asymmetric padding
    check(lambda lib, x, w, b: F_(lib).conv2d(x, w, b, **opts), rand(2, 3, 9, 8), rand(4, 3, 3, 2), rand(4))


@pytest.mark.parametrize("groups,cin,cout", [(2, 4, 6), (4, 4, 8), (3, 6, 3)])
def test_conv2d_groups(groups, cin, cout):
    check(lambda lib, x, w, b: F_(lib).conv2d(x, w, b, stride=2, padding=1, groups=groups),
          rand(2, cin, 9, 8), rand(cout, cin // groups, 3, 3), rand(cout))


def test_conv2d_without_bias_1x1_and_unbatched():
    check(lambda lib, x, w: F_(lib).conv2d(x, w), rand(2, 5, 6, 7), rand(3, 5, 1, 1))
    check(lambda lib, x, w, b: F_(lib).conv2d(x, w, b, padding=1), rand(3, 6, 5), rand(2, 3, 3, 3), rand(2))


def test_conv2d_kernel_equals_input_and_large_channels():
    check(lambda lib, x, w: F_(lib).conv2d(x, w), rand(2, 3, 5, 5), rand(4, 3, 5, 5))
    check(lambda lib, x, w: F_(lib).conv2d(x, w, padding=1), rand(1, 40, 4, 4), rand(7, 40, 3, 3),
          atol=1e-4)


def test_conv2d_non_contiguous_input_and_weight():
    x = rand(2, 3, 8, 10)
    w = rand(3, 4, 3, 3)
    check(lambda lib, x, w: F_(lib).conv2d(x[..., ::2], w.transpose(0, 1), padding=1), x, w)


def test_conv2d_float64_and_dtype_kept():
    e, t = check(lambda lib, x, w, b: F_(lib).conv2d(x, w, b, stride=2), rand(2, 3, 7, 7, dtype=np.float64),
                 rand(4, 3, 3, 3, dtype=np.float64), rand(4, dtype=np.float64))
    assert str(e.dtype) == "torch.float64" or e.dtype == ember.float64
    y = F.conv2d(ember.tensor(rand(1, 2, 5, 5)), ember.tensor(rand(3, 2, 3, 3)))
    assert y.dtype == ember.float32 and y._data.dtype == np.float32


def test_conv2d_output_is_contiguous_and_grad_fn_name():
    x = ember.tensor(rand(2, 3, 6, 6), requires_grad=True)
    y = F.conv2d(x, ember.tensor(rand(4, 3, 3, 3)))
    assert y.is_contiguous()
    assert y.grad_fn.name() == "ConvolutionBackward0"


def test_conv2d_weight_gradient_only_and_input_gradient_only():
    x, w = rand(2, 3, 7, 7), rand(4, 3, 3, 3)
    for need_x, need_w in ((True, False), (False, True)):
        ex = ember.tensor(x, requires_grad=need_x)
        ew = ember.tensor(w, requires_grad=need_w)
        tx = torch.tensor(x, requires_grad=need_x)
        tw = torch.tensor(w, requires_grad=need_w)
        F.conv2d(ex, ew, padding=1).sum().backward()
        TF.conv2d(tx, tw, padding=1).sum().backward()
        for e, t in ((ex, tx), (ew, tw)):
            if t.requires_grad:
                np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)
            else:
                assert e.grad is None


def test_conv1d_and_conv3d():
    check(lambda lib, x, w, b: F_(lib).conv1d(x, w, b, stride=2, padding=1, dilation=2), rand(2, 3, 11),
          rand(4, 3, 3), rand(4))
    check(lambda lib, x, w: F_(lib).conv1d(x, w, padding="same", groups=3), rand(2, 3, 10), rand(6, 1, 4))
    check(lambda lib, x, w: F_(lib).conv1d(x, w), rand(3, 9), rand(2, 3, 2))  # unbatched
    check(lambda lib, x, w, b: F_(lib).conv3d(x, w, b, stride=(1, 2, 1), padding=1), rand(2, 2, 4, 5, 4),
          rand(3, 2, 2, 3, 3), rand(3))


# ---------------------------------------------------------------- transposed convolutions
TRANSPOSE_OPTIONS = [
    {},
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=3, dilation=2, output_padding=2),
    dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0)),
    dict(dilation=2, padding=2),
]


@pytest.mark.parametrize("opts", TRANSPOSE_OPTIONS)
def test_conv_transpose2d_matches_torch(opts):
    check(lambda lib, x, w, b: F_(lib).conv_transpose2d(x, w, b, **opts), rand(2, 4, 5, 6), rand(4, 3, 3, 2),
          rand(3))


def test_conv_transpose2d_groups_unbatched_and_1d():
    check(lambda lib, x, w, b: F_(lib).conv_transpose2d(x, w, b, stride=2, groups=2), rand(2, 4, 4, 5),
          rand(4, 3, 3, 3), rand(6))
    check(lambda lib, x, w: F_(lib).conv_transpose2d(x, w, stride=2), rand(4, 3, 3), rand(4, 2, 2, 2))
    check(lambda lib, x, w, b: F_(lib).conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
          rand(2, 3, 7), rand(3, 5, 4), rand(5))


# ---------------------------------------------------------------- finite differences (float64)
@pytest.mark.parametrize("opts", [dict(stride=2, padding=1), dict(dilation=2, padding=(2, 1)),
                                  dict(groups=2, stride=(1, 2)), dict(padding="same")])
def test_conv2d_gradcheck(opts):
    x, w, b = t64(2, 4, 6, 5), t64(4, 4 // opts.get("groups", 1), 3, 2, seed=1), t64(4, seed=2)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **opts), (x, w, b))


def test_conv1d_gradcheck():
    x, w, b = t64(2, 3, 9), t64(4, 3, 3, seed=1), t64(4, seed=2)
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), (x, w, b))


@pytest.mark.parametrize("opts", [dict(stride=2, padding=1, output_padding=1), dict(dilation=2, groups=2),
                                  dict(stride=(1, 3), output_padding=(0, 2))])
def test_conv_transpose2d_gradcheck(opts):
    x, w, b = t64(2, 4, 4, 3), t64(4, 3, 3, 2, seed=1), t64(3 * opts.get("groups", 1), seed=2)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, **opts), (x, w, b))


def test_conv_second_derivatives():
    x, w = t64(2, 4, 5, 5), t64(4, 2, 3, 3, seed=1)
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=2), (x, w))
    assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
                         (t64(2, 4, 3, 3), t64(4, 3, 3, 3, seed=1)))


def test_conv_second_derivative_against_torch():
    # gradient penalty: d/dw || d conv(x, w) / dx ||^2
    x, w = rand(2, 3, 6, 6), rand(4, 3, 3, 3)
    out = {}
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.conv2d(xt, wt, padding=1, stride=2)
        (gx,) = lib.autograd.grad((y * y).sum(), xt, create_graph=True)
        (gx * gx).sum().backward()
        out[lib.__name__] = wt.grad.detach().numpy() if lib is torch else wt.grad.numpy()
    np.testing.assert_allclose(out["ember"], out["torch"], rtol=1e-4, atol=1e-3)


# ---------------------------------------------------------------- unfold / fold
def test_unfold_fold_match_torch():
    check(lambda lib, x: F_(lib).unfold(x, (2, 3), dilation=2, padding=1, stride=2), rand(2, 3, 9, 8))
    check(lambda lib, x: F_(lib).unfold(x, 3), rand(3, 5, 5))
    check(lambda lib, x: F_(lib).fold(x, (9, 8), (2, 3), dilation=2, padding=1, stride=2), rand(2, 18, 15))
    check(lambda lib, x: F_(lib).fold(x, (4, 5), 2), rand(12, 12))


def test_unfold_fold_gradcheck_and_adjoint():
    x = t64(1, 2, 5, 6)
    assert gradcheck(lambda x: F.unfold(x, (2, 3), padding=1, stride=(2, 1)), (x,))
    c = t64(1, 8, 16)
    assert gradcheck(lambda c: F.fold(c, (5, 6), 2, stride=(1, 2), padding=(0, 1)), (c,))
    assert gradgradcheck(lambda x: F.unfold(x, 2, dilation=2) ** 2, (x,))


def test_conv_equals_unfold_matmul():
    x, w = rand(2, 3, 7, 6), rand(5, 3, 3, 3)
    ex, ew = ember.tensor(x), ember.tensor(w)
    cols = F.unfold(ex, 3, padding=1)
    y = (ew.reshape(5, -1) @ cols).reshape(2, 5, 7, 6)
    np.testing.assert_allclose(y.numpy(), F.conv2d(ex, ew, padding=1).numpy(), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- padding modes (the Pad primitive)
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
def test_pad_modes_match_torch(mode):
    pads = ((2, 1), (1, 3))
    x = rand(2, 3, 5, 6)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ey = apply(C.Pad, ex, pads=pads, mode=mode)
    ty = TF.pad(tx, (1, 3, 2, 1), mode=mode)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy())
    g = rand(*ty.shape)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_gradcheck(mode):
    x = t64(1, 2, 4, 5)
    assert gradcheck(lambda x: apply(C.Pad, x, pads=((1, 2), (3, 1)), mode=mode), (x,))
    assert gradgradcheck(lambda x: apply(C.Pad, x, pads=((1, 2), (3, 1)), mode=mode) ** 2, (x,))


def test_pad_negative_constant_crops():
    x = t64(1, 1, 5, 5)
    y = apply(C.Pad, x, pads=((-1, 2), (0, -2)), mode="constant")
    ty = TF.pad(torch.tensor(x.detach().numpy()), (0, -2, -1, 2))
    np.testing.assert_allclose(y.detach().numpy(), ty.numpy())
    assert gradcheck(lambda x: apply(C.Pad, x, pads=((-1, 2), (0, -2)), mode="constant"), (x,))


# ---------------------------------------------------------------- errors
W = rand(4, 3, 3, 3)


@pytest.mark.parametrize("fn,shape,match", [
    (lambda lib, x, w: F_(lib).conv2d(x, w), (2, 3), "Expected 3D \\(unbatched\\) or 4D"),
    (lambda lib, x, w: F_(lib).conv2d(x, w), (2, 5, 8, 8), "expected input\\[2, 5, 8, 8\\] to have 3 channels"),
    (lambda lib, x, w: F_(lib).conv2d(x, w), (2, 3, 2, 2), "Kernel size can't be greater"),
    (lambda lib, x, w: F_(lib).conv2d(x, w, padding="same", stride=2), (2, 3, 8, 8), "strided"),
    (lambda lib, x, w: F_(lib).conv2d(x, w, padding="foo"), (2, 3, 8, 8), "Invalid padding string"),
    (lambda lib, x, w: F_(lib).conv2d(x, w, padding=-1), (2, 3, 8, 8), "negative padding"),
    (lambda lib, x, w: F_(lib).conv2d(x, w, stride=0), (2, 3, 8, 8), "non-positive stride"),
    (lambda lib, x, w: F_(lib).conv2d(x, w, dilation=0), (2, 3, 8, 8), "non-positive dilation"),
    (lambda lib, x, w: F_(lib).conv2d(x, w, groups=3), (2, 9, 8, 8), "divisible by 3"),
    (lambda lib, x, w: F_(lib).conv2d(x, w, lib.zeros(3)), (2, 3, 8, 8), "bias"),
    (lambda lib, x, w: F_(lib).conv_transpose2d(x, w, output_padding=1), (2, 4, 5, 5), "output padding"),
    (lambda lib, x, w: F_(lib).conv_transpose2d(x, w), (2, 5, 5, 5), "to have 4 channels"),
    (lambda lib, x, w: F_(lib).conv1d(x, w[..., 0]), (2, 3, 4, 4), "Expected 2D \\(unbatched\\) or 3D"),
])
def test_conv_errors(fn, shape, match):
    check_error(fn, rand(*shape), W, match=match)


def test_fold_unfold_errors():
    check_error(lambda lib, x: F_(lib).unfold(x, 2), rand(3, 4))
    check_error(lambda lib, x: F_(lib).fold(x, (8, 8), 2), rand(1, 12, 10), match="sliding blocks")
    check_error(lambda lib, x: F_(lib).fold(x, (8, 8), 2), rand(1, 13, 49), match="divisible")
