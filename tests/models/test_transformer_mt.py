"""ember.models.transformer_mt against the same model built from torch.nn's Transformer
layers (same weights: outputs and every gradient), incremental decoding against teacher
forcing, attention capture, and the decoding helpers on it."""
import math

import numpy as np
import pytest
import torch
from torch import nn as tnn

import ember
from ember.models.seq2seq import MaskedSoftmaxCELoss, beam_search, predict_greedy, predict_greedy_batch
from ember.models.transformer_mt import capture_attention, transformer_mt
from ember.text import Vocab
from helpers import assert_close

D, H, L, F = 16, 4, 2, 24


class TPos(tnn.Module):
    def __init__(self, d, max_len):
        super().__init__()
        pos = torch.arange(max_len, dtype=torch.float64)[:, None]
        freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d, dtype=torch.float64)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
        self.register_buffer("pe", pe.float()[None])

    def forward(self, x):
        return x + self.pe[:, :x.shape[1]]


class TEnc(tnn.Module):
    def __init__(self, V, max_len):
        super().__init__()
        self.embedding, self.pos_encoding = tnn.Embedding(V, D), TPos(D, max_len)
        self.layers = tnn.TransformerEncoder(tnn.TransformerEncoderLayer(D, H, F, 0.0, batch_first=True), L,
                                             enable_nested_tensor=False)


class TDec(tnn.Module):
    def __init__(self, V, max_len):
        super().__init__()
        self.embedding, self.pos_encoding = tnn.Embedding(V, D), TPos(D, max_len)
        self.layers = tnn.TransformerDecoder(tnn.TransformerDecoderLayer(D, H, F, 0.0, batch_first=True), L)
        self.dense = tnn.Linear(D, V)


class TNet(tnn.Module):
    def __init__(self, Vs, Vt, max_len):
        super().__init__()
        self.encoder, self.decoder = TEnc(Vs, max_len), TDec(Vt, max_len)

    def forward(self, X, Y, lens):
        e, d = self.encoder, self.decoder
        pad = torch.arange(X.shape[1])[None, :] >= lens[:, None]
        mem = e.layers(e.pos_encoding(e.embedding(X) * math.sqrt(D)), src_key_padding_mask=pad)
        causal = tnn.Transformer.generate_square_subsequent_mask(Y.shape[1])
        out = d.layers(d.pos_encoding(d.embedding(Y) * math.sqrt(D)), mem, tgt_mask=causal,
                       memory_key_padding_mask=pad, tgt_is_causal=True)
        return d.dense(out)


def _pair(Vs=9, Vt=11, max_len=20):
    ember.manual_seed(0)
    net = transformer_mt(Vs, Vt, D, H, L, F, dropout=0.0, max_len=max_len)
    ref = TNet(Vs, Vt, max_len)
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in net.state_dict().items()})
    return net, ref


def test_matches_torch_transformer_layers_forward_and_grads():
    net, ref = _pair()
    rng = np.random.default_rng(1)
    X, Y = rng.integers(0, 9, (3, 7)), rng.integers(0, 11, (3, 5))
    lens, y_lens = np.array([7, 3, 1]), np.array([5, 2, 4])
    out, state = net(ember.tensor(X), ember.tensor(Y), ember.tensor(lens))
    t_out = ref(torch.tensor(X), torch.tensor(Y), torch.tensor(lens))
    assert_close(out, t_out.detach(), atol=1e-5)
    assert state[2].shape == (3, 5)
    loss = MaskedSoftmaxCELoss()(out, ember.tensor(Y), ember.tensor(y_lens)).sum()
    w = (torch.arange(5)[None, :] < torch.tensor(y_lens)[:, None]).float()
    t_loss = (tnn.functional.cross_entropy(t_out.permute(0, 2, 1), torch.tensor(Y), reduction="none") * w).mean(1).sum()
    loss.backward()
    t_loss.backward()
    t_params = dict(ref.named_parameters())
    for name, p in net.named_parameters():
        assert_close(p.grad, t_params[name].grad, atol=1e-5, rtol=1e-4, what=f"grad of {name}")


def test_initialisation():
    ember.manual_seed(0)
    net = transformer_mt(50, 60, 32, 4, 2, 64)
    emb = net.encoder.embedding.weight.detach().numpy()
    assert abs(emb.std() - 32 ** -0.5) < 0.02
    w = net.decoder.layers.layers[0].linear1.weight
    assert float(w.abs().max()) <= math.sqrt(6 / (32 + 64))


def test_incremental_decoding_equals_teacher_forcing():
    net, _ = _pair()
    net.eval()
    X, lens = ember.tensor([[1, 2, 3, 4, 0, 0]]), ember.tensor([4])
    Y = ember.tensor([[2, 5, 6, 7, 8]])
    full, _ = net(X, Y, lens)
    state = net.decoder.init_state(net.encoder(X, lens), lens)
    steps = []
    for t in range(Y.shape[1]):
        y, state = net.decoder(Y[:, t:t + 1], state)
        steps.append(y)
    np.testing.assert_allclose(ember.cat(steps, 1).detach().numpy(), full.detach().numpy(), atol=1e-5)
    assert state[2].tolist() == Y.tolist()


def test_padding_is_invisible():
    # the padded source positions cannot change the output
    net, _ = _pair()
    net.eval()
    Y = ember.tensor([[2, 5, 6]])
    a, _ = net(ember.tensor([[1, 2, 3, 0, 0]]), Y, ember.tensor([3]))
    b, _ = net(ember.tensor([[1, 2, 3, 7, 8]]), Y, ember.tensor([3]))
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)


def test_capture_attention_per_head():
    net, _ = _pair()
    net.eval()
    X, lens, Y = ember.tensor([[1, 2, 3, 0, 0]]), ember.tensor([3]), ember.tensor([[2, 5, 6, 7]])
    with capture_attention(net) as w:
        net(X, Y, lens)
    assert [tuple(t.shape) for t in w["encoder_self"]] == [(1, H, 5, 5)] * L
    assert [tuple(t.shape) for t in w["decoder_self"]] == [(1, H, 4, 4)] * L
    assert [tuple(t.shape) for t in w["decoder_cross"]] == [(1, H, 4, 5)] * L
    cross = w["decoder_cross"][0].numpy()
    np.testing.assert_allclose(cross.sum(-1), 1.0, rtol=1e-5)
    assert np.all(cross[..., 3:] == 0)                                   # padding gets no weight
    dec_self = w["decoder_self"][1].numpy()
    assert np.all(np.triu(np.ones((4, 4)), 1)[None, None] * dec_self == 0)   # causal
    net(X, Y, lens)
    assert len(w["encoder_self"]) == L                                   # hooks removed on exit


def test_decoding_helpers_on_the_transformer():
    ember.manual_seed(2)
    src = Vocab([["a", "b", "c", "."]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    tgt = Vocab([["x", "y", "z", "!"]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    net = transformer_mt(len(src), len(tgt), D, H, 1, F, dropout=0.0, max_len=8)
    sentences = ["a b .", "c", "b a c a ."]
    greedy = [predict_greedy(net, s, src, tgt, 6)[0] for s in sentences]
    assert predict_greedy_batch(net, sentences, src, tgt, 6) == greedy
    for s, g in zip(sentences, greedy):
        assert beam_search(net, s, src, tgt, 6, beam_size=1)[0] == g
        a, sa = beam_search(net, s, src, tgt, 6, beam_size=3)
        b, sb = beam_search(net, s, src, tgt, 6, beam_size=3, batched=False)
        assert a == b and sa == pytest.approx(sb, abs=1e-5)
