"""Recurrent math: single cell steps and stacked (multi-layer, bidirectional) recurrences.

The cell functions have the signatures of PyTorch's ``torch.gru_cell`` family.
``recurrent`` is what ``nn.RNN``/``nn.GRU``/``nn.LSTM`` call: it runs every layer and
direction over a packed sequence (time-major rows, ``batch_sizes`` per step; an unpacked
(L, N, H_in) input is the packed sequence with every batch size N) through the fused
``ops.rnn.RecurrentLayer`` primitive, with dropout between layers while training.
"""
from __future__ import annotations

from typing import Sequence

from ...autograd.node import apply
from ...ops import rnn as R
from ...tensor.joining import cat, stack
from ...tensor.tensor import Tensor
from ...tensor import amp as _amp

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell", "recurrent"]

_AMP_KEY = {"tanh": "recurrent_rnn", "relu": "recurrent_rnn", "gru": "recurrent_gru", "lstm": "recurrent_lstm"}


def _check_cell(input: Tensor, hx: Sequence[Tensor], w_ih: Tensor, w_hh: Tensor) -> None:
    """PyTorch's cell checks: input width, hidden widths and batch sizes."""
    if input.shape[1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {w_ih.shape[1]}")
    for k, h in enumerate(hx):
        if input.shape[0] != h.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} batch size {h.shape[0]}")
        width = w_hh.shape[1]
        if h.shape[1] != width:
            raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.shape[1]}, expected {width}")
    for t in (*hx, w_ih, w_hh):
        if t.dtype != input.dtype:
            raise RuntimeError(f"expected all RNN cell inputs and weights to share one dtype, got "
                               f"input {input.dtype} and {t.dtype}")


def _cell(op, input, hx, w_ih, w_hh, b_ih, b_hh):
    _check_cell(input, (hx,), w_ih, w_hh)
    return apply(op, input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One step h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) on (batch, features) inputs."""
    if _amp.ON and _amp.T.on:
        return _amp.run("rnn_tanh_cell", rnn_tanh_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return _cell(R.RNNTanhCell, input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One step h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("rnn_relu_cell", rnn_relu_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return _cell(R.RNNReluCell, input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (gates r, z, n in PyTorch's order), fused in one primitive."""
    if _amp.ON and _amp.T.on:
        return _amp.run("gru_cell", gru_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return _cell(R.GRUCell, input, hx, w_ih, w_hh, b_ih, b_hh)


def lstm_cell(input: Tensor, hx: Sequence[Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step (gates i, f, g, o); ``hx = (h, c)``; returns ``(h', c')``."""
    if _amp.ON and _amp.T.on:
        return _amp.run("lstm_cell", lstm_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    h, c = hx
    _check_cell(input, (h, c), w_ih, w_hh)
    return apply(R.LSTMCell, input, h, c, w_ih, w_hh, b_ih, b_hh)


def _dropout(x: Tensor, p: float) -> Tensor:
    """Inverted dropout between layers: keep each element with probability 1 - p, scaled by 1/(1-p)."""
    if p >= 1.0:
        return x * 0.0
    mask = x.new_empty(x.shape).bernoulli_(1.0 - p)
    return x * mask.div_(1.0 - p)


def recurrent(mode: str, data: Tensor, batch_sizes: Sequence[int], hx: Tensor, cx: Tensor | None,
              weights: Sequence[Sequence[Tensor | None]], *, num_layers: int, dropout: float = 0.0,
              training: bool = False, bidirectional: bool = False) -> tuple[Tensor, Tensor, Tensor | None]:
    """Run a stacked recurrence over packed rows.

    ``mode``: 'tanh', 'relu', 'gru' or 'lstm'.  ``data``: (sum(batch_sizes), H_in), the
    rows of step t following those of step t-1, each step's batch sorted by decreasing
    length.  ``hx``: (num_layers * num_directions, batch, H_out); ``cx`` the LSTM cell
    state (None otherwise).  ``weights``: per layer and direction (PyTorch's order),
    ``(w_ih, w_hh, b_ih, b_hh, w_hr)`` with None for absent biases/projection.
    Returns ``(output rows, h_n, c_n or None)``; output rows hold both directions side by side."""
    if _amp.ON and _amp.T.on:
        return _amp.run(_AMP_KEY[mode], recurrent, mode, data, batch_sizes, hx, cx, weights, num_layers=num_layers,
                        dropout=dropout, training=training, bidirectional=bidirectional)
    dirs = 2 if bidirectional else 1
    bs = tuple(int(b) for b in batch_sizes)
    h_n, c_n = [], []
    x = data
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w_ih, w_hh, b_ih, b_hh, w_hr = weights[k]
            res = apply(R.RecurrentLayer, x, hx[k], None if cx is None else cx[k], w_ih, w_hh, b_ih, b_hh,
                        w_hr, mode=mode, batch_sizes=bs, reverse=d == 1)
            outs.append(res[0])
            h_n.append(res[1])
            if cx is not None:
                c_n.append(res[2])
        x = outs[0] if dirs == 1 else cat(outs, 1)
        if dropout > 0 and training and layer < num_layers - 1:
            x = _dropout(x, dropout)
    return x, stack(h_n, 0), (stack(c_n, 0) if cx is not None else None)

