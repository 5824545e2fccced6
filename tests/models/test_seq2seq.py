"""ember.models.seq2seq: the GRU encoder-decoder with Bahdanau attention against the same
model written in PyTorch (same weights: outputs, loss and every parameter gradient), the
masked loss, greedy decoding and beam search (beam 1 = greedy; a wide beam = exhaustive search)."""
import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn as tnn

import ember
from ember.models.seq2seq import (EncoderDecoder, MaskedSoftmaxCELoss, Seq2SeqAttentionDecoder, Seq2SeqDecoder,
                                  Seq2SeqEncoder, beam_search, encode_source, predict_greedy, predict_greedy_batch,
                                  train_seq2seq, xavier_init_weights)
from ember.text import Vocab
from helpers import assert_close


# ---- the reference: d2l 11.4 in plain PyTorch ---------------------------------------------

class TAdditive(tnn.Module):
    def __init__(self, k, q, h):
        super().__init__()
        self.W_k, self.W_q, self.w_v = tnn.Linear(k, h, bias=False), tnn.Linear(q, h, bias=False), \
            tnn.Linear(h, 1, bias=False)

    def forward(self, q, k, v, lens):
        scores = self.w_v(torch.tanh(self.W_q(q).unsqueeze(2) + self.W_k(k).unsqueeze(1))).squeeze(-1)
        mask = torch.arange(scores.shape[-1])[None, None, :] < lens[:, None, None]
        w = torch.softmax(torch.where(mask, scores, torch.tensor(-1e6)), dim=-1)
        return torch.bmm(w, v)


class TEncoder(tnn.Module):
    def __init__(self, V, E, H, L):
        super().__init__()
        self.embedding, self.rnn = tnn.Embedding(V, E), tnn.GRU(E, H, L)

    def forward(self, X):
        return self.rnn(self.embedding(X).permute(1, 0, 2))


class TDecoder(tnn.Module):
    def __init__(self, V, E, H, L):
        super().__init__()
        self.attention = TAdditive(H, H, H)
        self.embedding, self.rnn, self.dense = tnn.Embedding(V, E), tnn.GRU(E + H, H, L), tnn.Linear(H, V)

    def forward(self, X, enc_out, hidden, lens):
        enc_out = enc_out.permute(1, 0, 2)
        outs = []
        for x in self.embedding(X).permute(1, 0, 2):
            ctx = self.attention(hidden[-1].unsqueeze(1), enc_out, enc_out, lens)
            out, hidden = self.rnn(torch.cat((ctx, x.unsqueeze(1)), -1).permute(1, 0, 2), hidden)
            outs.append(out)
        return self.dense(torch.cat(outs, 0)).permute(1, 0, 2)


class TNet(tnn.Module):
    def __init__(self, V_src, V_tgt, E, H, L):
        super().__init__()
        self.encoder, self.decoder = TEncoder(V_src, E, H, L), TDecoder(V_tgt, E, H, L)

    def forward(self, X, Y, lens):
        enc_out, hidden = self.encoder(X)
        return self.decoder(Y, enc_out, hidden, lens)


def _net(V_src=10, V_tgt=12, E=8, H=16, L=2, dropout=0.0):
    return EncoderDecoder(Seq2SeqEncoder(V_src, E, H, L, dropout), Seq2SeqAttentionDecoder(V_tgt, E, H, L, dropout))


def _torch_copy(net, V_src=10, V_tgt=12, E=8, H=16, L=2):
    ref = TNet(V_src, V_tgt, E, H, L)
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in net.state_dict().items()})
    return ref


# ---- shapes (d2l 10.7 / 11.4) -------------------------------------------------------------

def test_encoder_and_decoder_shapes_d2l():
    encoder = Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    encoder.eval()
    X = ember.zeros((4, 7), dtype=ember.long)
    output, state = encoder(X)
    assert output.shape == (7, 4, 16) and state.shape == (2, 4, 16)
    decoder = Seq2SeqAttentionDecoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    decoder.eval()
    st = decoder.init_state(encoder(X), None)
    out, st = decoder(X, st)
    assert out.shape == (4, 7, 10) and len(st) == 3 and st[0].shape == (4, 7, 16) and st[1].shape == (2, 4, 16)
    assert len(decoder.attention_weights) == 7 and decoder.attention_weights[0].shape == (4, 1, 7)
    plain = Seq2SeqDecoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    out, st = plain(X, plain.init_state(encoder(X)))
    assert out.shape == (4, 7, 10) and st[1].shape == (2, 4, 16)


