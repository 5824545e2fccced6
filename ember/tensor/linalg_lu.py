"""LU-based ``torch.linalg`` functions: ``lu_factor`` / ``lu_factor_ex``, ``lu``,
``lu_solve``, and the error-reporting forms ``inv_ex``, ``solve_ex`` and
``cholesky_ex`` (which return an ``info`` code instead of raising).

The factorization and its backward are ``ember.ops.lu.LuFactor``; ``lu`` unpacks it
with differentiable ops and ``lu_solve`` is two triangular solves on the packed
factor (``ops.triangular.SolveTriangular``), so every gradient is the exact
derivative, as PyTorch's formulas are."""
from __future__ import annotations

from .. import return_types
from ..backend.device import array_module
from ..ops import lu as LU_
from ..ops import triangular as TR
from ..ops.linalg import Cholesky, LinAlgError
from ..ops.reduce import quiet
from .linalg import _tname, check_matrix, matmul
from .tensor import Tensor
from .wrap import apply

__all__: list = []


_matrix = check_matrix


def _float(op: str, A: Tensor, kernel: str) -> None:
    if A.dtype.category != 2:
        if A.dtype.category == 1 or A.dtype.name == "bool":
            # PyTorch's "kernel not implemented for dtype" error (NotImplementedError, a RuntimeError)
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{_tname(A)}'")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """(LU, pivots, info): P A = L U packed as LAPACK does (L's strict lower part and
    U), 1-based row swaps (int32) and info > 0 at the first zero pivot."""
    _matrix("torch.linalg.lu_factor_ex", A)
    _float("torch.linalg.lu_factor_ex", A, "lu_cpu")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    lu, piv, info = apply(LU_.LuFactor, A)
    if check_errors:
        _raise_lu(info, "torch.linalg.lu_factor_ex")
    return return_types.linalg_lu_factor_ex((lu, piv, info))


def _raise_lu(info: Tensor, op: str) -> None:
    bad = info._data.reshape(-1)
    if bad.size and int(bad.max()) > 0:
        k = int((bad > 0).argmax())
        where = f"(Batch element {k}): " if info.ndim else ""
        i = int(bad[k])
        raise RuntimeError(f"{op}: {where}U[{i},{i}] is zero and using it on lu_solve would result in a division by "
                           f"zero. If you still want to perform the factorization, consider calling linalg.lu(A, "
                           f"pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """(LU, pivots); raises when a pivot is zero (use ``lu_factor_ex`` or ``lu`` then)."""
    lu, piv, info = lu_factor_ex(A, pivot=pivot)
    _raise_lu(info, "torch.linalg.lu_factor")
    return return_types.linalg_lu_factor((lu, piv))


def _unpack(lu: Tensor, piv: Tensor):
    m, n = lu.shape[-2], lu.shape[-1]
    k = min(m, n)
    P = Tensor._make(LU_.permutation(piv._data, m, lu._data.dtype))
    from .factory import eye
    L = lu[..., :, :k].tril(-1) + eye(m, k, dtype=lu.dtype, device=lu.device)
    U = lu[..., :k, :].triu()
    return P, L, U


def lu(A: Tensor, *, pivot: bool = True, out=None):
    """(P, L, U) with A = P L U: P a permutation, L (m, k) unit lower triangular, U
    (k, n) upper triangular, k = min(m, n)."""
    _matrix("torch.linalg.lu", A)
    lu_, piv, _ = lu_factor_ex(A, pivot=pivot)
    return return_types.linalg_lu(_unpack(lu_, piv))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False, out=None):
    """X with A X = B (``left=False``: X A = B; ``adjoint``: A^T in place of A) from
    ``lu_factor``'s (LU, pivots)."""
    _matrix("linalg.lu_solve", LU, "LU", square=True)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_lu_solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    if B.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if LU.dtype is not B.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                           f"{_tname(LU)} and B of type {_tname(B)} instead.")
    P = Tensor._make(LU_.permutation(pivots._data, n, LU._data.dtype))

    def ts(a, b, upper, on_left, unit=False):
        return apply(TR.SolveTriangular, a, b, upper, on_left, unit)
    if left and not adjoint:          # P L U X = B
        return ts(LU, ts(LU, matmul(P.mT, B), False, True, True), True, True)
    if left:                          # U^T L^T P^T X = B
        return matmul(P, ts(LU.mT, ts(LU.mT, B, False, True), True, True, True))
    if not adjoint:                   # X P L U = B
        return matmul(ts(LU, ts(LU, B, True, False), False, False, True), P.mT)
    return ts(LU.mT, ts(LU.mT, matmul(B, P), True, False, True), False, False)   # X U^T L^T P^T = B


