"""Matrix decompositions with PyTorch's backward formulas: the singular value
decomposition (``Svd``) and the QR decomposition (``Qr``), real inputs, batched over
leading axes.

The forwards are LAPACK through ``xp.linalg`` (gesdd for SVD, geqrf + orgqr for QR,
the routines PyTorch uses on the CPU too).  Backward formulas use only ``xp``
matmul / tril / solve / eye and operators, so they run on tensors as well
(``create_graph=True``).  Outputs that receive no gradient reach backward as None
(``ctx.materialize = False``), which lets backward take PyTorch's shortcuts: with
only S used, dA = U diag(gS) V^T, with no division by singular values.
"""
from __future__ import annotations

from .base import Primitive, array_module
from .linalg import LinAlgError

__all__ = ["Svd", "Qr"]


def _mT(x):
    return array_module(x).swapaxes(x, -1, -2)


def _nonfinite(op: str, a) -> LinAlgError:
    return LinAlgError(f"{op}: The algorithm failed to converge because the input matrix contained "
                       f"non-finite values.")


class Svd(Primitive):
    """A = U diag(S) Vh; ``full_matrices`` makes U (m, m) and Vh (n, n), otherwise
    (m, k) and (k, n) with k = min(m, n).  S is descending."""
    name = "LinalgSvd"

    @staticmethod
    def forward(ctx, a, full_matrices):
        xp = array_module(a)
        if not bool(xp.isfinite(a).all()):
            raise _nonfinite("linalg.svd", a)
        try:
            u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
        except Exception as e:
            if type(e).__name__ != "LinAlgError":
                raise
            raise LinAlgError(f"linalg.svd: The algorithm failed to converge ({e})") from None
        s = s.astype(a.dtype, copy=False)
        ctx.materialize = False
        ctx.save(u, s, vh)
        ctx.full = full_matrices
        return u, s, vh

    @staticmethod
    def backward(ctx, grads):
        # PyTorch's svd_backward (real case).  With k = min(m, n), U, Vh cut to k columns / rows
        # (full_matrices: the extra columns do not enter, as in PyTorch), E_ij = s_j^2 - s_i^2
        # (1 on the diagonal), skew(X) = X - X^T:
        #   J = (skew(U^T gU) diag(s) + diag(s) skew(Vh gVh^T)) / E + diag(gS)
        #   gA = U J Vh  +  (I - U U^T) gU diag(1/s) Vh      (m > n)
        #              +  U diag(1/s) gVh (I - Vh^T Vh)      (m < n)
        gu, gs, gvh = grads
        u, s, vh = ctx.saved
        xp = array_module(s if gs is None else gs)
        k = s.shape[-1]
        m, n = u.shape[-2], vh.shape[-1]
        if ctx.full:
            u, vh = u[..., :, :k], vh[..., :k, :]
            gu = None if gu is None else gu[..., :, :k]
            gvh = None if gvh is None else gvh[..., :k, :]
        if gu is None and gvh is None:
            if gs is None:
                return None, None
            # only the singular values were used: gA = U diag(gS) Vh
            return xp.matmul(u * gs[..., None, :], vh), None
        col, row = s[..., None, :], s[..., :, None]
        eye = xp.eye(k, dtype=s.dtype)
        e = (col * col - row * row) + eye
        j = 0
        if gu is not None:
            x = xp.matmul(_mT(u), gu)
            j = (x - _mT(x)) * col
        if gvh is not None:
            y = xp.matmul(vh, _mT(gvh))
            j = j + row * (y - _mT(y))
        j = j / e
        if gs is not None:
            j = j + gs[..., None, :] * eye
        if m > n and gu is not None:
            gus = gu / col                                     # gU diag(1/s)
            left = xp.matmul(u, j) + gus - xp.matmul(u, xp.matmul(_mT(u), gus))
            return xp.matmul(left, vh), None
        if m < n and gvh is not None:
            sgv = gvh / row                                    # diag(1/s) gVh
            right = xp.matmul(j, vh) + sgv - xp.matmul(xp.matmul(sgv, _mT(vh)), vh)
            return xp.matmul(u, right), None
        return xp.matmul(xp.matmul(u, j), vh), None


def _qr_square_backward(xp, gq, gr, q, r):
    """A = Q R with R square (m >= n, or the left m x m block when m < n):
    M = R gR^T - gQ^T Q,  gA = (gQ + Q copyltu(M)) R^-T,
    copyltu(M) = tril(M) + tril(M, -1)^T (the symmetric matrix of M's lower triangle)."""
    m_ = 0
    if gr is not None:
        m_ = xp.matmul(r, _mT(gr))
    if gq is not None:
        m_ = m_ - xp.matmul(_mT(gq), q)
    low = xp.tril(m_)
    b = xp.matmul(q, low + _mT(xp.tril(low, -1)))
    if gq is not None:
        b = b + gq
    # X = B R^-T  <=>  R X^T = B^T
    return _mT(xp.linalg.solve(r, _mT(b)))


class Qr(Primitive):
    """A = Q R with Q orthonormal columns and R upper triangular; ``mode`` is
    'reduced' (Q (m, k), R (k, n)), 'complete' (Q (m, m), R (m, n)) or 'r' (R only,
    Q empty)."""
    name = "LinalgQr"

    @staticmethod
    def forward(ctx, a, mode):
        xp = array_module(a)
        if mode == "r":
            r = xp.linalg.qr(a, mode="r").astype(a.dtype, copy=False)
            q = xp.zeros((0,), dtype=a.dtype)
        else:
            q, r = xp.linalg.qr(a, mode=mode)
        ctx.materialize = False
        ctx.save(q, r)
        ctx.mode = mode
        return q, r

    @staticmethod
    def backward(ctx, grads):
        # m >= n: the square formula above.  m < n: A = [X | Y] with X = Q U (U = R[:, :m]),
        # Y = Q V (V = R[:, m:]):  gY = Q gV, and X's gradient is the square formula with
        # gQ + Y gV^T in place of gQ (Y's dependence on Q).
        gq, gr = grads
        q, r = ctx.saved
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                               "through linalg.qr.")
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if gq is None and gr is None:
            return None, None
        xp = array_module(gq if gr is None else gr)
        if m >= n:
            return _qr_square_backward(xp, gq, gr, q, r), None
        x_r, v_r = r[..., :, :m], r[..., :, m:]
        gx_r = None if gr is None else gr[..., :, :m]
        y = xp.matmul(q, v_r)
        if gr is not None:
            gv = gr[..., :, m:]
            extra = xp.matmul(y, _mT(gv))
            gq = extra if gq is None else gq + extra
            gy = xp.matmul(q, gv)
        else:
            gy = xp.zeros_like(y)
        gx = _qr_square_backward(xp, gq, gx_r, q, x_r)
        return xp.concatenate([gx, gy], axis=-1), None
