"""``torch.amp``: automatic mixed precision.

``autocast`` runs the ops PyTorch lists in float16 (and keeps the ones it lists as
float32-only in float32); ``GradScaler`` scales the loss so float16 gradients do not
underflow.  The casting lives in the op wrappers (``ember/tensor/amp.py``); see
docs/differences.md for what differs from PyTorch (no bfloat16)."""
from .autocast_mode import autocast, is_autocast_available, custom_fwd, custom_bwd
from .grad_scaler import GradScaler, OptState
from . import cuda_amp  # noqa: F401  (ember.cuda.amp)
from . import autocast_mode, grad_scaler  # noqa: F401

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]
