"""Autocast state and the casting every listed op does while autocast is on.

The user-facing ``autocast`` context manager is ``ember.amp.autocast``; this module is the
low layer the op wrappers read.  Each wrapper of a listed op starts with one check::

    def mm(input, mat2):
        if _amp.ON and _amp.T.on:
            return _amp.run("mm", mm, input, mat2)
        ...

``ON`` is a module global, True while any thread has autocast enabled for some device
type, so with autocast off the cost of a call is one global read.  ``T`` is the
thread-local state (autocast state is per thread, as in PyTorch); ``T.on`` is this
thread's "enabled somewhere and not inside an autocast op".  ``run`` casts the arguments
by the op's policy for the device type of its tensors (``amp_lists``), then calls the op
again with ``T.on`` off, so the op's insides are not autocast a second time (PyTorch
excludes the autocast dispatch key while the op runs).

Casts are ordinary differentiable ``to(dtype)`` copies: gradients flow back to float32
parameters in float32.  Lower-precision casts of float32 leaf tensors that require grad
(the parameters) are cached until the outermost autocast region exits, as PyTorch does."""
from __future__ import annotations

import threading
import warnings

import numpy as np

from ..autograd.grad_mode import GRAD
from ..autograd.node import apply
from ..backend import dtypes as D
from ..ops.elementwise import Cast
from . import amp_lists as L
from .tensor import Tensor

__all__ = ["is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype",
           "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
           "autocast_increment_nesting", "autocast_decrement_nesting", "is_autocast_cpu_enabled",
           "set_autocast_cpu_enabled", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype",
           "get_autocast_gpu_dtype", "set_autocast_gpu_dtype"]

SUPPORTED = ("cpu", "cuda")
# device types PyTorch knows but ember cannot autocast on (autocast() raises for them)
KNOWN = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
         "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")

ON = False  # any thread has autocast enabled for some device type (read by every listed op)
_live: set = set()  # idents of the threads that have
_live_lock = threading.Lock()

_cache: dict = {}  # id(float32 leaf) -> (leaf, its version, its lower-precision copy)
_cache_lock = threading.Lock()


class _State(threading.local):
    """Per-thread autocast state.  The dtype for 'cpu' defaults to None: PyTorch's default
    is bfloat16, which ember does not have (autocast then warns and stays disabled)."""
    on = False
    cache_enabled = True
    nesting = 0

    def __init__(self) -> None:
        self.enabled = {"cpu": False, "cuda": False}
        self.dtype = {"cpu": None, "cuda": D.float16}


T = _State()


def check_device_type(device_type) -> str:
    """A device-type string PyTorch accepts (ValueError / RuntimeError as PyTorch's)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in KNOWN:
        raise RuntimeError(f"Expected one of {', '.join(KNOWN)} device type at start of device string: "
                           f"{device_type}")
    return device_type


def _refresh() -> None:
    """Recompute this thread's ``T.on`` and the process-wide ``ON`` after a state change."""
    global ON
    on = any(T.enabled.values())
    T.on = on
    ident = threading.get_ident()
    with _live_lock:
        if on:
            _live.add(ident)
        else:
            _live.discard(ident)
        ON = bool(_live)


# ---------------------------------------------------------------- torch.* state functions
def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is enabled for ``device_type`` in this thread (no argument: CUDA's,
    as PyTorch)."""
    dt = "cuda" if device_type is None else check_device_type(device_type)
    return T.enabled.get(dt, False)


def set_autocast_enabled(device_type, enabled: bool | None = None) -> None:
    """Enable or disable autocast for ``device_type`` (``set_autocast_enabled(True)``: CUDA)."""
    if enabled is None and isinstance(device_type, bool):
        device_type, enabled = "cuda", device_type
    dt = check_device_type(device_type)
    if dt not in SUPPORTED:
        if enabled:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{dt}'")
        return
    T.enabled[dt] = bool(enabled)
    _refresh()


def get_autocast_dtype(device_type: str):
    """The lower-precision dtype listed ops use on ``device_type`` (None on the CPU until one
    is set: PyTorch's default there is bfloat16, which ember has not)."""
    dt = check_device_type(device_type)
    return T.dtype.get(dt, D.float16)


def set_autocast_dtype(device_type: str, dtype) -> None:
    dt = check_device_type(device_type)
    if dt in SUPPORTED:
        T.dtype[dt] = dtype


def is_autocast_cache_enabled() -> bool:
    return T.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    T.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    """Drop the cached lower-precision copies of parameters."""
    with _cache_lock:
        _cache.clear()


def autocast_increment_nesting() -> int:
    T.nesting += 1
    return T.nesting


def autocast_decrement_nesting() -> int:
    T.nesting -= 1
    return T.nesting


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"torch.{old}() is deprecated. Please use torch.{new} instead.", DeprecationWarning,
                  stacklevel=3)


