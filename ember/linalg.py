"""``ember.linalg``: PyTorch's ``torch.linalg`` namespace.

Norms (``norm``, ``vector_norm``, ``matrix_norm``), inverse and solve, determinants,
Cholesky, SVD and QR (their wrappers in ``ember/tensor/decomp.py``), and the products
it shares with the top level (``matmul``, ``cross``,
``multi_dot``, ``vecdot``), and at the end of this file the pseudo-inverse, rank, least squares,
condition numbers, triangular solves, LU, ``matrix_exp`` and the ``*_ex`` forms.  Inputs are
validated with PyTorch's messages; the
math and its backward live in ``ember.ops.linalg``.
"""
from __future__ import annotations

import numbers

from . import return_types
from .ops import linalg as L
from .ops.linalg import LinAlgError
from .ops.reduce import NuclearNorm
from .tensor.linalg import _tname, check_matrix, linalg_cross as cross, matmul, mm
from .tensor.decomp import linalg_qr as qr, linalg_svd as svd, linalg_svdvals as svdvals
from .tensor.tensor import Tensor
from .tensor.reduce import norm as _reduce_norm
from .tensor.wrap import apply, normalize_axis
from .tensor import amp as _amp

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "solve", "det", "slogdet", "cholesky",
           "eigh", "eigvalsh", "matmul", "cross", "multi_dot", "vecdot", "svd", "svdvals", "qr"]

_INF = float("inf")


def _float_check(op: str, A: Tensor) -> None:
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {_tname(A)}")


def _square(op: str, A: Tensor) -> Tensor:
    """Check that A is a float (batch of) square matrices; PyTorch's messages otherwise."""
    return check_matrix(op, A, square=True, floating=True)


# ---------------------------------------------------------------- norms
def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over ``dim`` (all elements when None); ord may be inf, -inf, 0.
    The primitive is the one ``torch.norm`` uses (``ops.reduce.Norm``)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("linalg_vector_norm", vector_norm, x, ord, dim, keepdim, dtype=dtype, out=out)
    if isinstance(ord, str) or not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    return _reduce_norm(x, float(ord), dim, keepdim, dtype=dtype)


_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, _INF, -_INF)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Matrix norms over the two axes ``dim``: 'fro', 'nuc' (sum of singular values),
    2, -2 (largest, smallest singular value), 1, -1 (column sums of |A|), inf, -inf (row sums)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("linalg_matrix_norm", matrix_norm, A, ord, dim, keepdim, dtype=dtype, out=out)
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    dim = tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = (normalize_axis(int(d), A.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None:
        _float_check("linalg.matrix_norm", A)
        A = A.to(dtype)
    _float_check("linalg.matrix_norm", A)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in (1, -1, _INF, -_INF):
        sum_axis, pick_axis = (d0, d1) if abs(ord) == 1 else (d1, d0)
        op = L.MatrixNormSum if ord > 0 else L.MatrixNormSumMin
        return apply(op, A, sum_axis, pick_axis, ord > 0, bool(keepdim))
    if ord == "nuc":
        return apply(NuclearNorm, A, axes=(d0, d1), keepdim=bool(keepdim))
    # the spectral norms work on the last two axes
    rest = [i for i in range(A.ndim) if i not in (d0, d1)]
    At = A if (d0, d1) == (A.ndim - 2, A.ndim - 1) else A.permute(*(rest + [d0, d1]))
    r = apply(L.SpectralNorm, At, ord)
    if keepdim:
        shape = list(A.shape)
        shape[d0] = shape[d1] = 1
        r = r.reshape(shape)
    return r


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, out=None, dtype=None) -> Tensor:
    """A vector norm (1-D input, or ``dim`` an int) or a matrix norm (2-D input, or
    ``dim`` a pair); with neither ord nor dim, the 2-norm of all elements."""
    if dim is not None:
        dim = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                               f"{list(dim)}")
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.ndim}D.")
    if isinstance(ord, str):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype)
    if ord is not None and ((dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2)):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# ---------------------------------------------------------------- inverse, solve, determinants
