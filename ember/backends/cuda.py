"""``torch.backends.cuda`` for ember: whether the CUDA backend can run, and the matmul flags.

``is_built()`` is PyTorch's "was this build made with CUDA": for ember, whether CuPy
(its CUDA backend) imports.  ``matmul.allow_tf32`` and
``matmul.allow_fp16_reduced_precision_reduction`` are remembered with PyTorch's
defaults; ember's float32 products on the GPU go to CuPy/cuBLAS in full float32
whatever they say (docs/differences.md)."""
from __future__ import annotations

from ..backend.device import cupy_or_none

__all__ = ["is_built", "matmul"]


def is_built() -> bool:
    """True when ember's CUDA backend (CuPy) is installed; a GPU may still be absent
    (``ember.cuda.is_available()`` says whether one is)."""
    return cupy_or_none() is not None


class _MatmulFlags:
    """``torch.backends.cuda.matmul``: settable flags with PyTorch's defaults."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    def __repr__(self) -> str:
        return (f"matmul(allow_tf32={self.allow_tf32}, allow_fp16_reduced_precision_reduction="
                f"{self.allow_fp16_reduced_precision_reduction})")


matmul = _MatmulFlags()
