"""Primitives for random sampling that can sit in a graph.

PyTorch treats samples as constants of their parameters: ``torch.normal(mean, std)``
back-propagates zeros to ``mean`` and ``std``, and the in-place samplers
(``uniform_``, ``normal_``, ...) give no gradient to the overwritten values.  The
samples are drawn by the caller (tensor/random.py) and passed in, so these
primitives hold no random state."""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["Sampled", "Normal"]


class Sampled(Primitive):
    """An in-place sampler's result: values drawn independently of the input.

    ``name``/``version`` are set per sampler by ``sampled(name, version)``."""
    name = "Sampled"

    @staticmethod
    def forward(ctx, a, values):
        return values

    @staticmethod
    def backward(ctx, g):
        # the samples do not depend on the overwritten values (PyTorch: zeros_like(grad))
        return array_module(g).zeros_like(g), None


_SAMPLED = {}


def sampled(name: str, version: int = 0):
    """The ``Sampled`` primitive that prints as ``<{name}Backward{version}>``."""
    key = (name, version)
    if key not in _SAMPLED:
        _SAMPLED[key] = type(f"{name}Sampled", (Sampled,), {"name": name, "version": version})
    return _SAMPLED[key]


class Normal(Primitive):
    """``torch.normal`` with tensor mean and/or std: ``mean + std * noise``.

    Versions follow PyTorch's overloads: 1 (tensor mean, float std), 2 (float mean,
    tensor std), 3 (both tensors)."""
    name = "Normal"
    version = 3

    @staticmethod
    def forward(ctx, mean, std, noise):
        ctx.shapes = (getattr(mean, "shape", None), getattr(std, "shape", None))
        return mean + std * noise

    @staticmethod
    def backward(ctx, g):
        # PyTorch defines the gradient of normal() w.r.t. mean and std as zero
        xp = array_module(g)
        ms, ss = ctx.shapes
        return (None if ms is None else xp.zeros(ms, dtype=g.dtype),
                None if ss is None else xp.zeros(ss, dtype=g.dtype), None)


class Normal1(Normal):
    version = 1


class Normal2(Normal):
    version = 2
