"""ember.text.lm: d2l's RNNModel, training epoch, clipping and generation, against PyTorch."""
import math

import numpy as np
import pytest
import torch

import ember
from ember.text import RNNModel, grad_clipping, predict, rnn_lm, train_epoch

V, H = 7, 5


def _torch_twin(net, cell):
    layer = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](V, H)
    lin = torch.nn.Linear(H, V)
    layer.load_state_dict({k[4:]: torch.tensor(v.numpy()) for k, v in net.state_dict().items() if k.startswith("rnn.")})
    lin.load_state_dict({k[7:]: torch.tensor(v.numpy()) for k, v in net.state_dict().items() if k.startswith("linear.")})
    return layer, lin


def _batches(n=3, b=2, steps=4, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, V, size=(b, n * steps + 1))
    return [(data[:, i * steps:(i + 1) * steps], data[:, i * steps + 1:(i + 1) * steps + 1]) for i in range(n)]


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_forward_matches_torch(cell):
    ember.manual_seed(0)
    net = rnn_lm(V, cell, H)
    layer, lin = _torch_twin(net, cell)
    X = _batches()[0][0]
    state = net.begin_state(batch_size=2)
    out, new_state = net(ember.tensor(X), state)
    tx = torch.nn.functional.one_hot(torch.tensor(X).T, V).float()
    ty, tstate = layer(tx)
    tout = lin(ty.reshape(-1, H))
    assert tuple(out.shape) == (4 * 2, V)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    if cell == "lstm":
        assert isinstance(state, tuple) and len(state) == 2
        np.testing.assert_allclose(new_state[1].detach().numpy(), tstate[1].detach().numpy(), rtol=1e-5, atol=1e-6)
    else:
        assert tuple(state.shape) == (1, 2, H)


@pytest.mark.parametrize("cell,random_iter", [("gru", False), ("lstm", False), ("rnn", True)])
def test_train_epoch_matches_torch(cell, random_iter):
    ember.manual_seed(1)
    net = rnn_lm(V, cell, H)
    layer, lin = _torch_twin(net, cell)
    batches = _batches()
    ppl, speed = train_epoch(net, [(ember.tensor(x), ember.tensor(y)) for x, y in batches], ember.nn.CrossEntropyLoss(),
                             ember.optim.SGD(net.parameters(), lr=1.0), use_random_iter=random_iter, clip=1.0)
    params = list(layer.parameters()) + list(lin.parameters())
    opt = torch.optim.SGD(params, lr=1.0)
    state, total, n = None, 0.0, 0
    for x, y in batches:
        if random_iter:
            state = None
        elif state is not None:
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        out, state = layer(torch.nn.functional.one_hot(torch.tensor(x).T, V).float(), state)
        loss = torch.nn.functional.cross_entropy(lin(out.reshape(-1, H)), torch.tensor(y).T.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        total += loss.item() * y.size
        n += y.size
    assert ppl == pytest.approx(math.exp(total / n), rel=1e-5) and speed > 0
    np.testing.assert_allclose(net.linear.weight.detach().numpy(), lin.weight.detach().numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="gave no minibatch"):
        train_epoch(net, [], ember.nn.CrossEntropyLoss(), ember.optim.SGD(net.parameters(), lr=1.0))


def test_grad_clipping():
    a = ember.tensor([3.0, 0.0], requires_grad=True)
    b = ember.tensor([4.0], requires_grad=True)
    ((a * a).sum() / 2 + (b * b).sum() / 2).backward()     # grads = values, global norm 5
    assert grad_clipping([a, b], 10.0) == pytest.approx(5.0)
    assert a.grad.tolist() == [3.0, 0.0]
    assert grad_clipping([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.numpy(), [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), [0.8], rtol=1e-6)
    assert grad_clipping([ember.zeros(2, requires_grad=True)], 1.0) == 0.0


def test_predict():
    ember.manual_seed(2)
    net = rnn_lm(V, "gru", H)
    g1 = predict([1, 2], 6, net)
    assert g1[:2] == [1, 2] and len(g1) == 8 and g1 == predict([1, 2], 6, net)   # greedy: deterministic
    # greedy equals the argmax of the model's own step-by-step outputs
    state, out = net.begin_state(batch_size=1), None
    with ember.no_grad():
        for t in g1[:-1]:
            out, state = net(ember.tensor([[t]]), state)
    assert int(out.argmax()) == g1[-1]
    s1 = predict([1], 20, net, greedy=False, temperature=1.5, generator=ember.Generator().manual_seed(5))
    s2 = predict([1], 20, net, greedy=False, temperature=1.5, generator=ember.Generator().manual_seed(5))
    assert s1 == s2 and all(0 <= t < V for t in s1)
    banned = predict([1], 30, net, greedy=False, temperature=5.0, banned=[0, 3],
                     generator=ember.Generator().manual_seed(0))
    assert 0 not in banned[1:] and 3 not in banned[1:]
    assert net.training  # restored
    with pytest.raises(ValueError, match="at least one token"):
        predict([], 3, net)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        predict([1], 3, net, greedy=False, temperature=0.0)
    with pytest.raises(ValueError, match="unknown cell 'tcn'"):
        rnn_lm(V, "tcn")


def test_bidirectional_layer_width():
    net = RNNModel(ember.nn.GRU(V, H, bidirectional=True), V)
    assert net.linear.in_features == 2 * H
    assert tuple(net.begin_state(batch_size=3).shape) == (2, 3, H)
