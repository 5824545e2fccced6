"""Per-op speed of ember against PyTorch, both measured in the same run.

    .venv/bin/python benchmarks/ops.py                      # print the table
    .venv/bin/python benchmarks/ops.py --write docs/performance.md

Each case is a small function written once against a framework module (``lib`` is
``ember`` or ``torch``) and timed timeit-style: calls are batched so one batch lasts
about ``--batch-seconds``, batches run for about ``--budget`` seconds, and the best
(minimum) per-call time is kept, which filters out noise from other processes.  The ratio column is
ember's time over PyTorch's (lower is better; 1.00 means equal).

Targets (issue 2): large ops within 1.3x of PyTorch; the fixed overhead of a small op
with autograd within 3x.  Cases ember cannot run yet print "n/a: ember lacks X yet".
Thread counts are left at their defaults (ember: EMBER_NUM_THREADS or the cores;
PyTorch: its intra-op default) and reported; ``--threads N`` sets both to N, which
compares the kernels per thread (``--threads 1``) on a machine others are using.
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

RNG = np.random.default_rng(0)


def _arr(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _t(lib, a, rg=False):
    return lib.tensor(a, requires_grad=rg)


# ------------------------------------------------------------------------------------------------ cases
# Each maker takes the framework module and returns a zero-argument callable to time.
# Data are made once per framework from the same NumPy arrays.

SMALL_A, SMALL_B = _arr(10), _arr(10)
BIG_A, BIG_B = _arr(1000, 1000), _arr(1000, 1000)
SM = _arr(256, 1000)
MA, MB = _arr(256, 784), _arr(784, 256)
IDX = RNG.integers(0, 1000, size=1000)


def small_add(lib):
    a, b = _t(lib, SMALL_A), _t(lib, SMALL_B)
    return lambda: a + b


def small_add_grad(lib):
    a, b = _t(lib, SMALL_A, True), _t(lib, SMALL_B)
    return lambda: a + b


def small_add_grad_backward(lib):
    a, b = _t(lib, SMALL_A, True), _t(lib, SMALL_B, True)
    g = _t(lib, np.ones(10, dtype=np.float32))

    def step():
        (a + b).backward(g)
    return step


def small_chain_grad_backward(lib):
    """A few small ops and backward: what one step of a tiny model costs in overhead."""
    a, b = _t(lib, SMALL_A, True), _t(lib, SMALL_B, True)

    def step():
        ((a * b + a).sigmoid() * 2).sum().backward()
    return step


def unary(name):
    def make(lib):
        a = _t(lib, BIG_A)
        fn = getattr(lib, name)
        return lambda: fn(a)
    make.__name__ = name
    return make


def big_add(lib):
    a, b = _t(lib, BIG_A), _t(lib, BIG_B)
    return lambda: a + b


def big_mul(lib):
    a, b = _t(lib, BIG_A), _t(lib, BIG_B)
    return lambda: a * b


def big_mul_backward(lib):
    a, b = _t(lib, BIG_A, True), _t(lib, BIG_B, True)
    g = _t(lib, np.ones((1000, 1000), dtype=np.float32))

    def step():
        (a * b).backward(g)
    return step


def reduce_sum(lib):
    a = _t(lib, BIG_A)
    return lambda: a.sum(dim=1)


def reduce_sum_all(lib):
    a = _t(lib, BIG_A)
    return lambda: a.sum()


def reduce_mean(lib):
    a = _t(lib, BIG_A)
    return lambda: a.mean(dim=1)


def reduce_max(lib):
    a = _t(lib, BIG_A)
    return lambda: a.max(dim=1)


def _softmax(x):
    z = x - x.max(dim=1, keepdim=True).values
    e = z.exp()
    return e / e.sum(dim=1, keepdim=True)


def softmax_fwd(lib):
    x = _t(lib, SM)
    return lambda: _softmax(x)


def softmax_fwd_bwd(lib):
    x = _t(lib, SM, True)
    g = _t(lib, _arr(256, 1000))

    def step():
        _softmax(x).backward(g)
    return step


def getitem_basic(lib):
    x = _t(lib, BIG_A)
    return lambda: x[10:900, ::2]


def getitem_advanced(lib):
    x = _t(lib, BIG_A)
    i = lib.tensor(IDX)
    return lambda: x[i]


def setitem_basic(lib):
    x = _t(lib, BIG_A.copy())

    def step():
        x[10:900] = 1.0
    return step


def setitem_advanced(lib):
    x = _t(lib, BIG_A.copy())
    i = lib.tensor(IDX)
    v = _t(lib, _arr(1000, 1000))

    def step():
        x[i] = v
    return step


def matmul_fwd(lib):
    a, b = _t(lib, MA), _t(lib, MB)
    return lambda: a @ b


def matmul_fwd_bwd(lib):
    a, b = _t(lib, MA, True), _t(lib, MB, True)
    g = _t(lib, np.ones((256, 256), dtype=np.float32))

    def step():
        (a @ b).backward(g)
    return step


# (group, label, maker, kind): kind "overhead" has the 3x target, "large" the 1.3x target
CASES = [
    ("small op (10 elements)", "add, no grad", small_add, "overhead"),
    ("small op (10 elements)", "add, input requires grad (forward)", small_add_grad, "overhead"),
    ("small op (10 elements)", "add, forward + backward", small_add_grad_backward, "overhead"),
    ("small op (10 elements)", "mul-add-sigmoid-mul-sum, forward + backward", small_chain_grad_backward,
     "overhead"),
    ("elementwise (1000x1000)", "add", big_add, "large"),
    ("elementwise (1000x1000)", "mul", big_mul, "large"),
    ("elementwise (1000x1000)", "exp", unary("exp"), "large"),
    ("elementwise (1000x1000)", "relu", unary("relu"), "large"),
    ("elementwise (1000x1000)", "sigmoid", unary("sigmoid"), "large"),
    ("elementwise (1000x1000)", "mul, forward + backward", big_mul_backward, "large"),
    ("reduction (1000x1000)", "sum(dim=1)", reduce_sum, "large"),
    ("reduction (1000x1000)", "sum()", reduce_sum_all, "large"),
    ("reduction (1000x1000)", "mean(dim=1)", reduce_mean, "large"),
    ("reduction (1000x1000)", "max(dim=1)", reduce_max, "large"),
    ("softmax composite (256x1000)", "forward", softmax_fwd, "large"),
    ("softmax composite (256x1000)", "forward + backward", softmax_fwd_bwd, "large"),
    ("indexing (1000x1000)", "x[10:900, ::2]", getitem_basic, "overhead"),
    ("indexing (1000x1000)", "x[idx] (1000 int64 indices)", getitem_advanced, "large"),
    ("indexing (1000x1000)", "x[10:900] = 1.0", setitem_basic, "large"),
    ("indexing (1000x1000)", "x[idx] = v", setitem_advanced, "large"),
    ("matmul 256x784 @ 784x256", "forward", matmul_fwd, "large"),
    ("matmul 256x784 @ 784x256", "forward + backward", matmul_fwd_bwd, "large"),
]


# ------------------------------------------------------------------------------------------------ timing

def time_call(fn, budget: float, batch_seconds: float) -> float:
    """Best per-call seconds over short batches (about ``batch_seconds`` each) run for
    about ``budget`` seconds in all.  Short batches and the minimum make the figure
    robust on a busy machine: some batches run without being preempted."""
    fn()  # warm up (and make sure it runs)
    n = 1
    while True:  # calibrate the batch size, as timeit.autorange does
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= batch_seconds / 5:
            break
        n *= 10 if dt < batch_seconds / 50 else 2
    n = max(1, round(n * batch_seconds / dt))
    repeat = max(5, int(budget / batch_seconds))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def _missing(exc: BaseException) -> str:
    msg = str(exc).split("\n")[0]
    return f"n/a: ember lacks {msg[:70]} yet" if isinstance(exc, AttributeError) else f"n/a: {type(exc).__name__}: {msg[:70]}"


def _fmt(sec: float) -> str:
    if sec < 1e-3:
        return f"{sec * 1e6:.2f} us"
    return f"{sec * 1e3:.3f} ms"


def run(budget: float, batch_seconds: float, only: str | None = None) -> list:
    rows = []
    for group, label, make, kind in CASES:
        if only and only not in f"{group} {label}":
            continue
        try:
            e_fn = make(ember)
            e_t = time_call(e_fn, budget, batch_seconds)
        except Exception as exc:  # an op another part of ember does not have yet
            rows.append((group, label, kind, None, None, _missing(exc)))
            print(f"{group:30s} {label:45s} {_missing(exc)}", flush=True)
            continue
        t_t = time_call(make(torch), budget, batch_seconds)
        rows.append((group, label, kind, e_t, t_t, None))
        print(f"{group:30s} {label:45s} ember {_fmt(e_t):>10s}  torch {_fmt(t_t):>10s}  "
              f"ratio {e_t / t_t:6.2f}", flush=True)
    return rows


def machine(threads_set: bool = False) -> list:
    try:
        import threadpoolctl
        pools = ", ".join(f"{p['internal_api']} {p['num_threads']} threads"
                          for p in threadpoolctl.threadpool_info())
    except ImportError:
        pools = "threadpoolctl not installed"
    return [f"- CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores",
            f"- Python {platform.python_version()}, NumPy {np.__version__} ({pools}), "
            f"PyTorch {torch.__version__} ({torch.get_num_threads()} intra-op threads"
            f"{', set by --threads' if threads_set else ', default'}); ember {ember.get_num_threads()} threads",
            f"- OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; load average at start "
            f"{os.getloadavg()[0]:.1f}"]


def table(rows) -> str:
    out = ["| group | case | ember | PyTorch | ember / PyTorch | target |",
           "|---|---|---:|---:|---:|---|"]
    for group, label, kind, e_t, t_t, miss in rows:
        target = "3x (overhead)" if kind == "overhead" else "1.3x"
        if miss:
            out.append(f"| {group} | {label} | {miss} | | | {target} |")
            continue
        r = e_t / t_t
        lim = 3.0 if kind == "overhead" else 1.3
        mark = "" if r <= lim else " (over)"
        out.append(f"| {group} | {label} | {_fmt(e_t)} | {_fmt(t_t)} | {r:.2f}{mark} | {target} |")
    return "\n".join(out)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--budget", type=float, default=1.0, help="seconds of timing per case and framework")
    p.add_argument("--batch-seconds", type=float, default=0.005,
                   help="length of one timed batch (the best batch is kept)")
    p.add_argument("--only", help="run only cases whose group/label contains this text")
    p.add_argument("--threads", type=int, help="set ember's and PyTorch's thread counts to this")
    p.add_argument("--write", metavar="MARKDOWN", help="also write the table into this file "
                   "(between the BEGIN/END benchmark markers when present)")
    args = p.parse_args(argv)
    if args.threads:
        ember.set_num_threads(args.threads)
        torch.set_num_threads(args.threads)
    header = machine(bool(args.threads))
    print("\n".join(header))
    rows = run(args.budget, args.batch_seconds, args.only)
    text = table(rows)
    print()
    print(text)
    if args.write:
        _write(args.write, text, argv, header + [f"- load average at the end {os.getloadavg()[0]:.1f}"],
               args.threads)


def _write(path: str, text: str, argv, header: list, threads: int | None) -> None:
    """Write the table into its block: one block per thread setting (default threads,
    ``--threads 1``, ...), so the per-thread and the default-thread tables stand side by side."""
    cmd = ".venv/bin/python benchmarks/ops.py " + " ".join(argv if argv is not None else sys.argv[1:])
    mark = "benchmarks/ops.py" + (f" --threads {threads}" if threads else "")
    block = [f"<!-- BEGIN {mark} -->", f"Command: `{cmd.strip()}`", "", *header, "",
             f"Measured {time.strftime('%Y-%m-%d')}.", "", text, f"<!-- END {mark} -->"]
    replace_block(path, "\n".join(block))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
