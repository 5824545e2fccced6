"""nn.RNN/GRU/LSTM and the cells against torch: the same weights (copied by state_dict) give
the same outputs, final states and gradients (input, h_0/c_0, every parameter) for every
option combination; default init, reprs, parameter layout, errors, and the seed snippet."""
import itertools
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
from helpers import assert_close, check_error

RNG = np.random.default_rng(3)
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

KINDS = {"rnn_tanh": ("RNN", {}), "rnn_relu": ("RNN", {"nonlinearity": "relu"}), "gru": ("GRU", {}),
         "lstm": ("LSTM", {}), "lstm_proj": ("LSTM", {"proj_size": 3})}


def make_pair(cls, *args, dtype=torch.float32, **kw):
    """The torch layer and an ember layer holding the same weights."""
    t = getattr(torch.nn, cls)(*args, **kw).to(dtype)
    e = getattr(ember.nn, cls)(*args, **kw)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return e, t


def flat(out):
    """Output tensors in order (PackedSequence -> data, tuples flattened)."""
    if isinstance(out, (torch.nn.utils.rnn.PackedSequence, ember.nn.utils.rnn.PackedSequence)):
        return [out.data]
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in flat(o)]
    return [out]


def run_both(e, t, fn, arrays, atol=None, rtol=None, grad_atol=None):
    """fn(lib, module, *tensors) in both frameworks: compare outputs, then input and
    parameter gradients after one random upstream gradient."""
    np_dt = np.float64 if next(t.parameters()).dtype == torch.float64 else np.float32
    t_in = [torch.tensor(a.astype(np_dt), requires_grad=True) for a in arrays]
    e_in = [ember.tensor(a.astype(np_dt), requires_grad=True) for a in arrays]
    t_out, e_out = flat(fn(torch, t, *t_in)), flat(fn(ember, e, *e_in))
    assert len(t_out) == len(e_out)
    for i, (a, b) in enumerate(zip(e_out, t_out)):
        assert_close(a, b, atol, rtol, f"output {i}")
    gs = [RNG.standard_normal(tuple(o.shape)).astype(np_dt) for o in t_out]
    torch.autograd.backward(t_out, [torch.tensor(g) for g in gs])
    ember.autograd.backward(e_out, [ember.tensor(g) for g in gs])
    ga = grad_atol or atol
    for i, (a, b) in enumerate(zip(e_in, t_in)):
        assert_close(a.grad, b.grad, ga, rtol, f"grad of input {i}")
    ep = dict(e.named_parameters())
    for name, p in t.named_parameters():
        assert_close(ep[name].grad, p.grad, ga, rtol, f"grad of {name}")


def _forward(kind, packing, batch_first, with_h0, lengths):
    lstm = kind.startswith("lstm")

    def fn(lib, m, x, *states):
        hx = None
        if with_h0:
            hx = (states[0], states[1]) if lstm else states[0]
        R = lib.nn.utils.rnn
        if packing == "none":
            return m(x, hx)
        seq = R.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=packing == "sorted")
        out, h = m(seq, hx)
        padded, lens = R.pad_packed_sequence(out, batch_first=batch_first)
        return out, h, padded
    return fn


CASES = list(itertools.product(sorted(KINDS), [1, 2], [False, True], [False, True],
                               ["none", "unbatched", "sorted", "unsorted"], [False, True]))


@pytest.mark.parametrize("kind,layers,bidir,batch_first,packing,with_h0", CASES)
def test_layer_matches_torch(kind, layers, bidir, batch_first, packing, with_h0):
    cls, kw = KINDS[kind]
    T, N, I, H = 5, 3, 4, 6
    torch.manual_seed(len(kind) * 7 + layers)
    e, t = make_pair(cls, I, H, num_layers=layers, bidirectional=bidir, batch_first=batch_first, **kw)
    D = layers * (2 if bidir else 1)
    H_out = kw.get("proj_size", H)
    if packing == "unbatched":
        arrays = [RNG.uniform(-1, 1, (T, I))]
        states = [(D, H_out), (D, H)]
    else:
        arrays = [RNG.uniform(-1, 1, (N, T, I) if batch_first else (T, N, I))]
        states = [(D, N, H_out), (D, N, H)]
    if with_h0:
        arrays += [RNG.uniform(-1, 1, s) for s in states[:2 if cls == "LSTM" else 1]]
    lengths = [5, 4, 2] if packing == "sorted" else [3, 5, 2]
    fn = _forward(kind, "none" if packing == "unbatched" else packing, batch_first, with_h0, lengths)
    run_both(e, t, fn, arrays, atol=1e-5, grad_atol=1e-4)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("packing", ["none", "unsorted"])
