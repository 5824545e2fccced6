"""``torch.tril_indices`` / ``torch.triu_indices``: the (2, N) coordinates of a
row x col matrix's lower / upper triangle (``offset`` shifts the diagonal: positive
above, negative below), row by row."""
from __future__ import annotations

import numbers

from ..backend import dtypes as D
from ..backend.device import device_module, factory_device, on_device
from .factory import finish
from .tensor import Tensor

__all__ = ["tril_indices", "triu_indices"]



def _indices(op: str, row, col, offset, dtype, device, lower: bool) -> Tensor:
    for pos, (name, v) in enumerate((("row", row), ("col", col), ("offset", offset))):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{op}(): argument '{name}' (position {pos + 1}) must be int, not {type(v).__name__}")
    row, col, offset = int(row), int(col), int(offset)
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    dt = D.int64 if dtype is None else D.to_dtype(dtype)
    if dt not in (D.int64, D.int32):
        # PyTorch's "kernel not implemented for dtype" error (NotImplementedError, a RuntimeError)
        raise NotImplementedError(f"\"{op}\" not implemented for '{dt.scalar_name}'")
    dev = factory_device(device)
    xp = device_module(dev)
    with on_device(dev):
        r = xp.arange(row)[:, None]
        c = xp.arange(col)[None, :]
        keep = (c - r <= offset) if lower else (c - r >= offset)
        rows, cols = xp.nonzero(keep)      # row-major order, as PyTorch lists them
        data = xp.stack([rows, cols]).astype(dt.np)
    return finish(data, False)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None,
                 pin_memory=None) -> Tensor:
    """Coordinates (2, N) of the entries with col - row <= offset."""
    return _indices("tril_indices", row, col, offset, dtype, device, True)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None,
                 pin_memory=None) -> Tensor:
    """Coordinates (2, N) of the entries with col - row >= offset."""
    return _indices("triu_indices", row, col, offset, dtype, device, False)