# ---- against PyTorch: forward, loss and gradients ----------------------------------------

def test_attention_seq2seq_matches_torch_forward_loss_and_grads():
    ember.manual_seed(0)
    net = _net()
    net.apply(xavier_init_weights)
    ref = _torch_copy(net)
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, 10, (3, 5)), rng.integers(0, 12, (3, 6))
    lens, y_lens = np.array([5, 2, 3]), np.array([6, 1, 4])
    out, _ = net(ember.tensor(X), ember.tensor(Y), ember.tensor(lens))
    t_out = ref(torch.tensor(X), torch.tensor(Y), torch.tensor(lens))
    assert_close(out, t_out.detach(), atol=1e-5)
    loss = MaskedSoftmaxCELoss()(out, ember.tensor(Y), ember.tensor(y_lens))
    t_w = (torch.arange(6)[None, :] < torch.tensor(y_lens)[:, None]).float()
    t_loss = (tnn.functional.cross_entropy(t_out.permute(0, 2, 1), torch.tensor(Y), reduction="none") * t_w).mean(1)
    assert_close(loss, t_loss.detach(), atol=1e-5)
    loss.sum().backward()
    t_loss.sum().backward()
    t_params = dict(ref.named_parameters())
    for name, p in net.named_parameters():
        assert_close(p.grad, t_params[name].grad, atol=1e-5, rtol=1e-4, what=f"grad of {name}")


def test_masked_softmax_ce_loss_d2l_example():
    loss = MaskedSoftmaxCELoss()
    out = loss(ember.ones(3, 4, 10), ember.ones((3, 4), dtype=ember.long), ember.tensor([4, 2, 0]))
    np.testing.assert_allclose(out.numpy(), [math.log(10), math.log(10) / 2, 0.0], rtol=1e-6)
    with pytest.raises(RuntimeError, match="MaskedSoftmaxCELoss: expected pred"):
        loss(ember.ones(3, 10), ember.ones((3, 4), dtype=ember.long), ember.tensor([4, 2, 0]))


def test_xavier_init_touches_linear_and_gru_weights_only():
    ember.manual_seed(0)
    net = _net()
    biases = {k: v.clone() for k, v in net.state_dict().items() if "bias" in k}
    net.apply(xavier_init_weights)
    for k, v in net.state_dict().items():
        if "bias" in k:
            assert ember.equal(v, biases[k])
    w = net.decoder.rnn.weight_ih_l0
    bound = math.sqrt(6 / (w.shape[0] + w.shape[1]))
    assert float(w.abs().max()) <= bound


# ---- decoding -----------------------------------------------------------------------------

