"""``torch.backends.cudnn`` for ember: flags with PyTorch's defaults; ember uses no cuDNN.

``enabled``, ``benchmark``, ``deterministic``, ``allow_tf32`` and ``benchmark_limit``
are plain module attributes that a script may read and set.  ember's GPU convolutions
are its own im2col + cuBLAS kernels, so no flag changes what they compute; the same
inputs give the same results run to run whatever ``deterministic`` says (ember picks
no algorithm at run time)."""
from __future__ import annotations

import contextlib

__all__ = ["is_available", "version", "flags", "enabled", "benchmark", "deterministic", "allow_tf32",
           "benchmark_limit"]

enabled: bool = True
benchmark: bool = False
deterministic: bool = False
allow_tf32: bool = True
benchmark_limit: int = 10


def is_available() -> bool:
    """False: ember's kernels do not use cuDNN (PyTorch's answer in a build without it)."""
    return False


def version() -> None:
    """None, as PyTorch answers when cuDNN is not available."""
    return None


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, benchmark_limit: int = 10, deterministic: bool = False,
          allow_tf32: bool = True):
    """Set the flags for a block and restore them after it (PyTorch's defaults: every
    flag not given takes its default here, not its current value, as in PyTorch)."""
    global_names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    g = globals()
    old = {k: g[k] for k in global_names}
    g.update(enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit, deterministic=deterministic,
             allow_tf32=allow_tf32)
    try:
        yield
    finally:
        g.update(old)
