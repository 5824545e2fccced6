"""Sequence to sequence learning as d2l builds it (Dive into Deep Learning 10.6-10.8, 11.4):
the encoder-decoder interface, a GRU encoder, GRU decoders without and with Bahdanau
attention, the masked cross-entropy loss, teacher-forced training, greedy decoding and
beam search.

The decoder protocol (shared with ``ember.cli.recipes_transformer_mt``'s Transformer):
``state = decoder.init_state(encoder(enc_X, enc_valid_lens), enc_valid_lens)`` and
``Y, state = decoder(dec_X, state)`` with ``Y`` of shape (batch, steps, vocab).  Decoding
feeds one token at a time through that protocol, so greedy decoding and beam search work
for every decoder that follows it.  Tokens go in as (batch, steps) int64 tensors.
"""
from __future__ import annotations

import math

from .. import nn
from ..tensor.tensor import Tensor
from .attention import AdditiveAttention, sequence_mask

__all__ = ["Encoder", "Decoder", "AttentionDecoder", "EncoderDecoder", "Seq2SeqEncoder", "Seq2SeqDecoder",
           "Seq2SeqAttentionDecoder", "MaskedSoftmaxCELoss", "xavier_init_weights", "train_seq2seq",
           "encode_source", "predict_greedy", "predict_seq2seq", "predict_greedy_batch", "beam_search"]


class Encoder(nn.Module):
    """The encoder interface (d2l 10.6): a subclass defines ``forward(X, *args)`` returning
    whatever its decoder's ``init_state`` reads."""


class Decoder(nn.Module):
    """The decoder interface (d2l 10.6): a subclass defines ``init_state(enc_outputs,
    *args)``, which builds the decoding state from the encoder's outputs, and
    ``forward(X, state)``, which returns ``(Y, new_state)``.  A decoder may also define
    ``reorder_state(state, indices)`` (the state of those batch entries), which lets
    ``beam_search`` run all its hypotheses in one batch."""


class AttentionDecoder(Decoder):
    """A decoder that records the attention weights of its last forward call in
    ``self._attention_weights`` (read through ``attention_weights``)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._attention_weights: list = []

    @property
    def attention_weights(self) -> list:
        """The attention weights of the last forward call, one entry per decoded step."""
        return self._attention_weights


class EncoderDecoder(nn.Module):
    """``decoder(dec_X, decoder.init_state(encoder(enc_X, *args), *args))``."""

    def __init__(self, encoder: Encoder, decoder: Decoder, **kwargs) -> None:
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X: Tensor, dec_X: Tensor, *args):
        enc_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_outputs, *args)
        return self.decoder(dec_X, dec_state)


class Seq2SeqEncoder(Encoder):
    """Embedding then a multi-layer GRU (d2l 10.7.2).  Returns ``(outputs, state)``:
    outputs (steps, batch, num_hiddens) and the final hidden state (num_layers, batch,
    num_hiddens)."""

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout if num_layers > 1 else 0.0)

    def forward(self, X: Tensor, *args):
        X = self.embedding(X).permute(1, 0, 2)   # time steps first, as the GRU wants
        return self.rnn(X)


class Seq2SeqDecoder(Decoder):
    """d2l 10.7.3: the encoder's last top-layer state, concatenated to every input
    embedding, is the context; the GRU starts from the encoder's final state."""

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers,
                          dropout=dropout if num_layers > 1 else 0.0)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, *args):
        outputs, hidden_state = enc_outputs
        return [hidden_state[-1], hidden_state]     # context stays fixed while decoding

    def forward(self, X: Tensor, state):
        import ember
        context, hidden_state = state
        X = self.embedding(X).permute(1, 0, 2)
        ctx = context.unsqueeze(0).expand(X.shape[0], -1, -1)
        output, hidden_state = self.rnn(ember.cat((X, ctx), 2), hidden_state)
        return self.dense(output).permute(1, 0, 2), [context, hidden_state]

    def reorder_state(self, state, indices: Tensor):
        """The state of the batch entries ``indices`` (for beam search)."""
        context, hidden_state = state
        return [context.index_select(0, indices), hidden_state.index_select(1, indices)]


