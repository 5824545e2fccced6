"""What ``ember bench`` times: the cases of its two suites.

Each case is a name, a maker and what one call moves or computes.  ``make(env)`` builds
the data once (on ``env.device``, from a fixed seed) and returns a zero-argument
function that does the timed work once.  ``nbytes`` is the least memory traffic of a
call (every input read once, the output written once) and gives the GB/s column;
``flops`` gives GFLOP/s; ``samples`` (model suite) gives samples per second.

Sizes follow ``benchmarks/ops.py`` and ``benchmarks/layers.py`` (1000x1000 elementwise,
256x1000 softmax, 256x784 @ 784x256, LeNet's and ResNet's layers), so the numbers can
be set beside the PyTorch comparisons in ``docs/performance.md``.  Nothing here imports
ember at module level: the command line starts fast."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["Case", "Env", "SUITES"]

F32 = 4  # bytes per float32 element


@dataclass
class Case:
    name: str
    make: Callable  # make(env) -> step(): one call of the timed work
    nbytes: int = 0
    flops: int = 0
    samples: int = 0


class Env:
    """The device, a seeded generator and ``randn`` for building a case's data."""

    def __init__(self, device) -> None:
        import ember
        self.ember, self.device = ember, device
        self.gen = ember.Generator().manual_seed(0)

    def randn(self, *shape: int, requires_grad: bool = False):
        x = self.ember.randn(*shape, generator=self.gen).to(self.device)
        return x.requires_grad_(requires_grad)

    def randint(self, high: int, *shape: int):
        return self.ember.randint(0, high, shape, generator=self.gen).to(self.device)


# ---------------------------------------------------------------------------------------------- ops

def _small_add(grad: bool, backward: bool):
    def make(env):
        a, b = env.randn(10, requires_grad=grad), env.randn(10)
        if not backward:
            return lambda: a + b
        g = env.ember.ones(10).to(env.device)

        def step():
            a.grad = None
            (a + b).backward(g)
        return step
    return make


def _binary(op: str):
    def make(env):
        a, b = env.randn(1000, 1000), env.randn(1000, 1000)
        return (lambda: a + b) if op == "add" else (lambda: a * b)
    return make


def _unary(name: str, shape=(1000, 1000), **kwargs):
    def make(env):
        x = env.randn(*shape)
        fn = getattr(env.ember, name)
        return lambda: fn(x, **kwargs)
    return make


def _reduce(name: str):
    def make(env):
        x = env.randn(1000, 1000)
        return lambda: getattr(x, name)(dim=1)
    return make


def _matmul(backward: bool):
    def make(env):
        a, b = env.randn(256, 784, requires_grad=backward), env.randn(784, 256, requires_grad=backward)
        if not backward:
            return lambda: a @ b
        g = env.ember.ones(256, 256).to(env.device)

        def step():
            a.grad = b.grad = None
            (a @ b).backward(g)
        return step
    return make


def _layer(build: Callable, shape: tuple):
    """Forward and backward of one layer, input gradient included (as inside a network)."""
    def make(env):
        layer = build(env.ember.nn).to(env.device)
        x = env.randn(*shape, requires_grad=True)
        with env.ember.no_grad():
            g = env.ember.ones_like(layer(x))

        def step():
            layer.zero_grad()
            x.grad = None
            layer(x).backward(g)
        return step
    return make


def _conv_flops(n: int, cin: int, cout: int, k: int, hout: int) -> int:
    """Forward, data gradient and weight gradient: three products of n*cout*hout^2*cin*k^2 multiply-adds."""
    return 3 * 2 * n * cout * hout * hout * cin * k * k


def _pool_bytes(maps: int, hin: int, hout: int) -> int:
    """Forward reads x and writes y; backward reads dy and writes dx."""
    return 2 * maps * (hin * hin + hout * hout) * F32


