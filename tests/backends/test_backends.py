"""ember.backends against torch.backends (PyTorch's CPU build is the oracle: no cuDNN, no MPS)."""
import importlib
import os
import subprocess
import sys

import torch

import ember
from ember.backends import cudnn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_cudnn_defaults_and_answers_match_a_build_without_cudnn():
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert cudnn.is_available() is False and torch.backends.cudnn.is_available() is False
    assert cudnn.version() is None and torch.backends.cudnn.version() is None


def test_cudnn_flags_are_settable_and_flags_restores_them():
    old = cudnn.benchmark
    try:
        ember.backends.cudnn.benchmark = True
        assert cudnn.benchmark is True
        with cudnn.flags(enabled=False, deterministic=True):
            # flags() sets every flag, the ones not given to PyTorch's defaults
            assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (False, False, True)
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, True, False)
        try:
            with cudnn.flags(benchmark=False):
                raise KeyError("inside")
        except KeyError:
            pass
        assert cudnn.benchmark is True  # restored after an exception too
    finally:
        cudnn.benchmark = old


def test_mps_and_cuda_answers():
    assert ember.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert ember.backends.mps.is_built() is False
    # is_built: whether the CUDA backend (CuPy) is installed; the CPU wheel of PyTorch says False
    assert ember.backends.cuda.is_built() == (importlib.util.find_spec("cupy") is not None)
    m = ember.backends.cuda.matmul
    assert m.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    assert m.allow_fp16_reduced_precision_reduction == torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction
    m.allow_tf32 = True
    try:
        assert ember.backends.cuda.matmul.allow_tf32 is True
    finally:
        m.allow_tf32 = False


def test_a_script_using_torch_backends_runs_under_the_alias(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(
        "import torch\nimport torch.backends.cudnn as cudnn\nfrom torch.backends import mps\n"
        "cudnn.benchmark = True\ntorch.backends.cudnn.deterministic = True\n"
        "device = 'cuda' if torch.cuda.is_available() else 'mps' if mps.is_available() else 'cpu'\n"
        "assert torch.backends.cudnn.benchmark and device in ('cpu', 'cuda')\n"
        "model = torch.compile(torch.nn.Linear(2, 1))\n"
        "print(device, list(model.state_dict()))\n")
    # a fresh interpreter: `ember run` installs the torch import hook for the rest of its process
    r = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split(" ", 1)[1].strip() == "['_orig_mod.weight', '_orig_mod.bias']"