class Seq2SeqAttentionDecoder(AttentionDecoder):
    """The GRU decoder with Bahdanau attention (d2l 11.4): at every step the previous
    top-layer hidden state queries the encoder outputs (additive attention, masked to the
    source's valid length) and the context is concatenated to the input embedding."""

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.attention = AdditiveAttention(num_hiddens, num_hiddens, num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers,
                          dropout=dropout if num_layers > 1 else 0.0)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens=None, *args):
        outputs, hidden_state = enc_outputs
        # keys/values batch first: (batch, src_steps, num_hiddens)
        return [outputs.permute(1, 0, 2), hidden_state, enc_valid_lens]

    def forward(self, X: Tensor, state):
        import ember
        enc_outputs, hidden_state, enc_valid_lens = state
        X = self.embedding(X).permute(1, 0, 2)     # (steps, batch, embed)
        outputs, self._attention_weights = [], []
        for x in X:
            query = hidden_state[-1].unsqueeze(1)  # (batch, 1, num_hiddens)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
            x = ember.cat((context, x.unsqueeze(1)), dim=-1)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
            self._attention_weights.append(self.attention.attention_weights)
        outputs = self.dense(ember.cat(outputs, dim=0))
        return outputs.permute(1, 0, 2), [enc_outputs, hidden_state, enc_valid_lens]

    def reorder_state(self, state, indices: Tensor):
        """The state of the batch entries ``indices`` (for beam search)."""
        enc_outputs, hidden_state, enc_valid_lens = state
        lens = None if enc_valid_lens is None else enc_valid_lens.index_select(0, indices)
        return [enc_outputs.index_select(0, indices), hidden_state.index_select(1, indices), lens]


class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
    """Cross-entropy that ignores the padding after each target's valid length (d2l
    10.7.4): ``forward(pred (batch, steps, vocab), label (batch, steps), valid_len
    (batch,))`` returns the per-sequence mean over all steps, shape (batch,)."""

    def forward(self, pred: Tensor, label: Tensor, valid_len: Tensor) -> Tensor:
        import ember
        from ..nn import functional as F
        if pred.dim() != 3 or tuple(label.shape) != tuple(pred.shape[:2]):
            raise RuntimeError(f"MaskedSoftmaxCELoss: expected pred (batch, steps, vocab) and label (batch, steps), "
                               f"got {tuple(pred.shape)} and {tuple(label.shape)}")
        weights = sequence_mask(ember.ones_like(label, dtype=pred.dtype), valid_len)
        unweighted = F.cross_entropy(pred.permute(0, 2, 1), label, reduction="none",
                                     label_smoothing=self.label_smoothing)
        return (unweighted * weights).mean(dim=1)


def xavier_init_weights(m: nn.Module) -> None:
    """d2l's initialisation for seq2seq: Xavier-uniform weights of Linear and GRU layers."""
    if type(m) == nn.Linear:
        nn.init.xavier_uniform_(m.weight)
    if type(m) == nn.GRU:
        for name, p in m.named_parameters():
            if "weight" in name:
                nn.init.xavier_uniform_(p)


def train_seq2seq(net: nn.Module, data_iter, lr: float, num_epochs: int, tgt_vocab, device=None,
                  clip: float = 1.0, on_epoch=None, optimizer=None, init: bool = True) -> list[float]:
    """Teacher-forced training (d2l 10.7.5): the decoder input is ``<bos>`` followed by
    the target shifted right; Adam, masked cross-entropy, gradient norm clipped to
    ``clip``.  ``data_iter`` yields (X, X_valid_len, Y, Y_valid_len).  Returns the mean
    per-token loss of every epoch; ``on_epoch(epoch, loss, tokens_per_s)`` is called after each."""
    import time
    import ember
    if init:
        net.apply(xavier_init_weights)
    if device is not None:
        net.to(device)
    opt = optimizer or ember.optim.Adam(net.parameters(), lr=lr)
    loss = MaskedSoftmaxCELoss()
    bos_id = tgt_vocab["<bos>"]
    history = []
    net.train()
    for epoch in range(num_epochs):
        start, total, tokens = time.perf_counter(), 0.0, 0
        for batch in data_iter:
            X, X_valid_len, Y, Y_valid_len = (t.to(device) if device is not None else t for t in batch)
            bos = ember.full((Y.shape[0], 1), bos_id, dtype=Y.dtype, device=Y.device)
            dec_input = ember.cat([bos, Y[:, :-1]], 1)
            Y_hat, _ = net(X, dec_input, X_valid_len)
            l = loss(Y_hat, Y, Y_valid_len)
            opt.zero_grad()
            l.sum().backward()
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
            n = int(Y_valid_len.sum())
            total, tokens = total + float(l.sum()), tokens + n
        history.append(total / max(tokens, 1))
        if on_epoch is not None:
            on_epoch(epoch, history[-1], tokens / max(time.perf_counter() - start, 1e-9))
    return history


