"""Skip-gram against a PyTorch implementation of the same model (d2l 15.4) with identical
weights: scores, the masked sigmoid BCE loss, gradients of both tables, and the cosine
neighbours."""
import numpy as np
import pytest
import torch

import ember
from ember.models.word2vec import SigmoidBCELoss, SkipGram, cosine_neighbours, skip_gram, word2vec_loss
from helpers import assert_close

RNG = np.random.default_rng(11)


def torch_reference(weights_v, weights_u):
    net = torch.nn.Sequential(torch.nn.Embedding(*weights_v.shape), torch.nn.Embedding(*weights_u.shape))
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(weights_v))
        net[1].weight.copy_(torch.from_numpy(weights_u))
    return net


def torch_loss(pred, label, mask):  # d2l's train step, written in PyTorch
    out = torch.nn.functional.binary_cross_entropy_with_logits(pred.reshape(label.shape).float(), label.float(),
                                                               weight=mask.float(), reduction="none").mean(dim=1)
    return (out / mask.float().sum(dim=1) * mask.shape[1]).sum()


def batch(b=4, length=7, vocab=20):
    centers = RNG.integers(1, vocab, size=(b, 1))
    ctx = RNG.integers(0, vocab, size=(b, length))
    real = RNG.integers(2, length + 1, size=b)
    mask = (np.arange(length)[None] < real[:, None]).astype(np.int64)
    label = (np.arange(length)[None] < (real // 2)[:, None]).astype(np.int64)
    ctx = ctx * mask
    return centers, ctx, mask, label


def test_skip_gram_scores_loss_and_gradients_match_torch():
    V, E = 20, 6
    wv = RNG.standard_normal((V, E)).astype(np.float32)
    wu = RNG.standard_normal((V, E)).astype(np.float32)
    model = SkipGram(V, E)
    model.embed_v.weight.data.copy_(ember.tensor(wv))
    model.embed_u.weight.data.copy_(ember.tensor(wu))
    ref = torch_reference(wv, wu)
    c, cn, m, lab = batch(vocab=V)
    pred = model(ember.tensor(c), ember.tensor(cn))
    pred_t = torch.bmm(ref[0](torch.from_numpy(c)), ref[1](torch.from_numpy(cn)).permute(0, 2, 1))
    assert tuple(pred.shape) == (4, 1, 7)
    assert_close(pred, pred_t)
    assert_close(skip_gram(ember.tensor(c), ember.tensor(cn), model.embed_v, model.embed_u), pred_t)
    loss = word2vec_loss(pred, ember.tensor(lab), ember.tensor(m))
    loss_t = torch_loss(pred_t, torch.from_numpy(lab), torch.from_numpy(m))
    assert_close(loss, loss_t)
    loss.backward()
    loss_t.backward()
    assert_close(model.embed_v.weight.grad, ref[0].weight.grad, what="grad v")
    assert_close(model.embed_u.weight.grad, ref[1].weight.grad, what="grad u")


def test_sigmoid_bce_loss_masks_padding():
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    y = RNG.integers(0, 2, size=(3, 5)).astype(np.float32)
    m = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=np.float32)
    got = SigmoidBCELoss()(ember.tensor(x), ember.tensor(y), ember.tensor(m))
    want = torch.nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y),
                                                                weight=torch.from_numpy(m),
                                                                reduction="none").mean(dim=1)
    assert_close(got, want)
    # d2l's worked example (labels [[1, 0, 0, 0], [0, 1, 0, 0]]) ...
    pred = ember.tensor([[1.1, -2.2, 3.3, -4.4]] * 2)
    label = ember.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    mask = ember.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    out = SigmoidBCELoss()(pred, label, mask) * mask.shape[1] / mask.sum(axis=1)
    np.testing.assert_allclose(out.numpy(), [0.9352, 1.8462], atol=1e-4)  # ... printed in d2l as 0.9352, 1.8462


def test_cosine_neighbours_match_torch():
    W = RNG.standard_normal((30, 8)).astype(np.float32)
    W[5] = W[3] * 2.0 + 0.01  # nearly parallel to row 3
    got = cosine_neighbours(ember.tensor(W), 3, 4)
    t = torch.from_numpy(W)
    x = t[3]
    cos = torch.mv(t, x) / torch.sqrt(torch.sum(t * t, dim=1) * torch.sum(x * x) + 1e-9)
    top = torch.topk(cos, k=5)[1].tolist()[1:]
    assert [i for i, _ in got] == top and got[0][0] == 5
    np.testing.assert_allclose([c for _, c in got], cos[top].numpy(), rtol=1e-5)
    assert len(cosine_neighbours(ember.tensor(W), 0, 100)) == 29
    with pytest.raises(IndexError, match="out of range"):
        cosine_neighbours(ember.tensor(W), 30, 3)


def test_reset_parameters_is_xavier_uniform():
    ember.manual_seed(0)
    m = SkipGram(1000, 50)
    m.reset_parameters()
    bound = (6 / (1000 + 50)) ** 0.5
    w = m.embed_v.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
