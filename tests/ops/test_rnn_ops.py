"""ops/rnn.py: the fused cell primitives (against torch.*_cell, gradcheck, gradgradcheck) and
the whole-layer primitive (gradcheck over packed batches, both directions, every mode)."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF
from ember.autograd import gradcheck, gradgradcheck
from ember.autograd.node import apply
from ember.ops import rnn as R
from helpers import check, rand

RNG = np.random.default_rng(7)

CELLS = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 3}


def _cell_fn(lib, name):
    return getattr(torch, name + "_cell") if lib is torch else getattr(EF, name + "_cell")


@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch(name, bias):
    g, n, i, h = CELLS[name], 4, 5, 6
    args = [rand(n, i), rand(n, h, low=-1, high=1), rand(g * h, i, low=-.5, high=.5),
            rand(g * h, h, low=-.5, high=.5)]
    if bias:
        args += [rand(g * h, low=-.5, high=.5), rand(g * h, low=-.5, high=.5)]
    check(lambda lib, *a: _cell_fn(lib, name)(*a), *args)


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_cell_matches_torch(bias):
    n, i, h = 4, 5, 6
    args = [rand(n, i), rand(n, h, low=-1, high=1), rand(n, h), rand(4 * h, i, low=-.5, high=.5),
            rand(4 * h, h, low=-.5, high=.5)]
    if bias:
        args += [rand(4 * h, low=-.5, high=.5), rand(4 * h, low=-.5, high=.5)]
    check(lambda lib, x, hh, c, *w: _cell_fn(lib, "lstm")(x, (hh, c), *w), *args)


def _t64(*shape, scale=0.5):
    return ember.tensor(RNG.uniform(-scale, scale, shape), dtype=ember.float64, requires_grad=True)


@pytest.mark.parametrize("op,g", [(R.RNNTanhCell, 1), (R.RNNReluCell, 1), (R.GRUCell, 3)])
def test_cell_gradcheck_and_gradgradcheck(op, g):
    x, h = _t64(3, 4), _t64(3, 5)
    w = [_t64(g * 5, 4), _t64(g * 5, 5), _t64(g * 5), _t64(g * 5)]
    fn = lambda *a: apply(op, *a)  # noqa: E731
    assert gradcheck(fn, (x, h, *w))
    assert gradgradcheck(fn, (x, h, *w))


def test_lstm_cell_gradcheck_and_gradgradcheck():
    x, h, c = _t64(3, 4), _t64(3, 5), _t64(3, 5)
    w = [_t64(20, 4), _t64(20, 5), _t64(20), _t64(20)]
    fn = lambda *a: apply(R.LSTMCell, *a)  # noqa: E731
    assert gradcheck(fn, (x, h, c, *w))
    assert gradgradcheck(fn, (x, h, c, *w))


def test_cell_without_bias_gradcheck():
    x, h = _t64(2, 3), _t64(2, 4)
    assert gradcheck(lambda *a: apply(R.GRUCell, *a), (x, h, _t64(12, 3), _t64(12, 4)))


@pytest.mark.parametrize("mode", ["tanh", "relu", "gru", "lstm", "lstm-proj"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_sizes", [(3, 3, 3), (3, 2, 2, 1)])
def test_layer_gradcheck(mode, reverse, batch_sizes):
    proj = mode == "lstm-proj"
    mode = "lstm" if proj else mode
    g, hid, inp = R.GATES[mode], 4, 3
    out_w = 2 if proj else hid
    n = batch_sizes[0]
    x = _t64(sum(batch_sizes), inp, scale=1.0)
    h0 = _t64(n, out_w)
    c0 = _t64(n, hid) if mode == "lstm" else None
    w_ih, w_hh, b_ih, b_hh = _t64(g * hid, inp), _t64(g * hid, out_w), _t64(g * hid), _t64(g * hid)
    w_hr = _t64(out_w, hid) if proj else None
    if mode == "relu":  # keep pre-activations away from the kink at 0
        b_ih = ember.tensor(np.full(hid, 0.7), dtype=ember.float64, requires_grad=True)

    def fn(x, h0, *rest):
        rest = list(rest)
        c = rest.pop(0) if c0 is not None else None
        w = rest + [None] * (5 - len(rest))
        return apply(R.RecurrentLayer, x, h0, c, *w, mode=mode, batch_sizes=batch_sizes, reverse=reverse)

    inputs = [x, h0] + ([c0] if c0 is not None else []) + [w_ih, w_hh, b_ih, b_hh] + ([w_hr] if proj else [])
    assert gradcheck(fn, tuple(inputs))


def test_layer_without_bias_gradcheck():
    x, h0 = _t64(6, 3), _t64(2, 4)
    w_ih, w_hh = _t64(12, 3), _t64(12, 4)
    fn = lambda x, h, a, b: apply(R.RecurrentLayer, x, h, None, a, b, None, None, None,  # noqa: E731
                                  mode="gru", batch_sizes=(2, 2, 1, 1), reverse=False)
    assert gradcheck(fn, (x, h0, w_ih, w_hh))


def test_layer_double_backward_raises_clearly():
    x, h0 = _t64(4, 3), _t64(2, 4)
    out, hn = apply(R.RecurrentLayer, x, h0, None, _t64(12, 3), _t64(12, 4), None, None, None,
                    mode="gru", batch_sizes=(2, 2), reverse=False)
    with pytest.raises(RuntimeError, match="double backward"):
        ember.autograd.grad(out.sum(), x, create_graph=True)


def test_layer_no_grad_path_and_dtype():
    x = ember.tensor(rand(6, 3))
    h0 = ember.zeros(2, 4)
    w = [ember.tensor(rand(16, 3)), ember.tensor(rand(16, 4))]
    out, hn, cn = apply(R.RecurrentLayer, x, h0, ember.zeros(2, 4), *w, None, None, None, mode="lstm",
                        batch_sizes=(2, 2, 2), reverse=True)
    assert out.dtype == ember.float32 and hn.dtype == ember.float32 and cn.dtype == ember.float32
    assert tuple(out.shape) == (6, 4) and out.grad_fn is None
    # reverse direction: the final state is the output of step 0
    np.testing.assert_array_equal(hn.numpy(), out.numpy()[:2])


def test_saturated_gates_stay_finite():
    """s(a) = 0.5 tanh(a/2) + 0.5 never overflows, even for huge pre-activations."""
    x = ember.tensor(np.full((4, 3), 1e4, np.float32), requires_grad=True)
    w = ember.tensor(np.full((12, 3), 1.0, np.float32), requires_grad=True)
    out, hn = apply(R.RecurrentLayer, x, ember.zeros(2, 4), None, w, ember.zeros(12, 4), None, None, None,
                    mode="gru", batch_sizes=(2, 2), reverse=False)
    out.sum().backward()
    assert np.isfinite(out.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
