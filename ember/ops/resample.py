"""Padding and resampling: ``F.pad`` (all modes) and ``F.interpolate`` (nearest,
nearest-exact, (bi/tri)linear, bicubic, area).

Every non-constant mode is separable: along each resampled axis, output position
``o`` is a weighted sum of a few input positions (one for nearest and the index
maps of reflect/replicate/circular padding, two for linear, four for cubic, a
window for area).  Such a map is a matrix ``M`` (in_len x out_len) and the whole op is
``y = x @ M`` along that axis; the gradient is ``g @ M^T``, one BLAS call per axis.
Forward gathers the few taps instead (linear, cubic, index maps), so non-finite
inputs only reach their neighbours, as in PyTorch.
The matrices are small (they depend only on the sizes) and the formula runs on
tensors too, so these primitives can be differentiated twice.  Very long axes, where
a dense matrix would be large, gather forward and scatter-add backward instead.

Constant padding (which may also crop, with negative pads) is a separate primitive.
"""
from __future__ import annotations

import contextlib

import numpy as np

from ..backend.device import is_array
from .base import Primitive, array_module

__all__ = ["ConstantPad", "AxisMaps", "resample_op", "pad_index_map", "interp_taps", "taps_matrix",
           "DENSE_LIMIT"]

# above this many matrix entries an axis is gathered/scattered instead of multiplied
DENSE_LIMIT = 1 << 22


def _const_pad(xp, a, pads, value):
    """``a`` padded by ((before, after), ...) per axis with ``value``; negative amounts crop."""
    out_shape = tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, pads))
    src = tuple(slice(max(-lo, 0), max(n - max(-hi, 0), max(-lo, 0))) for n, (lo, hi) in zip(a.shape, pads))
    dst = tuple(slice(max(lo, 0), max(lo, 0) + s.stop - s.start) for s, (lo, _) in zip(src, pads))
    out = xp.full(out_shape, value, dtype=a.dtype)
    if all(s.stop > s.start for s in src):
        out[dst] = a[src]
    return out


class ConstantPad(Primitive):
    """Pad (or, with negative amounts, crop) axes with a constant.

    ``pads``: ((before, after), ...) for every axis of the input (zeros for the
    untouched leading ones)."""
    name = "ConstantPadNd"

    @staticmethod
    def forward(ctx, a, pads, value):
        ctx.pads = pads
        return _const_pad(array_module(a), a, pads, value)

    @staticmethod
    def backward(ctx, g):
        # each kept input element receives the gradient of the output element it was
        # copied to; cropped ones get zero: that is g padded by the negated amounts
        neg = tuple((-lo, -hi) for lo, hi in ctx.pads)
        if is_array(g):
            return _const_pad(array_module(g), g, neg, 0)
        # a tensor gradient (create_graph): crop by slicing, pad by concatenating zeros
        xp = array_module(g)
        for axis, (lo, hi) in enumerate(neg):
            n = g.shape[axis]
            g = g[(slice(None),) * axis + (slice(max(-lo, 0), n - max(-hi, 0)),)]
            parts = []
            for amount, where in ((lo, 0), (hi, 1)):
                if amount > 0:
                    shape = list(g.shape)
                    shape[axis] = amount
                    parts.append((where, xp.zeros(tuple(shape), dtype=g.dtype)))
            if parts:
                g = xp.concatenate([p for w, p in parts if w == 0] + [g] + [p for w, p in parts if w == 1], axis)
        return g


