"""``torch.nn.attention``: ``SDPBackend`` and the ``sdpa_kernel`` context manager.

PyTorch chooses among several kernels for ``F.scaled_dot_product_attention`` (math,
flash, memory-efficient, cuDNN) and ``sdpa_kernel`` restricts the choice for a block.
ember has one kernel that computes the same function; the restriction is kept as
PyTorch's switches (``ember.backends.cuda.*_sdp_enabled``), so a block that leaves no
kernel PyTorch could use on that device raises PyTorch's error, and any other block
runs ember's kernel (see ember/backends/cuda.py)."""
from __future__ import annotations

import contextlib
import enum

from ...backends import cuda as _cuda

__all__ = ["SDPBackend", "sdpa_kernel"]


class SDPBackend(enum.IntEnum):
    """The attention kernels PyTorch knows (same names and values)."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_SWITCH = {SDPBackend.MATH: "math", SDPBackend.FLASH_ATTENTION: "flash",
           SDPBackend.EFFICIENT_ATTENTION: "mem_efficient", SDPBackend.CUDNN_ATTENTION: "cudnn"}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """Within the block only ``backends`` (one SDPBackend or a list) are switched on;
    the previous switches come back after it, also after an exception.  ember has no
    priority order to set: ``set_priority`` is accepted."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
                             f"got {type(backends).__name__}")
    chosen = {backends} if isinstance(backends, SDPBackend) else set(backends)
    previous = dict(_cuda._SDP)
    try:
        for backend, name in _SWITCH.items():
            _cuda._SDP[name] = backend in chosen
        yield {}
    finally:
        _cuda._SDP.update(previous)
