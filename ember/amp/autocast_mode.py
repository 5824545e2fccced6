"""``torch.amp.autocast``: regions of a program where listed ops run in lower precision.

The casting itself happens in the op wrappers (``ember/tensor/amp.py`` and the lists in
``ember/tensor/amp_lists.py``); this class only sets the thread-local state on entry and
restores it on exit (also when the block raises), as PyTorch's ``autocast`` does."""
from __future__ import annotations

import functools
import warnings
from typing import Any

from ..backend import dtypes as D
from ..backend.device import cuda_available
from ..tensor import amp as _amp

__all__ = ["autocast", "is_autocast_available", "custom_fwd", "custom_bwd"]

# what ember can autocast to on each device type (PyTorch: bfloat16 and float16; ember has no bfloat16)
_SUPPORTED_DTYPES = {"cpu": (D.float16,), "cuda": (D.float16,)}


def is_autocast_available(device_type: str) -> bool:
    """True for the device types ember can autocast on ('cpu', 'cuda')."""
    return _amp.check_device_type(device_type) in _amp.SUPPORTED


def _dtype_name(dt) -> str:
    return "torch.bfloat16" if dt is None else str(dt)


class autocast:
    """Context manager and decorator: inside, ops of the autocast lists run in ``dtype``
    (float16; float32 for the ops PyTorch keeps in float32) on ``device_type``.

    ``dtype=None`` takes ``torch.get_autocast_dtype(device_type)``: float16 on cuda; on the
    CPU PyTorch's default is bfloat16, which ember lacks, so ``autocast("cpu")`` warns and
    stays disabled, as PyTorch does for any unsupported dtype; pass ``dtype=torch.float16``.
    On 'cuda' without a GPU it warns and disables itself, as PyTorch's CPU build does."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = _amp.get_autocast_dtype(device_type) if dtype is None else D.to_dtype(dtype)
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self._cache_enabled = _amp.is_autocast_cache_enabled() if cache_enabled is None else bool(cache_enabled)
        name = device_type.upper()
        if enabled:
            if device_type == "cuda" and not cuda_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                enabled = False
            elif self.fast_dtype not in _SUPPORTED_DTYPES[device_type]:
                supported = ", ".join(str(d) for d in _SUPPORTED_DTYPES[device_type])
                hint = (" (PyTorch's default CPU autocast dtype is torch.bfloat16, which ember does not have: "
                        "pass dtype=torch.float16)" if self.fast_dtype is None else "")
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                              f"{name} Autocast only supports dtypes of {supported} currently.{hint}",
                              stacklevel=2)
                enabled = False
        self._enabled = bool(enabled)

    def __enter__(self):
        self.prev_cache_enabled = _amp.is_autocast_cache_enabled()
        self.prev = _amp.is_autocast_enabled(self.device)
        self.prev_fastdtype = _amp.get_autocast_dtype(self.device)
        _amp.set_autocast_enabled(self.device, self._enabled)
        _amp.set_autocast_dtype(self.device, self.fast_dtype)
        _amp.autocast_increment_nesting()
        _amp.set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        if _amp.autocast_decrement_nesting() == 0:
            _amp.clear_autocast_cache()
        _amp.set_autocast_enabled(self.device, self.prev)
        _amp.set_autocast_dtype(self.device, self.prev_fastdtype)
        _amp.set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                            "Did you mean to use autocast as a context manager? For example:\n"
                            "    with torch.autocast(device_type=...):\n"
                            "        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def _cast_inputs(value, dtype):
    """Floating tensors (not float64) in ``value`` cast to ``dtype``, through lists, tuples and dicts."""
    from ..tensor.tensor import Tensor
    if isinstance(value, Tensor):
        return value.to(dtype) if _amp._eligible(value) else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_inputs(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_inputs(v, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorator for a custom ``autograd.Function.forward``: records the autocast state so
    ``custom_bwd`` runs backward under the same state; with ``cast_inputs``, a forward called
    inside an autocast-enabled region casts its floating inputs to ``cast_inputs`` and runs
    with autocast disabled."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = _amp.get_autocast_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = _amp.is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        autocast_context = _amp.is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = False
        if autocast_context:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast_inputs(args, cast_inputs), **_cast_inputs(kwargs, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for a custom ``autograd.Function.backward``: runs it under the autocast
    state its forward saw."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
