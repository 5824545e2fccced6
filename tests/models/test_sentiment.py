"""BiRNN and TextCNN against PyTorch implementations of the same architectures (d2l 16.2,
16.3) with identical weights: logits and gradients of every parameter; pretrained
embeddings and freezing."""
import numpy as np
import pytest
import torch
from torch import nn as tnn

import ember
from ember.models.sentiment import BiRNN, TextCNN
from helpers import assert_close

RNG = np.random.default_rng(3)


class TorchBiRNN(tnn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, rnn):
        super().__init__()
        self.embedding = tnn.Embedding(vocab_size, embed_size)
        cell = tnn.LSTM if rnn == "lstm" else tnn.GRU
        self.encoder = cell(embed_size, num_hiddens, num_layers=num_layers, bidirectional=True)
        self.decoder = tnn.Linear(4 * num_hiddens, 2)

    def forward(self, inputs):
        outputs, _ = self.encoder(self.embedding(inputs.T))
        return self.decoder(torch.cat((outputs[0], outputs[-1]), dim=1))


class TorchTextCNN(tnn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, pool):
        super().__init__()
        self.embedding = tnn.Embedding(vocab_size, embed_size)
        self.constant_embedding = tnn.Embedding(vocab_size, embed_size)
        self.dropout = tnn.Dropout(0.5)
        self.decoder = tnn.Linear(sum(num_channels), 2)
        self.pool = tnn.AdaptiveMaxPool1d(1) if pool == "max" else tnn.AdaptiveAvgPool1d(1)
        self.relu = tnn.ReLU()
        self.convs = tnn.ModuleList(tnn.Conv1d(2 * embed_size, c, k) for c, k in zip(num_channels, kernel_sizes))

    def forward(self, inputs):
        emb = torch.cat((self.embedding(inputs), self.constant_embedding(inputs)), dim=2).permute(0, 2, 1)
        enc = torch.cat([torch.squeeze(self.relu(self.pool(conv(emb))), dim=-1) for conv in self.convs], dim=1)
        return self.decoder(self.dropout(enc))


def copy_weights(ours, ref):
    """Random weights for ``ref`` and the same values in ``ours`` (same state_dict keys)."""
    state = {}
    for k, v in ref.state_dict().items():
        arr = RNG.uniform(-0.5, 0.5, size=tuple(v.shape)).astype(np.float32)
        with torch.no_grad():
            v.copy_(torch.from_numpy(arr))
        state[k] = ember.tensor(arr)
    assert set(state) == set(ours.state_dict())
    ours.load_state_dict(state)


def compare(ours, ref, x):
    ours.eval()
    ref.eval()
    out = ours(ember.tensor(x))
    out_t = ref(torch.from_numpy(x))
    assert tuple(out.shape) == (x.shape[0], 2)
    assert_close(out, out_t, atol=1e-5, rtol=1e-4)
    g = RNG.standard_normal(out_t.shape).astype(np.float32)
    out.backward(ember.tensor(g))
    out_t.backward(torch.from_numpy(g))
    params_t = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, params_t[name].grad, atol=1e-5, rtol=1e-4, what=f"grad {name}")


@pytest.mark.parametrize("rnn, layers", [("lstm", 2), ("gru", 1), ("gru", 2)])
def test_birnn_matches_torch(rnn, layers):
    ours, ref = BiRNN(30, 8, 6, layers, rnn=rnn), TorchBiRNN(30, 8, 6, layers, rnn)
    copy_weights(ours, ref)
    compare(ours, ref, RNG.integers(0, 30, size=(5, 9)))


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_textcnn_matches_torch(pool):
    ours, ref = TextCNN(30, 6, (2, 3, 5), (4, 3, 5), pool=pool), TorchTextCNN(30, 6, (2, 3, 5), (4, 3, 5), pool)
    copy_weights(ours, ref)
    compare(ours, ref, RNG.integers(0, 30, size=(4, 11)))


def test_textcnn_dropout_in_training_mode():
    m = TextCNN(10, 4, (2,), (8,))
    x = ember.tensor(RNG.integers(0, 10, size=(64, 6)))
    m.train()
    a, b = m(x), m(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    m.eval()
    np.testing.assert_array_equal(m(x).detach().numpy(), m(x).detach().numpy())


def test_pretrained_embeddings_and_freezing():
    w = ember.tensor(RNG.standard_normal((12, 4)).astype(np.float32))
    b = BiRNN(12, 4, 3, 1)
    b.load_pretrained_embeddings(w)
    assert not b.embedding.weight.requires_grad
    np.testing.assert_array_equal(b.embedding.weight.detach().numpy(), w.numpy())
    out = b(ember.tensor(RNG.integers(0, 12, size=(2, 5))))
    out.sum().backward()
    assert b.embedding.weight.grad is None and b.decoder.weight.grad is not None
    c = TextCNN(12, 4, (2,), (3,))
    c.load_pretrained_embeddings(w)
    assert c.embedding.weight.requires_grad and not c.constant_embedding.weight.requires_grad
    np.testing.assert_array_equal(c.constant_embedding.weight.detach().numpy(), w.numpy())
    c.load_pretrained_embeddings(w, freeze=True)
    assert not c.embedding.weight.requires_grad
    with pytest.raises(ValueError, match=r"weights of shape \(3, 4\), expected \(12, 4\)"):
        b.load_pretrained_embeddings(w[:3])


def test_bad_arguments():
    with pytest.raises(ValueError, match="rnn must be 'lstm' or 'gru'"):
        BiRNN(5, 2, 2, rnn="rnn")
    with pytest.raises(ValueError, match="same length"):
        TextCNN(5, 2, (2, 3), (4,))
    with pytest.raises(ValueError, match="pool must be"):
        TextCNN(5, 2, pool="sum")
    with pytest.raises(ValueError, match=r"at least 5 steps"):
        TextCNN(5, 2, (3, 5), (2, 2))(ember.tensor([[1, 2, 3]]))
