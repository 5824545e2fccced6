"""``torch.backends.mps`` for ember: Apple's Metal backend does not exist in ember."""
from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """False: ember runs on the CPU (NumPy) and on NVIDIA GPUs (CuPy) only."""
    return False


def is_built() -> bool:
    """False: ember has no MPS backend."""
    return False
