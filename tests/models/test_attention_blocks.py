"""ember.models.attention against PyTorch implementations of the same formulas (d2l 11.3),
written here: values and gradients, with the same weights."""
import math
import os

import numpy as np
import pytest
import torch

import ember
from ember.models.attention import (AdditiveAttention, DotProductAttention, masked_softmax, sequence_mask,
                                    show_heatmaps)
from helpers import assert_close, check, rand


# ---- the reference: d2l's formulas in plain PyTorch -----------------------------------------

def torch_masked_softmax(X, valid_lens):
    if valid_lens is None:
        return torch.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = torch.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    X = X.reshape(-1, shape[-1])
    mask = torch.arange(shape[-1])[None, :] < valid_lens[:, None]
    X = torch.where(mask, X, torch.tensor(-1e6, dtype=X.dtype))
    return torch.softmax(X.reshape(shape), dim=-1)


def torch_additive(Wq, Wk, wv, q, k, v, valid_lens):
    features = torch.tanh((q @ Wq.T).unsqueeze(2) + (k @ Wk.T).unsqueeze(1))
    scores = (features @ wv.T).squeeze(-1)
    return torch.bmm(torch_masked_softmax(scores, valid_lens), v)


def torch_dot(q, k, v, valid_lens):
    scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(q.shape[-1])
    return torch.bmm(torch_masked_softmax(scores, valid_lens), v)


def _lens(lib, lens):
    return None if lens is None else lib.tensor(lens)


# ---- masked_softmax -----------------------------------------------------------------------

@pytest.mark.parametrize("lens", [None, [2, 3], [[1, 3], [2, 4]], [0, 4], [5, 1]])
def test_masked_softmax_matches_torch(lens):
    def fn(lib, X):
        ref = masked_softmax if lib is ember else torch_masked_softmax
        return ref(X, _lens(lib, lens))
    check(fn, rand(2, 2, 4))


def test_masked_softmax_d2l_example_rows_are_zero_past_the_length():
    X = ember.tensor(rand(2, 2, 4))
    out = masked_softmax(X, ember.tensor([2, 3])).numpy()
    assert np.all(out[0, :, 2:] == 0) and np.all(out[1, :, 3:] == 0)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-6)
    out = masked_softmax(X, ember.tensor([[1, 3], [2, 4]])).numpy()
    assert out[0, 0, 0] == 1.0 and np.all(out[0, 1, 3] == 0) and np.all(out[1, 1] > 0)


def test_masked_softmax_float64_and_gradcheck():
    X = ember.tensor(rand(3, 2, 5, dtype=np.float64), requires_grad=True)
    assert masked_softmax(X, ember.tensor([1, 5, 3])).dtype == ember.float64
    assert ember.autograd.gradcheck(lambda x: masked_softmax(x, ember.tensor([[1, 2], [5, 4], [3, 3]])), (X,))


def test_masked_softmax_does_not_modify_its_input():
    x = rand(2, 2, 4)
    X = ember.tensor(x.copy())
    masked_softmax(X, ember.tensor([1, 2]))
    np.testing.assert_array_equal(X.numpy(), x)


def test_masked_softmax_bad_lengths():
    X = ember.tensor(rand(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"masked_softmax: 1-D valid_lens must have 2 entries"):
        masked_softmax(X, ember.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match=r"2-D valid_lens must have shape \(2, 3\)"):
        masked_softmax(X, ember.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="masked_softmax: expected X of shape"):
        masked_softmax(ember.tensor(rand(2, 4)), ember.tensor([1, 2]))


def test_sequence_mask():
    X = ember.tensor([[1, 2, 3], [4, 5, 6]])
    assert sequence_mask(X, ember.tensor([1, 2])).tolist() == [[1, 0, 0], [4, 5, 0]]
    X3 = ember.ones(2, 3, 2)
    assert sequence_mask(X3, ember.tensor([1, 2]), value=-1).sum().item() == (2 - 4) + (4 - 2)
    with pytest.raises(RuntimeError, match="valid_len must have shape"):
        sequence_mask(X, ember.tensor([1, 2, 3]))


# ---- the attention modules ----------------------------------------------------------------

@pytest.mark.parametrize("lens", [None, [2, 6], [[1, 3, 10], [2, 4, 7]]])
def test_additive_attention_matches_torch(lens):
    att = AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.0)
    Wq, Wk, wv = (torch.tensor(p.detach().numpy()) for p in (att.W_q.weight, att.W_k.weight, att.w_v.weight))

    def fn(lib, q, k, v):
        if lib is ember:
            return att(q, k, v, _lens(ember, lens)), att.attention_weights
        scores = (torch.tanh((q @ Wq.T).unsqueeze(2) + (k @ Wk.T).unsqueeze(1)) @ wv.T).squeeze(-1)
        return torch_additive(Wq, Wk, wv, q, k, v, _lens(torch, lens)), torch_masked_softmax(scores,
                                                                                            _lens(torch, lens))
    check(fn, rand(2, 3, 20), rand(2, 10, 2), rand(2, 10, 4))


