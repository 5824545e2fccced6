"""``ember.cuda``: what PyTorch's ``torch.cuda`` answers about GPUs, backed by CuPy.

Without CuPy or a GPU everything behaves as PyTorch's CPU build does:
``is_available()`` is False, ``device_count()`` 0, seeding and ``empty_cache()`` do
nothing, and calls that need a GPU (``current_device``, ``get_device_name``,
``synchronize``, ...) raise "Torch not compiled with CUDA enabled" as an error that is
both an AssertionError (PyTorch's type) and a RuntimeError."""
from __future__ import annotations

from .backend import random as _random
from .backend.device import (CudaUnavailableError, NO_CUDA_MESSAGE, cuda_available, cuda_device_count,
                             cupy_or_none, device as _device)

__all__ = ["is_available", "device_count", "current_device", "set_device", "get_device_name",
           "get_device_capability", "get_device_properties", "is_initialized", "init", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "initial_seed", "synchronize", "empty_cache",
           "memory_allocated", "max_memory_allocated", "memory_reserved", "device", "get_rng_state",
           "set_rng_state"]


def _cupy():
    cp = cupy_or_none()
    if cp is None:
        raise CudaUnavailableError(NO_CUDA_MESSAGE)
    return cp


def _index(d) -> int:
    """A device index from None (the current device), an int, a string or a device."""
    if d is None:
        return current_device()
    if isinstance(d, int) and not isinstance(d, bool):
        idx = d
    else:
        dd = _device(d)
        if dd.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {dd}")
        idx = current_device() if dd.index is None else dd.index
    n = device_count()
    if n == 0:
        raise CudaUnavailableError(NO_CUDA_MESSAGE)
    if not 0 <= idx < n:
        raise RuntimeError(f"Invalid device id {idx}: this machine has {n} GPU(s)")
    return idx


def is_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    return cuda_available()


def device_count() -> int:
    """The number of visible GPUs (0 without CuPy)."""
    return cuda_device_count()


def is_initialized() -> bool:
    return cuda_available()


def init() -> None:
    _cupy()


def current_device() -> int:
    """The index of the current GPU."""
    return int(_cupy().cuda.runtime.getDevice())


def set_device(d) -> None:
    """Make GPU ``d`` current (a negative index is ignored, as in PyTorch)."""
    if isinstance(d, int) and d < 0:
        return
    _cupy().cuda.runtime.setDevice(_index(d))


def get_device_properties(d=None) -> dict:
    """The CUDA runtime's properties of GPU ``d`` (a dict; PyTorch returns an object)."""
    return _cupy().cuda.runtime.getDeviceProperties(_index(d))


def get_device_name(d=None) -> str:
    """The GPU's name, e.g. 'NVIDIA H100 80GB HBM3'."""
    name = get_device_properties(d)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def get_device_capability(d=None) -> tuple:
    """(major, minor) compute capability."""
    p = get_device_properties(d)
    return int(p["major"]), int(p["minor"])


def synchronize(d=None) -> None:
    """Wait for all work queued on the GPU to finish."""
    cp = _cupy()
    with cp.cuda.Device(_index(d)):
        cp.cuda.Device().synchronize()


def empty_cache() -> None:
    """Give CuPy's cached, unused GPU memory back to the driver (nothing to do without CuPy)."""
    cp = cupy_or_none()
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()
        cp.get_default_pinned_memory_pool().free_all_blocks()


def memory_allocated(d=None) -> int:
    """Bytes of GPU memory held by live arrays (0 without CuPy)."""
    cp = cupy_or_none()
    return 0 if cp is None else int(cp.get_default_memory_pool().used_bytes())


def max_memory_allocated(d=None) -> int:
    cp = cupy_or_none()
    return 0 if cp is None else int(cp.get_default_memory_pool().total_bytes())


def memory_reserved(d=None) -> int:
    """Bytes CuPy's memory pool holds (in use or cached)."""
    cp = cupy_or_none()
    return 0 if cp is None else int(cp.get_default_memory_pool().total_bytes())


def manual_seed(seed: int) -> None:
    """Seed the current GPU's generator (remembered for later without a GPU, as PyTorch)."""
    if not cuda_available():
        _random._cuda_seed[0] = int(seed)
        return
    _random.seed_cuda(seed, current_device())


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator (and those made later)."""
    _random.seed_cuda(seed)


def seed() -> None:
    """Seed the current GPU's generator non-deterministically."""
    if cuda_available():
        _random.cuda_generator(current_device()).seed()


def seed_all() -> None:
    if cuda_available():
        for i in range(device_count()):
            _random.cuda_generator(i).seed()


def initial_seed() -> int:
    """The seed of the current GPU's generator."""
    _cupy()
    return _random.cuda_generator(current_device()).initial_seed()


def get_rng_state(d="cuda"):
    """The current GPU generator's state (a uint8 tensor)."""
    _cupy()
    return _random.cuda_generator(_index(d)).get_state()


def set_rng_state(state, d="cuda") -> None:
    _cupy()
    _random.cuda_generator(_index(d)).set_state(state)


class device:
    """``with ember.cuda.device(1): ...`` makes GPU 1 current inside the block."""

    def __init__(self, d) -> None:
        self.idx = -1 if d is None or (isinstance(d, int) and d < 0) else _index(d)
        self.prev = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev = current_device()
            set_device(self.idx)
        return self

    def __exit__(self, *exc) -> None:
        if self.idx >= 0:
            set_device(self.prev)
