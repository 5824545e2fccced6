"""Speed of ember's loss functions against PyTorch, both measured in the same run.

    .venv/bin/python benchmarks/losses.py            # print the table
    .venv/bin/python benchmarks/losses.py --budget 2 # longer runs, steadier numbers

Each case is written once against a framework module (``lib`` is ``ember`` or
``torch``) and timed as forward + backward of the loss on logits that require grad
(what one training step pays for its loss), timeit-style: calls are batched so one
batch lasts about 5 ms, batches run for about ``--budget`` seconds per case and
framework, and the best per-call time is kept.  The ratio is ember's time over
PyTorch's (lower is better).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember  # noqa: E402
import torch  # noqa: E402

RNG = np.random.default_rng(0)


def _logits(n, c):
    return RNG.standard_normal((n, c)).astype(np.float32)


def _labels(n, c):
    return RNG.integers(0, c, size=n)


def cross_entropy(n, c, **kw):
    """F.cross_entropy(x, y, **kw) forward + backward on (n, c) float32 logits."""
    x_np, y_np = _logits(n, c), _labels(n, c)

    def make(lib):
        x = lib.tensor(x_np, requires_grad=True)
        y = lib.tensor(y_np)
        f = lib.nn.functional.cross_entropy

        def step():
            x.grad = None
            f(x, y, **kw).backward()
        return step
    return make


def cross_entropy_forward(n, c):
    """F.cross_entropy forward only (no graph): evaluation loops."""
    x_np, y_np = _logits(n, c), _labels(n, c)

    def make(lib):
        x, y = lib.tensor(x_np), lib.tensor(y_np)
        f = lib.nn.functional.cross_entropy
        return lambda: f(x, y)
    return make


def bce_with_logits(n, c):
    x_np = _logits(n, c)
    t_np = RNG.random((n, c)).astype(np.float32)

    def make(lib):
        x, t = lib.tensor(x_np, requires_grad=True), lib.tensor(t_np)
        f = lib.nn.functional.binary_cross_entropy_with_logits

        def step():
            x.grad = None
            f(x, t).backward()
        return step
    return make


def mse(n, c):
    x_np, t_np = _logits(n, c), _logits(n, c)

    def make(lib):
        x, t = lib.tensor(x_np, requires_grad=True), lib.tensor(t_np)
        f = lib.nn.functional.mse_loss

        def step():
            x.grad = None
            f(x, t).backward()
        return step
    return make


CASES = [
    ("cross_entropy 256x10, fwd+bwd", cross_entropy(256, 10)),
    ("cross_entropy 256x1000, fwd+bwd", cross_entropy(256, 1000)),
    ("cross_entropy 256x1000, label_smoothing=0.1, fwd+bwd", cross_entropy(256, 1000, label_smoothing=0.1)),
    ("cross_entropy 256x1000, forward only", cross_entropy_forward(256, 1000)),
    ("bce_with_logits 256x1000, fwd+bwd", bce_with_logits(256, 1000)),
    ("mse_loss 256x1000, fwd+bwd", mse(256, 1000)),
]


def best_time(fn, budget: float, batch_seconds: float = 0.005) -> float:
    """Best per-call seconds over batches of calls lasting about ``batch_seconds``."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    k = max(1, int(batch_seconds / one))
    best = float("inf")
    end = time.perf_counter() + budget
    while True:
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        best = min(best, (time.perf_counter() - t0) / k)
        if time.perf_counter() > end:
            return best


def _fmt(s: float) -> str:
    return f"{s * 1e6:.1f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=float, default=0.5, help="seconds per case and framework")
    p.add_argument("--threads", type=int, default=0,
                   help="PyTorch intra-op threads (default: PyTorch's own choice); 1 compares like with like "
                        "(ember's NumPy kernels run on one thread) and is steadier on a loaded machine")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU: {platform.machine()}, {os.cpu_count()} logical cores; NumPy {np.__version__}, "
          f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads); load average {load:.1f}")
    print()
    print("| case | ember | PyTorch | ember / PyTorch |")
    print("|---|---:|---:|---:|")
    for name, make in CASES:
        te = best_time(make(ember), args.budget)
        tt = best_time(make(torch), args.budget)
        print(f"| {name} | {_fmt(te)} | {_fmt(tt)} | {te / tt:.2f} |", flush=True)


if __name__ == "__main__":
    main()
