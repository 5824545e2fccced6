"""Automatic differentiation: grad mode, the engine, ``backward``/``grad``, user Functions."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled)
from .functional import backward, grad
from .gradcheck import gradcheck, GradcheckError

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "backward", "grad", "gradcheck", "GradcheckError"]
