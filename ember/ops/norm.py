"""Normalization primitives: batch, layer, group and instance norm as one fused op each.

All normalize ``x`` over some axes and apply an optional affine map:

    mean = E[x],  var = E[(x - mean)^2]  (biased),  inv_std = 1 / sqrt(var + eps)
    x_hat = (x - mean) * inv_std,          y = x_hat * w + b

and share one closed-form backward (M = number of elements averaged over):

    dx = inv_std * (gh - mean(gh) - x_hat * mean(gh * x_hat)),  gh = g * w
    dw = sum(g * x_hat),  db = sum(g)   (over the axes w is broadcast along)

When w is constant along the normalized axes (batch and instance norm) this is
dx = w * inv_std / M * (M g - sum(g) - x_hat sum(g x_hat)), reusing dw and db.
Forward saves x (as PyTorch does), mean and inv_std, and backward recomputes x_hat
in one pass: that keeps memory at one activation per layer and lets the same
formula run on tensors (create_graph), where it is differentiated again exactly.
"""
from __future__ import annotations

from math import prod

import numpy as np

from .base import Primitive, array_module

__all__ = ["Normalize", "BatchNormTrain", "LayerNormOp", "GroupNormOp", "BatchNormEval"]


_SIMD_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _channel_axes(a, axes) -> bool:
    """Whether ``axes`` are every axis of ``a`` but axis 1 (batch norm's reduction) and ``a``
    is a C-contiguous NumPy float array, so that per-channel sums can be einsum row sums
    over the (N, C, P) view (SIMD accumulators: about twice NumPy's sum over (0, 2, ...))."""
    return (type(a) is np.ndarray and a.ndim >= 2 and a.dtype in _SIMD_DTYPES and a.flags.c_contiguous
            and tuple(axes) == (0,) + tuple(range(2, a.ndim)))


def _keep(r, a, axes):
    return r.reshape(tuple(1 if i in axes else s for i, s in enumerate(a.shape)))


def _sum(a, axes):
    if _channel_axes(a, axes):
        return _keep(np.einsum("ncp->c", a.reshape(a.shape[0], a.shape[1], -1)), a, axes)
    return array_module(a).sum(a, axis=axes, keepdims=True)


def _dot(a, b, axes):
    """sum(a * b) over ``axes`` (keepdims) without the a * b temporary (one einsum)."""
    if _channel_axes(a, axes) and _channel_axes(b, axes):
        n, c = a.shape[:2]
        return _keep(np.einsum("ncp,ncp->c", a.reshape(n, c, -1), b.reshape(n, c, -1)), a, axes)
    xp = array_module(a)
    letters = "abcdefghijklmnopqrstuvwxyz"[:a.ndim]
    out = "".join(c for i, c in enumerate(letters) if i not in axes)
    r = xp.einsum(f"{letters},{letters}->{out}", a, b)
    return r.reshape(tuple(1 if i in axes else s for i, s in enumerate(a.shape)))


def _tensor_mode(xp) -> bool:
    return getattr(xp, "apply_op", None) is not None