def encode_source(src_sentence: str, src_vocab, num_steps: int, device=None):
    """(enc_X (1, num_steps) int64, enc_valid_len (1,)) for one source sentence: d2l's
    punctuation spacing and lower-casing, then tokens, ``<eos>``, truncation/padding."""
    import ember
    from ..text.translation import preprocess_nmt
    from ..text import truncate_pad
    words = preprocess_nmt(src_sentence).split()
    tokens = list(src_vocab[words]) + [src_vocab["<eos>"]]
    valid = min(len(tokens), num_steps)
    tokens = truncate_pad(tokens, num_steps, src_vocab["<pad>"])
    enc_X = ember.tensor([tokens], dtype=ember.int64, device=device)
    return enc_X, ember.tensor([valid], device=device)


def predict_greedy(net: EncoderDecoder, src_sentence: str, src_vocab, tgt_vocab, num_steps: int, device=None,
                   save_attention_weights: bool = False):
    """Greedy decoding (d2l's ``predict_seq2seq``): feed ``<bos>``, then each step's argmax,
    until ``<eos>`` or ``num_steps`` tokens.  Returns (translation, attention weights per
    step) -- the list is empty unless ``save_attention_weights``."""
    import ember
    net.eval()
    with ember.no_grad():
        enc_X, enc_valid_len = encode_source(src_sentence, src_vocab, num_steps, device)
        dec_state = net.decoder.init_state(net.encoder(enc_X, enc_valid_len), enc_valid_len)
        dec_X = ember.tensor([[tgt_vocab["<bos>"]]], dtype=ember.int64, device=device)
        output_seq, attention_weight_seq = [], []
        eos = tgt_vocab["<eos>"]
        for _ in range(num_steps):
            Y, dec_state = net.decoder(dec_X, dec_state)
            dec_X = Y.argmax(dim=2)
            pred = int(dec_X.reshape(-1)[0])
            if save_attention_weights:
                attention_weight_seq.append(net.decoder.attention_weights)
            if pred == eos:
                break
            output_seq.append(pred)
    return " ".join(tgt_vocab.to_tokens(output_seq)), attention_weight_seq


predict_seq2seq = predict_greedy


def predict_greedy_batch(net: EncoderDecoder, src_sentences: list[str], src_vocab, tgt_vocab, num_steps: int,
                         device=None) -> list[str]:
    """Greedy decoding of many sentences at once (one decoder call per step for the whole
    batch): the same translations as ``predict_greedy`` on each sentence, much faster."""
    import numpy as np
    import ember
    if not src_sentences:
        return []
    net.eval()
    with ember.no_grad():
        encoded = [encode_source(s, src_vocab, num_steps, device) for s in src_sentences]
        enc_X = ember.cat([e[0] for e in encoded], 0)
        enc_valid_len = ember.cat([e[1] for e in encoded], 0)
        state = net.decoder.init_state(net.encoder(enc_X, enc_valid_len), enc_valid_len)
        dec_X = ember.full((len(src_sentences), 1), tgt_vocab["<bos>"], dtype=ember.int64, device=device)
        eos = tgt_vocab["<eos>"]
        outputs, done = [], np.zeros(len(src_sentences), dtype=bool)
        for _ in range(num_steps):
            Y, state = net.decoder(dec_X, state)
            dec_X = Y[:, -1:].argmax(dim=2)
            step = dec_X.reshape(-1).cpu().numpy()
            outputs.append(np.where(done, eos, step))
            done |= step == eos
            if done.all():
                break
    result = []
    for row in np.stack(outputs, 1).tolist():
        row = row[:row.index(eos)] if eos in row else row
        result.append(" ".join(tgt_vocab.to_tokens(row)))
    return result


