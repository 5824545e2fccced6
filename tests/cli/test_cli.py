"""The ember command: argument errors, info, and running PyTorch scripts unchanged."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ember_cmd(*args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "ember", *args], capture_output=True, text=True, cwd=cwd or ROOT,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": ROOT})


def test_unknown_recipe_and_bad_options_exit_2():
    r = ember_cmd("train", "nope")
    assert r.returncode == 2 and "unknown recipe 'nope'" in r.stderr and "lenet" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = ember_cmd("train", "lenet", "--epochs", "-3")
    assert r.returncode == 2 and "positive integer" in r.stderr
    r = ember_cmd("train", "lenet", "--optimizer", "magic")
    assert r.returncode == 2
    r = ember_cmd("evaluate", "/nonexistent.pt")
    assert r.returncode == 2 and "no checkpoint" in r.stderr
    r = ember_cmd()
    assert r.returncode == 2


def test_missing_data_is_one_line_with_the_fix(tmp_path):
    env_dir = tmp_path / "empty"
    env_dir.mkdir()
    r = subprocess.run([sys.executable, "-m", "ember", "train", "softmax", "--data-dir", str(env_dir), "--out",
                        str(tmp_path / "o")], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": ROOT, "EMBER_SYSTEM_DATASETS": str(tmp_path / "none")})
    assert r.returncode == 2, r.stderr
    assert "dataset-fashion-mnist" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_info():
    r = ember_cmd("info")
    assert r.returncode == 0 and "numpy" in r.stdout and "blas" in r.stdout


SCRIPT = """
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
print(torch.__name__, nn.__name__, F.__name__, DataLoader.__module__)
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()
print(x.grad, sys.argv[1:])
"""


def test_run_resolves_torch_to_ember(tmp_path):
    (tmp_path / "prog.py").write_text(SCRIPT)
    r = ember_cmd("run", str(tmp_path / "prog.py"), "a", "--b")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "ember ember.nn ember.nn.functional ember.utils.data.dataloader"
    assert lines[1] == "tensor([2., 4.]) ['a', '--b']"


def test_run_names_unsupported_apis(tmp_path):
    (tmp_path / "a.py").write_text("import torch\ntorch.fft_magic_function(1)\n")
    r = ember_cmd("run", str(tmp_path / "a.py"))
    assert r.returncode != 0 and "torch.fft_magic_function is not supported by ember" in r.stderr
    (tmp_path / "b.py").write_text("import torch.jit_compiler_thing\n")
    r = ember_cmd("run", str(tmp_path / "b.py"))
    assert r.returncode != 0 and "not supported by ember" in r.stderr


FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
needs_fashion = pytest.mark.skipif(not os.path.exists(FASHION),
                                   reason="Fashion-MNIST (Debian package dataset-fashion-mnist) is not installed")


@pytest.mark.slow
@needs_fashion
def test_train_resume_evaluate_predict_on_real_fashion_mnist(tmp_path):
    import json
    out = tmp_path / "run"
    r = ember_cmd("train", "mlp", "--subset", "3000", "--epochs", "1", "--batch-size", "32", "--out", str(out),
                  "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "mlp: 1 epochs" in r.stdout
    for name in ("last.pt", "metrics.csv", "metrics.jsonl", "curves.png", "summary.json"):
        assert (out / name).exists(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["final"]["val_accuracy"] > 0.5
    r = ember_cmd("train", "mlp", "--subset", "3000", "--epochs", "2", "--batch-size", "32", "--out", str(out),
                  "--resume", str(out / "last.pt"), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "epoch 2/2" in r.stderr and "epoch 1/2" not in r.stderr
    rows = (out / "metrics.csv").read_text().strip().splitlines()
    assert rows[-1].startswith("2,")
    r = ember_cmd("evaluate", str(out / "last.pt"))
    assert r.returncode == 0 and "accuracy" in r.stdout, r.stderr
    from PIL import Image
    from ember.vision.datasets.mnist import read_idx
    imgs = read_idx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")[:2]
    paths = []
    for i, a in enumerate(imgs):
        p = tmp_path / f"img{i}.png"
        Image.fromarray(a).save(p)
        paths.append(str(p))
    r = ember_cmd("predict", str(out / "last.pt"), *paths)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2 and all(":" in l for l in lines)
    r = ember_cmd("predict", str(out / "last.pt"), str(tmp_path / "missing.png"))
    assert r.returncode == 2 and "no image file" in r.stderr
    r = ember_cmd("train", "lenet", "--resume", str(out / "last.pt"), "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "recipe" in r.stderr


@pytest.mark.slow
@needs_fashion
def test_train_linreg_recipe_fits():
    r = ember_cmd("train", "linreg", "--no-progress", "--out", "/tmp/ember-linreg-test")
    assert r.returncode == 0, r.stderr
    assert "val_mse" in r.stdout
    import json
    s = json.load(open("/tmp/ember-linreg-test/summary.json"))
    assert s["final"]["val_mse"] < 1e-3
