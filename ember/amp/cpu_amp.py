"""``torch.cpu.amp``: the deprecated CPU spellings of ``torch.amp`` (each warns with
PyTorch's FutureWarning and forwards to ``torch.amp`` with device 'cpu')."""
from __future__ import annotations

import warnings

from . import autocast_mode as _am
from . import grad_scaler as _gs

__all__ = ["autocast", "GradScaler"]


class autocast(_am.autocast):
    """``torch.cpu.amp.autocast(args...)``: deprecated, ``torch.amp.autocast('cpu', args...)``.
    PyTorch's default dtype here is bfloat16, which ember lacks: without ``dtype=torch.float16``
    it warns and stays disabled (see ``torch.amp.autocast``)."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class GradScaler(_gs.GradScaler):
    """``torch.cpu.amp.GradScaler(args...)``: deprecated, ``torch.amp.GradScaler('cpu', args...)``."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn("`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)
