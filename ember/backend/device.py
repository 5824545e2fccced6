"""Devices: ``cpu`` runs on NumPy, ``cuda`` on CuPy (imported only when asked for).

Only this package knows which array libraries exist; everything above asks
``array_module(array)`` or ``device_module(device)`` for an ``xp``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["device", "is_array", "array_module", "device_module", "device_of", "cupy_or_none", "cuda_available",
           "cuda_device_count", "on_device", "to_host", "CudaUnavailableError", "NO_CUDA_MESSAGE"]

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


CPU = device("cpu")


def to_device(d) -> device:
    if d is None:
        return CPU
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
