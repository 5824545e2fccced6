"""NumPy-style splits and size helpers: ``hsplit`` / ``vsplit`` / ``dsplit``,
``split_with_sizes`` and ``sum_to_size``.  Thin wrappers over ``tensor_split``,
``split`` and ``sum`` (views and gradients come from those)."""
from __future__ import annotations

import numbers

from .joining import split, tensor_split
from .size import Size
from .tensor import Tensor

__all__ = ["hsplit", "vsplit", "dsplit", "split_with_sizes"]


def _np_split(op: str, input: Tensor, sections, dim: int, need: int) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.ndim < need:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {need} dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    if isinstance(sections, numbers.Integral) and not isinstance(sections, bool):
        size = input.shape[dim]
        if sections == 0 or size % int(sections) != 0:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{size} is not divisible by the split_size {int(sections)}!")
    return tensor_split(input, sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along the columns: dim 1 (dim 0 for a 1-D tensor)."""
    return _np_split("hsplit", input, indices_or_sections, 1 if getattr(input, "ndim", 0) > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along the rows (dim 0) of a tensor with at least 2 dims."""
    return _np_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along the depth (dim 2) of a tensor with at least 3 dims."""
    return _np_split("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Pieces of the listed sizes (which must add up to the size of ``dim``); views."""
    if isinstance(split_sizes, numbers.Integral):
        raise TypeError(f"split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not "
                        f"{type(split_sizes).__name__}")
    return split(input, list(split_sizes), dim)


def sum_to_size(self: Tensor, *size) -> Tensor:
    """Sum this tensor down to ``size``, which it must be expandable from (the
    reverse of ``expand``: axes that ``size`` lacks or has as 1 are summed)."""
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    ok = lead >= 0 and all(s == 1 or s == d for s, d in zip(size, shape[lead:]))
    if not ok:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    out = self
    if lead:
        out = out.sum(tuple(range(lead)))
    axes = tuple(i for i, (s, d) in enumerate(zip(size, shape[lead:])) if s == 1 and d != 1)
    if axes:
        out = out.sum(axes, keepdim=True)
    return out


Tensor.hsplit = hsplit
Tensor.vsplit = vsplit
Tensor.dsplit = dsplit
Tensor.split_with_sizes = split_with_sizes
Tensor.sum_to_size = sum_to_size
