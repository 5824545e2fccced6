"""Padding layers: constant (and zero), reflection, replication and circular padding
of the last 1, 2 or 3 dims.

Each keeps its ``padding`` as a tuple (an int is repeated 2, 4 or 6 times; a sequence
is kept as given, as PyTorch does) and calls ``nn.functional.pad``."""
from __future__ import annotations

from collections.abc import Iterable

from ...tensor.tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]


def _ntuple(x, n: int) -> tuple:
    """An int repeated ``n`` times; a sequence as a tuple (its length is checked by ``F.pad``)."""
    return tuple(x) if isinstance(x, Iterable) else (x,) * n


class _PadNd(Module):
    """Shared constructor: ``padding`` for ``_nd`` trailing dims (2 * _nd amounts)."""
    _nd = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._nd)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (self._nd + 1, self._nd + 2):
            raise ValueError(f"expected {self._nd + 1}D or {self._nd + 2}D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Wrap-around padding of the last dim of (C, L) or (N, C, L)."""
    _nd = 1


class CircularPad2d(_CircularPadNd):
    """Wrap-around padding of the last two dims of (C, H, W) or (N, C, H, W)."""
    _nd = 2


class CircularPad3d(_CircularPadNd):
    """Wrap-around padding of the last three dims of (C, D, H, W) or (N, C, D, H, W)."""
    _nd = 3


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``."""
    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""
    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""
    _nd = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Mirror padding (edge not repeated) of the last dim."""
    _nd = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Mirror padding (edge not repeated) of the last two dims."""
    _nd = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Mirror padding (edge not repeated) of the last three dims."""
    _nd = 3


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Edge-repeating padding of the last dim."""
    _nd = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Edge-repeating padding of the last two dims."""
    _nd = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Edge-repeating padding of the last three dims."""
    _nd = 3
