"""Speed of ``optimizer.step()`` in ember against PyTorch, both measured in the same run.

    .venv/bin/python benchmarks/optim.py                       # print the table
    .venv/bin/python benchmarks/optim.py --write docs/performance.md

The parameters are an MLP-like set of about one million float32 values (shapes
(1000, 784), (1000,), (200, 1000), (200,), (10, 200), (10,)) with fixed gradients;
each case times one ``step()`` over all of them.  PyTorch runs its default CPU
implementation (for CPU tensors that is the per-tensor loop, ``foreach`` off).  Timing
is timeit-style: calls are batched so one batch lasts about ``--batch-seconds``, and
the best per-call time of ``--repeat`` batches is kept.  The ratio column is ember's
time over PyTorch's (lower is better).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from _harness import replace_block  # noqa: E402  (benchmarks/ is the script directory)

import ember  # noqa: E402
import torch  # noqa: E402

SHAPES = [(1000, 784), (1000,), (200, 1000), (200,), (10, 200), (10,)]
RNG = np.random.default_rng(0)
PARAMS = [RNG.standard_normal(s).astype(np.float32) for s in SHAPES]
GRADS = [RNG.standard_normal(s).astype(np.float32) * 0.01 for s in SHAPES]

CASES = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("Adam", dict(lr=1e-3)),
    ("Adam", dict(lr=1e-3, weight_decay=1e-4, amsgrad=True)),
    ("AdamW", dict(lr=1e-3)),
    ("RMSprop", dict(lr=1e-3)),
    ("Adagrad", dict(lr=1e-2)),
]


def make(lib, name: str, kw: dict):
    """A zero-argument callable doing one step of ``lib.optim.<name>`` over PARAMS."""
    params = [lib.tensor(p.copy(), requires_grad=True) for p in PARAMS]
    for p, g in zip(params, GRADS):
        p.grad = lib.tensor(g.copy())
    opt = getattr(lib.optim, name)(params, **kw)
    return opt.step


def time_call(fn, repeat: int, batch_seconds: float) -> float:
    """Best per-call seconds over ``repeat`` batches of about ``batch_seconds`` each."""
    fn()  # warm up: lazily created state
    n, dt = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= batch_seconds / 5:
            break
        n *= 10 if dt < batch_seconds / 50 else 2
    n = max(1, round(n * batch_seconds / dt))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def _label(name: str, kw: dict) -> str:
    return f"{name}({', '.join(f'{k}={v}' for k, v in kw.items())})"


def run(repeat: int, batch_seconds: float) -> list:
    rows = []
    for name, kw in CASES:
        e_t = time_call(make(ember, name, kw), repeat, batch_seconds)
        t_t = time_call(make(torch, name, kw), repeat, batch_seconds)
        rows.append((_label(name, kw), e_t, t_t))
        print(f"{_label(name, kw):60s} ember {e_t * 1e3:8.3f} ms  torch {t_t * 1e3:8.3f} ms  "
              f"ratio {e_t / t_t:5.2f}", flush=True)
    return rows


def machine() -> list:
    n = sum(int(np.prod(s)) for s in SHAPES)
    return [f"- CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores",
            f"- Python {platform.python_version()}, NumPy {np.__version__}, PyTorch {torch.__version__} "
            f"({torch.get_num_threads()} intra-op threads)",
            f"- load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
            f"- {n:,} float32 parameters in {len(SHAPES)} tensors {SHAPES}"]


def table(rows) -> str:
    out = ["| optimizer | ember step | PyTorch step | ember / PyTorch |", "|---|---:|---:|---:|"]
    for label, e_t, t_t in rows:
        out.append(f"| {label} | {e_t * 1e3:.3f} ms | {t_t * 1e3:.3f} ms | {e_t / t_t:.2f} |")
    return "\n".join(out)


def _write(path: str, text: str, argv) -> None:
    begin, end = "<!-- BEGIN benchmarks/optim.py -->", "<!-- END benchmarks/optim.py -->"
    cmd = ".venv/bin/python benchmarks/optim.py " + " ".join(argv if argv is not None else sys.argv[1:])
    note = ("One `step()` over all parameters, gradients fixed; best of the timed batches. ember runs the "
            "update rules in NumPy, chunk by chunk so the dozen elementwise passes of Adam stay in cache; "
            "NumPy's ufuncs use one thread, so PyTorch is held to the thread count shown.")
    block = "\n".join([begin, "## Optimizer step (`ember.optim`)", "", f"Command: `{cmd.strip()}`", "",
                       *machine(), "", f"Measured {time.strftime('%Y-%m-%d')}. {note}", "", text, end])
    replace_block(path, block)
    print(f"wrote {path}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=7, help="batches per case (the minimum is kept)")
    p.add_argument("--batch-seconds", type=float, default=0.3, help="length of one timed batch")
    p.add_argument("--threads", type=int, help="PyTorch intra-op threads (default: PyTorch's own choice); "
                   "NumPy's elementwise ufuncs run on one thread, so --threads 1 compares equal hardware")
    p.add_argument("--write", metavar="MARKDOWN", help="also write the table into this file "
                   "(replacing the section between its BEGIN/END markers when present)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print("\n".join(machine()))
    rows = run(args.repeat, args.batch_seconds)
    text = table(rows)
    print()
    print(text)
    if args.write:
        _write(args.write, text, argv)


if __name__ == "__main__":
    main()
