"""Ops that rearrange or assemble tensors from existing pieces: ``rot90``, ``diff``
and ``block_diag``.

Each is a short composition of differentiable ops (flip, transpose, narrow, sub,
cat), so gradients come from those ops' primitives, as in PyTorch, which writes
them the same way."""
from __future__ import annotations

import operator

from ..backend import dtypes as D
from .joining import cat, narrow
from .reorder import flip
from .shape import transpose
from .tensor import Tensor
from .wrap import normalize_axis

__all__ = ["rot90", "diff", "block_diag"]


def _tensor(op: str, x, name: str = "input", pos: int = 1) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    return x


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first axis
    towards the second (k may be negative)."""
    x = _tensor("rot90", input)
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = (normalize_axis(operator.index(d), x.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = operator.index(k) % 4
    if k == 1:
        return transpose(flip(x, [d1]), d0, d1)
    if k == 2:
        return flip(x, [d0, d1])
    if k == 3:
        return transpose(flip(x, [d0]), d0, d1)
    return x.clone()


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along ``dim``: out[i] = x[i + 1] - x[i], applied
    ``n`` times, after ``prepend`` / ``append`` are joined on (boolean inputs use xor)."""
    x = _tensor("diff", input)
    n = operator.index(n)
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = normalize_axis(operator.index(dim), x.ndim)
    parts = []
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(extra).__name__}")
        if extra.ndim != x.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for i in range(x.ndim):
            if i != dim and extra.shape[i] != x.shape[i]:
                raise RuntimeError(f"diff expects the shape of tensor to prepend or append to match that of "
                                   f"input except along the differencing dimension; input.size({i}) = "
                                   f"{x.shape[i]}, but got tensor.size({i}) = {extra.shape[i]}")
        parts.append((name, extra))
    if parts:
        pieces = [e for name, e in parts if name == "prepend"] + [x] + [e for name, e in parts if name == "append"]
        x = cat(pieces, dim)
    if n == 0:
        return x.clone() if x is input else x
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        hi, lo = narrow(x, dim, 1, length - 1), narrow(x, dim, 0, length - 1)
        x = hi.logical_xor(lo) if x.dtype is D.bool_ else hi - lo
    return x


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the inputs (0-d: 1x1, 1-d: one row, 2-d as is), of
    their promoted dtype; zeros elsewhere."""
    mats = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        mats.append(t.reshape(1, 1) if t.ndim == 0 else (t.reshape(1, -1) if t.ndim == 1 else t))
    from .factory import zeros
    if not mats:
        return zeros(1, 0)
    dt = mats[0].dtype
    for m in mats[1:]:
        dt = D.promote_types(dt, m.dtype)
    mats = [m if m.dtype is dt else m.to(dt) for m in mats]
    total = sum(m.shape[1] for m in mats)
    rows, before = [], 0
    dev = mats[0].device
    for m in mats:
        r, c = m.shape
        left = zeros(r, before, dtype=dt, device=dev)
        right = zeros(r, total - before - c, dtype=dt, device=dev)
        rows.append(cat([left, m, right], 1))
        before += c
    return cat(rows, 0)


Tensor.rot90 = rot90
Tensor.diff = diff
