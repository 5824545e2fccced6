"""``torch.backends.cuda`` for ember: whether the CUDA backend can run, and the matmul flags.

``is_built()`` is PyTorch's "was this build made with CUDA": for ember, whether CuPy
(its CUDA backend) imports.  ``matmul.allow_tf32`` and
``matmul.allow_fp16_reduced_precision_reduction`` are remembered with PyTorch's
defaults; ember's float32 products on the GPU go to CuPy/cuBLAS in full float32
whatever they say (docs/differences.md)."""
from __future__ import annotations

from ..backend.device import cupy_or_none

__all__ = ["is_built", "matmul", "enable_math_sdp", "enable_flash_sdp", "enable_mem_efficient_sdp", "enable_cudnn_sdp",
           "math_sdp_enabled", "flash_sdp_enabled", "mem_efficient_sdp_enabled", "cudnn_sdp_enabled", "sdp_viable"]


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


# ---------------------------------------------------------------- scaled-dot-product attention
# PyTorch picks one of several attention kernels and lets a program switch each off
# (``enable_flash_sdp(False)``, ``torch.nn.attention.sdpa_kernel``).  ember has one kernel,
# ``ops/attention.py``, which computes what all of them compute; the switches are kept so
# that a program that turns every kernel off gets PyTorch's error: on the CPU PyTorch has
# the math and the flash kernels, so ember's kernel counts as those two there, and as any
# of them on a GPU.
_SDP = {"math": True, "flash": True, "mem_efficient": True, "cudnn": True}


def enable_math_sdp(enabled: bool) -> None:
    _SDP["math"] = bool(enabled)


def enable_flash_sdp(enabled: bool) -> None:
    _SDP["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled: bool) -> None:
    _SDP["mem_efficient"] = bool(enabled)


def enable_cudnn_sdp(enabled: bool) -> None:
    _SDP["cudnn"] = bool(enabled)


def math_sdp_enabled() -> bool:
    return _SDP["math"]


def flash_sdp_enabled() -> bool:
    return _SDP["flash"]


def mem_efficient_sdp_enabled() -> bool:
    return _SDP["mem_efficient"]


def cudnn_sdp_enabled() -> bool:
    return _SDP["cudnn"]


def sdp_viable(device_type: str) -> bool:
    """Whether a kernel that ember's attention stands for is switched on for this device."""
    if device_type == "cpu":
        return _SDP["math"] or _SDP["flash"]
    return any(_SDP.values())
