"""F.ctc_loss / nn.CTCLoss / torch.ctc_loss against torch: values and gradients with
respect to log_probs (PyTorch's own gradient, compared at the leaf), both target
layouts, every reduction, zero_infinity, impossible alignments, unbatched input,
argument errors, gradcheck through log_softmax, and CPU autocast."""
import numpy as np
import pytest
import torch

import ember
from tests.helpers import check_error

RNG = np.random.default_rng(1234)


def _case(T, N, C, S, rng, blank=0, repeat=False):
    """Random log-probabilities (T, N, C), padded targets (N, S) without ``blank``,
    input lengths in [1, T] and target lengths in [0, S]."""
    x = rng.normal(size=(T, N, C))
    lp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    labels = [c for c in range(C) if c != blank]
    tg = rng.choice(labels, size=(N, S))
    if repeat:
        tg[:, 1::2] = tg[:, ::2][:, :tg[:, 1::2].shape[1]]
    il = rng.integers(1, T + 1, size=N)
    tl = rng.integers(0, S + 1, size=N)
    return lp, tg, il, tl


def _concat(tg, tl):
    return np.concatenate([tg[b, :tl[b]] for b in range(len(tl))]).astype(np.int64)


def _compare(lp, tg, il, tl, dtype=np.float64, tensors=False, atol=1e-10, rtol=1e-9, lib_fn=None, **kw):
    """Run F.ctc_loss (or ``lib_fn(lib, ...)``) in both libraries on the same data and
    compare the loss and the gradient with respect to log_probs (nan where torch's is)."""
    lib_fn = lib_fn or (lambda lib, *a, **k: lib.nn.functional.ctc_loss(*a, **k))
    outs = []
    for lib in (torch, ember):
        x = lib.tensor(lp.astype(dtype), requires_grad=True)
        t = lib.tensor(tg)
        if tensors:
            a, b = lib.tensor(np.asarray(il), dtype=lib.int32), lib.tensor(np.asarray(tl))
        else:
            a, b = [int(v) for v in np.atleast_1d(il)], [int(v) for v in np.atleast_1d(tl)]
        out = lib_fn(lib, x, t, a, b, **kw)
        g = np.random.default_rng(7).uniform(0.5, 1.5, size=tuple(out.shape)).astype(dtype)
        out.backward(lib.tensor(g))
        outs.append((out, x.grad))
    (to, tgd), (eo, egd) = outs
    assert str(eo.dtype).split(".")[-1] == str(to.dtype).split(".")[-1]
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), atol=atol, rtol=rtol)
    np.testing.assert_allclose(egd.numpy(), tgd.numpy(), atol=atol, rtol=rtol, equal_nan=True)
    return eo, to


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("seed", range(4))
def test_random_padded_float64(reduction, seed):
    rng = np.random.default_rng(seed)
    lp, tg, il, tl = _case(12, 4, 6, 4, rng, repeat=seed % 2 == 1)
    _compare(lp, tg, il, tl, reduction=reduction)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_concatenated_targets(reduction):
    lp, tg, il, tl = _case(10, 5, 5, 3, RNG)
    _compare(lp, _concat(tg, tl), il, tl, reduction=reduction)


def test_float32_and_tensor_lengths():
    lp, tg, il, tl = _case(30, 6, 8, 7, RNG, repeat=True)
    _compare(lp, tg, il, tl, dtype=np.float32, tensors=True, atol=2e-5, rtol=2e-5, reduction="none")
    _compare(lp, tg, il, tl, dtype=np.float32, tensors=True, atol=2e-5, rtol=2e-5, reduction="mean")


def test_repeated_labels_need_blanks():
    # "1 1 1" needs at least 5 frames (blanks between repeats); 5 is just possible
    lp, _, _, _ = _case(5, 2, 3, 3, RNG)
    tg = np.array([[1, 1, 1], [2, 1, 2]])
    _compare(lp, tg, [5, 3], [3, 3], reduction="none")


def test_zero_length_targets_and_zero_length_inputs():
    lp, tg, _, _ = _case(6, 4, 4, 2, RNG)
    _compare(lp, tg, [6, 3, 0, 0], [0, 0, 0, 2], reduction="none")
    _compare(lp, tg, [6, 3, 0, 0], [0, 0, 0, 2], reduction="mean", zero_infinity=True)


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_impossible_alignments(reduction, zero_infinity):
    # sample 0: 3 repeated labels in 3 frames (needs 5) -> inf (nan gradient), or 0 / 0
    lp, _, _, _ = _case(4, 3, 4, 3, RNG)
    tg = np.array([[1, 1, 1], [2, 3, 1], [3, 3, 0]])
    eo, to = _compare(lp, tg, [3, 4, 4], [3, 3, 2], reduction=reduction, zero_infinity=zero_infinity)
    if reduction == "none":
        assert np.isinf(eo.detach().numpy()[0]) != zero_infinity


def test_nonzero_blank():
    lp, tg, il, tl = _case(9, 3, 5, 3, RNG, blank=4)
    _compare(lp, tg, il, tl, blank=4, reduction="sum")


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_unbatched(reduction):
    lp, tg, _, _ = _case(7, 1, 5, 3, RNG)
    _compare(lp[:, 0], tg[0], [7], [3], reduction=reduction)
    _compare(lp[:, 0], tg[0, :2], 6, 2, tensors=True, reduction=reduction)   # 0-d length tensors


