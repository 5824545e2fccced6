"""``torch.cpu``: the device-agnostic questions PyTorch answers about the CPU, and
``torch.cpu.amp`` (the deprecated CPU autocast / GradScaler spellings)."""
from __future__ import annotations

from .amp import cpu_amp as amp  # noqa: F401

__all__ = ["is_available", "is_initialized", "synchronize", "current_device", "set_device", "device_count", "amp"]


def is_available() -> bool:
    """Always True (there is always a CPU)."""
    return True


def is_initialized() -> bool:
    return True


def synchronize(device=None) -> None:
    """Nothing to wait for: CPU work is synchronous."""


def current_device() -> str:
    return "cpu"


def set_device(device) -> None:
    """Does nothing (there is one CPU device), as in PyTorch."""


def device_count() -> int:
    return 1


def _register() -> None:
    """``ember.cpu.amp`` as a module name; an empty ``__path__`` lets ``import torch.cpu.amp``
    reach the alias finder (ember/cli/torch_alias.py)."""
    import sys
    globals()["__path__"] = []
    sys.modules.setdefault("ember.cpu.amp", amp)


_register()
