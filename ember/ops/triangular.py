"""Solves with triangular factors, with PyTorch's backward formulas:

* ``SolveTriangular``: X with A X = B (``left``) or X A = B, A upper or lower
  triangular (only that triangle read; ``unitriangular``: its diagonal taken as 1);
* ``CholeskySolve``: X with (L L^T) X = B (or U^T U) from a Cholesky factor;
* ``CholeskyInverse``: (L L^T)^-1 from a Cholesky factor.

The forwards solve by substitution with the triangle itself (NumPy has no
triangular solver); batch axes broadcast; a zero diagonal gives inf / NaN, as BLAS's
trsm (PyTorch raises no error either).  Backward formulas
use only ``xp`` matmul / solve / tril / triu, so they run on tensors too.
"""
from __future__ import annotations

import numpy as np

from .base import Primitive, array_module, unbroadcast
from .reduce import quiet

__all__ = ["SolveTriangular", "CholeskySolve", "CholeskyInverse", "triangle"]


def _mT(x):
    return array_module(x).swapaxes(x, -1, -2)


def triangle(xp, a, upper: bool, unit: bool = False):
    """The triangle of ``a`` that a triangular solve reads (unit diagonal when ``unit``)."""
    t = xp.triu(a) if upper else xp.tril(a)
    if unit:
        n = a.shape[-1]
        eye = xp.eye(n, dtype=a.dtype)
        t = t * (1 - eye) + eye
    return t


def _broadcast(xp, a, b):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])   # CuPy does not broadcast batch dims
    return xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:])


def _substitute(xp, t, b, upper: bool):
    """T^-1 B for triangular (batches of) T by forward / back substitution, batch axes
    broadcast; a zero on the diagonal gives inf / nan, as BLAS trsm does (no error)."""
    t, b = _broadcast(xp, t, b)
    n = t.shape[-1]
    x = xp.zeros(b.shape, dtype=xp.result_type(t.dtype, b.dtype))
    order = range(n - 1, -1, -1) if upper else range(n)
    for i in order:
        rest = slice(i + 1, n) if upper else slice(0, i)
        acc = b[..., i, :] - xp.einsum("...k,...kj->...j", t[..., i, rest], x[..., rest, :])
        x[..., i, :] = acc / t[..., i, i:i + 1]
    return x


def tri_solve(xp, a, b, upper: bool, left: bool, unit: bool):
    """X with tri(A) X = B (left) or X tri(A) = B."""
    t = triangle(xp, a, upper, unit)
    with quiet(xp):
        if left:
            return _substitute(xp, t, b, upper)
        return _mT(_substitute(xp, _mT(t), _mT(b), not upper))


class SolveTriangular(Primitive):
    name = "LinalgSolveTriangular"

    @staticmethod
    def forward(ctx, a, b, upper, left, unit):
        xp = array_module(a)
        x = tri_solve(xp, a, b, upper, left, unit)
        ctx.save(a, x)
        ctx.args, ctx.shapes = (upper, left, unit), (a.shape, b.shape)
        return x

    @staticmethod
    def backward(ctx, g):
        # left (X = A^-1 B):  gB = A^-T gX,  gA = -gB X^T
        # right (X = B A^-1): gB = gX A^-T,  gA = -X^T gB
        # gA keeps only the triangle read (without the diagonal when unitriangular)
        a, x = ctx.saved
        upper, left, unit = ctx.args
        xp = array_module(g)
        at = _mT(triangle(xp, a, upper, unit))
        gb = xp.linalg.solve(at, g) if left else _mT(xp.linalg.solve(_mT(at), _mT(g)))
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -xp.matmul(gb, _mT(x)) if left else -xp.matmul(_mT(x), gb)
            ga = xp.triu(ga, 1 if unit else 0) if upper else xp.tril(ga, -1 if unit else 0)
            ga = unbroadcast(ga, ctx.shapes[0])
        return ga, unbroadcast(gb, ctx.shapes[1]), None, None, None


def _chol_solve(xp, b, l, upper: bool):
    """(L L^T)^-1 B (or (U^T U)^-1 B) by two triangular solves."""
    if upper:
        return tri_solve(xp, l, tri_solve(xp, _mT(l), b, False, True, False), True, True, False)
    return tri_solve(xp, _mT(l), tri_solve(xp, l, b, False, True, False), True, True, False)


class CholeskySolve(Primitive):
    name = "CholeskySolve"

    @staticmethod
    def forward(ctx, b, l, upper):
        xp = array_module(b)
        x = _chol_solve(xp, b, l, upper)
        ctx.save(l, x)
        ctx.upper, ctx.shapes = upper, (b.shape, l.shape)
        return x

    @staticmethod
    def backward(ctx, g):
        # PyTorch's cholesky_solve_backward: gB = A^-1 gX (A = L L^T),
        #   C = gB X^T + X gB^T,  gL = -C L  (lower)  or  -U C  (upper)
        l, x = ctx.saved
        xp = array_module(g)
        a = xp.matmul(_mT(l), l) if ctx.upper else xp.matmul(l, _mT(l))
        gb = xp.linalg.solve(a, g) if g.shape[-2] else g
        c = xp.matmul(gb, _mT(x))
        c = c + _mT(c)
        gl = -xp.matmul(l, c) if ctx.upper else -xp.matmul(c, l)
        return unbroadcast(gb, ctx.shapes[0]), unbroadcast(gl, ctx.shapes[1]), None


class CholeskyInverse(Primitive):
    name = "CholeskyInverse"

    @staticmethod
    def forward(ctx, l, upper):
        xp = array_module(l)
        eye = xp.broadcast_to(xp.eye(l.shape[-1], dtype=l.dtype), l.shape)
        inv = _chol_solve(xp, eye, l, upper)
        ctx.save(l, inv)
        ctx.upper = upper
        return inv

    @staticmethod
    def backward(ctx, g):
        # PyTorch's cholesky_inverse_backward: C = Inv (g + g^T) Inv,
        #   gL = -C L (lower)  or  -U C (upper)
        l, inv = ctx.saved
        xp = array_module(g)
        c = xp.matmul(inv, xp.matmul(g + _mT(g), inv))
        return (-xp.matmul(l, c) if ctx.upper else -xp.matmul(c, l)), None