class Normalize(Primitive):
    """y = (x - mean) / sqrt(var + eps) * w + b over ``axes`` of ``x``.

    ``wshape``: the shape w and b (if given) are viewed as to broadcast against x.
    ``stats``: an optional list that receives (mean, biased var), shaped to
    broadcast, for running-statistics updates."""
    name = "NativeNorm"

    @staticmethod
    def forward(ctx, x, w, b, axes, eps, wshape, stats=None):
        xp = array_module(x)
        m = prod(x.shape[a] for a in axes)
        if m and _channel_axes(x, axes):
            mean = _sum(x, axes) * (1.0 / m)
        else:
            mean = xp.mean(x, axis=axes, keepdims=True, dtype=x.dtype)
        y = x - mean                                   # the only full-size temporary: becomes y
        var = _dot(y, y, axes) * (1.0 / m) if m else xp.zeros_like(mean)
        inv = 1.0 / xp.sqrt(var + eps)
        if stats is not None:
            stats.append((mean, var, m))
        lead = x.ndim - len(wshape)
        w_on_norm = w is not None and any(wshape[i - lead] != 1 for i in axes if i >= lead)
        if w is not None and not w_on_norm:
            y *= inv * w.reshape(wshape)               # one pass: per-channel scale
        else:
            y *= inv
            if w is not None:
                y *= w.reshape(wshape)
        if b is not None:
            y += b.reshape(wshape)
        ctx.save(x, mean, inv, w)
        ctx.opts = (tuple(axes), wshape, m, eps, None if b is None else b.shape, w_on_norm)
        return y

    @staticmethod
    def backward(ctx, g):
        x, mean, inv, w = ctx.saved
        axes, wshape, m, eps, bshape, w_on_norm = ctx.opts
        xp = array_module(g)
        need = ctx.needs_input_grad
        lead = g.ndim - len(wshape)
        # axes that w is broadcast along (w and b gradients sum over them)
        baxes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(wshape) if s == 1)
        if _tensor_mode(xp):
            return _backward_generic(xp, g, x, w, axes, baxes, wshape, m, eps, bshape, need, w_on_norm)
        want_w = w is not None and need[1]
        want_b = bshape is not None and need[2]
        if not w_on_norm and set(baxes) == set(axes):
            # batch norm: the w/b gradient sums are the sums the input gradient needs.
            # Six passes over the data: x - mean, sum(g), sum(g (x - mean)), then
            # dx = a (x - mean) + c + g * (scale M) with per-channel a, c (x_hat = (x - mean) inv)
            xc = x - mean
            sg = _sum(g, axes)
            sgx = _dot(g, xc, axes) * inv
            gw = sgx.reshape(w.shape) if want_w else None
            gb = sg.reshape(bshape) if want_b else None
            if not need[0]:
                return None, gw, gb
            scale = inv * (1.0 / m) if w is None else inv * w.reshape(wshape) * (1.0 / m)
            xc *= -(scale * sgx * inv)
            xc -= scale * sg
            xc += g * (scale * m)
            return xc, gw, gb
        xhat = x - mean
        xhat *= inv
        gw = _dot(g, xhat, baxes).reshape(w.shape) if want_w else None
        gb = xp.sum(g, axis=baxes).reshape(bshape) if want_b else None
        sg = sgx = None
        gx = None
        if need[0]:
            if not w_on_norm:
                # dx = w inv / M (M g - sum(g) - x_hat sum(g x_hat)), per-channel coefficients folded
                if sg is None:
                    sg, sgx = _sum(g, axes), _dot(g, xhat, axes)
                scale = inv * (1.0 / m) if w is None else inv * w.reshape(wshape) * (1.0 / m)
                xhat *= -(scale * sgx)
                xhat += g * (scale * m)
                xhat -= scale * sg
                gx = xhat
            else:
                # gh = g w:  dx = inv (gh - mean(gh) - x_hat mean(gh x_hat))
                gh = g * w.reshape(wshape)
                mg = xp.mean(gh, axis=axes, keepdims=True)
                mgx = _dot(gh, xhat, axes) * (1.0 / m)
                xhat *= mgx
                gh -= mg
                gh -= xhat
                gh *= inv
                gx = gh
        return gx, gw, gb


def _backward_generic(xp, g, x, w, axes, baxes, wshape, m, eps, bshape, need, w_on_norm):
    """The same backward written with xp calls only, for tensors (create_graph): the
    statistics are recomputed from x so they carry x's history."""
    mean = xp.mean(x, axis=axes, keepdims=True)
    inv = 1.0 / xp.sqrt(xp.mean(xp.square(x - mean), axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * inv
    gw = xp.sum(g * xhat, axis=baxes).reshape(w.shape) if (w is not None and need[1]) else None
    gb = xp.sum(g, axis=baxes).reshape(bshape) if (bshape is not None and need[2]) else None
    gx = None
    if need[0]:
        gh = g if w is None else g * w.reshape(wshape)
        mg = xp.mean(gh, axis=axes, keepdims=True)
        mgx = xp.mean(gh * xhat, axis=axes, keepdims=True)
        gx = (gh - mg - xhat * mgx) * inv
    return gx, gw, gb


class BatchNormTrain(Normalize):
    name = "NativeBatchNorm"


class LayerNormOp(Normalize):
    name = "NativeLayerNorm"


class GroupNormOp(Normalize):
    name = "NativeGroupNorm"


class BatchNormEval(Primitive):
    """Batch norm with fixed statistics: y = (x - rm) / sqrt(rv + eps) * w + b, an
    affine map per channel (axis 1)."""
    name = "NativeBatchNorm"

    @staticmethod
    def forward(ctx, x, w, b, rm, rv, eps):
        xp = array_module(x)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        inv = (1.0 / xp.sqrt(rv + eps)).astype(x.dtype, copy=False).reshape(shape)
        rm = rm.astype(x.dtype, copy=False).reshape(shape)
        scale = inv if w is None else inv * w.reshape(shape)
        y = (x - rm) * scale
        if b is not None:
            y += b.reshape(shape)
        ctx.save(x, w, rm, inv)
        return y.astype(x.dtype, copy=False)  # float16 input, float32 affine (autocast): float16 out, as PyTorch

    @staticmethod
    def backward(ctx, g):
        # y = (x - rm) * inv * w + b:  dx = g * inv * w;  dw = sum(g (x - rm) inv);  db = sum(g)
        x, w, rm, inv = ctx.saved
        xp = array_module(g)
        need = ctx.needs_input_grad
        axes = (0,) + tuple(range(2, g.ndim))
        shape = (1, -1) + (1,) * (g.ndim - 2)
        gx = (g * (inv if w is None else inv * w.reshape(shape))) if need[0] else None
        gw = xp.sum(g * ((x - rm) * inv), axis=axes) if (w is not None and need[1]) else None
        gb = xp.sum(g, axis=axes) if need[2] else None
        return gx, gw, gb, None, None