# ---------------------------------------------------------------- the _ex forms
def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """(inverse, info): info > 0 (the first zero pivot) for a singular matrix, whose
    'inverse' then holds infinities / NaNs instead of raising."""
    from .. import linalg as LA
    _matrix("linalg.inv_ex", A, square=True)
    LA._float_check("linalg.inv_ex", A)
    info = Tensor._make(LU_.lu_factor_array(A.detach()._data)[2])
    if not info._data.size or int(info._data.max()) == 0:
        return return_types.linalg_inv_ex((LA.inv(A), info))
    if check_errors:
        i = int(info._data.reshape(-1).max())
        raise LinAlgError(f"linalg.inv_ex: The diagonal element {i} is zero, the inversion could not be completed "
                          f"because the input matrix is singular.")
    from .factory import eye
    lu_, piv, _ = lu_factor_ex(A)
    with quiet(array_module(A._data)):
        inv = lu_solve(lu_, piv, eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(*A.shape))
    return return_types.linalg_inv_ex((inv, info))


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """(result, info) of ``linalg.solve``: info > 0 for a singular A (the result then
    holds infinities / NaNs) instead of raising."""
    from .. import linalg as LA
    _matrix("linalg.solve_ex", A, square=True)
    LA._float_check("linalg.solve_ex", A)
    info = Tensor._make(LU_.lu_factor_array(A.detach()._data)[2])
    if not info._data.size or int(info._data.max()) == 0:
        return return_types.linalg_solve_ex((LA.solve(A, B, left=left), info))
    if check_errors:
        raise LinAlgError("torch.linalg.solve_ex: The solver failed because the input matrix is singular.")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = B.unsqueeze(-1) if vector else B
    lu_, piv, _ = lu_factor_ex(A)
    with quiet(array_module(A._data)):
        X = lu_solve(lu_, piv, Bm if left else Bm, left=left)
    return return_types.linalg_solve_ex((X.squeeze(-1) if vector else X, info))


def _cholesky_info(a):
    """(partial L, info) by the unblocked Cholesky: info is the order of the first
    leading minor that is not positive-definite (0 when all are)."""
    xp = array_module(a)
    n = a.shape[-1]
    lead = a.shape[:-2]
    w = xp.tril(a.reshape((-1, n, n))).copy()
    info = xp.zeros((w.shape[0],), dtype=xp.int32)
    with quiet(xp):
        for j in range(n):
            live = info == 0
            ajj = w[:, j, j] - xp.sum(w[:, j, :j] ** 2, axis=-1)
            bad = live & ~(ajj > 0)
            info = xp.where(bad, j + 1, info).astype(xp.int32)
            ok = live & ~bad
            w[:, j, j] = xp.where(live, xp.where(ok, xp.sqrt(xp.where(ok, ajj, 1.0)), ajj), w[:, j, j])
            below = (w[:, j + 1:, j] - xp.einsum("bik,bk->bi", w[:, j + 1:, :j], w[:, j, :j])) / \
                xp.where(ok, w[:, j, j], 1.0)[:, None]
            w[:, j + 1:, j] = xp.where(ok[:, None], below, w[:, j + 1:, j])
    return w.reshape(lead + (n, n)), info.reshape(lead)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """(L, info): info is the order of the first leading minor that is not
    positive-definite (0 on success), instead of raising; L is then only partly
    computed (and carries no gradient)."""
    from .. import linalg as LA
    _matrix("linalg.cholesky_ex", A, square=True)
    LA._float_check("linalg.cholesky_ex", A)
    L_part, info = _cholesky_info(A.detach()._data)
    info_t = Tensor._make(info)
    if not info.size or int(info.max()) == 0:
        L = apply(Cholesky, A)
    else:
        if check_errors:
            k = int(info.reshape(-1).max())
            raise LinAlgError(f"linalg.cholesky_ex: The factorization could not be completed because the input is "
                              f"not positive-definite (the leading minor of order {k} is not positive-definite).")
        L = Tensor._make(L_part.astype(A._data.dtype))
    return return_types.linalg_cholesky_ex((L.mT if upper else L, info_t))
