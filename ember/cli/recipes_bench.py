"""``ember bench``: how fast ember runs on this machine, without PyTorch.

    ember bench                          # per-op times (suite "ops")
    ember bench --suite models           # training steps per second of small models
    ember bench --threads 1              # the same on one thread: do threads help here?
    ember bench --only matmul --json out.json

Each case is timed as ``timeit`` does and as ``benchmarks/ops.py`` does: calls are
batched so one batch lasts about ``--batch-seconds``, batches run for about
``--budget`` seconds, and the best (least) time per call is kept, which filters out
the noise of other processes on a shared machine.  On a GPU each batch ends with
``ember.cuda.synchronize()``, so the times are of finished work.  The comparisons with
PyTorch live in ``benchmarks/*.py``, which are not part of the package."""
from __future__ import annotations

import json
import math
import os
import platform
import sys
import time

from .recipes import CLIError, Command, register_command

__all__ = ["time_call", "machine_info", "run_suite"]

QUICK_BUDGET = 0.05


def time_call(fn, budget: float, batch_seconds: float, sync=lambda: None, min_repeat: int = 3) -> float:
    """Best seconds per call of ``fn`` over batches of about ``batch_seconds`` run for
    about ``budget`` seconds (at least ``min_repeat`` batches, after one warm-up call)."""
    fn()
    sync()
    n = 1
    while True:  # calibrate the batch size, as timeit.autorange does
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        dt = time.perf_counter() - t0
        if dt >= batch_seconds / 5:
            break
        n *= 10 if dt < batch_seconds / 50 else 2
    best = dt / n
    n = max(1, round(batch_seconds / best))
    for _ in range(max(min_repeat, int(budget / (n * best)))):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def machine_info(device) -> dict:
    """What the numbers depend on: versions, cores, threads, BLAS, load (as ``ember info`` prints)."""
    import numpy as np
    import ember
    from .main import blas_name
    info = {"ember": ember.__version__, "python": platform.python_version(), "numpy": np.__version__,
            "blas": blas_name(), "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "threads": ember.get_num_threads(), "device": str(device),
            "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
            # NumPy products that do not go through ember's backend/blas.py use OpenBLAS's own threads
            "env": {v: os.environ.get(v) for v in ("EMBER_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}}
    if device.type == "cuda":
        cp = ember.backend.cupy_or_none()
        info["cupy"] = cp.__version__
        info["gpu"] = ember.cuda.get_device_name(device)
    return info


def _fmt_time(sec: float) -> str:
    if sec < 1e-3:
        return f"{sec * 1e6:.2f} us"
    if sec < 1:
        return f"{sec * 1e3:.2f} ms"
    return f"{sec:.3f} s"


def _rates(case, sec: float) -> dict:
    out = {}
    if case.nbytes:
        out["gb_per_s"] = case.nbytes / sec / 1e9
    if case.flops:
        out["gflop_per_s"] = case.flops / sec / 1e9
    if case.samples:
        out["samples_per_step"] = case.samples
        out["samples_per_s"] = case.samples / sec
    return out


def _rate_text(r: dict) -> str:
    if "samples_per_s" in r:
        return f"{r['samples_per_s']:.0f} samples/s"
    if "gb_per_s" in r:
        return f"{r['gb_per_s']:.1f} GB/s"
    if "gflop_per_s" in r:
        return f"{r['gflop_per_s']:.1f} GFLOP/s"
    return ""


def run_suite(cases, device, budget: float, batch_seconds: float, min_repeat: int, out=None) -> list[dict]:
    """Time each case, printing its row as soon as it is measured; the rows as dicts."""
    from .bench_cases import Env
    out = out or sys.stdout
    sync = lambda: None  # noqa: E731
    if device.type == "cuda":
        import ember
        sync = lambda: ember.cuda.synchronize(device)  # noqa: E731
    width = max(len(c.name) for c in cases)
    unit = "time/step" if cases[0].samples else "time/call"
    print(f"{'case':{width}s}  {unit:>10s}  {'throughput':>16s}", file=out)
    rows = []
    for case in cases:
        step = case.make(Env(device))
        sec = time_call(step, budget, batch_seconds, sync, min_repeat)
        row = {"case": case.name, "seconds": sec, **_rates(case, sec)}
        rows.append(row)
        print(f"{case.name:{width}s}  {_fmt_time(sec):>10s}  {_rate_text(row):>16s}".rstrip(), file=out, flush=True)
    return rows


def _add_arguments(p) -> None:
    p.add_argument("--suite", default="ops",
                   help="ops (per-op times, the default) or models (training samples per second)")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda (needs CuPy and an NVIDIA GPU)")
    p.add_argument("--threads", default=None, metavar="N", help="ember's CPU threads for the run "
                   "(ember.set_num_threads; default: EMBER_NUM_THREADS or the cores)")
    p.add_argument("--only", default=None, metavar="TEXT", help="only the cases whose name contains TEXT")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the results and the machine as JSON")
    p.add_argument("--quick", action="store_true", help=f"a short timing budget ({QUICK_BUDGET} s a case): "
                   "rougher numbers, fast")
    p.add_argument("--budget", default=None, metavar="SECONDS", help="seconds of timing per case (default 0.5)")


def _positive(text: str | None, option: str, kind=int):
    if text is None:
        return None
    try:
        v = kind(text)
    except ValueError:
        v = None
    if v is None or not v > 0 or (kind is float and not math.isfinite(v)):
        raise CLIError(f"{option} expects a positive {'integer' if kind is int else 'number'}, got {text!r}")
    return v


def _bench(args) -> int:
    from .bench_cases import SUITES
    from .main import _device
    if args.suite not in SUITES:
        raise CLIError(f"unknown --suite {args.suite!r}; choose one of: {', '.join(SUITES)}")
    threads = _positive(args.threads, "--threads")
    budget = _positive(args.budget, "--budget", float) or (QUICK_BUDGET if args.quick else 0.5)
    cases = [c for c in SUITES[args.suite] if not args.only or args.only.lower() in c.name.lower()]
    if not cases:
        raise CLIError(f"--only {args.only!r} matches no case of suite {args.suite!r}; cases: "
                       + "; ".join(c.name for c in SUITES[args.suite]))
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        raise CLIError(f"--json {args.json}: no directory {os.path.dirname(os.path.abspath(args.json))}")
    device = _device(args.device)
    import ember
    before = ember.get_num_threads()
    if threads is not None:
        ember.set_num_threads(threads)
    try:
        info = machine_info(device)
        n = info["threads"]
        print(f"ember bench --suite {args.suite}: {info['device']}, {n} thread{'s' * (n != 1)} "
              f"({info['cpu_count']} cores), numpy {info['numpy']} ({info['blas']}), "
              f"load average {info['load_average']}, budget {budget:g} s a case")
        rows = run_suite(cases, device, budget, batch_seconds=min(0.01, budget / 5),
                         min_repeat=2 if args.quick else 3)
    finally:
        if threads is not None:
            ember.set_num_threads(before)
    if args.json:
        result = {"suite": args.suite, "budget_seconds": budget, "machine": info, "results": rows,
                  "date": time.strftime("%Y-%m-%d %H:%M:%S")}
        try:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2)
        except OSError as err:
            raise CLIError(f"cannot write --json {args.json}: {err.strerror}") from None
        print(f"wrote {args.json}")
    return 0


register_command(Command("bench", "time ember's ops or small training steps on this machine (no PyTorch)",
                         _add_arguments, _bench))
