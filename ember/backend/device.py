"""Devices: ``cpu`` runs on NumPy, ``cuda`` on CuPy (imported only when asked for).

Only this package knows which array libraries exist; everything above asks
``array_module(array)`` or ``device_module(device)`` for an ``xp``.
"""
from __future__ import annotations

import threading

import numpy as np

__all__ = ["device", "is_array", "array_module", "device_module", "device_of", "cupy_or_none", "cuda_available",
           "cuda_device_count", "on_device", "to_host", "CudaUnavailableError", "NO_CUDA_MESSAGE",
           "set_default_device", "get_default_device", "factory_device", "default_device_or_none"]

NO_CUDA_MESSAGE = ("Torch not compiled with CUDA enabled: ember's cuda device needs CuPy (pip install "
                   "cupy-cuda12x) and an NVIDIA GPU; neither was found")


class CudaUnavailableError(RuntimeError, AssertionError):
    """Raised when cuda is asked for on a machine without CuPy or a GPU.

    PyTorch's CPU builds raise AssertionError("Torch not compiled with CUDA enabled");
    this is both that and a RuntimeError, so either ``except`` catches it."""

_cupy = []  # [module or None] once probed


def cupy_or_none():
    """The cupy module if it imports and sees a GPU, else None (probed once)."""
    if not _cupy:
        try:
            import cupy  # noqa: F401  (optional dependency, only for cuda)
            ok = cupy.cuda.runtime.getDeviceCount() > 0
        except Exception:  # ImportError, or CUDA driver errors when no GPU is present
            cupy, ok = None, False
        _cupy.append(cupy if ok else None)
    return _cupy[0]


def cuda_available() -> bool:
    return cupy_or_none() is not None


def cuda_device_count() -> int:
    cp = cupy_or_none()
    return cp.cuda.runtime.getDeviceCount() if cp is not None else 0


