"""A Transformer encoder-decoder for translation (d2l 11.7, "Attention Is All You Need")
built from ``nn.TransformerEncoder`` / ``nn.TransformerDecoder`` layers and the sinusoidal
``nn.PositionalEncoding``, behind the decoder protocol of ``ember.models.seq2seq``, so
``train_seq2seq``, ``predict_greedy`` and ``beam_search`` work on it unchanged.

Token embeddings are scaled by sqrt(d_model) before the positional encoding is added (as
d2l and the paper); the source's padding is hidden from self- and cross-attention with a
key padding mask; the decoder's self-attention is causal.  Incremental decoding keeps the
tokens decoded so far in the state and re-runs the decoder over that prefix, returning the
new positions only (no key/value cache: simple, and O(steps^2) per sentence).

``capture_attention(net)`` records every attention layer's per-head weights during a
forward pass (for heatmaps), through forward hooks that ask ``MultiheadAttention`` for
``need_weights=True, average_attn_weights=False``.
"""
from __future__ import annotations

import math

from .. import nn
from ..tensor.tensor import Tensor
from .seq2seq import AttentionDecoder, EncoderDecoder, Encoder

__all__ = ["TransformerMTEncoder", "TransformerMTDecoder", "transformer_mt", "capture_attention"]


def _padding_mask(valid_lens: Tensor | None, steps: int, device) -> Tensor | None:
    """(batch, steps) bool, True at the positions past each valid length (PyTorch's
    key_padding_mask convention: True = ignore)."""
    import ember
    if valid_lens is None:
        return None
    valid_lens = ember.as_tensor(valid_lens, device=device)
    return ember.arange(steps, device=device)[None, :] >= valid_lens.reshape(-1, 1)


class TransformerMTEncoder(Encoder):
    """Embedding * sqrt(d_model) + sinusoidal positions, then ``num_layers``
    ``nn.TransformerEncoderLayer`` blocks (batch first).  ``forward(X, valid_lens)``
    returns ``(memory (batch, steps, d_model), key padding mask)``."""

    def __init__(self, vocab_size: int, d_model: int, nhead: int, num_layers: int, dim_feedforward: int,
                 dropout: float = 0.1, max_len: int = 1000) -> None:
        super().__init__()
        self.d_model = d_model
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_encoding = nn.PositionalEncoding(d_model, dropout, max_len, batch_first=True)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)
        self.layers = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)

    def forward(self, X: Tensor, valid_lens: Tensor | None = None, *args):
        mask = _padding_mask(valid_lens, X.shape[1], X.device)
        h = self.pos_encoding(self.embedding(X) * math.sqrt(self.d_model))
        return self.layers(h, src_key_padding_mask=mask), mask


class TransformerMTDecoder(AttentionDecoder):
    """Embedding * sqrt(d_model) + sinusoidal positions, ``num_layers``
    ``nn.TransformerDecoderLayer`` blocks (causal self-attention, cross-attention over the
    encoder's memory), then a Linear to the vocabulary.

    State: ``[memory, memory key padding mask, tokens so far or None]``.  ``forward(X,
    state)`` decodes the prefix followed by ``X`` and returns the outputs at ``X``'s
    positions, so teacher forcing (``X`` the whole shifted target, empty prefix) and
    step-by-step decoding (``X`` one token) share one code path."""

    def __init__(self, vocab_size: int, d_model: int, nhead: int, num_layers: int, dim_feedforward: int,
                 dropout: float = 0.1, max_len: int = 1000) -> None:
        super().__init__()
        self.d_model = d_model
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_encoding = nn.PositionalEncoding(d_model, dropout, max_len, batch_first=True)
        layer = nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)
        self.layers = nn.TransformerDecoder(layer, num_layers)
        self.dense = nn.Linear(d_model, vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens=None, *args):
        memory, mask = enc_outputs
        return [memory, mask, None]

    def forward(self, X: Tensor, state):
        import ember
        memory, mem_mask, prefix = state
        tokens = X if prefix is None else ember.cat([prefix, X], dim=1)
        steps = tokens.shape[1]
        causal = nn.Transformer.generate_square_subsequent_mask(steps, device=X.device)
        h = self.pos_encoding(self.embedding(tokens) * math.sqrt(self.d_model))
        out = self.layers(h, memory, tgt_mask=causal, memory_key_padding_mask=mem_mask, tgt_is_causal=True)
        Y = self.dense(out[:, steps - X.shape[1]:])
        return Y, [memory, mem_mask, tokens]

    def reorder_state(self, state, indices: Tensor):
        """The state of the batch entries ``indices`` (for beam search)."""
        memory, mem_mask, tokens = state
        pick = (lambda t: None if t is None else t.index_select(0, indices))
        return [pick(memory), pick(mem_mask), pick(tokens)]


def transformer_mt(src_vocab_size: int, tgt_vocab_size: int, d_model: int = 32, nhead: int = 4,
                   num_layers: int = 2, dim_feedforward: int = 64, dropout: float = 0.1,
                   max_len: int = 1000) -> EncoderDecoder:
    """The translation Transformer (d2l 11.7's sizes by default: 32 hidden units, 4 heads,
    2 blocks, a 64-unit feed-forward layer, dropout 0.1).  Attention and feed-forward
    matrices start Xavier-uniform (as ``nn.Transformer``); embeddings N(0, 1/d_model), so
    they have unit scale after the sqrt(d_model) factor, like the positional encoding."""
    enc = TransformerMTEncoder(src_vocab_size, d_model, nhead, num_layers, dim_feedforward, dropout, max_len)
    dec = TransformerMTDecoder(tgt_vocab_size, d_model, nhead, num_layers, dim_feedforward, dropout, max_len)
    net = EncoderDecoder(enc, dec)
    for stack in (enc.layers, dec.layers):
        for p in stack.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
    for emb in (enc.embedding, dec.embedding):
        nn.init.normal_(emb.weight, std=d_model ** -0.5)
    return net


class capture_attention:
    """``with capture_attention(net) as weights: net(...)`` fills ``weights`` with
    ``{"encoder_self": [...], "decoder_self": [...], "decoder_cross": [...]}``, one
    (batch, heads, queries, keys) tensor per layer, in layer order."""

    def __init__(self, net: EncoderDecoder) -> None:
        self.net = net
        self.weights: dict[str, list] = {"encoder_self": [], "decoder_self": [], "decoder_cross": []}
        self._handles: list = []

    def __enter__(self) -> dict:
        def ask_for_weights(module, args, kwargs):
            kwargs = dict(kwargs, need_weights=True, average_attn_weights=False)
            return args, kwargs

        def keeper(kind):
            def keep(module, args, output):
                self.weights[kind].append(output[1].detach())
            return keep

        mods = [("encoder_self", layer.self_attn) for layer in self.net.encoder.layers.layers]
        for layer in self.net.decoder.layers.layers:
            mods += [("decoder_self", layer.self_attn), ("decoder_cross", layer.multihead_attn)]
        for kind, m in mods:
            self._handles.append(m.register_forward_pre_hook(ask_for_weights, with_kwargs=True))
            self._handles.append(m.register_forward_hook(keeper(kind)))
        return self.weights

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
