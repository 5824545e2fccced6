"""``Tensor.unfold(dimension, size, step)``: sliding windows as a view (e.g. image
patches: ``x.unfold(2, k, s).unfold(3, k, s)``).  Checks arguments with PyTorch's
messages; the view and its gradient are ``ops.unfold.Unfold``."""
from __future__ import annotations

import operator

from ..ops.unfold import Unfold
from .tensor import Tensor
from .wrap import normalize_axis, view_apply

__all__: list = []


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Windows of ``size`` elements along ``dimension``, ``step`` apart: the result has
    (len - size) // step + 1 positions on ``dimension`` and a new last axis of ``size``."""
    d = normalize_axis(operator.index(dimension), self.ndim)
    size, step = operator.index(size), operator.index(step)
    length = self.shape[d] if self.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return view_apply(Unfold, self, d, size, step)


Tensor.unfold = unfold
