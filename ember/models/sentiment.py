"""Sentiment classifiers over token indices (d2l 16.2 and 16.3; the notes' IMDB GRU, 001 L1742-1934).

- ``BiRNN``: embedding -> bidirectional LSTM (or GRU) -> the concatenated hidden states of
  the first and last time steps -> Linear to 2 classes.
- ``TextCNN``: two embeddings (one trained, one kept constant) concatenated on the channel
  dim -> one Conv1d per kernel size -> ReLU -> max-over-time pooling -> concat -> dropout ->
  Linear to 2 classes.  (d2l's code pools with ``AdaptiveAvgPool1d`` although its text says
  max-over-time; ``pool="avg"`` gives d2l's code.)

Both take batch-first int64 indices (B, T) and return logits (B, 2); both can start from
pretrained vectors (``load_pretrained_embeddings``) and keep them frozen."""
from __future__ import annotations

from typing import Sequence

from .. import nn
from ..tensor.joining import cat
from ..tensor.tensor import Tensor

__all__ = ["BiRNN", "TextCNN"]


def _copy_rows(embedding: nn.Embedding, weights: Tensor, freeze: bool) -> None:
    from ..autograd.grad_mode import no_grad
    if tuple(weights.shape) != tuple(embedding.weight.shape):
        raise ValueError(f"load_pretrained_embeddings: weights of shape {tuple(weights.shape)}, expected "
                         f"{tuple(embedding.weight.shape)} (vocab_size, embed_size)")
    with no_grad():
        embedding.weight.copy_(weights)
    embedding.weight.requires_grad_(not freeze)


class BiRNN(nn.Module):
    """d2l's ``BiRNN(vocab_size, embed_size, num_hiddens, num_layers)``; ``rnn="gru"`` uses a
    bidirectional GRU (the notes' model), ``dropout`` is the RNN's between-layer dropout."""

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int = 2,
                 rnn: str = "lstm", dropout: float = 0.0, num_classes: int = 2) -> None:
        super().__init__()
        cells = {"lstm": nn.LSTM, "gru": nn.GRU}
        if rnn not in cells:
            raise ValueError(f"BiRNN: rnn must be 'lstm' or 'gru', got {rnn!r}")
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.encoder = cells[rnn](embed_size, num_hiddens, num_layers=num_layers, bidirectional=True,
                                  dropout=dropout if num_layers > 1 else 0.0)
        self.decoder = nn.Linear(4 * num_hiddens, num_classes)

    def forward(self, inputs: Tensor) -> Tensor:
        # (B, T) -> time-major embeddings (T, B, E) -> outputs (T, B, 2H)
        embeddings = self.embedding(inputs.T)
        outputs, _ = self.encoder(embeddings)
        # the first and the last time step, each (B, 2H), side by side -> (B, 4H)
        encoding = cat((outputs[0], outputs[-1]), dim=1)
        return self.decoder(encoding)

    def load_pretrained_embeddings(self, weights: Tensor, freeze: bool = True) -> None:
        """Copy (vocab_size, embed_size) ``weights`` into the embedding; frozen unless
        ``freeze=False`` (d2l sets ``requires_grad = False``)."""
        _copy_rows(self.embedding, weights, freeze)


class TextCNN(nn.Module):
    """d2l's ``TextCNN(vocab_size, embed_size, kernel_sizes, num_channels)``."""

    def __init__(self, vocab_size: int, embed_size: int, kernel_sizes: Sequence[int] = (3, 4, 5),
                 num_channels: Sequence[int] = (100, 100, 100), dropout: float = 0.5, pool: str = "max",
                 num_classes: int = 2) -> None:
        super().__init__()
        if len(kernel_sizes) != len(num_channels) or not kernel_sizes:
            raise ValueError(f"TextCNN: kernel_sizes {tuple(kernel_sizes)} and num_channels {tuple(num_channels)} "
                             f"must be non-empty and of the same length")
        if pool not in ("max", "avg"):
            raise ValueError(f"TextCNN: pool must be 'max' or 'avg', got {pool!r}")
        self.embedding = nn.Embedding(vocab_size, embed_size)
        # Kept constant during training once pretrained vectors are loaded (d2l 16.3).
        self.constant_embedding = nn.Embedding(vocab_size, embed_size)
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Linear(sum(num_channels), num_classes)
        self.pool = nn.AdaptiveMaxPool1d(1) if pool == "max" else nn.AdaptiveAvgPool1d(1)
        self.relu = nn.ReLU()
        self.convs = nn.ModuleList(nn.Conv1d(2 * embed_size, c, k) for c, k in zip(num_channels, kernel_sizes))
        self.min_steps = max(kernel_sizes)

    def forward(self, inputs: Tensor) -> Tensor:
        if inputs.dim() != 2 or inputs.shape[1] < self.min_steps:
            raise ValueError(f"TextCNN: inputs of shape {tuple(inputs.shape)}; expected (batch, steps) with at "
                             f"least {self.min_steps} steps (the largest kernel size)")
        # (B, T, 2E) -> channels first (B, 2E, T) for Conv1d
        embeddings = cat((self.embedding(inputs), self.constant_embedding(inputs)), dim=2).permute(0, 2, 1)
        # each conv: (B, C_k, T-k+1) -> pooled over time -> (B, C_k)
        encoding = cat([self.relu(self.pool(conv(embeddings))).squeeze(-1) for conv in self.convs], dim=1)
        return self.decoder(self.dropout(encoding))

    def load_pretrained_embeddings(self, weights: Tensor, freeze: bool = False) -> None:
        """Copy ``weights`` into both tables; ``constant_embedding`` is always frozen and
        ``embedding`` too when ``freeze=True`` (d2l fine-tunes it)."""
        _copy_rows(self.embedding, weights, freeze)
        _copy_rows(self.constant_embedding, weights, True)
