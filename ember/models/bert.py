"""BERT as d2l builds it (Dive into Deep Learning 15.8), on ``nn.TransformerEncoder``.

``BERTEncoder`` sums token, segment and learned position embeddings and runs them through
Transformer encoder blocks, ignoring padding through ``valid_lens``.  ``MaskLM`` predicts
the tokens at the masked positions; its output layer shares its weight matrix with the
token embedding (weight tying, as in BERT and GPT: one ``Parameter`` serves both, so a
vocabulary-sized matrix is stored and trained once).  ``NextSentencePred`` classifies the
``<cls>`` representation.  ``BERTModel`` returns all three outputs; ``BERTClassifier``
reuses a pretrained encoder for sentence (pair) classification (d2l 16.7).

Differences from d2l, on purpose: the blocks are PyTorch's ``nn.TransformerEncoderLayer``
(GELU, post-norm as BERT) instead of d2l's own block; the summed embeddings pass a
LayerNorm and dropout (as BERT does; d2l has neither); embeddings start at N(0, 0.02)
(BERT's ``initializer_range``) so tied logits start small."""
from __future__ import annotations

from dataclasses import dataclass

import ember
from .. import nn
from ..tensor.tensor import Tensor

__all__ = ["BERTConfig", "BERTEncoder", "MaskLM", "NextSentencePred", "BERTModel", "BERTClassifier",
           "key_padding_mask", "bert_tiny", "bert_mini", "bert_small", "bert_medium", "bert_base", "BERT_CONFIGS"]


@dataclass(frozen=True)
class BERTConfig:
    """Sizes of one BERT: blocks, hidden width, heads and feed-forward width."""
    num_blks: int
    num_hiddens: int
    num_heads: int
    ffn_num_hiddens: int


# The sizes of Google's compact BERTs (Turc et al. 2019) and BERT-base.
BERT_CONFIGS = {
    "tiny": BERTConfig(2, 128, 2, 512),
    "mini": BERTConfig(4, 256, 4, 1024),
    "small": BERTConfig(4, 512, 8, 2048),
    "medium": BERTConfig(8, 512, 8, 2048),
    "base": BERTConfig(12, 768, 12, 3072),
}


def key_padding_mask(valid_lens: Tensor | None, num_steps: int) -> Tensor | None:
    """``(batch, num_steps)`` bool mask, True at positions ``>= valid_lens[i]`` (padding):
    the ``src_key_padding_mask`` that ``nn.TransformerEncoder`` expects."""
    if valid_lens is None:
        return None
    valid_lens = ember.as_tensor(valid_lens)
    if valid_lens.dim() != 1:
        raise RuntimeError(f"BERT: valid_lens must be 1-D (one length per sequence), got shape "
                           f"{tuple(valid_lens.shape)}")
    steps = ember.arange(num_steps, device=valid_lens.device)
    return steps[None, :] >= valid_lens[:, None]


class BERTEncoder(nn.Module):
    """Token + segment + position embeddings, LayerNorm, dropout, ``num_blks`` encoder blocks.

    ``forward(tokens, segments, valid_lens=None)``: tokens and segments (batch, steps)
    int64, valid_lens (batch,) or None; returns (batch, steps, num_hiddens)."""

    def __init__(self, vocab_size: int, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, num_blks: int,
                 dropout: float, max_len: int = 1000, norm_first: bool = False) -> None:
        super().__init__()
        self.max_len = max_len
        self.token_embedding = nn.Embedding(vocab_size, num_hiddens)
        self.segment_embedding = nn.Embedding(2, num_hiddens)
        # Learned positions (BERT), not sinusoids: one row per position up to max_len.
        self.pos_embedding = nn.Parameter(ember.empty(1, max_len, num_hiddens))
        self.norm = nn.LayerNorm(num_hiddens)
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(num_hiddens, num_heads, ffn_num_hiddens, dropout, activation="gelu",
                                           batch_first=True, norm_first=norm_first)
        self.blks = nn.TransformerEncoder(layer, num_blks, enable_nested_tensor=False)
        for w in (self.token_embedding.weight, self.segment_embedding.weight, self.pos_embedding):
            nn.init.normal_(w, std=0.02)

    def forward(self, tokens: Tensor, segments: Tensor | None = None, valid_lens: Tensor | None = None) -> Tensor:
        if tokens.dim() != 2:
            raise RuntimeError(f"BERTEncoder: expected tokens of shape (batch, steps), got {tuple(tokens.shape)}")
        steps = tokens.shape[1]
        if steps > self.max_len:
            raise RuntimeError(f"BERTEncoder: {steps} steps exceed max_len {self.max_len}")
        X = self.token_embedding(tokens)
        if segments is not None:
            X = X + self.segment_embedding(segments)
        X = self.dropout(self.norm(X + self.pos_embedding[:, :steps, :]))
        return self.blks(X, src_key_padding_mask=key_padding_mask(valid_lens, steps))


