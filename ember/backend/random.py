"""Random number generators: ``ember.Generator`` and the default one behind ``manual_seed``.

A Generator owns a NumPy ``PCG64`` bit generator (and, on cuda, a CuPy generator
seeded from it), so the same seed gives the same numbers on every run.  The numbers
are not PyTorch's (its Mersenne-Twister/Philox streams are not reproduced); see
docs/differences.md.
"""
from __future__ import annotations

import json

import numpy as np

from .device import to_device

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "generator_for"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val


class Generator:
    """``ember.Generator(device='cpu')`` with manual_seed / seed / initial_seed / get_state / set_state."""

    def __init__(self, device="cpu") -> None:
        self.device = to_device(device)
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
        """The state as a uint8 tensor (a JSON encoding of the bit generator's state)."""
        from ..tensor import tensor
        from . import dtypes
        st = {"seed": self._seed, "np": self.np.bit_generator.state}
        raw = json.dumps(st).encode()
        return tensor(list(raw), dtype=dtypes.uint8)

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
            self._cupy = xp.random.default_rng(int(self.np.integers(0, 2 ** 63)))
        return self._cupy

    def __repr__(self) -> str:
        return f"<ember.Generator object at {hex(id(self))}>"


default_generator = Generator()


def generator_for(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (all devices), as ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)

