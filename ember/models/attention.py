"""Attention scoring as d2l builds it (Dive into Deep Learning, 11.3): ``masked_softmax``,
additive (Bahdanau) attention, scaled dot-product attention, and ``show_heatmaps`` to look
at the weights.

Shapes follow d2l: queries ``(batch, num_queries, query_size)``, keys ``(batch, num_kv,
key_size)``, values ``(batch, num_kv, value_size)``; the output is ``(batch, num_queries,
value_size)``.  ``valid_lens`` is ``None``, ``(batch,)`` (one length per example, shared by
all its queries) or ``(batch, num_queries)`` (one length per query).  Keys at or beyond the
valid length get score ``-1e6`` before the softmax, so their weight is (numerically) zero and
so is their gradient.  The last weights are kept as ``module.attention_weights``.
"""
from __future__ import annotations

import math
import os

from .. import nn
from ..tensor.tensor import Tensor

__all__ = ["sequence_mask", "masked_softmax", "AdditiveAttention", "DotProductAttention", "show_heatmaps"]


def sequence_mask(X: Tensor, valid_len: Tensor, value: float = 0.0) -> Tensor:
    """``X`` (rows, cols) with ``X[i, j] = value`` wherever ``j >= valid_len[i]``.

    d2l writes the value in place; this returns a new tensor (same values, and the
    masked entries get zero gradient either way)."""
    import ember
    if X.dim() < 2:
        raise RuntimeError(f"sequence_mask: expected X with at least 2 dims (rows, steps, ...), got shape "
                           f"{tuple(X.shape)}")
    valid_len = ember.as_tensor(valid_len, device=X.device)
    if valid_len.dim() != 1 or valid_len.shape[0] != X.shape[0]:
        raise RuntimeError(f"sequence_mask: valid_len must have shape ({X.shape[0]},) for X of shape "
                           f"{tuple(X.shape)}, got {tuple(valid_len.shape)}")
    steps = ember.arange(X.shape[1], device=X.device)
    keep = steps[None, :] < valid_len[:, None]
    while keep.dim() < X.dim():
        keep = keep.unsqueeze(-1)
    return X.masked_fill(~keep, value)


def masked_softmax(X: Tensor, valid_lens: Tensor | None) -> Tensor:
    """Softmax over the last axis of ``X`` (batch, num_queries, num_kv) that ignores the
    keys beyond each valid length (d2l 11.3.1).

    ``valid_lens``: ``None`` (plain softmax), ``(batch,)`` (repeated for every query) or
    ``(batch, num_queries)``.  Masked scores are set to -1e6, so a row whose valid length
    is 0 comes out uniform, as in d2l."""
    import ember
    if valid_lens is None:
        return ember.softmax(X, dim=-1)
    if X.dim() != 3:
        raise RuntimeError(f"masked_softmax: expected X of shape (batch, num_queries, num_kv), got "
                           f"{tuple(X.shape)}")
    valid_lens = ember.as_tensor(valid_lens, device=X.device)
    shape = X.shape
    if valid_lens.dim() == 1:
        if valid_lens.shape[0] != shape[0]:
            raise RuntimeError(f"masked_softmax: 1-D valid_lens must have {shape[0]} entries (the batch size of X "
                               f"{tuple(shape)}), got {valid_lens.shape[0]}")
        valid_lens = ember.repeat_interleave(valid_lens, shape[1])
    elif valid_lens.dim() == 2:
        if tuple(valid_lens.shape) != tuple(shape[:2]):
            raise RuntimeError(f"masked_softmax: 2-D valid_lens must have shape {tuple(shape[:2])} for X "
                               f"{tuple(shape)}, got {tuple(valid_lens.shape)}")
        valid_lens = valid_lens.reshape(-1)
    else:
        raise RuntimeError(f"masked_softmax: valid_lens must be 1-D or 2-D, got shape {tuple(valid_lens.shape)}")
    X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
    return ember.softmax(X.reshape(shape), dim=-1)