def test_additive_attention_weight_gradients_match_torch():
    att = AdditiveAttention(key_size=3, query_size=5, num_hiddens=6, dropout=0.0)
    q, k, v = rand(2, 4, 5), rand(2, 7, 3), rand(2, 7, 2)
    lens = [3, 7]
    out = att(ember.tensor(q), ember.tensor(k), ember.tensor(v), ember.tensor(lens))
    g = rand(*out.shape)
    out.backward(ember.tensor(g))
    W = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in (att.W_q.weight, att.W_k.weight,
                                                                       att.w_v.weight)]
    t_out = torch_additive(*W, torch.tensor(q), torch.tensor(k), torch.tensor(v), torch.tensor(lens))
    t_out.backward(torch.tensor(g))
    assert_close(out, t_out.detach())
    for p, t in zip((att.W_q.weight, att.W_k.weight, att.w_v.weight), W):
        assert_close(p.grad, t.grad, what="weight grad")


@pytest.mark.parametrize("lens", [None, [2, 6], [[1, 3], [5, 10]]])
def test_dot_product_attention_matches_torch(lens):
    att = DotProductAttention(dropout=0.0)

    def fn(lib, q, k, v):
        if lib is ember:
            return att(q, k, v, _lens(ember, lens))
        return torch_dot(q, k, v, _lens(torch, lens))
    check(fn, rand(2, 2, 6), rand(2, 10, 6), rand(2, 10, 3))


def test_dot_product_attention_d2l_example_and_weights_kept():
    # d2l 11.3.3: keys all ones, so every valid key gets the same weight
    q = ember.normal(0, 1, (2, 1, 2))
    k = ember.ones((2, 10, 2))
    v = ember.arange(40, dtype=ember.float32).reshape(1, 10, 4).repeat(2, 1, 1)
    att = DotProductAttention(dropout=0.5)
    att.eval()
    out = att(q, k, v, ember.tensor([2, 6]))
    np.testing.assert_allclose(out.numpy(), [[[2, 3, 4, 5]], [[10, 11, 12, 13]]], rtol=1e-5)
    w = att.attention_weights.numpy()
    np.testing.assert_allclose(w[0, 0, :2], 0.5, rtol=1e-6)
    np.testing.assert_allclose(w[1, 0, :6], 1 / 6, rtol=1e-6)
    assert np.all(w[0, 0, 2:] == 0)


def test_dropout_applies_to_the_weights_in_training():
    ember.manual_seed(0)
    att = DotProductAttention(dropout=0.5)
    q, k, v = (ember.tensor(rand(2, 3, 4)) for _ in range(3))
    a = att(q, k, v).numpy()
    att.eval()
    b = att(q, k, v).numpy()
    assert not np.allclose(a, b)


def test_attention_shape_errors():
    att = DotProductAttention()
    with pytest.raises(RuntimeError, match="DotProductAttention: expected 3-D"):
        att(ember.ones(2, 3), ember.ones(2, 3, 4), ember.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="must have the same last size"):
        att(ember.ones(2, 3, 5), ember.ones(2, 3, 4), ember.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="AdditiveAttention: queries .* must share the batch size"):
        AdditiveAttention(4, 4, 8)(ember.ones(2, 3, 4), ember.ones(2, 3, 4), ember.ones(2, 5, 4))


# ---- show_heatmaps ------------------------------------------------------------------------

def test_show_heatmaps_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    w = ember.eye(10).reshape(1, 1, 10, 10)
    path = show_heatmaps(w, xlabel="Keys", ylabel="Queries", path=str(tmp_path / "sub" / "h.png"))
    assert path.endswith("h.png") and os.path.getsize(path) > 1000
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    grid = np.random.default_rng(0).random((2, 3, 4, 5))
    with pytest.raises(ValueError, match="3 y labels for 2 rows"):
        show_heatmaps(grid, "k", ["r1", "r2", "r3"], path=str(tmp_path / "bad.png"))
    p2 = show_heatmaps(grid, "k", ["row 1", "row 2"], titles=["a", "b", "c"], path=str(tmp_path / "g.png"),
                       xticklabels=list("abcde"), yticklabels=list("wxyz"))
    assert os.path.getsize(p2) > 1000
    with pytest.raises(ValueError, match="show_heatmaps: expected matrices of 2 to 4 dims"):
        show_heatmaps(np.zeros(3), "k", "q", path=str(tmp_path / "bad.png"))