class device:
    """``ember.device('cpu')``, ``device('cuda')``, ``device('cuda:1')``, ``device('cuda', 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None) -> None:
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string or int, got {type!r}")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = type, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))

    def __enter__(self) -> "device":
        """``with ember.device('cuda'):`` makes this the default device of factories
        (``zeros``, ``tensor``, ``randn``, nn layers' parameters...) in this thread
        until the block ends, also when it ends by an exception."""
        _push_default(self)
        return self

    def __exit__(self, *exc) -> None:
        _pop_default()
        return None


CPU = device("cpu")


# ---------------------------------------------------------------------- the default device
# PyTorch keeps both the ``set_default_device`` device and the ``with device(...)``
# blocks in thread-local state (a threading.local and the thread's TorchFunctionMode
# stack), so a default set in one thread does not move another thread's tensors.
class _DefaultState(threading.local):
    """One thread's default device: ``base`` from set_default_device (None: cpu), the
    devices of the open ``with`` blocks (innermost last), and ``current``, the one in
    force.  ``base_depth`` is how many blocks were open when ``base`` was last set:
    only blocks opened after that override it (the latest setting wins)."""

    def __init__(self) -> None:
        self.base = None
        self.base_depth = 0
        self.stack = []
        self.current = None
        self.counted = None


_STATE = _DefaultState()
# How many threads have a default other than the built-in one.  While it is 0 a factory
# given no device skips the thread-local lookup, so the usual cpu case costs nothing more.
DEFAULT_IN_USE = [0]
_IN_USE_LOCK = threading.Lock()


class _Counted:
    """Held by a thread's state while its default is not the built-in one; dropping it
    (the default reset, or the thread ending) takes the thread off DEFAULT_IN_USE."""

    def __init__(self) -> None:
        with _IN_USE_LOCK:
            DEFAULT_IN_USE[0] += 1

    def __del__(self) -> None:
        try:
            with _IN_USE_LOCK:
                DEFAULT_IN_USE[0] -= 1
        except Exception:  # interpreter shutdown: the module may be gone
            pass


def _refresh(st: _DefaultState) -> None:
    """Recompute ``st.current`` and whether this thread counts in DEFAULT_IN_USE."""
    st.current = st.stack[-1] if len(st.stack) > st.base_depth else st.base
    if (st.current is None) != (st.counted is None):
        st.counted = None if st.current is None else _Counted()


def _push_default(d: device) -> None:
    st = _STATE
    st.stack.append(d)
    _refresh(st)


def _pop_default() -> None:
    st = _STATE
    if st.stack:
        st.stack.pop()
    st.base_depth = min(st.base_depth, len(st.stack))
    _refresh(st)


def set_default_device(d) -> None:
    """``torch.set_default_device``: factories given no ``device`` make tensors on ``d``
    from now on, in this thread (PyTorch's setting is thread-local too); None resets to
    cpu.  ``d`` is checked as ``ember.device(d)`` is; a cuda device without a GPU is
    accepted here and fails at the first factory call, as in PyTorch.

    Called inside ``with ember.device(...)`` blocks it takes effect at once and stays
    after they end (PyTorch 2.13 raises an AssertionError when such a block ends)."""
    new = None if d is None else (d if isinstance(d, device) else device(d))
    st = _STATE
    st.base = new
    st.base_depth = len(st.stack)
    _refresh(st)


def default_device_or_none():
    """The default device factories use in this thread, or None while it is the
    built-in cpu default (then data keeps its own device in ``tensor``/``as_tensor``)."""
    return _STATE.current if DEFAULT_IN_USE[0] else None


def get_default_device() -> device:
    """``torch.get_default_device``: the device factories use when given none.  A cuda
    default without an index reads as the current GPU (``cuda:0``), so without a GPU
    this raises, as PyTorch's CPU build does."""
    d = default_device_or_none()
    if d is None:
        return CPU
    if d.index is None and d.type == "cuda":
        return device("cuda", device_module(d).cuda.runtime.getDevice())
    return d


def to_device(d) -> device:
    """``d`` as a device; None is cpu (for generators and internal arrays)."""
    if d is None:
        return CPU
    return d if isinstance(d, device) else device(d)


def factory_device(d) -> device:
    """The device a factory makes its tensor on: ``d``, or when None the default device
    (``set_default_device`` / ``with ember.device(...)``, cpu unless changed)."""
    if d is None:
        if not DEFAULT_IN_USE[0]:
            return CPU
        d = _STATE.current
        return CPU if d is None else d
    return d if isinstance(d, device) else device(d)


def device_module(d: device):
    """The array module for a device: numpy for cpu, cupy for cuda (error if absent)."""
    if d.type == "cpu":
        return np
    cp = cupy_or_none()
    if cp is None:
        raise CudaUnavailableError(NO_CUDA_MESSAGE)
    n = cp.cuda.runtime.getDeviceCount()
    if d.index is not None and d.index >= n:
        raise RuntimeError(f"CUDA error: invalid device ordinal: {d} requested but only {n} GPU(s) found")
    return cp


class _NoDevice:
    """A do-nothing context (cpu arrays need no current device)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


_NO_DEVICE = _NoDevice()


def on_device(d: device):
    """A context that makes ``d`` the current device while arrays are allocated on it
    (CuPy allocates on the current GPU; ``cuda`` without an index means the current one)."""
    if d.type == "cpu" or d.index is None:
        return _NO_DEVICE
    return device_module(d).cuda.Device(d.index)


def to_host(a) -> np.ndarray:
    """A NumPy copy (or the array itself) of a NumPy or CuPy array, for host-side index math."""
    return a if isinstance(a, np.ndarray) else a.get()


def array_module(a):
    """The xp (numpy, cupy, or a tensor namespace) an array belongs to.

    Objects other than NumPy/CuPy arrays may name their namespace with an ``__xp__``
    attribute; ember's Tensor does, so ops' backward formulas can run on tensors
    (that is how ``create_graph=True`` differentiates a backward)."""
    if type(a) is np.ndarray or isinstance(a, np.generic):
        return np
    xp = getattr(a, "__xp__", None)
    if xp is not None:
        return xp
    cp = _cupy[0] if _cupy else None
    if cp is not None and isinstance(a, cp.ndarray):
        return cp
    return np


def device_of(a) -> device:
    """The device an array lives on."""
    if type(a) is np.ndarray:
        return CPU
    cp = _cupy[0] if _cupy else None
    if cp is not None and isinstance(a, cp.ndarray):
        return device("cuda", a.device.id)
    return CPU


def is_array(v) -> bool:
    """True for a NumPy or CuPy ndarray (the raw arrays ops work on)."""
    if type(v) is np.ndarray:
        return True
    cp = _cupy[0] if _cupy else None
    return cp is not None and isinstance(v, cp.ndarray)
