"""Smaller ``torch.linalg`` functions: ``matrix_exp`` (primitive in
``ember/ops/matrix_exp.py``), ``vander`` and ``diagonal`` (compositions)."""
from __future__ import annotations

import numbers

from ..ops.matrix_exp import MatrixExp
from .linalg import _tname
from .tensor import Tensor
from .wrap import apply

__all__ = ["matrix_exp"]


def matrix_exp(A: Tensor) -> Tensor:
    """exp(A) = sum_k A^k / k! for square (batches of) matrices."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_matrix_exp(): argument 'A' must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_exp: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, but they are {A.shape[-2]} "
                           f"by {A.shape[-1]} matrices")
    if A.dtype.category != 2:
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point or complex tensor as input. Got "
                           f"{_tname(A)}")
    return apply(MatrixExp, A)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of the last axis: columns x^0, x^1, ..., x^(N-1)
    (increasing powers, unlike ``torch.vander``'s default); N defaults to len(x)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg_vander(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x.ndim < 1:
        raise RuntimeError("N must be greater than 1.")
    n = x.shape[-1] if N is None else N
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"linalg_vander(): argument 'N' must be int, not {type(n).__name__}")
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    from .factory import ones_like
    from .joining import cat
    col = x.unsqueeze(-1)
    # PyTorch's composite: [1, x, x, ...] multiplied up along the last axis
    return cat([ones_like(col), col.expand(*x.shape, n - 1)], -1).cumprod(-1)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The (offset) diagonal of the matrices in ``A``'s last two axes, as a view."""
    return A.diagonal(offset, dim1, dim2)


Tensor.matrix_exp = matrix_exp
