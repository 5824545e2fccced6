"""``ember bench``: every case timed and reported (table and JSON), --only, --threads,
the timer itself, and one-line errors.  Run in-process on tiny timing budgets."""
import json
import math
import os
import subprocess
import sys

import pytest

import ember
from ember.cli.bench_cases import SUITES
from ember.cli.main import main
from ember.cli.recipes_bench import time_call

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bench(tmp_path, capsys, *args):
    path = tmp_path / "bench.json"
    rc = main(["bench", "--quick", "--budget", "0.01", "--json", str(path), *args])
    out = capsys.readouterr().out
    assert rc == 0
    return out, json.loads(path.read_text())


def positive(x):
    return isinstance(x, float) and math.isfinite(x) and x > 0


def test_ops_suite_reports_every_case(tmp_path, capsys):
    out, res = bench(tmp_path, capsys)
    names = [c.name for c in SUITES["ops"]]
    assert [r["case"] for r in res["results"]] == names
    lines = out.splitlines()
    for case, row in zip(SUITES["ops"], res["results"]):
        line = next(ln for ln in lines if ln.startswith(case.name + " "))
        assert positive(row["seconds"])
        if case.nbytes:  # elementwise, reductions, pooling: bandwidth = bytes moved / time
            assert row["gb_per_s"] == pytest.approx(case.nbytes / row["seconds"] / 1e9)
            assert line.endswith(" GB/s")
        if case.flops:
            assert row["gflop_per_s"] == pytest.approx(case.flops / row["seconds"] / 1e9)
            assert line.endswith(" GFLOP/s")
        value, unit = line[len(case.name):].split()[:2]  # the printed time is the JSON's, rounded
        assert float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit] == pytest.approx(row["seconds"], rel=1e-2)
    assert any(r["case"].startswith("add, 1000x1000") and "gb_per_s" in r for r in res["results"])
    m = res["machine"]
    assert m["cpu_count"] == os.cpu_count() and m["threads"] == ember.get_num_threads()
    import numpy as np
    assert m["numpy"] == np.__version__ and m["device"] == "cpu" and "blas" in m and "load_average" in m
    assert m["env"]["OPENBLAS_NUM_THREADS"] == os.environ.get("OPENBLAS_NUM_THREADS")
    assert res["suite"] == "ops" and res["budget_seconds"] == 0.01


def test_models_suite_reports_samples_per_second(tmp_path, capsys):
    out, res = bench(tmp_path, capsys, "--suite", "models")
    assert [r["case"] for r in res["results"]] == [c.name for c in SUITES["models"]]
    for case, row in zip(SUITES["models"], res["results"]):
        assert positive(row["seconds"]) and positive(row["samples_per_s"])
        assert row["samples_per_s"] == pytest.approx(case.samples / row["seconds"])
        assert f"{row['samples_per_s']:.0f} samples/s" in out
    assert "time/step" in out


def test_only_filters_case_insensitively(tmp_path, capsys):
    out, res = bench(tmp_path, capsys, "--only", "MATMUL")
    assert [r["case"] for r in res["results"]] == ["matmul 256x784 @ 784x256, forward",
                                                   "matmul 256x784 @ 784x256, forward + backward"]
    assert "add, 10 elements" not in out and "Conv2d" not in out


def test_threads_are_applied_and_restored(tmp_path, capsys):
    before = ember.get_num_threads()
    want = 1 if before != 1 else 2
    _, res = bench(tmp_path, capsys, "--only", "relu", "--threads", str(want))
    assert res["machine"]["threads"] == want
    assert ember.get_num_threads() == before


def test_threads_restored_when_the_run_fails(monkeypatch, capsys):
    import ember.cli.recipes_bench as rb
    from ember.cli.recipes import CLIError
    seen = []

    def boom(*a, **k):
        seen.append(ember.get_num_threads())
        raise CLIError("stopped")
    monkeypatch.setattr(rb, "run_suite", boom)
    before = ember.get_num_threads()
    assert main(["bench", "--threads", "3"]) == 2
    assert seen == [3] and ember.get_num_threads() == before
    assert "stopped" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--suite", "nope"], "unknown --suite 'nope'; choose one of: ops, models"),
    (["--threads", "0"], "--threads expects a positive integer, got '0'"),
    (["--threads", "two"], "--threads expects a positive integer, got 'two'"),
    (["--budget", "-1"], "--budget expects a positive number, got '-1'"),
    (["--budget", "nan"], "--budget expects a positive number, got 'nan'"),
    (["--only", "no such case"], "--only 'no such case' matches no case of suite 'ops'"),
    (["--json", "/nonexistent-dir/x.json"], "--json /nonexistent-dir/x.json: no directory"),
    (["--device", "tpu"], "bad --device 'tpu'"),
])
def test_errors_are_one_line_exit_2(args, message, capsys):
    assert main(["bench", "--quick", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ember bench: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.skipif(ember.cuda.is_available(), reason="a GPU is present: --device cuda would run")
def test_cuda_without_a_gpu_is_one_line_exit_2(capsys):
    assert main(["bench", "--quick", "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "--device cuda needs CuPy and an NVIDIA GPU" in err and len(err.strip().splitlines()) == 1


def test_time_call_measures_the_call_and_syncs_every_batch(monkeypatch):
    """On a fake clock (each call takes exactly 2 ms, one batch is slowed by another
    process), so the test cannot fail from the machine's load."""
    import ember.cli.recipes_bench as RB
    now, calls, syncs = [0.0], [0], [0]

    class Clock:
        @staticmethod
        def perf_counter():
            return now[0]

    def call():
        calls[0] += 1
        now[0] += 0.002
        if calls[0] == 30:
            now[0] += 0.5  # one batch loses a time slice: the best batch must ignore it

    monkeypatch.setattr(RB, "time", Clock)
    sec = time_call(call, budget=0.1, batch_seconds=0.01, sync=lambda: syncs.__setitem__(0, syncs[0] + 1))
    assert sec == pytest.approx(0.002)
    assert syncs[0] >= 1 + 1 + 3  # warm-up, calibration, at least min_repeat batches
    assert calls[0] >= 1 + 1 + 3 * 5


def test_bench_does_not_import_torch():
    code = ("import sys; from ember.cli.main import main; "
            "rc = main(['bench', '--quick', '--only', 'add, 10 elements, no grad']); "
            "assert 'torch' not in sys.modules, 'torch was imported'; sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**os.environ, "PYTHONPATH": ROOT})
    assert r.returncode == 0, r.stderr
    assert "add, 10 elements, no grad" in r.stdout
