"""A character RNN language model from scratch (d2l 8.5; notes 001 "RNN", "BPTT", "梯度裁切").

The hidden state is computed by hand, h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h), the output
o_t = h_t W_hq + b_q; autograd back-propagates through all time steps of a minibatch
(BPTT), and the global gradient norm is clipped to 1 (g <- min(1, theta / ||g||) g) so the
product of many W_hh Jacobians cannot blow the update up.  Trained on the GPL-3 text
(or --data FILE) with sequential minibatches; the state is carried over between
minibatches but detached, so BPTT stops at the minibatch boundary."""
import math

import _common
import ember as torch
from ember import nn
from ember.nn import functional as F
import ember.text as text

p = _common.parser(__doc__, epochs=100)
p.add_argument("--data", default=None, help="text file (default /usr/share/common-licenses/GPL-3)")
p.add_argument("--hidden", type=int, default=128)
p.add_argument("--max-tokens", type=int, default=10000)
args = p.parse_args()

torch.manual_seed(0)
batch_size, num_steps, lr = 32, 35, 1.0
train_iter, vocab = text.load_data_lm(batch_size, num_steps, max_tokens=args.max_tokens, path=args.data)
V, H = len(vocab), args.hidden


def get_params():
    def normal(*shape):
        return torch.randn(*shape) * 0.01
    params = [normal(V, H), normal(H, H), torch.zeros(H), normal(H, V), torch.zeros(V)]
    for p_ in params:
        p_.requires_grad_(True)
    return params


def rnn(inputs, state, params):
    """inputs: (num_steps, batch, V) one-hot; returns (num_steps * batch, V) logits and the last state."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H_t, = state
    outputs = []
    for X in inputs:                          # one time step at a time
        H_t = torch.tanh(X @ W_xh + H_t @ W_hh + b_h)
        outputs.append(H_t @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H_t,)


params = get_params()


def net(X, state):
    return rnn(F.one_hot(X.T, V).float(), state, params)


def begin_state(batch):
    return (torch.zeros(batch, H),)


def grad_clipping(theta):
    norm = math.sqrt(sum(float((p_.grad ** 2).sum()) for p_ in params))
    if norm > theta:
        for p_ in params:
            p_.grad[:] *= theta / norm


def predict(prefix, num_preds):
    state, outputs = begin_state(1), [vocab[prefix[0]]]
    with torch.no_grad():
        for ch in prefix[1:]:                  # warm-up: feed the prefix, keep the state
            _, state = net(torch.tensor([[outputs[-1]]]), state)
            outputs.append(vocab[ch])
        for _ in range(num_preds):             # feed each prediction back in
            y, state = net(torch.tensor([[outputs[-1]]]), state)
            outputs.append(int(y.argmax(dim=1)))
    return "".join(vocab.to_tokens(outputs))


loss_fn = nn.CrossEntropyLoss()
for epoch in range(args.epochs):
    state, total, n = None, 0.0, 0
    for X, Y in train_iter:
        state = begin_state(X.shape[0]) if state is None else tuple(s.detach() for s in state)
        y_hat, state = net(X, state)
        loss = loss_fn(y_hat, Y.T.reshape(-1))
        for p_ in params:
            p_.grad = None
        loss.backward()                       # BPTT over num_steps steps
        grad_clipping(1.0)
        with torch.no_grad():
            for p_ in params:
                p_ -= lr * p_.grad            # minibatch SGD
        total, n = total + float(loss) * Y.numel(), n + Y.numel()
    if (epoch + 1) % 20 == 0 or epoch == 0:
        print(f"epoch {epoch + 1}: perplexity {math.exp(total / n):.2f}  |  {predict('the ', 40)!r}")