def inv(A: Tensor, *, out=None) -> Tensor:
    """A^-1 for a (batch of) square matrices; LinAlgError when one is singular."""
    if _amp.ON and _amp.T.on:
        return _amp.run("linalg_inv", inv, A, out=out)
    return apply(L.Inv, _square("linalg.inv", A))


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """X with A X = B (or X A = B when ``left=False``); B is a vector when it is 1-D or
    has A's shape without the last axis."""
    if _amp.ON and _amp.T.on:
        return _amp.run("linalg_solve", solve, A, B, left=left, out=out)
    _square("linalg.solve", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_tname(A)} and B of type {_tname(B)} instead")
    if not left:
        if B.ndim < 2:
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation XA = B "
                               f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[0]}x1)")
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = B.reshape(tuple(B.shape) + (1,)) if vector else B
    if Bm.ndim < 2 or Bm.shape[-2] != A.shape[-1]:
        rows, cols = (Bm.shape[-2], Bm.shape[-1]) if Bm.ndim >= 2 else (Bm.shape[0], 1)
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {rows}x{cols})")
    from .tensor.linalg import _batch_shape
    _batch_shape("linalg.solve", tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    X = apply(L.Solve, A, Bm)
    return X.reshape(tuple(X.shape[:-1])) if vector else X


def det(A: Tensor, *, out=None) -> Tensor:
    """Determinant of a (batch of) square matrices (0 for singular ones)."""
    return apply(L.Det, _square("linalg.det", A))


def slogdet(A: Tensor, *, out=None):
    """(sign, log|det A|): a determinant without overflow; sign 0 and -inf when singular."""
    sign, logabs = apply(L.Slogdet, _square("linalg.slogdet", A))
    return return_types.linalg_slogdet((sign, logabs))


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """L (lower triangular) with A = L L^T, for a symmetric positive-definite A (only
    its lower triangle is read); ``upper=True`` gives L^T."""
    if _amp.ON and _amp.T.on:
        return _amp.run("linalg_cholesky", cholesky, A, upper=upper, out=out)
    L_ = apply(L.Cholesky, _square("linalg.cholesky", A))
    return L_.mT if upper else L_


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix; only the
    ``UPLO`` triangle is read.  Eigenvectors are defined up to sign."""
    if _amp.ON and _amp.T.on:
        return _amp.run("linalg_eigh", eigh, A, UPLO, out=out)
    _square("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, v = apply(L.Eigh, A, UPLO)
    return return_types.linalg_eigh((w, v))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """The eigenvalues of a symmetric matrix, ascending."""
    if _amp.ON and _amp.T.on:
        return _amp.run("linalg_eigvalsh", eigvalsh, A, UPLO, out=out)
    return eigh(A, UPLO)[0]


# ---------------------------------------------------------------- products
def multi_dot(tensors) -> Tensor:
    """A chain of matrix products; the first argument may be 1-D (a row vector) and the
    last 1-D (a column vector)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("multi_dot", multi_dot, tensors)
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0], tensors[-1]
    for i, t in enumerate(tensors):
        want = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in want:
            which = "first" if i == 0 else ("last" if i == len(tensors) - 1 else None)
            if which:
                raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {t.ndim}D")
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    mats = list(tensors)
    if first.ndim == 1:
        mats[0] = first.reshape(1, -1)
    if last.ndim == 1:
        mats[-1] = last.reshape(-1, 1)
    out = mats[0]
    for m in mats[1:]:
        out = mm(out, m)
    if first.ndim == 1 and last.ndim == 1:
        return out.reshape(())
    if first.ndim == 1:
        return out.reshape(-1)
    if last.ndim == 1:
        return out.reshape(-1)
    return out


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum(x * y) along ``dim``, with broadcasting."""
    if _amp.ON and _amp.T.on:
        return _amp.run("vecdot", vecdot, x, y, dim=dim)
    return (x * y).sum(dim)


# ---------------------------------------------------------------- pseudo-inverse, least squares, LU, exp
# (defined in ember/tensor/linalg_solvers.py, linalg_lu.py and linalg_misc.py)
from .tensor.linalg_solvers import cond, lstsq, matrix_power, matrix_rank, pinv, solve_triangular  # noqa: E402
from .tensor.linalg_lu import cholesky_ex, inv_ex, lu, lu_factor, lu_factor_ex, lu_solve, solve_ex  # noqa: E402
from .tensor.linalg_misc import diagonal, matrix_exp, vander  # noqa: E402

__all__ += ["pinv", "matrix_rank", "lstsq", "cond", "solve_triangular", "matrix_power", "lu_factor", "lu_factor_ex",
            "lu", "lu_solve", "inv_ex", "solve_ex", "cholesky_ex", "matrix_exp", "vander", "diagonal"]
