"""Grids and combinations of 1-D tensors: ``meshgrid``, ``cartesian_prod`` and
``combinations``.

meshgrid's outputs are expanded views of its inputs (as in PyTorch); the other two
index their inputs, so gradients flow back through the indexing."""
from __future__ import annotations

import itertools
import operator
import warnings

import numpy as np

from .joining import stack
from .tensor import Tensor

__all__ = ["meshgrid", "cartesian_prod", "combinations"]


def _tensor_list(op: str, tensors) -> list:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return list(tensors)


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids: output i holds input i's values along its own axis, repeated
    along the others.  ``indexing="ij"`` (matrix) puts input i on axis i; ``"xy"``
    (Cartesian) swaps the first two axes.  Omitting ``indexing`` warns and uses "ij",
    as PyTorch does.  0-d inputs count as one element."""
    ts = _tensor_list("meshgrid", tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a "
                               f"{t.ndim}D tensor of shape {list(t.shape)}")
    for t in ts[1:]:
        if t.dtype is not ts[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != ts[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    sizes = [t.numel() for t in ts]
    axis = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        axis[0], axis[1] = 1, 0
    shape = [0] * len(ts)
    for i, a in enumerate(axis):
        shape[a] = sizes[i]
    out = []
    for t, a in zip(ts, axis):
        view = [1] * len(ts)
        view[a] = -1
        out.append(t.reshape(view).expand(*shape))
    return tuple(out)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """All tuples of one element from each 1-D input, in row-major order, as the rows
    of an (N, k) tensor (a single input is returned as it is)."""
    ts = _tensor_list("cartesian_prod", tensors)
    for t in ts:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements (as
    ``itertools.combinations`` or ``combinations_with_replacement``), one per row."""
    if not isinstance(input, Tensor):
        raise TypeError(f"combinations(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    r = operator.index(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        from .factory import empty
        return empty(0, dtype=input.dtype, device=input.device)
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(make(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    from .creation import tensor
    return input[tensor(idx, device=input.device)]