def _copy_state(state):
    """A structural copy of nested lists/tuples (decoders may append to state in place)."""
    if isinstance(state, list):
        return [_copy_state(s) for s in state]
    if isinstance(state, tuple):
        return tuple(_copy_state(s) for s in state)
    return state


def _step_all(net, live, device, bos, batched_state):
    """Log-probabilities (live, vocab) of the next token of every live prefix, and the
    decoder's new state(s): one batched call when the decoder can reorder its state,
    else one call per prefix."""
    import numpy as np
    import ember
    if batched_state is not None:
        x = ember.tensor([[t[-1] if t else bos] for t, _, _ in live], dtype=ember.int64, device=device)
        Y, st = net.decoder(x, batched_state)
        return ember.log_softmax(Y[:, -1].double(), dim=-1).cpu().numpy(), st
    rows, states = [], []
    for tokens, _, state in live:
        x = ember.tensor([[tokens[-1] if tokens else bos]], dtype=ember.int64, device=device)
        Y, st = net.decoder(x, _copy_state(state))
        rows.append(ember.log_softmax(Y[0, -1].double(), dim=-1).cpu().numpy())
        states.append(st)
    return np.stack(rows), states


def beam_search(net: EncoderDecoder, src_sentence: str, src_vocab, tgt_vocab, num_steps: int, beam_size: int = 3,
                alpha: float = 0.75, device=None, batched: bool = True):
    """Beam search (d2l 10.8): keep the ``beam_size`` most probable prefixes at every step;
    a prefix that emits ``<eos>`` is finished.  Among the finished and the still-open
    sequences, return the one with the highest ``log P / L**alpha`` (L counts the
    tokens incl. ``<eos>``), as (translation, that score).  With ``beam_size=1`` this is
    greedy decoding.

    When the decoder has ``reorder_state(state, indices)`` (ember's decoders do) and
    ``batched``, all live prefixes go through the decoder in one call per step; other
    decoders (any that follow the protocol) are called once per prefix."""
    import numpy as np
    import ember
    if not isinstance(beam_size, int) or isinstance(beam_size, bool) or beam_size < 1:
        raise ValueError(f"beam_search: beam_size must be a positive integer, got {beam_size!r}")
    net.eval()
    bos, eos = tgt_vocab["<bos>"], tgt_vocab["<eos>"]
    reorder = getattr(net.decoder, "reorder_state", None) if batched else None
    with ember.no_grad():
        enc_X, enc_valid_len = encode_source(src_sentence, src_vocab, num_steps, device)
        state0 = net.decoder.init_state(net.encoder(enc_X, enc_valid_len), enc_valid_len)
        batched_state = state0 if reorder is not None else None
        live = [([], 0.0, None if reorder is not None else state0)]    # (tokens, log prob, own state)
        finished = []                                                     # (tokens incl. <eos>, log prob)
        for _ in range(num_steps):
            lp, new_state = _step_all(net, live, device, bos, batched_state)
            scores = np.array([logp for _, logp, _ in live])[:, None] + lp   # (live, vocab)
            order = np.argsort(-scores.reshape(-1), kind="stable")[:beam_size]
            next_live, parents = [], []
            for flat in order:
                i, tok = divmod(int(flat), scores.shape[1])
                seq, total = live[i][0] + [tok], float(scores[i, tok])
                if tok == eos:
                    finished.append((seq, total))
                else:
                    next_live.append((seq, total, None if reorder is not None else new_state[i]))
                    parents.append(i)
            live = next_live
            if not live:
                break
            if reorder is not None:
                batched_state = reorder(new_state, ember.tensor(parents, dtype=ember.int64, device=device))
        candidates = finished + [(t, lp_) for t, lp_, _ in live]
        best, best_score = None, -math.inf
        for seq, total in candidates:
            score = total / (len(seq) ** alpha)
            if score > best_score:
                best, best_score = seq, score
    words = [t for t in best if t != eos]
    return " ".join(tgt_vocab.to_tokens(words)), best_score
