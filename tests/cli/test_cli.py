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
