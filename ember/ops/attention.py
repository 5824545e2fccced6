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

Speed (NumPy): when q, k and v share their batch shape (every MultiheadAttention
call), forward and backward run in chunks along the first batch axis, each chunk's
score block small enough to stay in cache while the softmax passes over it, and
the chunks are spread over ember's threads (backend/parallel.py) when each product
is small enough for OpenBLAS to run it on one thread anyway.  Operands whose
matrices BLAS can read in place (unit stride along rows or columns, as the per-head
views of a packed projection are) are not copied.

Otherwise batch axes broadcast as in ``matmul`` (the gradients are summed back with
``unbroadcast``); the caller has already checked shapes and dtypes.  When backward
is itself differentiated (``create_graph``: ember tensors arrive) the same formulas
run out of place, with p recomputed from q, k and the mask so it is differentiable.
"""
from __future__ import annotations

import numpy as np

from ..backend import parallel
from ..backend.blas import single_threaded_blas
from .base import Primitive, array_module, unbroadcast

__all__ = ["ScaledDotProductAttention"]

CHUNK_SCORES = 1 << 16          # score elements per chunk (256 KB in float32: an L2-sized block)
ONE_THREAD_MACS = 65536 * 4     # OpenBLAS runs products below this on one thread: safe to thread over chunks


def _mT(x):
    return array_module(x).swapaxes(x, -1, -2)


def _tensor_mode(xp) -> bool:
    return getattr(xp, "apply_op", None) is not None


def _blas_view(a):
    """``a`` if BLAS can read each of its matrices in place (unit stride along rows or
    along columns, as NumPy's matmul requires), else a C-contiguous copy."""
    if type(a) is not np.ndarray or a.ndim < 2:
        return a if type(a) is not np.ndarray else np.ascontiguousarray(a)
    sz = a.itemsize
    s0, s1 = a.strides[-2], a.strides[-1]
    m, n = a.shape[-2], a.shape[-1]
    if (s1 == sz and s0 % sz == 0 and s0 >= n * sz) or (s0 == sz and s1 % sz == 0 and s1 >= m * sz):
        return a
    return np.ascontiguousarray(a)


def _rowmax(xp, s):
    """max over the last axis (keepdims).  On NumPy, short rows reduce faster as a few
    halving ``maximum`` passes than as one reduction call."""
    if xp is not np or s.shape[-1] < 16:
        return xp.max(s, axis=-1, keepdims=True)
    a = s
    while a.shape[-1] >= 16:
        n = a.shape[-1]
        h = n // 2
        b = np.maximum(a[..., :h], a[..., h:2 * h])
        if n % 2:
            np.maximum(b[..., :1], a[..., 2 * h:], out=b[..., :1])
        a = b
    return a.max(axis=-1, keepdims=True)


def _rowsum(xp, s):
    """sum over the last axis (keepdims); a matrix-vector product on NumPy."""
    if xp is not np:
        return xp.sum(s, axis=-1, keepdims=True)
    return (s @ np.ones(s.shape[-1], dtype=s.dtype))[..., None]


def _softmax_rows_(xp, s, safe: bool):
    """softmax over the last axis of ``s``, in place.  ``safe``: a row whose entries are
    all -inf becomes 0 (PyTorch's ``_safe_softmax`` in SDPA) instead of nan."""
    if s.size == 0:
        return s
    m = _rowmax(xp, s)
    if safe:
        m[~xp.isfinite(m)] = 0.0
    s -= m
    xp.exp(s, out=s)
    d = _rowsum(xp, s)
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


# ---------------------------------------------------------------------- the chunked NumPy path
def _chunkable(q, k, v, mask, need_mask_grad: bool) -> bool:
    return (type(q) is np.ndarray and type(k) is np.ndarray and type(v) is np.ndarray and q.ndim >= 3
            and q.shape[:-2] == k.shape[:-2] == v.shape[:-2] and q.shape[0] > 1 and not need_mask_grad
            and (mask is None or type(mask) is np.ndarray))


def _plan(batch: tuple, L: int, S: int, E: int, Ev: int):
    """(slices along the first batch axis, whether to run them on the threads)."""
    per_entry = max(1, int(np.prod(batch[1:], dtype=np.int64)) * L * S)
    step = max(1, CHUNK_SCORES // per_entry)
    n = batch[0]
    slices = [slice(i, min(i + step, n)) for i in range(0, n, step)]
    threaded = parallel.get_num_threads() > 1 and len(slices) > 1 and L * S * max(E, Ev) < ONE_THREAD_MACS
    return slices, threaded


def _run(fn, slices, threaded: bool) -> None:
    if threaded:
        parallel.parallel_for(lambda i: fn(slices[i]), len(slices))
    else:
        for sl in slices:
            fn(sl)


def _lead(x, ndim: int):
    """``x`` with leading 1-dims up to ``ndim`` (None stays None)."""
    if x is None or x.ndim == ndim:
        return x
    return x.reshape((1,) * (ndim - x.ndim) + tuple(x.shape))


def _part(x, sl):
    """x's rows along the first batch axis (all of it when x is broadcast along it)."""
    return None if x is None else (x if x.shape[0] == 1 else x[sl])


def _forward_chunked(q, k, v, mask, scale, keep, safe, weights):
    batch, L, S = q.shape[:-2], q.shape[-2], k.shape[-2]
    p = np.empty(batch + (L, S), dtype=q.dtype)
    y = np.empty(batch + (L, v.shape[-1]), dtype=q.dtype)
    a_all = np.empty_like(p) if (weights and keep is not None) else None
    mask, keep = _lead(mask, p.ndim), _lead(keep, p.ndim)
    kT = _mT(k)

    def chunk(sl):
        s = p[sl]
        np.matmul(q[sl], kT[sl], out=s)
        s *= scale
        if mask is not None:
            s += _part(mask, sl)
        _softmax_rows_(np, s, safe)
        if keep is None:
            a = s
        elif a_all is not None:
            a = np.multiply(s, _part(keep, sl), out=a_all[sl])
        else:
            a = s * _part(keep, sl)
        np.matmul(a, v[sl], out=y[sl])

    slices, threaded = _plan(batch, L, S, q.shape[-1], v.shape[-1])
    with _quiet(np):
        _run(chunk, slices, threaded)
    return y, p, (a_all if a_all is not None else p)


def _backward_chunked(q, k, v, p, keep, scale, g, gw, need):
    batch, L, S = p.shape[:-2], p.shape[-2], p.shape[-1]
    keep = _lead(keep, p.ndim)
    gq = np.empty(q.shape, q.dtype) if need[0] else None
    gk = np.empty(k.shape, k.dtype) if need[1] else None
    gv = np.empty(v.shape, v.dtype) if need[2] else None
    vT = _mT(v)

    def chunk(sl):
        pc = p[sl]
        kc = None if keep is None else _part(keep, sl)
        gc = g[sl]
        if gv is not None:
            ac = pc if kc is None else pc * kc
            np.matmul(_mT(ac), gc, out=gv[sl])
        if gq is None and gk is None:
            return
        da = np.matmul(gc, vT[sl])
        if gw is not None:
            da += gw[sl]
        if kc is not None:
            da *= kc
        da -= np.einsum("...i,...i->...", da, pc)[..., None]
        da *= pc
        da *= scale
        if gq is not None:
            np.matmul(da, k[sl], out=gq[sl])
        if gk is not None:
            np.matmul(_mT(da), q[sl], out=gk[sl])

    slices, threaded = _plan(batch, L, S, q.shape[-1], v.shape[-1])
    _run(chunk, slices, threaded)
    return gq, gk, gv


# ---------------------------------------------------------------------- the primitive
class ScaledDotProductAttention(Primitive):
    """q (..., L, E), k (..., S, E), v (..., S, Ev), mask (broadcastable to (..., L, S),
    additive, or None) -> y (..., L, Ev), and also the weights ``a`` when ``weights``."""
    name = "ScaledDotProductAttention"

    # Both directions run OpenBLAS on one thread: its products are many small GEMMs (one
    # per batch and head, or per chunk on ember's threads), which OpenBLAS's own spinning
    # threads only slow down on a shared machine (a 2-layer encoder step: median 173-183
    # -> 133-164 ms at load 2-3).
    @staticmethod
    def forward(ctx, q, k, v, mask, scale, keep, safe, weights):
        with single_threaded_blas():
            return ScaledDotProductAttention._forward(ctx, q, k, v, mask, scale, keep, safe, weights)

    @staticmethod
    def backward(ctx, grads):
        with single_threaded_blas():
            return ScaledDotProductAttention._backward(ctx, grads)

    @staticmethod
    def _forward(ctx, q, k, v, mask, scale, keep, safe, weights):
        xp = array_module(q)
        qb, kb, vb = _blas_view(q), _blas_view(k), _blas_view(v)
        need = getattr(ctx, "needs_input_grad", ())
        chunked = _chunkable(qb, kb, vb, mask, bool(need) and need[3])
        if chunked:
            y, p, a = _forward_chunked(qb, kb, vb, mask, scale, keep, safe, weights)
        else:
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
        # the inputs themselves (create_graph rebuilds p from them) and their BLAS-ready forms
        ctx.save(q, k, v, mask, qb, kb, vb, p)
        ctx.opts = (scale, keep, None if mask is None else mask.shape, weights, chunked)
        if weights:
            return y, a
        return y

    @staticmethod
    def _backward(ctx, grads):
        q, k, v, mask, qb, kb, vb, p = ctx.saved
        scale, keep, mshape, weights, chunked = ctx.opts
        g, gw = grads if weights else (grads, None)
        xp = array_module(g)
        need = ctx.needs_input_grad
        if _tensor_mode(xp):
            p = _probs(xp, q, k, mask, scale, p)  # differentiable in q, k and mask
        else:
            q, k, v = qb, kb, vb
            if chunked and type(g) is np.ndarray and g.shape == p.shape[:-1] + (v.shape[-1],):
                gq, gk, gv = _backward_chunked(q, k, v, p, keep, scale, g, gw, need)
                return gq, gk, gv, None
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
