"""Recurrent language models: d2l's ``RNNModel`` (8.6), its training epoch (8.5) and text
generation (``predict_ch8``, plus temperature sampling).

The model reads one-hot tokens (d2l's choice: no embedding layer), runs an
``nn.RNN``/``nn.GRU``/``nn.LSTM`` over them and maps every hidden state to vocabulary
logits.  Batches come time-major: inputs (batch, steps) are transposed inside
``forward``, and the outputs are (steps * batch, vocab), so targets are ``Y.T``
flattened."""
from __future__ import annotations

import math
from typing import Iterable

from .. import nn

__all__ = ["RNNModel", "rnn_lm", "grad_clipping", "train_epoch", "evaluate_perplexity", "predict"]

_CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RNNModel(nn.Module):
    """A recurrent layer followed by a linear layer to the vocabulary (d2l's RNNModel)."""

    def __init__(self, rnn_layer: nn.Module, vocab_size: int) -> None:
        super().__init__()
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = rnn_layer.hidden_size
        self.num_directions = 2 if rnn_layer.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, vocab_size)

    def forward(self, inputs, state):
        import ember
        X = nn.functional.one_hot(inputs.T.long(), self.vocab_size).to(ember.float32)
        Y, state = self.rnn(X, state)
        # (steps, batch, hidden) -> (steps * batch, vocab)
        output = self.linear(Y.reshape((-1, Y.shape[-1])))
        return output, state

    def begin_state(self, device=None, batch_size: int = 1):
        """Zero initial state: a tensor, or an (h, c) pair for an LSTM."""
        import ember
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        h = ember.zeros(shape, device=device)
        if isinstance(self.rnn, nn.LSTM):
            return h, ember.zeros(shape, device=device)
        return h


def rnn_lm(vocab_size: int, cell: str = "gru", hidden: int = 256, num_layers: int = 1) -> RNNModel:
    """An RNNModel with a one-hot input of ``vocab_size`` and a ``cell`` ("rnn", "gru", "lstm") layer."""
    if cell not in _CELLS:
        raise ValueError(f"rnn_lm: unknown cell {cell!r}; expected one of {', '.join(_CELLS)}")
    return RNNModel(_CELLS[cell](vocab_size, hidden, num_layers=num_layers), vocab_size)


def grad_clipping(params: Iterable, theta: float) -> float:
    """d2l's clipping: if the global gradient norm ||g|| exceeds ``theta``, scale every
    gradient by theta / ||g||.  Returns the norm before clipping."""
    import ember
    params = [p for p in params if p.requires_grad and p.grad is not None]
    if not params:
        return 0.0
    norm = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in params))
    if norm > theta:
        with ember.no_grad():
            for p in params:
                p.grad.mul_(theta / norm)
    return norm


def _detach(state):
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def train_epoch(net: RNNModel, train_iter, loss, updater, device=None, use_random_iter: bool = False,
                clip: float | None = 1.0):
    """One epoch of d2l's ``train_epoch_ch8``: returns (perplexity, tokens per second).

    With sequential batches the state carries over from one minibatch to the next but is
    detached, so back-propagation through time stops at the minibatch boundary; with
    random batches it is re-initialised each time."""
    import time
    state, n_tokens, total = None, 0, 0.0
    start = time.perf_counter()
    for X, Y in train_iter:
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        else:
            state = _detach(state)
        y = Y.T.reshape(-1)
        if device is not None:
            X, y = X.to(device), y.to(device)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        updater.zero_grad()
        l.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(net.parameters(), clip)
        updater.step()
        total += float(l) * y.numel()
        n_tokens += y.numel()
    elapsed = time.perf_counter() - start
    if n_tokens == 0:
        raise ValueError("train_epoch: the data gave no minibatch (text shorter than batch_size * num_steps?)")
    return math.exp(total / n_tokens), n_tokens / max(elapsed, 1e-9)


def evaluate_perplexity(net: RNNModel, data_iter, device=None) -> float:
    """exp(mean cross-entropy) of the model over sequential minibatches (state carried)."""
    import ember
    state, n_tokens, total = None, 0, 0.0
    net.eval()
    with ember.no_grad():
        for X, Y in data_iter:
            if state is None:
                state = net.begin_state(batch_size=X.shape[0], device=device)
            y = Y.T.reshape(-1)
            if device is not None:
                X, y = X.to(device), y.to(device)
            y_hat, state = net(X, state)
            total += float(nn.functional.cross_entropy(y_hat, y, reduction="sum"))
            n_tokens += y.numel()
    net.train()
    return math.exp(total / n_tokens) if n_tokens else float("nan")


def predict(prefix: list[int], num_preds: int, net: RNNModel, device=None, greedy: bool = True,
            temperature: float = 1.0, generator=None, banned: Iterable[int] = ()) -> list[int]:
    """Continue the token indices ``prefix`` by ``num_preds`` tokens (d2l's predict_ch8).

    The prefix warms the state up; then each step feeds the last token back in and picks
    the next one: the argmax when ``greedy``, else a sample from softmax(logits / T).
    Tokens in ``banned`` (e.g. ``<unk>``, which a cleaned text never contains) are never
    produced."""
    import ember
    if not prefix:
        raise ValueError("predict: the prefix must hold at least one token")
    if not greedy and not temperature > 0:
        raise ValueError(f"predict: temperature must be > 0, got {temperature}")
    was_training = net.training
    net.eval()
    banned = [int(b) for b in banned]
    outputs = [int(prefix[0])]
    with ember.no_grad():
        state = net.begin_state(batch_size=1, device=device)

        def last():
            return ember.tensor([[outputs[-1]]], device=device)

        for tok in prefix[1:]:
            _, state = net(last(), state)
            outputs.append(int(tok))
        for _ in range(num_preds):
            y, state = net(last(), state)
            if banned:
                y = y.clone()
                y[:, banned] = float("-inf")
            if greedy:
                outputs.append(int(y.argmax(dim=1).reshape(1)))
            else:
                probs = ember.softmax(y.reshape(-1).double() / temperature, dim=0)
                outputs.append(int(ember.multinomial(probs.cpu(), 1, generator=generator)))
    net.train(was_training)
    return outputs