class AdditiveAttention(nn.Module):
    """Bahdanau's additive scoring ``a(q, k) = w_v^T tanh(W_q q + W_k k)`` (d2l 11.3.2):
    queries and keys may have different sizes; three bias-free linear maps."""

    def __init__(self, key_size: int, query_size: int, num_hiddens: int, dropout: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.attention_weights: Tensor | None = None

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        import ember
        _check_qkv("AdditiveAttention", queries, keys, values)
        queries, keys = self.W_q(queries), self.W_k(keys)
        # (batch, q, 1, h) + (batch, 1, kv, h) -> every query against every key
        features = ember.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))
        scores = self.w_v(features).squeeze(-1)              # (batch, q, kv)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return ember.bmm(self.dropout(self.attention_weights), values)


class DotProductAttention(nn.Module):
    """Scaled dot-product scoring ``a(q, k) = q.k / sqrt(d)`` (d2l 11.3.3); queries and
    keys share the size ``d``."""

    def __init__(self, dropout: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)
        self.attention_weights: Tensor | None = None

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        import ember
        _check_qkv("DotProductAttention", queries, keys, values)
        d = queries.shape[-1]
        if keys.shape[-1] != d:
            raise RuntimeError(f"DotProductAttention: queries {tuple(queries.shape)} and keys {tuple(keys.shape)} "
                               f"must have the same last size")
        scores = ember.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return ember.bmm(self.dropout(self.attention_weights), values)


def _check_qkv(op: str, queries: Tensor, keys: Tensor, values: Tensor) -> None:
    if queries.dim() != 3 or keys.dim() != 3 or values.dim() != 3:
        raise RuntimeError(f"{op}: expected 3-D queries, keys and values (batch, steps, features), got shapes "
                           f"{tuple(queries.shape)}, {tuple(keys.shape)}, {tuple(values.shape)}")
    if keys.shape[:2] != values.shape[:2] or queries.shape[0] != keys.shape[0]:
        raise RuntimeError(f"{op}: queries {tuple(queries.shape)}, keys {tuple(keys.shape)} and values "
                           f"{tuple(values.shape)} must share the batch size, and keys and values the number of "
                           f"key-value pairs")


def show_heatmaps(matrices, xlabel: str, ylabel, titles=None, path: str = "attention.png",
                  figsize: tuple = (2.5, 2.5), cmap: str = "Reds", xticklabels=None, yticklabels=None) -> str:
    """Save a grid of heatmaps (d2l's ``show_heatmaps``) as a PNG at ``path`` and return it.

    ``matrices`` has shape (rows, cols, num_queries, num_keys) (a tensor or array; 2-D and
    3-D inputs are treated as one row).  ``ylabel`` is one label, or a list with one per
    row (e.g. per layer); ``titles`` names the columns; ``xticklabels`` /
    ``yticklabels`` (e.g. the source and target tokens) label every panel's axes.
    matplotlib is imported here only, so ember runs without it."""
    import numpy as np
    try:
        import matplotlib
        import sys
        if "ipykernel" not in sys.modules:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("show_heatmaps needs matplotlib: pip install matplotlib") from None
    m = matrices.detach().cpu().numpy() if isinstance(matrices, Tensor) else np.asarray(matrices)
    if m.ndim == 2:
        m = m[None, None]
    elif m.ndim == 3:
        m = m[None]
    if m.ndim != 4:
        raise ValueError(f"show_heatmaps: expected matrices of 2 to 4 dims (rows, cols, queries, keys), got shape "
                         f"{m.shape}")
    rows, cols = m.shape[:2]
    if not isinstance(ylabel, str) and len(ylabel) != rows:
        raise ValueError(f"show_heatmaps: {len(ylabel)} y labels for {rows} rows of heatmaps")
    fig, axes = plt.subplots(rows, cols, figsize=(figsize[0] * cols, figsize[1] * rows), sharex=True, sharey=True,
                             squeeze=False)
    pcm = None
    for i in range(rows):
        for j in range(cols):
            ax = axes[i, j]
            pcm = ax.imshow(m[i, j], cmap=cmap, vmin=0.0, vmax=max(1e-12, float(m.max())))
            if i == rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel if isinstance(ylabel, str) else ylabel[i])
            if titles is not None and j < len(titles):
                ax.set_title(titles[j])
            if xticklabels is not None:
                ax.set_xticks(range(len(xticklabels)))
                ax.set_xticklabels(xticklabels, rotation=90)
            if yticklabels is not None:
                ax.set_yticks(range(len(yticklabels)))
                ax.set_yticklabels(yticklabels)
    fig.colorbar(pcm, ax=axes, shrink=0.6)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path
