"""The Moore-Penrose pseudo-inverse (``linalg.pinv``) with PyTorch's backward.

Forward through the SVD (or, ``hermitian``, the symmetric eigendecomposition):
singular values <= max(atol, rtol * largest) count as zero.  The backward is
PyTorch's ``pinv_backward``, valid where the rank is locally constant."""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["Pinv"]


def _mT(x):
    return array_module(x).swapaxes(x, -1, -2)


class Pinv(Primitive):
    name = "LinalgPinv"

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp = array_module(a)
        m, n = a.shape[-2], a.shape[-1]
        if a.size == 0:
            p = xp.zeros(a.shape[:-2] + (n, m), dtype=a.dtype)
            ctx.save(a, p)
            return p
        if hermitian:
            s, u = xp.linalg.eigh(a)
            big = xp.max(xp.abs(s), axis=-1, keepdims=True)
            vh = None
        else:
            u, s, vh = xp.linalg.svd(a, full_matrices=False)
            big = s[..., :1]
        tol = xp.maximum(atol, rtol * big)
        keep = (xp.abs(s) > tol) if hermitian else (s > tol)
        sinv = xp.where(keep, 1.0 / xp.where(keep, s, 1.0), 0.0).astype(a.dtype)
        if hermitian:
            p = xp.matmul(u * sinv[..., None, :], _mT(u))
        else:
            p = xp.matmul(_mT(vh) * sinv[..., None, :], _mT(u))
        p = p.astype(a.dtype, copy=False)
        ctx.save(a, p)
        return p

    @staticmethod
    def backward(ctx, g):
        # PyTorch's pinv_backward (real case), P = pinv(A), A of shape (m, n):
        #  m <= n: K = g^T P;  gA = -(P K)^T + K P^T - (A P) K P^T + (P^T P)(g^T - K A)
        #  m >  n: K = P g^T;  gA = -(K P)^T + (g^T - A K) P P^T + P^T K - P^T K P A
        a, p = ctx.saved
        xp = array_module(g)
        m, n = a.shape[-2], a.shape[-1]
        pt, gt = _mT(p), _mT(g)
        if m <= n:
            k = xp.matmul(gt, p)
            kpt = xp.matmul(k, pt)
            return (-_mT(xp.matmul(p, k)) + kpt - xp.matmul(xp.matmul(a, p), kpt)
                    + xp.matmul(xp.matmul(pt, p), gt - xp.matmul(k, a))), None, None, None
        k = xp.matmul(p, gt)
        ptk = xp.matmul(pt, k)
        return (-_mT(xp.matmul(k, p)) + xp.matmul(xp.matmul(gt - xp.matmul(a, k), p), pt) + ptk
                - xp.matmul(xp.matmul(ptk, p), a)), None, None, None
