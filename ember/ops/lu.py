"""The LU factorization with partial pivoting (``linalg.lu_factor``), batched, for
square and rectangular matrices, with PyTorch's backward (``linalg_lu_backward``).

NumPy has no LU, so the forward is LAPACK's unblocked getf2 on whole batches: for
each column the first row of largest magnitude is the pivot (pivots are 1-based row
swaps, LAPACK's ``ipiv``), the rows below are scaled and the trailing block updated.
A zero pivot is skipped and reported in ``info`` (its 1-based column), as LAPACK.
P A = L U is kept as LAPACK packs it: L's strict lower part and U in one matrix.
"""
from __future__ import annotations

from .base import Primitive, array_module
from .triangular import SolveTriangular
from .shape import run

__all__ = ["LuFactor", "lu_factor_array", "permutation"]


def _mT(x):
    return array_module(x).swapaxes(x, -1, -2)


def lu_factor_array(a):
    """(LU, pivots int32 1-based, info int32) of a (..., m, n) float array."""
    xp = array_module(a)
    lead, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    lu = a.reshape((-1, m, n)).copy()
    nb = lu.shape[0]
    piv = xp.zeros((nb, k), dtype=xp.int32)
    info = xp.zeros((nb,), dtype=xp.int32)
    rows = xp.arange(nb)
    for j in range(k):
        p = xp.argmax(xp.abs(lu[:, j:, j]), axis=1) + j
        piv[:, j] = (p + 1).astype(xp.int32)
        top, other = lu[rows, j].copy(), lu[rows, p].copy()
        lu[rows, j], lu[rows, p] = other, top
        pv = lu[:, j, j]
        zero = pv == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(xp.int32)
        scale = xp.where(zero, 1.0, pv).astype(lu.dtype)
        lu[:, j + 1:, j] = xp.where(zero[:, None], lu[:, j + 1:, j], lu[:, j + 1:, j] / scale[:, None])
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(lead + (m, n)), piv.reshape(lead + (k,)), info.reshape(lead)


def permutation(piv, m: int, dtype):
    """P (..., m, m) with A = P L U, from LAPACK's 1-based row swaps ``piv``."""
    xp = array_module(piv)
    lead, k = piv.shape[:-1], piv.shape[-1]
    flat = piv.reshape((-1, k)).astype(xp.int64) - 1
    nb = flat.shape[0]
    perm = xp.broadcast_to(xp.arange(m), (nb, m)).copy()
    rows = xp.arange(nb)
    for i in range(k):
        j = flat[:, i]
        a, b = perm[rows, i].copy(), perm[rows, j].copy()
        perm[rows, i], perm[rows, j] = b, a
    # row r of P^T A is row perm[r] of A, so P[perm[r], r] = 1
    p = xp.zeros((nb, m, m), dtype=dtype)
    cols = xp.broadcast_to(xp.arange(m), (nb, m))
    p[rows[:, None], perm, cols] = 1
    return p.reshape(lead + (m, m))


def unpack(lu, k: int):
    """(L (..., m, k) unit lower, U (..., k, n) upper) from the packed factor."""
    xp = array_module(lu)
    m, n = lu.shape[-2], lu.shape[-1]
    eye = xp.eye(m, k, dtype=lu.dtype)
    L = xp.tril(lu[..., :, :k], -1) + eye
    U = xp.triu(lu[..., :k, :])
    return L, U


def lu_backward(xp, gL, gU, P, L, U):
    """PyTorch's linalg_lu_backward (real case) for A = P L U; gL / gU may be None."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)

    def tsolve(a, b, upper, left, unit=False):
        return run(SolveTriangular, a, b, upper, left, unit)
    if m == n:
        # gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T
        g = 0
        if gL is not None:
            g = xp.tril(xp.matmul(_mT(L), gL), -1)
        if gU is not None:
            g = g + xp.triu(xp.matmul(gU, _mT(U)))
        g = tsolve(_mT(U), g, False, False)
        g = tsolve(_mT(L), g, True, True, True)
        return xp.matmul(P, g)
    if m < n:
        # wide: U = [U1 | U2]; gA1 = P L^-T [triu(gU1) + tril(L^T gL - gU U^T, -1) U1^-T], gA2 = P L^-T gU2
        U1 = U[..., :, :k]
        g = 0
        if gL is not None:
            g = xp.matmul(_mT(L), gL)
        if gU is not None:
            g = g - xp.matmul(xp.triu(gU), _mT(U))
        g = tsolve(_mT(U1), xp.tril(g, -1), False, False)
        if gU is not None:
            g = xp.concatenate([g + xp.triu(gU[..., :, :k]), gU[..., :, k:]], axis=-1)
        g = tsolve(_mT(L), g, True, True, True)
        if gU is None:
            g = xp.concatenate([g, xp.zeros_like(U[..., :, k:])], axis=-1)
        return xp.matmul(P, g)
    # tall: L = [L1; L2]; gA1 = P [tril(gL1, -1) + L1^-T triu(gU U^T - L^T tril(gL, -1))] U^-T,
    # gA2 = P gL2 U^-T
    L1 = L[..., :k, :]
    g = 0
    if gU is not None:
        g = xp.matmul(gU, _mT(U))
    if gL is not None:
        g = g - xp.matmul(_mT(L), xp.tril(gL, -1))
    g = tsolve(_mT(L1), xp.triu(g), True, True, True)
    if gL is not None:
        g = xp.concatenate([g + xp.tril(gL[..., :k, :], -1), gL[..., k:, :]], axis=-2)
    g = tsolve(_mT(U), g, False, False)
    if gL is None:
        g = xp.concatenate([g, xp.zeros_like(L[..., k:, :])], axis=-2)
    return xp.matmul(P, g)


class LuFactor(Primitive):
    """(LU, pivots, info); only LU is differentiable."""
    name = "LinalgLuFactorEx"

    @staticmethod
    def forward(ctx, a):
        lu, piv, info = lu_factor_array(a)
        m, n = a.shape[-2], a.shape[-1]
        L, U = unpack(lu, min(m, n))
        ctx.save(permutation(piv, m, a.dtype), L, U)
        ctx.materialize = False
        return lu, piv, info

    @staticmethod
    def backward(ctx, grads):
        # PyTorch's lu_factor_ex_backward: the packed gradient split into L's columns and
        # U's rows (the triangle masks inside lu_backward keep the right parts)
        g = grads[0]
        if g is None:
            return None
        P, L, U = ctx.saved
        xp = array_module(g)
        k = min(L.shape[-2], U.shape[-1])
        return lu_backward(xp, g[..., :, :k], g[..., :k, :], P, L, U)
