"""``ember run SCRIPT.py [ARGS]`` and the ``ember-python`` launcher: execute a PyTorch
program as ``__main__`` with ``torch``/``torchvision`` resolved to ember."""
from __future__ import annotations

import os
import runpy
import sys

from .torch_alias import install

__all__ = ["run_script", "python_main"]


def run_script(script: str, argv: list[str]) -> int:
    if not os.path.isfile(script):
        print(f"ember run: error: no script at {script}", file=sys.stderr)
        return 2
    install()
    sys.argv = [script] + list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def python_main() -> int:
    """``ember-python SCRIPT.py [ARGS]``: a Python whose ``import torch`` is ember (for harnesses
    that take an interpreter path, like the seed-snippet harness's REF_PYTHON)."""
    if len(sys.argv) < 2:
        print("usage: ember-python SCRIPT.py [ARGS]", file=sys.stderr)
        return 2
    return run_script(sys.argv[1], sys.argv[2:])
