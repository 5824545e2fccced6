"""Random number generators: ``ember.Generator`` and the default one behind ``manual_seed``.

A Generator owns a NumPy ``PCG64`` bit generator (and, on cuda, a CuPy generator
seeded from it), so the same seed gives the same numbers on every run.  The numbers
are not PyTorch's (its Mersenne-Twister/Philox streams are not reproduced); see
docs/differences.md.
"""
from __future__ import annotations

import json

import numpy as np

from .device import CudaUnavailableError, NO_CUDA_MESSAGE, cuda_available, to_device

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "generator_for", "cuda_generator", "cuda_generators"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val


class Generator:
    """``ember.Generator(device='cpu')`` with manual_seed / seed / initial_seed / get_state / set_state."""

    def __init__(self, device="cpu") -> None:
        self.device = to_device(device)
        if self.device.type == "cuda" and not cuda_available():
            raise CudaUnavailableError(f"Cannot make a CUDA generator: {NO_CUDA_MESSAGE}")
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        if not -(2 ** 63) <= seed < 2 ** 64:
            raise RuntimeError(f"Overflow when unpacking long: seed {seed} out of range")
        self._seed = seed % (2 ** 64)
        self.np = np.random.Generator(np.random.PCG64(self._seed))
        self._cupy = None
        return self

    def seed(self) -> int:
        """Seed from a non-deterministic source and return that seed."""
        s = int.from_bytes(np.random.SeedSequence().entropy.to_bytes(16, "little")[:8], "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor (a JSON encoding of the bit generator's state).

        The CuPy stream (cuda generators) is re-derived from this state at its next
        use, so ``set_state(get_state())`` repeats cuda numbers too."""
        from ..tensor import tensor
        from . import dtypes
        self._cupy = None
        st = {"seed": self._seed, "np": self.np.bit_generator.state}
        raw = json.dumps(st).encode()
        return tensor(list(raw), dtype=dtypes.uint8, device="cpu")  # a cpu tensor whatever the default device

    def set_state(self, state) -> "Generator":
        raw = bytes(np.asarray(state.numpy() if hasattr(state, "numpy") else state, dtype=np.uint8).tolist())
        try:
            st = json.loads(raw.decode())
            self._seed = int(st["seed"])
            bg = np.random.PCG64()
            bg.state = st["np"]
        except (ValueError, KeyError, TypeError) as e:
            raise RuntimeError(f"set_state: the RNG state is not one made by ember's get_state ({e})") from None
        self.np = np.random.Generator(bg)
        self._cupy = None
        return self

    def xp_random(self, xp):
        """A random source for the array module: numpy's Generator, or a cupy one seeded from it."""
        if xp is np:
            return self.np
        if self._cupy is None:
            with xp.cuda.Device(self.device.index or 0) if self.device.type == "cuda" else _Null():
                self._cupy = xp.random.default_rng(int(self.np.integers(0, 2 ** 63)))
        return self._cupy

    def __repr__(self) -> str:
        return f"<ember.Generator object at {hex(id(self))}>"


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


default_generator = Generator()

cuda_generators: dict = {}   # device index -> Generator, made on first use
_cuda_seed = [_DEFAULT_SEED]  # the seed a cuda generator gets when it is made


def cuda_generator(index: int) -> Generator:
    """The default generator of GPU ``index`` (needs CuPy and a GPU)."""
    g = cuda_generators.get(index)
    if g is None:
        g = Generator(f"cuda:{index}")
        g.manual_seed(_cuda_seed[0])
        cuda_generators[index] = g
    return g


def generator_for(generator: Generator | None, device=None) -> Generator:
    """The generator a sampler draws from: the one given, else the default one of
    ``device`` (the cpu default generator, or the current GPU's).  A generator on
    another device type than ``device`` is an error, as in PyTorch."""
    if generator is None:
        if device is None or device.type == "cpu":
            return default_generator
        if device.index is None:
            from .device import device_module
            return cuda_generator(device_module(device).cuda.runtime.getDevice())
        return cuda_generator(device.index)
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be an ember.Generator, got {type(generator).__name__}")
    if device is not None and generator.device.type != device.type:
        raise RuntimeError(f"Expected a '{device.type}' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator


def seed_cuda(seed: int, index: int | None = None) -> None:
    """Seed GPU generators: one (``index``) or, with None, all present and future ones."""
    seed = int(seed)
    if index is None:
        _cuda_seed[0] = seed
        for g in cuda_generators.values():
            g.manual_seed(seed)
    elif index in cuda_generators:
        cuda_generators[index].manual_seed(seed)
    else:
        cuda_generator(index).manual_seed(seed)


def manual_seed(seed: int) -> Generator:
    """Seed the default generator and every GPU's, as ``torch.manual_seed``."""
    default_generator.manual_seed(seed)
    seed_cuda(seed % (2 ** 64))
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)

