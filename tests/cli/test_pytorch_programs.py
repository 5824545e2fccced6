"""Ordinary PyTorch programs (tests/cli/programs/*.py) run under PyTorch and under `ember run`,
and print the same lines.  The programs were written as PyTorch code, not for ember; they print
only what does not depend on the random streams (see programs/README.md)."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAMS = ["quickstart.py", "tensor_api.py", "nn_api.py", "workflow_api.py", "tutorial_idioms.py"]


def _run(args):
    env = {**os.environ, "EMBER_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert r.returncode == 0, f"{args} failed:\n{r.stderr[-3000:]}"
    return r.stdout.splitlines()


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_prints_what_pytorch_prints(program):
    path = os.path.join(HERE, "programs", program)
    want = _run([path])                       # PyTorch
    got = _run(["-m", "ember", "run", path])  # ember, torch resolved to ember
    assert len(want) > 5
    for n, (w, g) in enumerate(zip(want, got), 1):
        assert g == w, f"{program} line {n}: PyTorch printed {w!r}, ember printed {g!r}"
    assert len(got) == len(want)