class MaskLM(nn.Module):
    """The masked-language-model head: gather the encodings at ``pred_positions``, then
    Linear -> GELU -> LayerNorm -> Linear to vocabulary logits.

    ``embedding``: an ``nn.Embedding`` whose weight the output layer shares (tying); the
    output layer keeps its own bias.  ``forward(X, pred_positions)``: X (batch, steps,
    hiddens), pred_positions (batch, num_preds) int64; returns (batch, num_preds, vocab)."""

    def __init__(self, vocab_size: int, num_hiddens: int, embedding: nn.Embedding | None = None) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.GELU(), nn.LayerNorm(num_hiddens))
        self.decoder = nn.Linear(num_hiddens, vocab_size)
        if embedding is not None:
            if tuple(embedding.weight.shape) != (vocab_size, num_hiddens):
                raise RuntimeError(f"MaskLM: cannot tie a {tuple(embedding.weight.shape)} embedding to a "
                                   f"({vocab_size}, {num_hiddens}) output layer")
            self.decoder.weight = embedding.weight  # the same Parameter object: one tensor, one gradient
            nn.init.zeros_(self.decoder.bias)

    def forward(self, X: Tensor, pred_positions: Tensor) -> Tensor:
        batch, num_preds = pred_positions.shape
        rows = ember.arange(batch, device=X.device).repeat_interleave(num_preds)
        masked_X = X[rows, pred_positions.reshape(-1)].reshape(batch, num_preds, -1)
        return self.decoder(self.mlp(masked_X))


class NextSentencePred(nn.Module):
    """Two logits (is not next / is next) from the pooled ``<cls>`` representation."""

    def __init__(self, num_inputs: int) -> None:
        super().__init__()
        self.output = nn.Linear(num_inputs, 2)

    def forward(self, X: Tensor) -> Tensor:
        return self.output(X)


class BERTModel(nn.Module):
    """Encoder + MLM head (tied to the token embedding unless ``tie_weights=False``) +
    pooler (Linear, Tanh on ``<cls>``) + NSP head.

    ``forward(tokens, segments, valid_lens=None, pred_positions=None)`` returns
    ``(encoded_X, mlm_Y_hat, nsp_Y_hat)``; ``mlm_Y_hat`` is None without pred_positions."""

    def __init__(self, vocab_size: int, num_hiddens: int = 128, ffn_num_hiddens: int = 512, num_heads: int = 2,
                 num_blks: int = 2, dropout: float = 0.1, max_len: int = 512, tie_weights: bool = True,
                 norm_first: bool = False) -> None:
        super().__init__()
        self.config = dict(vocab_size=vocab_size, num_hiddens=num_hiddens, ffn_num_hiddens=ffn_num_hiddens,
                           num_heads=num_heads, num_blks=num_blks, dropout=dropout, max_len=max_len,
                           tie_weights=tie_weights, norm_first=norm_first)
        self.encoder = BERTEncoder(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout,
                                   max_len=max_len, norm_first=norm_first)
        self.hidden = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.Tanh())
        self.mlm = MaskLM(vocab_size, num_hiddens, self.encoder.token_embedding if tie_weights else None)
        self.nsp = NextSentencePred(num_hiddens)

    def forward(self, tokens: Tensor, segments: Tensor | None = None, valid_lens: Tensor | None = None,
                pred_positions: Tensor | None = None):
        encoded_X = self.encoder(tokens, segments, valid_lens)
        mlm_Y_hat = self.mlm(encoded_X, pred_positions) if pred_positions is not None else None
        nsp_Y_hat = self.nsp(self.hidden(encoded_X[:, 0, :]))
        return encoded_X, mlm_Y_hat, nsp_Y_hat


class BERTClassifier(nn.Module):
    """Fine-tuning head (d2l 16.7): a BERT's encoder and pooler, then Linear to classes.

    ``forward(tokens, segments=None, valid_lens=None)``; ``tokens`` may also be the tuple
    ``(tokens, segments, valid_lens)`` (d2l's call, and what a DataLoader batch holds)."""

    def __init__(self, bert: BERTModel, num_classes: int = 2) -> None:
        super().__init__()
        self.encoder = bert.encoder
        self.hidden = bert.hidden
        self.output = nn.Linear(bert.hidden[0].out_features, num_classes)

    def forward(self, tokens, segments: Tensor | None = None, valid_lens: Tensor | None = None) -> Tensor:
        if isinstance(tokens, (tuple, list)):
            tokens, segments, valid_lens = (list(tokens) + [None, None])[:3]
        encoded_X = self.encoder(tokens, segments, valid_lens)
        return self.output(self.hidden(encoded_X[:, 0, :]))


def _build(name: str, vocab_size: int, **kwargs) -> BERTModel:
    c = BERT_CONFIGS[name]
    sizes = dict(num_hiddens=c.num_hiddens, ffn_num_hiddens=c.ffn_num_hiddens, num_heads=c.num_heads,
                 num_blks=c.num_blks)
    sizes.update(kwargs)
    return BERTModel(vocab_size, **sizes)


def bert_tiny(vocab_size: int, **kwargs) -> BERTModel:
    """2 blocks, hidden 128, 2 heads, feed-forward 512 (other BERTModel arguments as keywords)."""
    return _build("tiny", vocab_size, **kwargs)


def bert_mini(vocab_size: int, **kwargs) -> BERTModel:
    """4 blocks, hidden 256, 4 heads, feed-forward 1024."""
    return _build("mini", vocab_size, **kwargs)


def bert_small(vocab_size: int, **kwargs) -> BERTModel:
    """4 blocks, hidden 512, 8 heads, feed-forward 2048."""
    return _build("small", vocab_size, **kwargs)


def bert_medium(vocab_size: int, **kwargs) -> BERTModel:
    """8 blocks, hidden 512, 8 heads, feed-forward 2048."""
    return _build("medium", vocab_size, **kwargs)


def bert_base(vocab_size: int, **kwargs) -> BERTModel:
    """12 blocks, hidden 768, 12 heads, feed-forward 3072 (BERT-base's sizes)."""
    return _build("base", vocab_size, **kwargs)