# ---------------------------------------------------------------------- index maps and taps
def pad_index_map(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For output positions -lo .. n+hi-1 of a padded axis of length n, the input
    position each copies (reflect: mirror without repeating the edge; replicate: the
    nearest edge; circular: wrap around)."""
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        j = np.abs(j) % period
        return np.where(j >= n, period - j, j)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    # circular: negative amounts crop first, then the kept part wraps around (PyTorch's order)
    start, stop = max(-lo, 0), n - max(-hi, 0)
    m = stop - start
    return start + np.arange(-max(lo, 0), m + max(hi, 0)) % m


def interp_taps(mode: str, n_in: int, n_out: int, scale, align_corners: bool):
    """(indices, weights), each (taps, n_out), of one interpolated axis.

    ``scale`` is PyTorch's: 1/scale_factor when a scale factor was given (and not
    recomputed), else None (then in/out)."""
    o = np.arange(n_out, dtype=np.float64)
    if align_corners and mode in ("linear", "cubic"):
        ratio = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        src = o * ratio
    else:
        ratio = scale if scale is not None and scale > 0 else n_in / n_out
        if mode == "nearest":
            return np.minimum(np.floor(o * ratio).astype(np.int64), n_in - 1)[None], np.ones((1, n_out))
        if mode == "nearest-exact":
            return np.minimum(np.floor((o + 0.5) * ratio).astype(np.int64), n_in - 1)[None], np.ones((1, n_out))
        src = (o + 0.5) * ratio - 0.5
        if mode == "linear":
            src = np.maximum(src, 0.0)
    if mode == "linear":
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        lam = src - i0
        return np.stack([i0, i1]), np.stack([1 - lam, lam])
    # cubic convolution (A = -0.75) on the 4 neighbours, indices clamped to the edge
    f = np.floor(src)
    t = src - f
    a = -0.75
    x1, x2 = t + 1, 1 - t
    w = np.stack([((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a,
                  ((a + 2) * t - (a + 3)) * t * t + 1,
                  ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
                  ((a * (x2 + 1) - 5 * a) * (x2 + 1) + 8 * a) * (x2 + 1) - 4 * a])
    idx = np.clip(f.astype(np.int64)[None] + np.arange(-1, 3)[:, None], 0, n_in - 1)
    return idx, w


def area_taps(n_in: int, n_out: int):
    """Adaptive average pooling windows [floor(o n_in/n_out), ceil((o+1) n_in/n_out))."""
    o = np.arange(n_out)
    start = (o * n_in) // n_out
    end = -((-(o + 1) * n_in) // n_out)
    width = int((end - start).max())
    k = np.arange(width)[:, None]
    idx = np.minimum(start[None] + k, n_in - 1)
    w = np.where(start[None] + k < end[None], 1.0 / (end - start)[None], 0.0)
    return idx, w


def taps_matrix(idx: np.ndarray, w: np.ndarray, n_in: int) -> np.ndarray:
    """The dense (n_in, n_out) matrix of a taps map (repeated indices add up)."""
    n_out = idx.shape[1]
    m = np.zeros((n_in, n_out))
    cols = np.broadcast_to(np.arange(n_out), idx.shape)
    np.add.at(m, (idx.ravel(), cols.ravel()), w.ravel())
    return m


# ---------------------------------------------------------------------- the separable op
class AxisMaps(Primitive):
    """Apply a linear map along each of some axes: ``maps`` is a tuple of
    (axis, idx, w, n_in) (taps form).  Subclasses made by ``resample_op`` carry the
    grad_fn name (UpsampleBilinear2D, ReflectionPad2D, ...)."""
    name = "AxisMaps"

    @staticmethod
    def forward(ctx, a, maps):
        ctx.maps = maps
        y = a
        for axis, idx, w, n_in in maps:
            y = _apply_axis(y, axis, idx, w, n_in, transpose=False)
        return y

    @staticmethod
    def backward(ctx, g):
        # y = x @ M along each axis in turn: dx = g @ M^T along each axis, in reverse order
        for axis, idx, w, n_in in reversed(ctx.maps):
            g = _apply_axis(g, axis, idx, w, n_in, transpose=True)
        return g


def _apply_axis(x, axis, idx, w, n_in, transpose):
    """One axis of the map: forward (x along ``axis`` has n_in entries) or its
    transpose (x has n_out entries there; used by backward, arrays or tensors)."""
    xp = array_module(x)
    n_out = idx.shape[1]
    if not transpose and idx.shape[0] == 1 and bool((w == 1).all()):
        # a pure index map (nearest, pad modes): gather, exact even for inf/nan
        return xp.take(x, xp.asarray(idx[0]), axis=axis)
    if not transpose and idx.shape[0] <= 4 and is_array(x):
        # few taps (linear, cubic): a weighted sum of gathers touches only the neighbours,
        # so an inf/nan stays local as in PyTorch
        wshape = [1] * x.ndim
        wshape[axis] = n_out
        out = None
        errstate = getattr(xp, "errstate", None)  # NumPy: 0 * inf is nan, as in PyTorch, without a warning
        with errstate(invalid="ignore") if errstate is not None else contextlib.nullcontext():
            for k in range(idx.shape[0]):
                term = xp.take(x, xp.asarray(idx[k]), axis=axis)
                term *= xp.asarray(w[k].reshape(wshape), dtype=x.dtype)
                out = term if out is None else out + term
        return out
    if not is_array(x) or n_in * n_out <= DENSE_LIMIT:
        m = taps_matrix(idx, w, n_in)
        m = xp.asarray(m.T if transpose else m, dtype=x.dtype)
        xm = xp.moveaxis(x, axis, -1)
        if is_array(xm):
            xm = xp.ascontiguousarray(xm)
        return xp.moveaxis(xm @ m, -1, axis)
    # long axis: gather / scatter-add tap by tap
    xm = xp.moveaxis(x, axis, 0)
    bshape = (n_out,) + (1,) * (xm.ndim - 1)
    if not transpose:
        out = 0
        for k in range(idx.shape[0]):
            out = out + xp.take(xm, xp.asarray(idx[k]), axis=0) * xp.asarray(w[k].reshape(bshape), dtype=x.dtype)
        return xp.moveaxis(out, 0, axis)
    out = xp.zeros((n_in,) + xm.shape[1:], dtype=x.dtype)
    for k in range(idx.shape[0]):
        xp.add.at(out, xp.asarray(idx[k]), xm * xp.asarray(w[k].reshape(bshape), dtype=x.dtype))
    return xp.moveaxis(out, 0, axis)


_OPS: dict = {}


def resample_op(name: str):
    """The AxisMaps primitive whose grad_fn prints as ``<{name}Backward0>``."""
    op = _OPS.get(name)
    if op is None:
        op = _OPS[name] = type(name + "Op", (AxisMaps,), {"name": name})
    return op
