"""Issue 4: training LeNet must not grow memory from epoch to epoch.

d2l's LeNet (ember.models.lenet: sigmoid, average pooling) trained for a few epochs on
generated 28x28 images, once with a plain loop and once with the Trainer (what ``ember
train lenet`` runs).  Per epoch, tracemalloc's peak (NumPy reports its array buffers to
tracemalloc) and the memory still held at the epoch's end must stay at epoch 1's level,
and the number of live ember tensors must not grow: a graph, a saved activation or an
optimizer buffer kept across steps would show up in all three.  Measured, not timed.

ember runs on one thread here: with two, convolution chunks run at the same time or one
after the other as the scheduler decides, so the peak moves by up to a chunk's
temporaries (about 1 MiB) from epoch to epoch without anything being kept.
"""
from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import ember
from ember.models import lenet
from ember.train import Callback, Trainer
from ember.utils.data import DataLoader, TensorDataset

EPOCHS = 4
N, BATCH = 384, 64


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((N, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, N)
    return ember.tensor(x), ember.tensor(y)


def _live_tensors() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if issubclass(type(o), ember.Tensor))


class _Probe:
    """Per-epoch tracemalloc peak, memory held at the end, and live tensors."""

    def __init__(self) -> None:
        self.peaks, self.held, self.tensors = [], [], []

    def start(self) -> None:
        gc.collect()
        tracemalloc.reset_peak()

    def end(self) -> None:
        self.peaks.append(tracemalloc.get_traced_memory()[1])
        self.tensors.append(_live_tensors())
        self.held.append(tracemalloc.get_traced_memory()[0])

    def assert_flat(self) -> None:
        mib = 1 << 20
        first_peak, first_held = self.peaks[0], self.held[0]
        for e in range(1, len(self.peaks)):
            # a few hundred KiB of slack: allocator and tracemalloc bookkeeping, Python objects
            assert self.peaks[e] <= first_peak * 1.02 + 0.5 * mib, (
                f"peak memory grew: epoch 1 {first_peak / mib:.2f} MiB, epoch {e + 1} {self.peaks[e] / mib:.2f} MiB "
                f"(all: {[round(p / mib, 2) for p in self.peaks]})")
            assert self.held[e] <= first_held + 0.5 * mib, (
                f"memory held after an epoch grew: {[round(h / mib, 2) for h in self.held]} MiB")
            assert self.tensors[e] <= self.tensors[0], f"live ember tensors grew: {self.tensors}"


@pytest.fixture
def traced():
    old = ember.get_num_threads()
    ember.set_num_threads(1)
    tracemalloc.start()
    yield
    tracemalloc.stop()
    ember.set_num_threads(old)


def _lenet():
    ember.manual_seed(0)
    return lenet()


def test_plain_loop_memory_flat(traced):
    x, y = _data()
    net = _lenet()
    opt = ember.optim.SGD(net.parameters(), lr=0.9)
    loss_fn = ember.nn.CrossEntropyLoss()
    probe = _Probe()
    rng = np.random.default_rng(0)
    for _ in range(EPOCHS):
        probe.start()
        perm = ember.tensor(rng.permutation(N))
        for i in range(0, N, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
        del loss
        probe.end()
    probe.assert_flat()
    # the probe itself can fail: a graph kept alive across epochs is caught
    kept = []
    probe2 = _Probe()
    for _ in range(2):
        probe2.start()
        kept.append(loss_fn(net(x[:BATCH]), y[:BATCH]))  # graphs (with saved activations) kept alive
        probe2.end()
    with pytest.raises(AssertionError):
        probe2.assert_flat()


class _EpochProbe(Callback):
    def __init__(self, probe: _Probe) -> None:
        self.probe = probe

    def on_epoch_start(self, trainer, epoch: int) -> None:
        self.probe.start()

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        self.probe.end()


def test_trainer_memory_flat(traced):
    x, y = _data(1)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    net = _lenet()
    probe = _Probe()
    trainer = Trainer(net, ember.nn.CrossEntropyLoss(), ember.optim.SGD(net.parameters(), lr=0.9),
                      callbacks=[_EpochProbe(probe)], progress=False)
    trainer.fit(loader, epochs=EPOCHS)
    assert len(probe.peaks) == EPOCHS
    probe.assert_flat()