def test_layer_matches_torch_float64(kind, packing):
    cls, kw = KINDS[kind]
    torch.manual_seed(1)
    e, t = make_pair(cls, 3, 5, num_layers=2, bidirectional=True, dtype=torch.float64, **kw)
    e.double()
    x = RNG.uniform(-1, 1, (6, 4, 3))
    fn = _forward(kind, packing, False, False, [2, 6, 1, 4])
    run_both(e, t, fn, [x], atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_no_bias_and_longer_sequence(cls):
    torch.manual_seed(2)
    e, t = make_pair(cls, 8, 16, num_layers=2, bias=False)
    run_both(e, t, lambda lib, m, x: m(x), [RNG.uniform(-1, 1, (40, 5, 8))], atol=1e-5, grad_atol=2e-4)


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_dropout_between_layers(cls):
    torch.manual_seed(4)
    e, t = make_pair(cls, 4, 6, num_layers=3, dropout=0.5)
    x = RNG.uniform(-1, 1, (5, 2, 4)).astype(np.float32)
    e.eval(), t.eval()
    eo, to = e(ember.tensor(x)), t(torch.tensor(x))
    assert_close(flat(eo), flat(to))
    e.train()
    ember.manual_seed(0)
    tr = flat(e(ember.tensor(x)))
    assert [tuple(o.shape) for o in tr] == [tuple(o.shape) for o in flat(to)]
    assert not np.allclose(tr[0].detach().numpy(), flat(eo)[0].detach().numpy())
    # the last layer's output is never dropped: dropout=1 still gives finite outputs
    e.dropout = 1.0
    assert np.isfinite(flat(e(ember.tensor(x)))[0].detach().numpy()).all()


def test_dropout_warning_single_layer():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        ember.nn.GRU(3, 4, dropout=0.2)


# ------------------------------------------------------------------------------------- cells

CELL_KINDS = {"rnn_tanh": ("RNNCell", {}), "rnn_relu": ("RNNCell", {"nonlinearity": "relu"}),
              "gru": ("GRUCell", {}), "lstm": ("LSTMCell", {})}


@pytest.mark.parametrize("kind,bias,batched,with_h", list(itertools.product(sorted(CELL_KINDS), [True, False],
                                                                            [True, False], [True, False])))
def test_cell_matches_torch(kind, bias, batched, with_h):
    cls, kw = CELL_KINDS[kind]
    torch.manual_seed(5)
    e, t = make_pair(cls, 4, 6, bias=bias, **kw)
    lead = (3,) if batched else ()
    arrays = [RNG.uniform(-1, 1, lead + (4,))]
    if with_h:
        arrays += [RNG.uniform(-1, 1, lead + (6,)) for _ in range(2 if cls == "LSTMCell" else 1)]

    def fn(lib, m, x, *states):
        if not states:
            return m(x)
        return m(x, tuple(states)) if cls == "LSTMCell" else m(x, states[0])
    run_both(e, t, fn, arrays)


def test_cell_loop_matches_layer():
    """A GRUCell run step by step gives what GRU gives (same weights)."""
    torch.manual_seed(6)
    cell = ember.nn.GRUCell(4, 5)
    layer = ember.nn.GRU(4, 5)
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = ember.tensor(RNG.uniform(-1, 1, (7, 2, 4)).astype(np.float32))
    h = None
    outs = []
    for step in x:
        h = cell(step, h)
        outs.append(h)
    out, hn = layer(x)
    np.testing.assert_allclose(ember.stack(outs).detach().numpy(), out.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(hn[0].detach().numpy(), h.detach().numpy(), atol=1e-6)


# ------------------------------------------------------------------- layout, init, repr


@pytest.mark.parametrize("cls,kw", [("RNN", {}), ("GRU", {"num_layers": 2, "bidirectional": True}),
                                    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
                                    ("LSTM", {"bias": False, "proj_size": 3}), ("GRUCell", {}),
                                    ("LSTMCell", {"bias": False}), ("RNNCell", {"nonlinearity": "relu"})])
def test_parameter_layout_matches_torch(cls, kw):
    e, t = make_pair(cls, 7, 5, **kw)
    assert [(k, tuple(v.shape)) for k, v in e.named_parameters()] == \
        [(k, tuple(v.shape)) for k, v in t.named_parameters()]
    assert list(e.state_dict()) == list(t.state_dict())
    if not cls.endswith("Cell"):
        assert e._flat_weights_names == t._flat_weights_names
        assert [[tuple(p.shape) for p in ws] for ws in e.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in t.all_weights]
        assert e.all_weights[0][0] is e.weight_ih_l0
        assert e.flatten_parameters() is None


@pytest.mark.parametrize("cls", ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"])
def test_default_init_distribution(cls):
    """Every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)), as torch's."""
    ember.manual_seed(0)
    torch.manual_seed(0)
    e = getattr(ember.nn, cls)(64, 100)
    t = getattr(torch.nn, cls)(64, 100)
    bound = 1 / np.sqrt(100)
    for (name, pe), (_, pt) in zip(e.named_parameters(), t.named_parameters()):
        a, b = pe.detach().numpy(), pt.detach().numpy()
        assert a.dtype == np.float32
        assert a.min() >= -bound and a.max() <= bound, name
        assert a.min() < -0.95 * bound and a.max() > 0.95 * bound, name
        std = 2 * bound / np.sqrt(12)
        assert abs(a.mean()) < 4 * std / np.sqrt(a.size) + 1e-3, name
        tol = 5 * std / np.sqrt(2 * a.size)  # five standard errors of a sample std
        assert abs(a.std() - std) < tol and abs(b.std() - std) < tol, name


@pytest.mark.parametrize("cls,args,kw", [
    ("GRU", (10, 20), {"num_layers": 2, "batch_first": True}), ("RNN", (3, 4), {}),
    ("RNN", (3, 4), {"nonlinearity": "relu", "bias": False, "dropout": 0.5, "num_layers": 2}),
    ("LSTM", (3, 4), {"proj_size": 2, "bidirectional": True}), ("RNN", (3, 4, 2, "relu"), {}),
    ("GRUCell", (5, 6), {}), ("RNNCell", (3, 4), {"nonlinearity": "relu"}), ("LSTMCell", (2, 3), {"bias": False})])
def test_repr_matches_torch(cls, args, kw):
    e, t = getattr(ember.nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    assert repr(e) == repr(t)


def test_repr_inside_a_model():
    e = ember.nn.Sequential(ember.nn.GRU(10, 20, num_layers=2, batch_first=True))
    t = torch.nn.Sequential(torch.nn.GRU(10, 20, num_layers=2, batch_first=True))
    assert repr(e) == repr(t)


# ----------------------------------------------------------------------------------- errors


def _layer_error(cls, x_shape, h_shape=None, c_shape=None, match=None, **kw):
    def fn(lib, x, *states):
        m = getattr(lib.nn, cls)(10, 20, **kw)
        if not states:
            return m(x)
        return m(x, tuple(states) if cls == "LSTM" else states[0])
    arrays = [np.zeros(x_shape, np.float32)] + [np.zeros(s, np.float32) for s in (h_shape, c_shape) if s]
    return check_error(fn, *arrays, match=match)


def test_errors_match_torch():
    _layer_error("GRU", (5, 3, 7), match=re.escape("input.size(-1) must be equal to input_size. Expected 10, got 7"))
    _layer_error("GRU", (5, 3, 10), (1, 4, 20), match=re.escape("Expected hidden size (1, 3, 20), got [1, 4, 20]"))
    _layer_error("LSTM", (5, 3, 10), (1, 4, 20), (1, 3, 20),
                 match=re.escape("Expected hidden[0] size (1, 3, 20), got [1, 4, 20]"))
    _layer_error("LSTM", (5, 3, 10), (1, 3, 20), (1, 3, 21),
                 match=re.escape("Expected hidden[1] size (1, 3, 20), got [1, 3, 21]"))
    _layer_error("RNN", (5, 3, 10, 1), match="RNN: Expected input to be 2D or 3D, got 4D tensor instead")
    _layer_error("GRU", (5, 3, 10), (3, 20), match="hx should also be 3-D but got 2-D")
    _layer_error("GRU", (5, 10), (1, 1, 20), match="hx should also be 2-D but got 3-D")
    _layer_error("GRU", (0, 3, 10), match="sequence length to be larger than 0")
    _layer_error("GRU", (5, 3, 10), (2, 3, 20), match=re.escape("Expected hidden size (1, 3, 20)"))
    check_error(lambda lib, x: lib.nn.GRU(10, 20)(x.double()), np.zeros((5, 3, 10), np.float32),
                match="does not match weight dtype")


@pytest.mark.parametrize("make", [
    lambda nn: nn.GRU(3, 4, proj_size=2), lambda nn: nn.RNN(3, 4, nonlinearity="gelu"),
    lambda nn: nn.LSTM(3, 4, proj_size=4), lambda nn: nn.LSTM(3, 4, proj_size=-1),
    lambda nn: nn.GRU(3, 4, dropout=1.5), lambda nn: nn.GRU(3, 0), lambda nn: nn.GRU(3, 4, num_layers=0),
    lambda nn: nn.GRU(3, 4, bias=1), lambda nn: nn.GRU(3.0, 4)])
def test_constructor_errors_match_torch(make):
    check_error(lambda lib: make(lib.nn))


def test_cell_errors_match_torch():
    c = lambda lib, cls: getattr(lib.nn, cls)(10, 20)  # noqa: E731
    check_error(lambda lib, x: c(lib, "GRUCell")(x), np.zeros((3, 7), np.float32),
                match="input has inconsistent input_size: got 7 expected 10")
    check_error(lambda lib, x, h: c(lib, "GRUCell")(x, h), np.zeros((3, 10), np.float32),
                np.zeros((4, 20), np.float32), match="Input batch size 3 doesn't match hidden0 batch size 4")
    check_error(lambda lib, x, h: c(lib, "RNNCell")(x, h), np.zeros((3, 10), np.float32),
                np.zeros((3, 21), np.float32), match="hidden0 has inconsistent hidden_size: got 21, expected 20")
    check_error(lambda lib, x, h, cc: c(lib, "LSTMCell")(x, (h, cc)), np.zeros((3, 10), np.float32),
                np.zeros((3, 20), np.float32), np.zeros((3, 21), np.float32),
                match="hidden1 has inconsistent hidden_size")
    check_error(lambda lib, x: c(lib, "GRUCell")(x), np.zeros((2, 3, 10), np.float32),
                match="GRUCell: Expected input to be 1D or 2D, got 3D instead")
    check_error(lambda lib, x, h: c(lib, "LSTMCell")(x, (h, h)), np.zeros((3, 10), np.float32),
                np.zeros((1, 3, 20), np.float32), match=re.escape("LSTMCell: Expected hx[0] to be 1D or 2D"))


# ------------------------------------------------------------------------------ seed snippet


def _shape_only(text: str) -> str:
    """Printed tensors with their numbers (and the padding that depends on their signs)
    blanked: the weights are random."""
    return re.sub(r" *-?\d+\.\d*(e[+-]?\d+)?", " #", text)


def test_seed_seq2seq_snippet_runs_under_ember_python():
    path = "/work/shared/seed-snippets/001_L2095_seq2seq_gru_encoder_decoder.py"
    if not os.path.exists(path):
        pytest.skip("seed snippets are not present on this machine")
    ember_python = os.path.join(os.path.dirname(sys.executable), "ember-python")
    res_e = subprocess.run([ember_python, path], capture_output=True, text=True, timeout=120, cwd=ROOT)
    res_t = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res_e.returncode == 0, res_e.stderr
    assert res_t.returncode == 0, res_t.stderr
    assert _shape_only(res_e.stdout) == _shape_only(res_t.stdout)
    assert "grad_fn=<AddmmBackward0>" in res_e.stdout
