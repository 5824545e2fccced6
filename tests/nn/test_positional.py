"""PositionalEncoding and LearnedPositionalEncoding (ember additions): the sinusoidal table
against the PyTorch tutorial's and d2l's formulas computed in torch, layouts, dropout,
gradients, state_dict and errors."""
import math

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(5)


def tutorial_table(max_len, d):
    """PyTorch's Transformer tutorial: pe (max_len, 1, d)."""
    position = torch.arange(max_len).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, 1, d)
    pe[:, 0, 0::2] = torch.sin(position * div_term)
    pe[:, 0, 1::2] = torch.cos(position * div_term)
    return pe.numpy()


def d2l_table(max_len, d):
    """d2l's PositionalEncoding: P (1, max_len, d)."""
    X = torch.arange(max_len, dtype=torch.float64).reshape(-1, 1) / torch.pow(
        10000, torch.arange(0, d, 2, dtype=torch.float64) / d)
    P = torch.zeros((1, max_len, d), dtype=torch.float64)
    P[:, :, 0::2] = torch.sin(X)
    P[:, :, 1::2] = torch.cos(X[:, : d // 2])  # (an odd d_model: one cos column fewer)
    return P.numpy()


@pytest.mark.parametrize("d", [4, 32, 7])
def test_table_matches_tutorial_and_d2l(d):
    pe = ember.nn.PositionalEncoding(d, dropout=0.0, max_len=200)
    assert tuple(pe.pe.shape) == (200, 1, d) and pe.pe.dtype == ember.float32
    if d % 2 == 0:  # the tutorial's assignment of cos needs an even d_model
        np.testing.assert_allclose(pe.pe.numpy(), tutorial_table(200, d), atol=2e-5)
    bf = ember.nn.PositionalEncoding(d, dropout=0.0, max_len=200, batch_first=True)
    assert tuple(bf.pe.shape) == (1, 200, d)
    np.testing.assert_allclose(bf.pe.numpy(), d2l_table(200, d), atol=1e-6)
    # the seed's worked example: d = 4, position 10
    if d == 4:
        want = [math.sin(10), math.cos(10), math.sin(10 / 100), math.cos(10 / 100)]
        np.testing.assert_allclose(pe.pe.numpy()[10, 0], want, atol=1e-6)


def test_relative_positions_are_linear():
    """P[pos + k] = R_k P[pos] with R_k a block rotation independent of pos."""
    d, k = 8, 5
    P = ember.nn.PositionalEncoding(d, 0.0, 100, batch_first=True).pe.numpy()[0].astype(np.float64)
    freq = np.exp(np.arange(0, d, 2) * (-math.log(10000.0) / d))
    R = np.zeros((d, d))
    for i, w in enumerate(freq):
        c, s = math.cos(k * w), math.sin(k * w)
        R[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, s], [-s, c]]
    np.testing.assert_allclose(P[k:k + 50], P[:50] @ R.T, atol=1e-5)


@pytest.mark.parametrize("batch_first,shape", [(False, (6, 3, 8)), (True, (3, 6, 8)), (False, (6, 8)),
                                               (True, (6, 8))])
def test_forward_adds_table(batch_first, shape):
    pe = ember.nn.PositionalEncoding(8, dropout=0.0, max_len=50, batch_first=batch_first)
    x = RNG.standard_normal(shape).astype(np.float32)
    y = pe(ember.tensor(x)).numpy()
    table = d2l_table(50, 8)[0, :6].astype(np.float32)
    if len(shape) == 3:
        table = table[None] if batch_first else table[:, None]
    np.testing.assert_allclose(y, x + table, atol=1e-6)
    # float64 inputs stay float64
    assert pe(ember.tensor(x.astype(np.float64))).dtype == ember.float64


def test_dropout_and_gradient():
    pe = ember.nn.PositionalEncoding(16, dropout=0.5, max_len=40)
    x = ember.tensor(RNG.standard_normal((30, 4, 16)).astype(np.float32), requires_grad=True)
    pe.train()
    y = pe(x)
    zeros = np.mean(y.detach().numpy() == 0)
    assert 0.4 < zeros < 0.6
    y.sum().backward()
    assert set(np.unique(x.grad.numpy())) <= {0.0, 2.0}
    pe.eval()
    np.testing.assert_allclose(pe(x).detach().numpy(), x.detach().numpy() + pe.pe.numpy()[:30], atol=1e-6)


def test_state_dict_and_repr():
    pe = ember.nn.PositionalEncoding(8, max_len=10)
    assert list(pe.state_dict()) == ["pe"]
    assert "PositionalEncoding(" in repr(pe) and "(dropout): Dropout(p=0.1, inplace=False)" in repr(pe)
    # the tutorial's module saved by torch loads (same buffer name and layout)
    other = ember.nn.PositionalEncoding(8, max_len=10)
    other.load_state_dict({"pe": ember.tensor(tutorial_table(10, 8))})
    np.testing.assert_allclose(other.pe.numpy(), pe.pe.numpy(), atol=1e-6)


def test_learned_positional_encoding():
    ember.manual_seed(0)
    lp = ember.nn.LearnedPositionalEncoding(8, 20, dropout=0.0)
    assert tuple(lp.weight.shape) == (20, 8) and isinstance(lp.weight, ember.nn.Parameter)
    w = lp.weight.detach().numpy()
    assert abs(w.std() - 1.0) < 0.2
    x = ember.tensor(RNG.standard_normal((5, 3, 8)).astype(np.float32))
    y = lp(x)
    np.testing.assert_allclose(y.detach().numpy(), x.numpy() + w[:5, None], atol=1e-6)
    y.sum().backward()
    g = lp.weight.grad.numpy()
    assert np.allclose(g[:5], 3.0) and not np.any(g[5:])  # summed over the batch; unused rows get 0
    bf = ember.nn.LearnedPositionalEncoding(8, 20, 0.0, batch_first=True)
    xb = ember.tensor(RNG.standard_normal((3, 5, 8)).astype(np.float32))
    np.testing.assert_allclose(bf(xb).detach().numpy(), xb.numpy() + bf.weight.detach().numpy()[None, :5],
                               atol=1e-6)
    assert list(lp.state_dict()) == ["weight"]


def test_errors():
    pe = ember.nn.PositionalEncoding(8, max_len=10)
    with pytest.raises(RuntimeError, match="max_len is 10"):
        pe(ember.zeros(11, 2, 8))
    with pytest.raises(RuntimeError, match="d_model=8"):
        pe(ember.zeros(5, 2, 6))
    with pytest.raises(RuntimeError, match="4-D"):
        pe(ember.zeros(5, 2, 2, 8))
    lp = ember.nn.LearnedPositionalEncoding(8, 4)
    with pytest.raises(RuntimeError, match="max_len is 4"):
        lp(ember.zeros(5, 2, 8))
