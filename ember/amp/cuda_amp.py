"""``torch.cuda.amp``: the deprecated CUDA spellings of ``torch.amp`` (each warns with
PyTorch's FutureWarning and forwards to ``torch.amp`` with device 'cuda')."""
from __future__ import annotations

import warnings

from . import autocast_mode as _am
from . import grad_scaler as _gs
from .grad_scaler import OptState  # noqa: F401

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]

class autocast(_am.autocast):
    """``torch.cuda.amp.autocast(args...)``: deprecated, ``torch.amp.autocast('cuda', args...)``."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)

class GradScaler(_gs.GradScaler):
    """``torch.cuda.amp.GradScaler(args...)``: deprecated, ``torch.amp.GradScaler('cuda', args...)``."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)

def custom_fwd(fwd=None, *, cast_inputs=None):
    """``torch.cuda.amp.custom_fwd``: deprecated, ``torch.amp.custom_fwd(device_type='cuda')``."""
    warnings.warn("`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return _am.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)

def custom_bwd(bwd):
    """``torch.cuda.amp.custom_bwd``: deprecated, ``torch.amp.custom_bwd(device_type='cuda')``."""
    warnings.warn("`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return _am.custom_bwd(bwd, device_type="cuda")



def _register() -> None:
    """Make this module ``ember.cuda.amp`` too.  ``ember.cuda`` is a plain module: an empty
    ``__path__`` lets ``import torch.cuda.amp`` reach the alias finder (ember/cli/torch_alias.py)."""
    import sys
    from .. import cuda
    cuda.amp = sys.modules[__name__]
    if not hasattr(cuda, "__path__"):
        cuda.__path__ = []
    sys.modules.setdefault("ember.cuda.amp", sys.modules[__name__])


_register()