def _vocabs():
    src = Vocab([["a", "b", "c", "."]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    tgt = Vocab([["x", "y", "z", "!"]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    return src, tgt


def test_encode_source_pads_and_clamps_the_valid_length():
    src, _ = _vocabs()
    X, n = encode_source("A b.", src, 6)
    assert src.to_tokens(X[0].tolist()) == ["a", "b", ".", "<eos>", "<pad>", "<pad>"] and n.tolist() == [4]
    X, n = encode_source("a b c a b c", src, 4)
    assert X.shape == (1, 4) and n.tolist() == [4]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batched", [True, False])
def test_beam_one_equals_greedy(seed, batched):
    ember.manual_seed(seed)
    src, tgt = _vocabs()
    net = _net(len(src), len(tgt), 6, 8, 1)
    net.apply(xavier_init_weights)
    for sentence in ["a b .", "c", "b a c a ."]:
        g, _ = predict_greedy(net, sentence, src, tgt, 6)
        b, _ = beam_search(net, sentence, src, tgt, 6, beam_size=1, batched=batched)
        assert b == g


@pytest.mark.parametrize("decoder", [Seq2SeqAttentionDecoder, Seq2SeqDecoder])
def test_batched_decoding_equals_one_at_a_time(decoder):
    ember.manual_seed(5)
    src, tgt = _vocabs()
    net = EncoderDecoder(Seq2SeqEncoder(len(src), 6, 8, 2), decoder(len(tgt), 6, 8, 2))
    net.apply(xavier_init_weights)
    sentences = ["a b .", "c", "b a c a .", "", "c c c c c c c c"]
    assert predict_greedy_batch(net, sentences, src, tgt, 6) == [predict_greedy(net, s, src, tgt, 6)[0]
                                                                  for s in sentences]
    assert predict_greedy_batch(net, [], src, tgt, 6) == []
    for s in sentences:
        a, sa = beam_search(net, s, src, tgt, 6, beam_size=3, batched=True)
        b, sb = beam_search(net, s, src, tgt, 6, beam_size=3, batched=False)
        assert a == b and sa == pytest.approx(sb, abs=1e-5)     # float32 batch vs single rows


def _sequence_logprob(net, enc, lens, seq, bos):
    """log P(seq) from one teacher-forced pass (checks incremental decoding too)."""
    dec_in = ember.tensor([[bos] + seq[:-1]])
    with ember.no_grad():
        Y, _ = net(enc, dec_in, lens)
        lp = ember.log_softmax(Y[0].double(), dim=-1).numpy()
    return sum(lp[t, tok] for t, tok in enumerate(seq))


@pytest.mark.parametrize("batched", [True, False])
def test_wide_beam_is_exhaustive_search(batched):
    ember.manual_seed(3)
    src, tgt = _vocabs()
    V, T, alpha = len(tgt), 3, 0.75
    net = _net(len(src), V, 6, 8, 1)
    net.apply(xavier_init_weights)
    net.eval()
    enc, lens = encode_source("c b", src, T)     # decoding uses one num_steps for source and target
    eos = tgt["<eos>"]
    best, best_score = None, -math.inf
    for L in range(1, T + 1):
        for seq in itertools.product(range(V), repeat=L):
            seq = list(seq)
            if eos in seq[:-1] or (L < T and seq[-1] != eos):
                continue      # candidates end at <eos>, or run to the step limit
            s = _sequence_logprob(net, enc, lens, seq, tgt["<bos>"]) / L ** alpha
            if s > best_score:
                best, best_score = seq, s
    words, score = beam_search(net, "c b", src, tgt, T, beam_size=V ** T, alpha=alpha,
                               batched=batched)
    assert words == " ".join(tgt.to_tokens([t for t in best if t != eos]))
    assert score == pytest.approx(best_score, abs=1e-5)
    assert len(best) > 1          # the search had to look past the first step


def test_predict_greedy_keeps_attention_weights_and_beam_checks_its_size():
    ember.manual_seed(0)
    src, tgt = _vocabs()
    net = _net(len(src), len(tgt), 6, 8, 1)
    out, weights = predict_greedy(net, "a b .", src, tgt, 5, save_attention_weights=True)
    assert len(weights) == min(len(out.split()) + 1, 5)        # one entry per step, <eos> included
    assert len(weights[0]) == 1 and weights[0][0].shape == (1, 1, 5)   # the decoder's list for that call
    w = weights[0][0].numpy()[0, 0]
    assert np.all(w[4:] == 0) and w.sum() == pytest.approx(1.0)    # 'a b . <eos>' is 4 valid keys
    with pytest.raises(ValueError, match="beam_size must be a positive integer"):
        beam_search(net, "a", src, tgt, 5, beam_size=0)


def test_train_seq2seq_fits_a_tiny_copy_task():
    ember.manual_seed(0)
    src, tgt = _vocabs()
    from ember.text import build_array
    from ember.utils.data import DataLoader, TensorDataset
    pairs = [(["a", "b", "."], ["x", "y", "!"]), (["b", "c", "."], ["y", "z", "!"]), (["c", "a", "."], ["z", "x", "!"]),
             (["a", "."], ["x", "!"])]
    X, X_len = build_array([p[0] for p in pairs], src, 5)
    Y, Y_len = build_array([p[1] for p in pairs], tgt, 5)
    loader = DataLoader(TensorDataset(X, X_len, Y, Y_len), batch_size=4)
    net = _net(len(src), len(tgt), 8, 16, 1)
    seen = []
    hist = train_seq2seq(net, loader, lr=0.02, num_epochs=60, tgt_vocab=tgt, on_epoch=lambda e, l, s: seen.append(e))
    assert len(hist) == 60 and seen == list(range(60)) and hist[-1] < 0.2 * hist[0]
    assert predict_greedy(net, "b c .", src, tgt, 5)[0] == "y z !"
