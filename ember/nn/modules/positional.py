"""Positional encodings (ember additions: PyTorch has no such layers; these are the
ones its Transformer tutorial and d2l write by hand).

``PositionalEncoding``: the fixed sinusoidal table of "Attention Is All You Need",

    P[pos, 2i]   = sin(pos / 10000^(2i / d_model))
    P[pos, 2i+1] = cos(pos / 10000^(2i / d_model)),

added to the input, then dropout.  Each pair of columns is a rotation at its own
frequency, so P[pos + k] is a fixed linear map of P[pos] (relative positions are
linear to read).  The table is a persistent buffer ``pe``, shaped (max_len, 1,
d_model) as in PyTorch's tutorial, or (1, max_len, d_model) with ``batch_first``
(d2l's layout), so state_dicts of those hand-written versions load.

``LearnedPositionalEncoding``: a trained (max_len, d_model) table ``weight``, one
row per position (BERT and ViT style), initialised N(0, 1) as d2l's BERT.
"""
from __future__ import annotations

import math

import numpy as np

from ...tensor.creation import as_tensor
from ...tensor.factory import empty
from ...tensor.tensor import Tensor
from .. import init
from ..parameter import Parameter
from .dropout import Dropout
from .module import Module

__all__ = ["PositionalEncoding", "LearnedPositionalEncoding"]


def sinusoid_table(max_len: int, d_model: int) -> np.ndarray:
    """The (max_len, d_model) sinusoidal table, computed in float64, as float32."""
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    freq = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) / d_model))
    table = np.zeros((max_len, d_model), dtype=np.float64)
    table[:, 0::2] = np.sin(pos * freq)
    table[:, 1::2] = np.cos(pos * freq[: d_model // 2])
    return table.astype(np.float32)


def _seq_axis(x: Tensor, batch_first: bool, name: str) -> int:
    if x.dim() == 2:
        return 0
    if x.dim() != 3:
        raise RuntimeError(f"{name}: expected a (L, N, E), (N, L, E) or (L, E) input, but got a {x.dim()}-D tensor "
                           f"of shape {list(x.shape)}")
    return 1 if batch_first else 0


class PositionalEncoding(Module):
    """x + P[:L] (P the sinusoidal table), then dropout.

    Input (L, N, d_model), (N, L, d_model) with batch_first, or (L, d_model)."""

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000, batch_first: bool = False) -> None:
        super().__init__()
        self.d_model = d_model
        self.max_len = max_len
        self.batch_first = batch_first
        self.dropout = Dropout(p=dropout)
        table = sinusoid_table(max_len, d_model)
        shape = (1, max_len, d_model) if batch_first else (max_len, 1, d_model)
        self.register_buffer("pe", as_tensor(table.reshape(shape)))  # on the default device, as nn parameters

    def forward(self, x: Tensor) -> Tensor:
        ax = _seq_axis(x, self.batch_first, "PositionalEncoding")
        L = x.shape[ax]
        if L > self.pe.shape[1 if self.batch_first else 0]:
            raise RuntimeError(f"PositionalEncoding: the input has {L} positions but max_len is "
                               f"{self.pe.shape[1 if self.batch_first else 0]}")
        if x.shape[-1] != self.d_model:
            raise RuntimeError(f"PositionalEncoding: expected inputs with d_model={self.d_model} features, but got "
                               f"shape {list(x.shape)}")
        if x.dim() == 2:
            pe = self.pe[0, :L] if self.batch_first else self.pe[:L, 0]
        else:
            pe = self.pe[:, :L] if self.batch_first else self.pe[:L]
        if pe.dtype != x.dtype:
            pe = pe.to(x.dtype)
        return self.dropout(x + pe)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}"


class LearnedPositionalEncoding(Module):
    """x + W[:L] with W a learned (max_len, d_model) parameter, then dropout.

    Input (L, N, d_model), (N, L, d_model) with batch_first, or (L, d_model)."""

    def __init__(self, d_model: int, max_len: int, dropout: float = 0.1, batch_first: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.d_model = d_model
        self.max_len = max_len
        self.batch_first = batch_first
        self.weight = Parameter(empty((max_len, d_model), device=device, dtype=dtype))
        self.dropout = Dropout(p=dropout)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        ax = _seq_axis(x, self.batch_first, "LearnedPositionalEncoding")
        L = x.shape[ax]
        if L > self.max_len:
            raise RuntimeError(f"LearnedPositionalEncoding: the input has {L} positions but max_len is "
                               f"{self.max_len}")
        if x.shape[-1] != self.d_model:
            raise RuntimeError(f"LearnedPositionalEncoding: expected inputs with d_model={self.d_model} features, "
                               f"but got shape {list(x.shape)}")
        w = self.weight[:L]
        if x.dim() == 3 and not self.batch_first:
            w = w.unsqueeze(1)
        return self.dropout(x + w)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}"
