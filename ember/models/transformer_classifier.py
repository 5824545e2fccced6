"""A Transformer-encoder sequence classifier: embeddings scaled by sqrt(d_model), sinusoidal
positions (``nn.PositionalEncoding``), ``nn.TransformerEncoder`` blocks that skip padding,
mean pooling over the valid positions, and a Linear read-out.

``forward(tokens, valid_lens=None)``: tokens (batch, steps) int64; valid_lens (batch,)
or None (all positions valid).  ``tokens`` may be the tuple ``(tokens, valid_lens)``,
which is what a DataLoader batch of such pairs holds."""
from __future__ import annotations

import math

from .. import nn
from ..tensor.tensor import Tensor
from .bert import key_padding_mask

__all__ = ["TransformerClassifier"]


class TransformerClassifier(nn.Module):
    def __init__(self, vocab_size: int, num_classes: int, d_model: int = 64, nhead: int = 4, num_layers: int = 2,
                 dim_feedforward: int = 128, dropout: float = 0.1, max_len: int = 512,
                 norm_first: bool = False) -> None:
        super().__init__()
        self.d_model = d_model
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_encoding = nn.PositionalEncoding(d_model, dropout, max_len=max_len, batch_first=True)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True,
                                           norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.classifier = nn.Linear(d_model, num_classes)

    def forward(self, tokens, valid_lens: Tensor | None = None) -> Tensor:
        if isinstance(tokens, (tuple, list)):
            tokens, valid_lens = (list(tokens) + [None])[:2]
        if tokens.dim() != 2:
            raise RuntimeError(f"TransformerClassifier: expected tokens (batch, steps), got {tuple(tokens.shape)}")
        steps = tokens.shape[1]
        # sqrt(d_model) keeps the embeddings on the scale of the unit-amplitude positions (Vaswani et al.)
        X = self.pos_encoding(self.embedding(tokens) * math.sqrt(self.d_model))
        mask = key_padding_mask(valid_lens, steps)
        Y = self.encoder(X, src_key_padding_mask=mask)
        if mask is None:
            return self.classifier(Y.mean(1))
        keep = (~mask).unsqueeze(-1).to(Y.dtype)
        return self.classifier((Y * keep).sum(1) / keep.sum(1).clamp(min=1.0))
