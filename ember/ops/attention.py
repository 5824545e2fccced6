"""Scaled dot-product attention as one fused primitive.

    s = (q @ k^T) * scale + mask        (..., L, S)
    p = softmax(s, -1)                  (rows of all -inf give 0 when ``safe``)
    a = p * keep                        (dropout: keep is 0 or 1/(1-p_drop), or absent)
    y = a @ v                           (..., L, Ev)

One node instead of the seven of a composed version (matmul, mul, add, softmax,
dropout, matmul and their views): the score matrix is made once and turned into
probabilities in place, and backward needs only ``p`` (plus q, k, v):

    dv = a^T @ g
    da = g @ v^T  (+ the gradient of the returned weights ``a``, when they are returned)
    dp = da * keep
    ds = p * (dp - sum(dp * p, -1))     (softmax backward)
    dq = scale * ds @ k ;  dk = scale * ds^T @ q ;  dmask = ds

Batch axes broadcast as in ``matmul`` (the gradients are summed back with
``unbroadcast``); the caller has already checked shapes and dtypes.  On NumPy
arrays the softmax and its backward run in place; when backward is itself being
differentiated (``create_graph``: ember tensors arrive) the same formulas run out
of place so they can be recorded.
"""
from __future__ import annotations

from .base import Primitive, array_module, unbroadcast
from .linalg import blas_ready

__all__ = ["ScaledDotProductAttention"]


def _mT(x):
    return array_module(x).swapaxes(x, -1, -2)


def _tensor_mode(xp) -> bool:
    return getattr(xp, "apply_op", None) is not None


def _softmax_rows_(xp, s, safe: bool):
    """softmax over the last axis of ``s``, in place.  ``safe``: a row whose entries are
    all -inf becomes 0 (PyTorch's ``_safe_softmax`` in SDPA) instead of nan."""
    if s.size == 0:
        return s
    if s.shape[-1] == 0:  # no keys: softmax over nothing (the output is all zeros)
        return s
    m = xp.max(s, axis=-1, keepdims=True)
    if safe:
        m[~xp.isfinite(m)] = 0.0
    s -= m
    xp.exp(s, out=s)
    d = xp.sum(s, axis=-1, keepdims=True)
    if safe:
        d[d == 0] = 1.0
    s /= d
    return s


def _probs(xp, q, k, mask, scale, p_saved):
    """softmax(q k^T * scale + mask) recomputed from tensors, so that a backward run
    with create_graph is itself differentiable in q, k and the mask.  Rows that
    forward found fully masked (all-zero in ``p_saved``) stay 0 without a nan."""
    s = xp.matmul(q, _mT(k)) * scale
    if mask is not None:
        s = s + mask
    valid = xp.sum(p_saved, axis=-1, keepdims=True) > 0
    s = xp.where(valid, s, 0.0)
    e = xp.exp(s - xp.amax(s, axis=-1, keepdims=True).detach())
    return xp.where(valid, e / xp.sum(e, axis=-1, keepdims=True), 0.0)


class ScaledDotProductAttention(Primitive):
    """q (..., L, E), k (..., S, E), v (..., S, Ev), mask (broadcastable to (..., L, S),
    additive, or None) -> y (..., L, Ev), and also the weights ``a`` when ``weights``."""
    name = "ScaledDotProductAttention"

    @staticmethod
    def forward(ctx, q, k, v, mask, scale, keep, safe, weights):
        xp = array_module(q)
        qb, kb, vb = blas_ready(q), blas_ready(k), blas_ready(v)
        s = xp.matmul(qb, _mT(kb))
        s *= scale
        if mask is not None:
            if xp.broadcast_shapes(s.shape, mask.shape) == s.shape:
                s += mask
            else:  # value's batch axes are wider than query's and key's: the scores widen
                s = s + mask
        with _quiet(xp):
            p = _softmax_rows_(xp, s, safe)
        a = p if keep is None else p * keep
        y = xp.matmul(a, vb)
        # the inputs themselves (create_graph rebuilds p from them) and their BLAS-ready copies
        ctx.save(q, k, v, mask, qb, kb, vb, p)
        ctx.opts = (scale, keep, None if mask is None else mask.shape, weights)
        if weights:
            return y, a
        return y

    @staticmethod
    def backward(ctx, grads):
        q, k, v, mask, qb, kb, vb, p = ctx.saved
        scale, keep, mshape, weights = ctx.opts
        g, gw = grads if weights else (grads, None)
        xp = array_module(g)
        if _tensor_mode(xp):
            p = _probs(xp, q, k, mask, scale, p)  # differentiable in q, k and mask
        else:
            q, k, v = qb, kb, vb
        need = ctx.needs_input_grad
        a = p if keep is None else p * keep
        gv = unbroadcast(xp.matmul(_mT(a), g), v.shape) if need[2] else None
        if not (need[0] or need[1] or need[3]):
            return None, None, gv, None
        da = xp.matmul(g, _mT(v))
        if gw is not None:
            da = da + gw
        if keep is not None:
            da = da * keep
        if _tensor_mode(xp):
            ds = p * (da - xp.sum(da * p, axis=-1, keepdims=True))
        else:
            # softmax backward in place on da: ds = p * (da - sum(da * p))
            da -= xp.einsum("...i,...i->...", da, p)[..., None]
            da *= p
            ds = da
        gmask = unbroadcast(ds, mshape) if need[3] else None
        dss = ds * scale
        gq = unbroadcast(xp.matmul(dss, k), q.shape) if need[0] else None
        gk = unbroadcast(xp.matmul(_mT(dss), q), k.shape) if need[1] else None
        return gq, gk, gv, gmask


class _quiet:
    """NumPy error state off for -inf - -inf and exp overflow (nan/inf as PyTorch)."""

    def __init__(self, xp) -> None:
        self.ctx = getattr(xp, "errstate", None)

    def __enter__(self):
        if self.ctx is not None:
            self._c = self.ctx(invalid="ignore", over="ignore", divide="ignore")
            self._c.__enter__()
        return self

    def __exit__(self, *exc):
        if self.ctx is not None:
            self._c.__exit__(*exc)
        return False
