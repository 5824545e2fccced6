"""Pairwise distances between two sets of row vectors: ``torch.cdist``'s primitive.

x1 (..., P, M) and x2 (..., R, M) with equal batch axes (the wrapper expands them)
give (..., P, R) p-norm distances.  Two forwards, as in PyTorch:

* direct: d_ij = ||x1_i - x2_j||_p over the (..., P, R, M) differences;
* matrix product (p = 2 only, PyTorch's ``_euclidean_dist``):
  d_ij = sqrt(max(|x1_i|^2 + |x2_j|^2 - 2 x1_i . x2_j, 0)), cheaper for many points,
  and the values PyTorch gives for p = 2 with more than 25 rows.

Backward formulas use only operators and ``xp`` functions, so they run on tensors
too (``create_graph=True``).
"""
from __future__ import annotations

from .base import Primitive, array_module
from .reduce import quiet

__all__ = ["Cdist", "EuclideanDist"]

_INF = float("inf")


def _diffs(x1, x2):
    """(..., P, R, M): x1_i - x2_j for every pair."""
    return x1[..., :, None, :] - x2[..., None, :, :]


class Cdist(Primitive):
    """d_ij = ||x1_i - x2_j||_p; ``use_mm`` selects the matrix-product forward (p = 2)."""
    name = "Cdist"

    @staticmethod
    def forward(ctx, x1, x2, p, use_mm):
        xp = array_module(x1)
        ctx.p, ctx.use_mm = p, use_mm
        if use_mm:
            n1 = xp.sum(x1 * x1, axis=-1)[..., :, None]
            n2 = xp.sum(x2 * x2, axis=-1)[..., None, :]
            sq = n1 + n2 - 2.0 * xp.matmul(x1, xp.swapaxes(x2, -1, -2))
            d = xp.sqrt(xp.maximum(sq, 0.0)).astype(x1.dtype, copy=False)
        else:
            a = xp.abs(_diffs(x1, x2))
            if p == 0:
                d = xp.sum(a != 0, axis=-1).astype(x1.dtype)
            elif p == 1:
                d = xp.sum(a, axis=-1)
            elif p == 2:
                d = xp.sqrt(xp.sum(a * a, axis=-1))
            elif p == _INF:
                d = xp.max(a, axis=-1, initial=0.0) if a.shape[-1] == 0 else xp.max(a, axis=-1)
            else:
                d = xp.sum(a ** p, axis=-1) ** (1.0 / p)
            d = d.astype(x1.dtype, copy=False)
        ctx.save(x1, x2, d)
        return d

    @staticmethod
    def backward(ctx, g):
        x1, x2, d = ctx.saved
        xp = array_module(g)
        p = ctx.p
        if ctx.use_mm:
            # PyTorch's _euclidean_dist_backward: r = g / d (0 where d = 0),
            #   gx1 = x1 * sum_j r_ij - r x2,   gx2 = x2 * sum_i r_ij - r^T x1
            r = xp.where(d == 0, 0.0, g / xp.where(d == 0, 1.0, d))
            g1 = x1 * xp.sum(r, axis=-1)[..., None] - xp.matmul(r, x2)
            g2 = x2 * xp.sum(r, axis=-2)[..., None] - xp.matmul(xp.swapaxes(r, -1, -2), x1)
            return g1, g2, None, None
        if p == 0:
            # the count of non-zero differences is piecewise constant: zero gradient
            return xp.zeros_like(x1), xp.zeros_like(x2), None, None
        diff = _diffs(x1, x2)
        gd, dd = g[..., None], d[..., None]
        with quiet(xp):   # 0 ** negative where a coordinate difference is 0: masked below
            gdiff = _grad_diffs(xp, diff, gd, dd, p)
        return xp.sum(gdiff, axis=-2), -xp.sum(gdiff, axis=-3), None, None


def _grad_diffs(xp, diff, gd, dd, p):
    """dL/d(x1_i - x2_j) for the direct forward."""
    if p == 1:
        # d|t|/dt = sign(t)
        return xp.sign(diff) * gd
    if p == _INF:
        # only the coordinates reaching the maximum: sign(t) [|t| = d]
        return xp.where(xp.abs(diff) == dd, xp.sign(diff) * gd, 0.0)
    # d ||t||_p / dt = sign(t) |t|^(p-1) / d^(p-1); 0 where d = 0
    # (and, for p < 1, where t = 0, as PyTorch's _cdist_backward)
    safe = xp.where(dd == 0, 1.0, dd)
    if p == 2:
        gdiff = diff * (gd / safe)
    else:
        gdiff = xp.sign(diff) * xp.abs(diff) ** (p - 1) * (gd / safe ** (p - 1))
    dead = dd == 0
    if p < 1:
        dead = dead | (diff == 0)
    return xp.where(dead, 0.0, gdiff)


class EuclideanDist(Cdist):
    """The matrix-product forward (p = 2): PyTorch's ``_euclidean_dist`` node."""
    name = "EuclideanDist"
