"""Matrix-product gaps: the in-place ``addmm_`` / ``addmv_`` / ``baddbmm_`` /
``addbmm_``, ``addr`` (+ ``addr_``: beta * input + alpha * outer(vec1, vec2)) and
``diagflat``.  Thin wrappers over ``addmm`` & co. (gradients are theirs); the
in-place forms end in ``_commit_inplace`` like every in-place op."""
from __future__ import annotations

import numbers
import operator

from ..backend import dtypes as D
from .linalg import addbmm, addmm, addmv, baddbmm
from .tensor import Tensor

__all__ = ["addr", "diagflat"]


def _tensor(op: str, x, name: str, pos: int) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    return x


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2); input broadcasts to (len(vec1),
    len(vec2)); beta = 0 ignores input (NaNs in it do not propagate).  Boolean
    tensors use and/or."""
    _tensor("addr", input, "input", 1)
    for i, (name, v) in enumerate((("vec1", vec1), ("vec2", vec2))):
        _tensor("addr", v, name, i + 2)
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    dt = D.promote_types(D.promote_types(input.dtype, vec1.dtype), vec2.dtype)
    if dt.category == 1 and any(isinstance(s, float) for s in (alpha, beta)):
        name = "alpha" if isinstance(alpha, float) else "beta"
        raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    shape = (vec1.shape[0], vec2.shape[0])
    inp = input.expand(*shape) if tuple(input.shape) != shape else input
    if dt is D.bool_:
        prod = vec1.reshape(-1, 1).logical_and(vec2.reshape(1, -1))
        res = prod if alpha else prod.logical_and(False)
        return res.logical_or(inp) if beta else res
    a, b, m = (t if t.dtype is dt else t.to(dt) for t in (vec1, vec2, inp))
    return addmm(m, a.reshape(-1, 1), b.reshape(1, -1), beta=beta, alpha=alpha)


def addr_(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    return self._commit_inplace(addr(self, vec1, vec2, beta=beta, alpha=alpha), "addr_")


def addmm_(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    return self._commit_inplace(addmm(self, mat1, mat2, beta=beta, alpha=alpha), "addmm_")


def addmv_(self: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    return self._commit_inplace(addmv(self, mat, vec, beta=beta, alpha=alpha), "addmv_")


def baddbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    return self._commit_inplace(baddbmm(self, batch1, batch2, beta=beta, alpha=alpha), "baddbmm_")


def addbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    return self._commit_inplace(addbmm(self, batch1, batch2, beta=beta, alpha=alpha), "addbmm_")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened input as the ``offset`` diagonal of a square matrix."""
    _tensor("diagflat", input, "input", 1)
    if isinstance(offset, bool) or not isinstance(offset, numbers.Integral):
        raise TypeError(f"diagflat(): argument 'offset' (position 2) must be int, not {type(offset).__name__}")
    return input.reshape(-1).diag(operator.index(offset))


for _fn in (addr, addr_, addmm_, addmv_, baddbmm_, addbmm_, diagflat):
    setattr(Tensor, _fn.__name__, _fn)