def test_single_frame_and_long_sequence():
    lp, tg, il, tl = _case(1, 3, 4, 1, RNG)
    _compare(lp, tg, [1, 1, 1], [1, 0, 1], reduction="none")
    lp, tg, il, tl = _case(60, 2, 10, 20, RNG, repeat=True)
    _compare(lp, tg, [60, 50], [20, 15], reduction="none", atol=1e-9)


def test_module_and_top_level():
    lp, tg, il, tl = _case(8, 3, 5, 3, RNG)
    _compare(lp, tg, il, tl, lib_fn=lambda lib, *a: lib.nn.CTCLoss(blank=0, reduction="sum")(*a))
    _compare(lp, tg, il, tl, lib_fn=lambda lib, *a: lib.nn.CTCLoss(reduction="none", zero_infinity=True)(*a))
    for r in ((), (0,), (0, 1), (0, 2), (0, 0)):
        _compare(lp, tg, il, tl, lib_fn=lambda lib, *a: lib.ctc_loss(*a, *r))
    _compare(lp, tg, il, tl, tensors=True,
             lib_fn=lambda lib, *a: lib.ctc_loss(*a, blank=0, reduction=1, zero_infinity=True))


def test_grad_fn_name():
    lp, tg, il, tl = _case(5, 2, 4, 2, RNG)
    x = ember.tensor(lp, requires_grad=True)
    out = ember.nn.functional.ctc_loss(x, ember.tensor(tg), list(il), list(tl), reduction="none")
    assert out.grad_fn.name() == "CtcLossBackward0"


def test_gradcheck_through_log_softmax():
    # PyTorch's gradient is written for log_probs = log_softmax(logits): checked through it
    x = ember.tensor(RNG.normal(size=(5, 2, 4)), requires_grad=True)
    tg = ember.tensor([[1, 1], [3, 2]])

    def f(x):
        return ember.nn.functional.ctc_loss(x.log_softmax(2), tg, [5, 4], [2, 1], reduction="none")

    assert ember.autograd.gradcheck(f, (x,))


def test_autocast_cpu_runs_in_float32():
    lp, tg, il, tl = _case(5, 2, 4, 2, RNG)
    res = []
    for lib in (torch, ember):
        x = lib.tensor(lp.astype(np.float32)).half()
        with lib.autocast("cpu", dtype=lib.float16):
            res.append(lib.nn.functional.ctc_loss(x, lib.tensor(tg), list(il), list(tl)))
    assert res[1].dtype == ember.float32 and res[0].dtype == torch.float32
    np.testing.assert_allclose(res[1].numpy(), res[0].numpy(), rtol=1e-5)


_LP = np.log(np.full((4, 2, 3), 1 / 3))
_TG = np.array([[1, 2], [2, 1]])


@pytest.mark.parametrize("fn", [
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, [5, 4], [2, 2]),            # input too long
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, [-1, 4], [2, 2]),           # negative input length
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, [4, 4], [2, -1]),           # negative target length
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, [4, 4], [3, 2]),            # targets too short
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t.reshape(-1), [4, 4], [2, 1]),  # concat size
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t[:1], [4, 4], [2, 2]),        # batch of targets
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, [4], [2, 2]),               # input_lengths size
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, [4, 4], [2]),               # target_lengths size
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, [4, 4], [2, 2], blank=3),   # blank range
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t.reshape(1, 2, 2), [4, 4], [2, 2]),  # 3-d targets
    lambda lib, x, t: lib.nn.functional.ctc_loss(x[0, 0], t, [4], [2]),            # 1-d log_probs
    lambda lib, x, t: lib.nn.functional.ctc_loss(x.long(), t, [4, 4], [2, 2]),     # integer log_probs
    lambda lib, x, t: lib.nn.functional.ctc_loss(x.half(), t, [4, 4], [2, 2]),     # half on the CPU
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, [4, 4], [2, 2], reduction="avg"),
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, lib.tensor([4.0, 4.0]), lib.tensor([2, 2])),
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, lib.tensor([4, 4]), lib.tensor([2.0, 2.0])),
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, (4, 4), lib.tensor([2, 2])),  # mixed overloads
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, 4, 2),
    lambda lib, x, t: lib.nn.functional.ctc_loss(x, [[1, 2], [2, 1]], [4, 4], [2, 2]),
    lambda lib, x, t: lib.ctc_loss(x, t, [4, 4], [2, 2], 0, "mean"),
])
def test_errors(fn):
    check_error(fn, _LP, _TG)


def test_out_of_range_label_is_an_error():
    # PyTorch's CPU kernel reads out of bounds here; ember refuses
    x = ember.tensor(_LP)
    with pytest.raises(RuntimeError, match="out of range"):
        ember.nn.functional.ctc_loss(x, ember.tensor([[1, 3], [2, 1]]), [4, 4], [2, 2])


def test_second_order_is_refused():
    # PyTorch defines no derivative of the CTC gradient; ember refuses to build one
    x = ember.tensor(RNG.normal(size=(4, 2, 3)), requires_grad=True)
    loss = ember.nn.functional.ctc_loss(x.log_softmax(2), ember.tensor([[1], [2]]), [4, 4], [1, 1])
    with pytest.raises(RuntimeError, match="_ctc_loss_backward"):
        ember.autograd.grad(loss, x, create_graph=True)