M = 1000 * 1000
OPS = [
    Case("add, 10 elements, no grad", _small_add(False, False)),
    Case("add, 10 elements, requires_grad (forward)", _small_add(True, False)),
    Case("add, 10 elements, forward + backward", _small_add(True, True)),
    Case("add, 1000x1000", _binary("add"), nbytes=3 * M * F32),
    Case("mul, 1000x1000", _binary("mul"), nbytes=3 * M * F32),
    Case("exp, 1000x1000", _unary("exp"), nbytes=2 * M * F32),
    Case("sigmoid, 1000x1000", _unary("sigmoid"), nbytes=2 * M * F32),
    Case("relu, 1000x1000", _unary("relu"), nbytes=2 * M * F32),
    Case("sum(dim=1), 1000x1000", _reduce("sum"), nbytes=(M + 1000) * F32),
    Case("mean(dim=1), 1000x1000", _reduce("mean"), nbytes=(M + 1000) * F32),
    Case("softmax(dim=1), 256x1000", _unary("softmax", (256, 1000), dim=1), nbytes=2 * 256000 * F32),
    Case("matmul 256x784 @ 784x256, forward", _matmul(False), flops=2 * 256 * 784 * 256),
    Case("matmul 256x784 @ 784x256, forward + backward", _matmul(True), flops=3 * 2 * 256 * 784 * 256),
    Case("Conv2d 6->16 5x5 (LeNet), 256x6x14x14, forward + backward",
         _layer(lambda nn: nn.Conv2d(6, 16, 5), (256, 6, 14, 14)), flops=_conv_flops(256, 6, 16, 5, 10)),
    Case("Conv2d 64->64 3x3 pad 1 (ResNet), 8x64x28x28, forward + backward",
         _layer(lambda nn: nn.Conv2d(64, 64, 3, padding=1), (8, 64, 28, 28)), flops=_conv_flops(8, 64, 64, 3, 28)),
    Case("MaxPool2d 2x2 (LeNet), 256x6x28x28, forward + backward",
         _layer(lambda nn: nn.MaxPool2d(2), (256, 6, 28, 28)), nbytes=_pool_bytes(256 * 6, 28, 14)),
    Case("MaxPool2d 3x3 s2 pad 1 (ResNet), 8x64x56x56, forward + backward",
         _layer(lambda nn: nn.MaxPool2d(3, 2, 1), (8, 64, 56, 56)), nbytes=_pool_bytes(8 * 64, 56, 28)),
]


# ---------------------------------------------------------------------------------------------- models

def _train_step(build: Callable, inputs: Callable, optimizer: Callable, clip: float | None = None):
    """One training step: zero the gradients, forward, cross-entropy, backward, (clip,) optimizer step."""
    def make(env):
        ember = env.ember
        saved = ember.get_rng_state()
        ember.manual_seed(0)  # the same initial weights on every run, and the caller's generator left as it was
        model = build(ember.nn).to(env.device)
        ember.set_rng_state(saved)
        model.train()
        x, y = inputs(env)
        opt = optimizer(ember.optim, model.parameters())
        loss_fn = ember.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            out = model(x)
            loss = loss_fn(out.reshape(-1, out.shape[-1]), y.reshape(-1))
            loss.backward()
            if clip is not None:
                ember.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
        return step
    return make


def _lenet(nn):
    from .recipes import _lenet
    return _lenet()


def _mlp(nn):
    from .recipes import _mlp
    return _mlp()


def _gru_lm(nn):
    class GRULM(nn.Module):
        """d2l's character language model: 28 tokens, one GRU layer of 256 units."""

        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(28, 32)
            self.rnn = nn.GRU(32, 256, batch_first=True)
            self.out = nn.Linear(256, 28)

        def forward(self, x):
            return self.out(self.rnn(self.embed(x))[0])
    return GRULM()


def _encoder(nn):
    class Encoder(nn.Module):
        """Token embedding, two encoder layers (d_model 64, 4 heads, feed-forward 256), mean pool, 2 classes."""

        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(1000, 64)
            layer = nn.TransformerEncoderLayer(64, 4, 256, dropout=0.1, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.head = nn.Linear(64, 2)

        def forward(self, x):
            return self.head(self.encoder(self.embed(x)).mean(dim=1))
    return Encoder()


def _images(n: int):
    return lambda env: (env.randn(n, 1, 28, 28), env.randint(10, n))


def _sgd(lr: float):
    return lambda optim, params: optim.SGD(params, lr=lr)


MODELS = [
    Case("LeNet (d2l, sigmoid), 1x28x28, batch 256, SGD", _train_step(_lenet, _images(256), _sgd(0.9)), samples=256),
    Case("MLP 784-256-10, batch 256, SGD", _train_step(_mlp, _images(256), _sgd(0.1)), samples=256),
    Case("GRU language model (28 tokens, 256 hidden), batch 32 x 35 steps, SGD + clip",
         _train_step(_gru_lm, lambda env: (env.randint(28, 32, 35), env.randint(28, 32, 35)), _sgd(1.0), clip=1.0),
         samples=32),
    Case("Transformer encoder (2 layers, d_model 64, 4 heads), batch 32 x 64 tokens, Adam",
         _train_step(_encoder, lambda env: (env.randint(1000, 32, 64), env.randint(2, 32)),
                     lambda optim, params: optim.Adam(params, lr=1e-3)), samples=32),
]

SUITES = {"ops": OPS, "models": MODELS}
