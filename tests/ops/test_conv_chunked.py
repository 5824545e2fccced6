"""The chunked CPU convolution path (ops/conv.py: _fast_forward/_fast_backward): the
batch cut into several image chunks, on one and on two threads, both dW strategies
(per-image products for many output positions, one long GEMM per chunk for fewer, and for
fewest the batch folded into one GEMM per chunk in forward, dW (either orientation) and dx),
the flat-shift data gradient for stride 1, per stride phase for larger strides, and the strided
scatter otherwise; against torch."""
import numpy as np
import pytest

import ember
from ember.ops import conv as C
from helpers import check, rand


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    old = ember.get_num_threads()
    ember.set_num_threads(request.param)
    yield request.param
    ember.set_num_threads(old)


@pytest.fixture(params=["small-chunks", "default-chunks"])
def chunks(request, monkeypatch):
    if request.param == "small-chunks":
        monkeypatch.setattr(C, "CHUNK_BYTES", 1)  # one image per chunk: many chunks
        monkeypatch.setattr(C, "FOLD_COLUMNS", 1)  # the same for the batch-folded path
    return request.param


@pytest.mark.parametrize("variant", ["wide", "narrow"])
@pytest.mark.parametrize("mode", ["per-image", "long-GEMM-dW", "batch-folded"])
@pytest.mark.parametrize("opts", [dict(padding=2), dict(), dict(stride=2, padding=1), dict(dilation=2, padding=1),
                                  dict(stride=(1, 2), dilation=(2, 1))])
def test_conv2d_chunked_matches_torch(threads, chunks, mode, opts, variant, monkeypatch):
    monkeypatch.setattr(C, "BATCHED_MIN_POSITIONS", 1 if mode == "per-image" else 10 ** 9)
    monkeypatch.setattr(C, "FOLD_MAX_POSITIONS", 10 ** 9 if mode == "batch-folded" else 0)
    # batch-folded: dW as (Oc, C*Kp) and the flat-shift dx for every stride-1 map ("wide"),
    # or dW as (C*Kp, Oc) and the strided dx scatter ("narrow")
    monkeypatch.setattr(C, "W_FIRST_MIN_CHANNELS", 1 if variant == "wide" else 10 ** 9)
    monkeypatch.setattr(C, "FLAT_MAX_GRID_RATIO", 100.0 if variant == "wide" else 0.0)
    # unfolded chunks: the flat-shift dx in the folded layout (one GEMM per chunk) or per image
    monkeypatch.setattr(C, "FLAT_FOLD_MAX_POSITIONS", 10 ** 9 if variant == "wide" else 0)
    # strided: dx by per-phase flat shifts ("wide") or by the strided scatter ("narrow")
    monkeypatch.setattr(C, "PHASED_DX", variant == "wide")
    x, w, b = rand(5, 3, 11, 9), rand(4, 3, 3, 3), rand(4)
    # float32 weight gradients sum ~500 products of size ~4: absolute rounding up to ~1e-4
    check(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **opts), x, w, b, grad_atol=2e-4)


@pytest.mark.parametrize("dims", [1, 3])
def test_conv1d_conv3d_chunked(threads, chunks, dims):
    shape = (3, 2) + (7,) * dims
    x, w = rand(*shape), rand(*((4, 2) + (3,) * dims))
    fn = {1: "conv1d", 3: "conv3d"}[dims]
    # float32 sums of ~300 terms of size ~30: an absolute tolerance on that scale
    check(lambda lib, x, w: getattr(lib.nn.functional, fn)(x, w, None, padding=1), x, w, grad_atol=2e-4)


def test_lenet_shapes_float64(threads):
    """LeNet's two layers (P = 784 and 100 output positions per image), float64, some
    inputs without grad (the first layer's data never needs one)."""
    x, w, b = rand(6, 1, 28, 28, dtype=np.float64), rand(6, 1, 5, 5, dtype=np.float64), rand(6, dtype=np.float64)
    check(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=2), x, w, b)
    x2, w2 = rand(6, 6, 14, 14, dtype=np.float64), rand(16, 6, 5, 5, dtype=np.float64)
    check(lambda lib, x, w: lib.nn.functional.conv2d(x, w), x2, w2)
    xe = ember.tensor(x2)  # input without grad: only dW
    we = ember.tensor(w2, requires_grad=True)
    ember.nn.functional.conv2d(xe, we).sum().backward()
    import torch
    wt = torch.tensor(w2, requires_grad=True)
    torch.nn.functional.conv2d(torch.tensor(x2), wt).sum().backward()
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_saves_only_the_input():
    """Forward keeps no columns for backward (they are rebuilt chunk by chunk)."""
    x = ember.tensor(rand(2, 3, 8, 8), requires_grad=True)
    conv = ember.nn.Conv2d(3, 4, 3)
    y = conv(x)
    saved = y.grad_fn.saved
    assert saved[2] is None and saved[0] is x._data
    # the zero-padded input (kept for the weight gradient) is x itself without padding
    assert saved[3] is x._data


@pytest.mark.parametrize("stride", [1, 2])
def test_nonfinite_weight_gradient_matches_torch(stride):
    """An inf in W: the stride-1 flat scatter (which adds W^T 0 off the true outputs) is
    skipped, so dx has NaN/inf exactly where PyTorch has them."""
    import torch
    x, w = rand(2, 2, 6, 6), rand(3, 2, 3, 3)
    w[1, 0, 2, 2] = np.inf
    g = rand(2, 3, 4, 4) if stride == 1 else rand(2, 3, 2, 2)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ember.nn.functional.conv2d(xe, ember.tensor(w), stride=stride).backward(ember.tensor(g))
    torch.nn.functional.conv2d(xt, torch.tensor(w), stride=stride).backward(torch.tensor(g))
    e, t = xe.grad.numpy(), xt.grad.numpy()
    np.testing.assert_array_equal(np.isfinite(e), np.isfinite(t))
    np.testing.assert_allclose(e[np.isfinite(t)], t[np.isfinite(t)], rtol=1e-4, atol=1e-4)
