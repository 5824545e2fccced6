"""Linear-algebra gaps built on factorizations: the pseudo-inverse (``pinv``,
``pinverse``), ``matrix_rank``, least squares (``lstsq``), condition numbers
(``cond``), triangular and Cholesky solves (``solve_triangular``,
``cholesky_solve``, ``cholesky_inverse``) and ``matrix_power``.

Inputs are checked here with PyTorch's messages; the primitives and their backward
formulas are in ``ember/ops/pinv.py`` and ``ember/ops/triangular.py``.  ``lstsq``'s
solution is pinv(A) @ B, whose gradient is exactly PyTorch's (its
``linalg_lstsq_backward`` differentiates that expression)."""
from __future__ import annotations

import numbers

import numpy as np

from .. import return_types
from ..ops import pinv as PV
from ..ops import triangular as TR
from .linalg import _tname, check_matrix, matmul
from .tensor import Tensor
from .wrap import apply

__all__ = ["pinverse", "cholesky_solve", "cholesky_inverse", "matrix_power"]

_INF = float("inf")


def _float_matrix(op: str, A, name: str = "A", square: bool = False) -> Tensor:
    return check_matrix(op, A, name, square=square, floating=True)


# ---------------------------------------------------------------- pseudo-inverse and rank
def _tolerances(A: Tensor, atol, rtol, op: str):
    """(atol, rtol) as float64 values broadcasting against A's batch (one trailing
    axis), with PyTorch's defaults: rtol = eps * max(m, n), or 0 where atol > 0."""
    from ..backend.device import array_module
    xp = array_module(A._data)

    def arr(v):
        if isinstance(v, Tensor):
            return v._data.astype(xp.float64)[..., None]
        return xp.asarray(float(v), dtype=xp.float64)
    a = arr(0.0 if atol is None else atol)
    if rtol is not None:
        return a, arr(rtol)
    default = xp.asarray(float(np.finfo(A._data.dtype).eps) * max(A.shape[-2], A.shape[-1]), dtype=xp.float64)
    if atol is None:
        return a, default
    return a, xp.where(a > 0, 0.0, default)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """The pseudo-inverse: singular values <= max(atol, rtol * largest) are treated as
    zero (rtol defaults to eps * max(m, n) when neither is given).  ``hermitian``
    uses the eigendecomposition of a symmetric A (its lower triangle)."""
    if not isinstance(A, Tensor) or A.ndim < 2 or A.dtype.category != 2:
        desc = f"{_tname(A)}{{{list(A.shape)}}}" if isinstance(A, Tensor) else type(A).__name__
        desc = desc.replace("[", "").replace("]", "").replace(", ", ",") if isinstance(A, Tensor) else desc
        raise RuntimeError(f"linalg.pinv({desc}): expected a tensor with 2 or more dimensions of float, double, "
                           f"cfloat or cdouble types")
    if hermitian and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.eigh: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    a_tol, r_tol = _tolerances(A, atol, rtol, "linalg.pinv")
    src = A
    if hermitian:
        src = A.tril() + A.tril(-1).mT          # eigh reads the lower triangle
    return apply(PV.Pinv, src, a_tol, r_tol, bool(hermitian))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The old ``torch.pinverse``: ``pinv`` with rtol = rcond (and atol = 0)."""
    return pinv(input, atol=0.0, rtol=float(rcond))


def _svals(A: Tensor, hermitian: bool):
    xp_a = A.detach()._data
    from ..backend.device import array_module
    xp = array_module(xp_a)
    if hermitian:
        return xp.abs(xp.linalg.eigvalsh(xp_a))
    return xp.linalg.svd(xp_a, compute_uv=False)


def matrix_rank(A: Tensor, tol=None, hermitian: bool = False, *, atol=None, rtol=None, out=None) -> Tensor:
    """The number of singular values > max(atol, rtol * largest) (int64); ``tol`` is
    the older spelling of ``atol`` (with rtol 0)."""
    _float_matrix("linalg.matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0
    a_tol, r_tol = _tolerances(A, atol, rtol, "linalg.matrix_rank")
    from ..backend.device import array_module
    s = _svals(A, hermitian)
    xp = array_module(s)
    if s.shape[-1] == 0:
        return Tensor._make(xp.zeros(s.shape[:-1], dtype=xp.int64))
    big = xp.max(s, axis=-1, keepdims=True)
    tol_ = xp.maximum(a_tol, r_tol * big)
    return Tensor._make(xp.asarray(xp.sum(s > tol_, axis=-1)).astype(xp.int64))


# ---------------------------------------------------------------- least squares and condition numbers
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """(solution, residuals, rank, singular_values) of min ||A X - B||: the minimum-norm
    solution.  As PyTorch on the CPU (default driver 'gelsy'): ``rank`` for gelsy,
    gelsd and gelss, ``singular_values`` for gelsd and gelss, ``residuals`` (squared
    column norms of A X - B) for gels, gelsd and gelss when m > n and every A has
    full rank; empty otherwise."""
    _float_matrix("torch.linalg.lstsq", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_lstsq(): argument 'b' (position 2) must be Tensor, not {type(B).__name__}")
    if B.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {A.dtype} and other's dtype {B.dtype}")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.ndim == A.ndim - 1
    if not (A.ndim == B.ndim or vector):
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    Bm = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2], A.shape[-1]
    if Bm.shape[-2] != m:
        what = "other.shape[-1]" if vector else "other.shape[-2]"
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match {what}")
    rc = float(np.finfo(A._data.dtype).eps) * max(m, n) if rcond is None or rcond < 0 else float(rcond)
    X = matmul(pinv(A, atol=0.0, rtol=rc), Bm)
    s = _svals(A, False)
    from ..backend.device import array_module
    xp = array_module(s)
    big = xp.max(s, axis=-1, keepdims=True) if s.shape[-1] else s
    rank = xp.asarray(xp.sum(s > rc * big, axis=-1)).astype(xp.int64) if s.shape[-1] else \
        xp.zeros(s.shape[:-1], dtype=xp.int64)
    empty = Tensor._make(xp.zeros((0,), dtype=A._data.dtype))
    rank_t = Tensor._make(rank) if driver != "gels" else Tensor._make(xp.zeros((0,), dtype=xp.int64))
    sv = Tensor._make(s.astype(A._data.dtype)) if driver in ("gelsd", "gelss") else empty
    residuals = X.reshape(-1)[:0]                  # empty, but in the graph (PyTorch's requires grad too)
    if m > n and driver != "gelsy" and (driver == "gels" or bool((rank == n).all())):
        r = matmul(A, X) - Bm
        residuals = (r * r).sum(-2)                # (..., k): kept 2-D-like for a vector B, as PyTorch
    if vector:
        X = X.squeeze(-1)
    return return_types.linalg_lstsq((X, residuals, rank_t, sv))


def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """The condition number in norm ``p``: None/2 (largest / smallest singular value),
    -2 (the reverse), or 'fro', 'nuc', inf, -inf, 1, -1 (norm(A) * norm(A^-1), square
    A only; inf for a singular A)."""
    from .. import linalg as LA
    _float_matrix("linalg.cond", A)
    if p in (None, 2, -2):
        s = LA.svdvals(A)
        if s.shape[-1] == 0:
            return s.sum(-1)
        hi, lo = s[..., 0], s[..., -1]
        return hi / lo if p != -2 else lo / hi
    if p not in ("fro", "nuc", _INF, -_INF, 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    from ..backend.device import array_module
    xp = array_module(A._data)
    det = xp.linalg.det(A.detach()._data)
    singular = det == 0
    safe = A
    if bool(singular.any()):
        eye = Tensor._make(xp.broadcast_to(xp.eye(A.shape[-1], dtype=A._data.dtype), A.shape))
        safe = eye.where(Tensor._make(singular[..., None, None]), A)
    r = LA.matrix_norm(A, p) * LA.matrix_norm(LA.inv(safe), p)
    if bool(singular.any()):
        r = r.masked_fill(Tensor._make(singular), _INF)
    return r


# ---------------------------------------------------------------- triangular and Cholesky solves
def _pair_checks(op: str, A: Tensor, B: Tensor, a_name: str, b_name: str) -> None:
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{op}: Expected {a_name} and {b_name} to have the same dtype, but found {a_name} of "
                           f"type {_tname(A)} and {b_name} of type {_tname(B)} instead.")


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out=None) -> Tensor:
    """X with A X = B (``left``) or X A = B, reading only A's upper or lower triangle
    (its diagonal taken as ones when ``unitriangular``); batch axes broadcast."""
    _float_matrix("linalg.solve_triangular", A, square=True)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_solve_triangular(): argument 'B' must be Tensor, not {type(B).__name__}")
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if A.dtype is not B.dtype:                     # PyTorch computes in A's dtype here
        B = B.to(A.dtype)
    n = A.shape[-1]
    k = B.shape[-2] if left else B.shape[-1]
    if k != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation {eq} "
                           f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    from .linalg import _batch_shape
    _batch_shape("linalg.solve_triangular", tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    return apply(TR.SolveTriangular, A, B, bool(upper), bool(left), bool(unitriangular))


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with A X = B for A = L L^T (``upper``: A = U^T U), given B = ``input`` and the
    Cholesky factor ``input2``; batch axes broadcast."""
    B, L = input, input2
    for name, t in (("input", B), ("input2", L)):
        if not isinstance(t, Tensor):
            raise TypeError(f"cholesky_solve(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions instead")
    _pair_checks("cholesky_solve", B, L, "b", "A")
    if L.shape[-1] != L.shape[-2] or L.shape[-1] != B.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {L.shape[-2]} by "
                           f"{L.shape[-1]} but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    if B.dtype.category != 2:
        raise NotImplementedError(f"\"cholesky_solve_cpu\" not implemented for '{_tname(B)}'")
    return apply(TR.CholeskySolve, B, L, bool(upper))


def cholesky_inverse(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """(L L^T)^-1 (``upper``: (U^T U)^-1) from a Cholesky factor."""
    L = _float_matrix("cholesky_inverse", input, "A", square=True)
    return apply(TR.CholeskyInverse, L, bool(upper))


# ---------------------------------------------------------------- powers
def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n for square (batches of) matrices: n = 0 the identity, n < 0 powers of the
    inverse; by repeated squaring in PyTorch's order (so values match)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_matrix_power(): argument 'A' must be Tensor, not {type(A).__name__}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"linalg_matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    n = int(n)
    if n == 0:
        from .factory import eye
        # the identity written over a copy of A: part of the graph, with a zero gradient (PyTorch's way)
        return A.clone().copy_(eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(*A.shape))
    if n < 0:
        from .. import linalg as LA
        A = LA.inv(A)
        n = -n
    if n == 1:
        return A.clone()
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = A if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


for _fn in (pinverse, cholesky_solve, cholesky_inverse, matrix_power):
    setattr(Tensor, _fn.__name__, _fn)