def is_autocast_cpu_enabled() -> bool:
    _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return T.enabled["cpu"]


def set_autocast_cpu_enabled(enabled: bool) -> None:
    _deprecated("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return T.dtype["cpu"]


def set_autocast_cpu_dtype(dtype) -> None:
    _deprecated("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)")
    T.dtype["cpu"] = dtype


def get_autocast_gpu_dtype():
    _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return T.dtype["cuda"]


def set_autocast_gpu_dtype(dtype) -> None:
    _deprecated("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)")
    T.dtype["cuda"] = dtype


# ---------------------------------------------------------------- casting
def _device_type(args) -> str | None:
    """The device type of the first tensor among ``args`` (looking into lists and tuples)."""
    for a in args:
        if isinstance(a, (list, tuple)):
            dt = _device_type(a)
            if dt is not None:
                return dt
        elif isinstance(a, Tensor):
            return "cpu" if isinstance(a._data, np.ndarray) else "cuda"
    return None


def _eligible(t) -> bool:
    """A floating tensor other than float64 (PyTorch never autocasts float64)."""
    return isinstance(t, Tensor) and t._data.dtype.kind == "f" and t._data.dtype != np.float64


def _to(t, npd, lower: bool):
    """``t`` cast to ``npd`` if eligible; lower-precision copies of parameters are cached."""
    if not _eligible(t) or t._data.dtype == npd:
        return t
    if (lower and T.cache_enabled and GRAD[0] and t._rg and t._node is None and t._base is None
            and t._data.dtype == np.float32):
        key = id(t)
        hit = _cache.get(key)
        if hit is not None and hit[0] is t and hit[1] == t._version[0] and hit[2]._data.dtype == npd:
            return hit[2]
        out = apply(Cast, t, dtype=npd)
        with _cache_lock:
            _cache[key] = (t, t._version[0], out)
        return out
    return apply(Cast, t, dtype=npd)


def _cast_all(args, npd, lower: bool):
    """``args`` with every eligible tensor cast (also inside lists and tuples, e.g. cat's
    operands or an RNN's per-layer weights)."""
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = _to(a, npd, lower)
        elif isinstance(a, (list, tuple)) and a:
            a = type(a)(_cast_all(a, npd, lower))
        out.append(a)
    return out


def _widest(args):
    """PyTorch's autocast promote type: float32 if any eligible input is float32."""
    best = None
    for a in args:
        if isinstance(a, (list, tuple)):
            a = _widest(a)
            if a == np.float32:
                return np.float32
            best = best if a is None else a
        elif _eligible(a):
            if a._data.dtype == np.float32:
                return np.float32
            best = a._data.dtype
    return best


_BCE_BANNED = ("torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
               "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
               "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
               "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
               "safe to autocast.")


def cast_args(op: str, args, kwargs):
    """``(args, kwargs)`` as autocast passes them to ``op`` in this thread (unchanged when
    autocast is off for the device type of the op's tensors or ``op`` is not listed)."""
    dev = _device_type(args)
    if dev is None or not T.enabled.get(dev):
        return args, kwargs
    policy = L.TABLES[dev].get(op)
    if policy is None or policy == L.NONE:
        return args, kwargs
    if policy == L.LOWER:
        dtype = T.dtype[dev]
        if dtype is None:
            return args, kwargs
        return _cast_all(args, D.to_dtype(dtype).np, True), kwargs
    if policy == L.FP32:
        return _cast_all(args, np.float32, False), kwargs
    if policy == L.FP32_OPT_DTYPE:
        if kwargs.get("dtype") is None and _eligible(args[0]):
            kwargs = dict(kwargs, dtype=D.float32)
        return args, kwargs
    if policy == L.PROMOTE:
        npd = _widest(args)
        return (args if npd is None else _cast_all(args, npd, False)), kwargs
    raise RuntimeError(_BCE_BANNED)  # L.BANNED


def run(op: str, fn, *args, **kwargs):
    """Call ``fn`` (the op's own public function) with its arguments cast by ``op``'s
    policy, with autocast suspended in this thread while it runs."""
    args, kwargs = cast_args(op, args, kwargs)
    T.on = False
    try:
        return fn(*args, **kwargs)
    finally:
        T.on = any(T.enabled.values())
