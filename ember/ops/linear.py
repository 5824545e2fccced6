"""``F.linear`` as one fused primitive: y = x W^T + b over the last axis of x.

PyTorch records a 2-D linear with bias as ``addmm(b, x, W.t())`` (AddmmBackward0);
doing the same here in one node saves the transpose and add nodes of a composed
version, and folds any leading batch axes into a single GEMM.  The subclasses only
carry the grad_fn names PyTorch shows for the other shapes (Mm without bias, View /
UnsafeView for N-D inputs, Squeeze for a 1-D input without bias).
"""
from __future__ import annotations

from ..backend.blas import matmul
from .base import Primitive, array_module
from .linalg import blas_ready

__all__ = ["Linear", "LinearMm", "LinearView", "LinearUnsafeView", "LinearSqueeze"]


class Linear(Primitive):
    """x (..., in), W (out, in), b (out,) or None -> (..., out)."""
    name = "Addmm"

    @staticmethod
    def forward(ctx, x, w, b):
        n_in = w.shape[1]
        x2 = blas_ready(x.reshape((-1, n_in)))
        y = matmul(x2, blas_ready(w).T)  # OpenBLAS on one thread, rows over ember's (backend/blas.py)
        if b is not None:
            y += b
        ctx.save(x, w)
        return y.reshape(tuple(x.shape[:-1]) + (w.shape[0],))

    @staticmethod
    def backward(ctx, g):
        # y = x W^T + b:  dx = g W ; dW = g^T x (summed over all rows) ; db = sum of g's rows
        x, w = ctx.saved
        xp = array_module(g)
        g2 = g.reshape((-1, w.shape[0]))
        need = ctx.needs_input_grad
        gx = matmul(g2, w).reshape(tuple(x.shape)) if need[0] else None
        gw = matmul(g2.T, blas_ready(x.reshape((-1, w.shape[1])))) if need[1] else None
        gb = xp.sum(g2, axis=0) if need[2] else None
        return gx, gw, gb


class LinearMm(Linear):
    name = "Mm"


class LinearView(Linear):
    name = "View"


class LinearUnsafeView(Linear):
    name = "UnsafeView"


class LinearSqueeze(Linear):
    name = "Squeeze"
    version = 4
