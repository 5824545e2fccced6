"""Convolution primitives: N-d convolution (1-d, 2-d, 3-d) and its transpose as im2col + GEMM.

Layout: an input ``x`` of shape (N, C, *S) is padded and viewed through
``as_strided`` as the columns (C, *K, N, *O) -- every kernel tap of every output
position, no Python loop over pixels -- then copied once into a contiguous
(C*Kp, N*P) matrix (Kp = prod K, P = prod O).  The convolution is one GEMM,
``W (Oc, C*Kp) @ cols``; groups make it a batch of G GEMMs.  Backward:

    dW   = g_rows @ cols^T        computed as (cols @ g_rows^T)^T, the fast orientation for
                                  OpenBLAS when the shared dimension N*P is long
    dcol = W^T @ g_rows           then col2im: a loop over the Kp kernel offsets, each a
                                  strided ``+=`` of a whole (C, N, *O) block (never np.add.at)

The transposed convolution is the adjoint of the convolution in its input: its
forward is the data backward above, its backward a forward convolution.  When a
backward is itself differentiated (``create_graph=True``), the backward runs these
primitives on tensors (``_run``), so convolutions have any-order derivatives.
"""
from __future__ import annotations

import itertools
from math import prod

import numpy as np

from ..backend import parallel
from ..backend.blas import single_threaded_blas
from .base import Primitive, array_module

__all__ = ["Convolution", "ConvolutionWeight", "Unfold", "Fold", "Pad", "conv_out_size", "im2col", "col2im", "pad_constant",
           "strided_view", "run_primitive"]


class _NoCtx:
    """ctx for a primitive's forward called directly (nothing is recorded)."""
    needs_input_grad = ()

    def save(self, *values) -> None:
        pass


_NO_CTX = _NoCtx()


def run_primitive(op, *args, **kw):
    """Apply ``op``: on tensors (a backward being differentiated) it records a graph
    node through the tensor namespace; on arrays it runs the forward directly."""
    xp = array_module(args[0])
    rec = getattr(xp, "apply_op", None)
    if rec is not None:
        return rec(op, *args, **kw)
    return op.forward(_NO_CTX, *args, **kw)


_run = run_primitive


def _is_tensor_mode(a) -> bool:
    return getattr(array_module(a), "apply_op", None) is not None


def conv_out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of a window of ``k`` taps dilated by ``d``, stride ``s``, padding ``p``."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def pad_constant(x, lo, hi, value=0.0):
    """``x`` (N, C, *S) padded by ``lo``/``hi`` elements per spatial dim with ``value``
    (one allocation and one copy; ``x`` itself when there is nothing to pad).
    Negative ``hi`` crops."""
    if not any(lo) and not any(hi):
        return x
    xp = array_module(x)
    nd = len(lo)
    sp = x.shape[2:]
    shape = x.shape[:2] + tuple(s + a + b for s, a, b in zip(sp, lo, hi))
    out = xp.empty(shape, dtype=x.dtype) if value != 0 else xp.zeros(shape, dtype=x.dtype)
    if value != 0:
        out.fill(value)
    dst = (slice(None), slice(None)) + tuple(slice(a, a + min(s, s + b)) for a, s, b in zip(lo, sp, hi))
    src = (slice(None), slice(None)) + tuple(slice(0, s + min(b, 0)) for s, b in zip(sp, hi))
    out[dst] = x[src] if nd else x
    return out


def strided_view(xp, x, shape, strides):
    """``as_strided`` of the array module ``xp`` (NumPy and CuPy spell it alike)."""
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def _pad_for_windows(x, ksize, stride, padding, dilation, out):
    """``x`` zero-padded by ``padding`` on the left and up to the last window's end on
    the right (cropped where no window reaches)."""
    hi = tuple((o - 1) * s + d * (k - 1) + 1 - sz - p
               for o, s, d, k, sz, p in zip(out, stride, dilation, ksize, x.shape[2:], padding))
    return pad_constant(x, padding, hi)


def _windows(xpad, ksize, stride, dilation, out, batch_first):
    """The strided view (C, *K, N, *O) (or (N, C, *K, *O)) of every window of ``xpad``."""
    xp = array_module(xpad)
    n, c = xpad.shape[:2]
    st = xpad.strides
    nd = len(ksize)
    kst = tuple(st[2 + i] * dilation[i] for i in range(nd))
    ost = tuple(st[2 + i] * stride[i] for i in range(nd))
    if batch_first:
        shape, strides = (n, c) + tuple(ksize) + tuple(out), (st[0], st[1]) + kst + ost
    else:
        shape, strides = (c,) + tuple(ksize) + (n,) + tuple(out), (st[1],) + kst + (st[0],) + ost
    return strided_view(xp, xpad, shape, strides)


def im2col(x, ksize, stride, padding, dilation, out, batch_first=False):
    """Columns of ``x`` (N, C, *S): a contiguous (C, *K, N, *O) array (or (N, C, *K, *O)
    with ``batch_first``), one copy of a strided window view of the zero-padded input."""
    xp = array_module(x)
    xpad = _pad_for_windows(x, ksize, stride, padding, dilation, out)
    return xp.ascontiguousarray(_windows(xpad, ksize, stride, dilation, out, batch_first))


def _scatter_windows(dx, cols, ksize, stride, dilation, out, batch_first):
    """``dx`` (N, C, *S') += every window's column block (the adjoint of ``_windows``):
    one strided ``+=`` per kernel offset over a whole (C, N, *O) (or (N, C, *O)) block."""
    lead = (slice(None),) * (2 if batch_first else 1)
    dxt = dx if batch_first else dx.swapaxes(0, 1)  # the layout of one column block
    for offs in itertools.product(*(range(k) for k in ksize)):
        sl = (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + s * (m - 1) + 1, s) for o, d, s, m in zip(offs, dilation, stride, out))
        dxt[sl] += cols[lead + offs]


def col2im(cols, xshape, ksize, stride, padding, dilation, batch_first=False):
    """Adjoint of ``im2col``: sum columns (C, *K, N, *O) (or (N, C, *K, *O) with
    ``batch_first``) back into an (N, C, *S) array, one strided ``+=`` per kernel
    offset (Kp iterations, each over a whole block)."""
    xp = array_module(cols)
    n, c = xshape[:2]
    nd = len(ksize)
    out = cols.shape[2 + nd:]
    sp = xshape[2:]
    full = tuple(max(sz + 2 * p, (o - 1) * s + d * (k - 1) + 1)
                 for sz, p, o, s, d, k in zip(sp, padding, out, stride, dilation, ksize))
    dx = xp.zeros((n, c) + full, dtype=cols.dtype)
    _scatter_windows(dx, cols, ksize, stride, dilation, out, batch_first)
    if any(padding) or full != tuple(sp):
        dx = dx[(slice(None), slice(None)) + tuple(slice(p, p + sz) for p, sz in zip(padding, sp))]
    return dx


# ------------------------------------------------------------------ batched CPU path (NumPy arrays, groups == 1)
# The batch is cut into chunks of images whose columns fit in the L2 cache (2 MB per core
# on the development machine); each chunk is copied out of the window view, multiplied and,
# in backward, scattered back while still in cache, and the chunks run on ember's threads
# with OpenBLAS on one thread (backend/blas.py).  The columns are rebuilt in backward
# instead of being saved: a second in-cache copy costs less than writing and re-reading
# them through memory, and a convolution's saved state is then only its input.
CHUNK_BYTES = 1 << 20
# Per-image products W (Oc, C*Kp) @ cols_n (C*Kp, P) are fast when an image has many
# output positions P; with few, dW is one GEMM per chunk over the long axis nb*P instead
# (measured on LeNet's layers: P = 784 per image 1.1 ms against 3.0 ms for one long GEMM,
# P = 100 1.8 ms against 5 ms the other way round).
BATCHED_MIN_POSITIONS = 256
# Below FOLD_MAX_POSITIONS output positions per image the batch is folded into the GEMMs'
# column dimension: a chunk's columns are one (C*Kp, nb*P) matrix and forward, dW and
# dx are one GEMM each per chunk.  Per image, ResNet-18's deepest layers (3x3 and 6x6 maps at
# 96x96 input) have 9-36 columns, where OpenBLAS runs at 20-50% of its peak; a chunk is then
# sized by columns, about FOLD_COLUMNS of them (measured on one core: (512, 4608) @ (4608, n)
# runs at 18 GMAC/s for n = 9, 49 for n = 54 and 84 for n = 576).  ResNet-18's 512->512 layer
# on 3x3 maps, batch 64, one thread: forward 70 -> 22 ms, forward + backward 249 -> 116 ms.
# For 7x7 maps and up (P >= 49) the gain was within this machine's noise, so they keep the
# per-image / long-GEMM paths.
FOLD_MAX_POSITIONS = 40
FOLD_COLUMNS = 768
# Folded dW is computed as (Oc, C*Kp) from this many output channels on (no transpose after).
W_FIRST_MIN_CHANNELS = 64
# The folded flat-shift dx is used while the padded grid has at most this many times the
# output positions (6x6 maps: 64/36 = 1.8, about even with the strided scatter; 12x12: 1.36).
FLAT_MAX_GRID_RATIO = 1.5
# Unfolded chunks with fewer output positions per image than this still compute the flat-shift dx
# in the folded (Oc, nb, grid) layout: one GEMM per chunk instead of one per image (7x7 maps of
# the small ResNet, 64->64: 10.2 -> 8.3 ms; 14x14 maps showed no gain).
FLAT_FOLD_MAX_POSITIONS = 64
# Strided convolutions (not the per-image batched path) compute dx by per-phase flat shifts.
PHASED_DX = True


def _fast_ok(x, w, groups) -> bool:
    return (type(x) is np.ndarray and type(w) is np.ndarray and groups == 1 and x.dtype == w.dtype
            and x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.shape[0] > 0 and w.size > 0
            and x.size > 0)


def _image_chunks(n: int, per_image_bytes: int):
    """Bounds cutting n images into chunks of about CHUNK_BYTES of columns, at least
    two per thread when threads are used."""
    k = -(-n // max(1, min(n, CHUNK_BYTES // max(1, per_image_bytes))))
    t = parallel.get_num_threads()
    if t > 1:
        k = max(k, min(n, 2 * t))
    return [n * i // k for i in range(k + 1)]


def _fold_chunks(n: int, npos: int):
    """Bounds cutting n images of npos output positions into chunks of about FOLD_COLUMNS
    columns (at least one chunk per thread when threads are used)."""
    k = -(-n // max(1, -(-FOLD_COLUMNS // npos)))
    t = parallel.get_num_threads()
    if t > 1:
        k = max(k, min(n, t))
    return [n * i // k for i in range(k + 1)]


def _fast_forward(x, w, b, stride, padding, dilation, out, keep=None):
    """y (N, Oc, *O) = conv(x, w) + b: per chunk, the columns (nb, C*Kp, P) copied from the
    window view and one batched product W @ cols written straight into y (no transpose); for
    small maps (P < FOLD_MAX_POSITIONS) the chunk's columns (C*Kp, nb*P) and one GEMM."""
    n, oc = x.shape[0], w.shape[0]
    ksize, npos, ck = tuple(w.shape[2:]), prod(out), prod(w.shape[1:])
    fold = npos < FOLD_MAX_POSITIONS
    xpad = _pad_for_windows(x, ksize, stride, padding, dilation, out)
    if keep is not None:
        keep.append(xpad)  # the padded input, kept for the weight gradient (no second pad)
    win = _windows(xpad, ksize, stride, dilation, out, not fold)
    y = np.empty((n, oc) + tuple(out), dtype=x.dtype)
    y3 = y.reshape(n, oc, npos)
    w2 = np.ascontiguousarray(w.reshape(oc, ck))
    bcol = None if b is None else b.reshape(oc, 1)
    bounds = _fold_chunks(n, npos) if fold else _image_chunks(n, ck * npos * x.itemsize)
    lead = (slice(None),) * (1 + len(ksize))

    def part(i):
        lo, hi = bounds[i], bounds[i + 1]
        yc = y3[lo:hi]
        if fold:
            # columns (C*Kp, nb*P): one GEMM for the chunk, then (Oc, nb, P) -> (nb, Oc, P)
            cols = np.ascontiguousarray(win[lead + (slice(lo, hi),)]).reshape(ck, (hi - lo) * npos)
            yt = (w2 @ cols).reshape(oc, hi - lo, npos).transpose(1, 0, 2)
            if bcol is not None:
                np.add(yt, bcol, out=yc)
            else:
                yc[...] = yt
            return
        cols = np.ascontiguousarray(win[lo:hi]).reshape(hi - lo, ck, npos)
        np.matmul(w2, cols, out=yc)
        if bcol is not None:
            yc += bcol
    with single_threaded_blas():
        parallel.parallel_for(part, len(bounds) - 1)
    return y


def _fast_backward(x, w, g, stride, padding, dilation, need_x: bool, need_w: bool, xpad=None):
    """(dx, dW) of y = conv(x, w) for the upstream gradient g, chunk by chunk:

        dW = sum over images of g_n @ cols_n^T   (per-chunk partial sums, added at the end)
        dx = col2im(W^T @ g_n)                   (scattered into the chunk's own rows of dx)

    ``xpad``: the padded input forward kept (``_pad_for_windows(x, ...)``), or None.
    """
    n, oc = g.shape[:2]
    c = x.shape[1]
    out = tuple(g.shape[2:])
    ksize, npos, ck = tuple(w.shape[2:]), prod(out), prod(w.shape[1:])
    g3 = np.ascontiguousarray(g).reshape(n, oc, npos)
    batched = npos >= BATCHED_MIN_POSITIONS
    fold = not batched and npos < FOLD_MAX_POSITIONS
    if xpad is None:
        if need_w:
            xpad = _pad_for_windows(x, ksize, stride, padding, dilation, out)
        else:  # only the padded grid's shape is used: no copy of x
            hi = tuple((o - 1) * s + d * (kk - 1) + 1 - sz - p
                       for o, s, d, kk, sz, p in zip(out, stride, dilation, ksize, x.shape[2:], padding))
            xpad = np.empty(x.shape[:2] + tuple(sz + p + h for sz, p, h in zip(x.shape[2:], padding, hi)),
                            dtype=x.dtype)
    win = _windows(xpad, ksize, stride, dilation, out, batched) if need_w else None
    bounds = _fold_chunks(n, npos) if fold else _image_chunks(n, ck * npos * x.itemsize)
    k = len(bounds) - 1
    # dW's orientation: (Oc, C*Kp) directly when Oc is wide enough for OpenBLAS; for few output
    # channels (LeNet's 16) (C*Kp, Oc) = cols rows^T is the fast one (then transposed, small)
    w_first = batched or (fold and oc >= W_FIRST_MIN_CHANNELS)
    dws = np.empty((k, oc, ck) if w_first else (k, ck, oc), dtype=x.dtype) if need_w else None
    sp = x.shape[2:]
    nd = len(ksize)
    # (the flat scatter adds W^T 0 off the true outputs: exactly 0 unless W holds inf/NaN,
    # whose spill would then reach positions PyTorch leaves finite)
    # the flat scatter computes W^T g on the whole padded grid: for tiny maps (3x3 outputs on a
    # 5x5 grid) that is 2.8x the columns, and the strided scatter is the faster one
    grid_ratio = prod(xpad.shape[2:]) / npos
    flat = (need_x and all(st == 1 for st in stride) and (not fold or grid_ratio <= FLAT_MAX_GRID_RATIO)
            and bool(np.isfinite(w).all()))
    w2t = np.ascontiguousarray(w.reshape(oc, ck).T) if need_x and not flat else None
    if flat:
        # Stride 1: dx by flat shifts.  Flatten each image's padded input channel by channel
        # (plane = prod S' elements per channel).  Kernel offset (k_1..k_nd) moves a window by
        # the same sum k_i d_i st_i elements (st_i the flat stride of spatial dim i) at every
        # output position, if the output gradient is laid out on the padded input's grid:
        # g zero-filled into (S'_1, ..., S'_nd).  Then dcols = W^T g_grid (rows ordered offset
        # by offset) is zero off the true outputs, a true output's contribution lands inside
        # its own channel's plane, and each kernel offset's scatter is ONE contiguous += over
        # the chunk's whole (nb, C * plane) block (the zeros spill harmlessly into the next
        # channel), not nb * C * O_1 * ... short strided rows.  25-30% faster than the
        # strided scatter on LeNet's second layer.  Each chunk scatters into a private buffer
        # (the spill must not race with a neighbouring chunk) and copies the result out.
        grid = tuple(xpad.shape[2:])
        plane = prod(grid)
        fst = [prod(grid[i + 1:]) for i in range(nd)]
        shifts = [sum(o * d * f for o, d, f in zip(offs, dilation, fst))
                  for offs in itertools.product(*(range(kk) for kk in ksize))]
        w_kc = np.ascontiguousarray(w.reshape(oc, c, -1).transpose(2, 1, 0)).reshape(-1, oc)  # rows (k, c)
        dxgrid = np.empty((n, c) + grid, dtype=x.dtype)
        corner = (slice(None), slice(None)) + tuple(slice(0, o) for o in out)
    elif need_x:
        full = tuple(max(a, p + sz) for a, p, sz in zip(xpad.shape[2:], padding, sp))
        dxpad = np.zeros((n, c) + full, dtype=x.dtype)
    # Strided (not batched): dx by flat shifts per stride phase.  Tap k of dim i lands on padded
    # position k d + s o: phase (k d) mod s, index (k d) // s + o on that phase's sub-grid, where
    # the tap is a stride-1 shift.  One GEMM W^T g_grid ((K*C, Oc) @ (Oc, nb * sub-grid)), one
    # contiguous += per tap into its phase's buffer, then each phase written to dxpad[..., a::s]
    # (instead of K strided += with O-element rows).  Needs finite W, as the flat path.
    # (1x1 kernels have no overlap: their strided scatter is one assignment; and where the phase
    # grid exceeds the outputs by more than FLAT_MAX_GRID_RATIO the larger GEMM costs more)
    phased = (need_x and not flat and not batched and any(st > 1 for st in stride) and PHASED_DX
              and prod(ksize) > 1 and bool(np.isfinite(w).all()))
    if phased:
        pgrid = tuple(max(-(-f // st), (kk - 1) * d // st + o)
                      for f, st, kk, d, o in zip(full, stride, ksize, dilation, out))
        pplane = prod(pgrid)
        phased = pplane <= FLAT_MAX_GRID_RATIO * npos
    if phased:
        pst = [prod(pgrid[i + 1:]) for i in range(nd)]
        taps = [(tuple(o * d % st for o, d, st in zip(offs, dilation, stride)),
                 sum((o * d // st) * f for o, d, st, f in zip(offs, dilation, stride, pst)))
                for offs in itertools.product(*(range(kk) for kk in ksize))]
        pmax = max(sh for _, sh in taps)
        w_kc = np.ascontiguousarray(w.reshape(oc, c, -1).transpose(2, 1, 0)).reshape(-1, oc)  # rows (k, c)
        pcorner = (slice(None), slice(None)) + tuple(slice(0, o) for o in out)

    def phase_dx(lo, hi):
        nb = hi - lo
        g_grid = np.zeros((oc, nb) + pgrid, dtype=x.dtype)
        g_grid[pcorner] = g[lo:hi].swapaxes(0, 1)
        span = c * nb * pplane
        dcols = (w_kc @ g_grid.reshape(oc, nb * pplane)).reshape(len(taps), span)
        bufs = {}
        for j, (ph, sh) in enumerate(taps):
            if ph not in bufs:
                bufs[ph] = np.zeros(span + pmax, dtype=x.dtype)
            bufs[ph][sh:sh + span] += dcols[j]
        for ph, buf in bufs.items():
            dst = dxpad[(slice(lo, hi), slice(None)) + tuple(slice(a, None, st) for a, st in zip(ph, stride))]
            v = buf[:span].reshape((c, nb) + pgrid).swapaxes(0, 1)
            dst[...] = v[(slice(None), slice(None)) + tuple(slice(0, m) for m in dst.shape[2:])]

    def part(i):
        lo, hi = bounds[i], bounds[i + 1]
        nb = hi - lo
        gc = g3[lo:hi]
        if flat and not fold and npos >= FLAT_FOLD_MAX_POSITIONS:
            g_grid = np.zeros((nb, oc) + grid, dtype=x.dtype)
            g_grid[corner] = g[lo:hi]
            span = c * plane
            dcols = np.matmul(w_kc, g_grid.reshape(nb, oc, plane)).reshape(nb, len(shifts), span)
            buf = np.zeros(nb * span + shifts[-1], dtype=x.dtype)
            for j, sh in enumerate(shifts):
                dst = buf[sh:sh + nb * span].reshape(nb, span)
                dst += dcols[:, j]
            dxgrid[lo:hi] = buf[:nb * span].reshape((nb, c) + grid)
        elif flat:
            # folded: the grid laid out (Oc, nb, *S'), so dcols = W^T g_grid is ONE GEMM
            # (Kp*C, Oc) @ (Oc, nb*plane); the planes, now ordered (C, nb), stay contiguous,
            # which is all the flat shifts need
            g_grid = np.zeros((oc, nb) + grid, dtype=x.dtype)
            g_grid[corner] = g[lo:hi].swapaxes(0, 1)
            span = c * nb * plane
            dcols = (w_kc @ g_grid.reshape(oc, nb * plane)).reshape(len(shifts), span)
            buf = np.zeros(span + shifts[-1], dtype=x.dtype)
            for j, sh in enumerate(shifts):
                buf[sh:sh + span] += dcols[j]
            dxgrid[lo:hi] = buf[:span].reshape((c, nb) + grid).swapaxes(0, 1)
        if batched:
            if need_w:
                cols = np.ascontiguousarray(win[lo:hi]).reshape(nb, ck, npos)
                np.sum(np.matmul(gc, cols.transpose(0, 2, 1)), axis=0, out=dws[i])
            if need_x and not flat:
                dcols = np.matmul(w2t, gc).reshape((nb, c) + ksize + out)
                _scatter_windows(dxpad[lo:hi], dcols, ksize, stride, dilation, out, True)
            return
        if not need_w and flat:
            return
        rows = np.ascontiguousarray(gc.transpose(1, 0, 2)).reshape(oc, nb * npos)
        if need_w:
            cols = np.ascontiguousarray(win[(slice(None),) * (1 + nd) + (slice(lo, hi),)]).reshape(ck, nb * npos)
            if w_first:
                np.matmul(rows, cols.T, out=dws[i])
            else:
                np.matmul(cols, rows.T, out=dws[i])  # (cols rows^T)^T: the fast orientation for OpenBLAS
        if phased:
            phase_dx(lo, hi)
        elif need_x and not flat:
            dcols = (w2t @ rows).reshape((c,) + ksize + (nb,) + out)
            _scatter_windows(dxpad[lo:hi], dcols, ksize, stride, dilation, out, False)
    with single_threaded_blas():
        parallel.parallel_for(part, k)
    gw = gx = None
    if need_w:
        gw = dws.sum(axis=0) if k > 1 else dws[0]
        gw = (gw if w_first else np.ascontiguousarray(gw.T)).reshape(w.shape)
    if need_x:
        if flat:
            dxpad = dxgrid
        gx = dxpad[(slice(None), slice(None)) + tuple(slice(p, p + sz) for p, sz in zip(padding, sp))]
    return gx, gw


# ------------------------------------------------------------------ GEMM cores (arrays only)
def _conv_forward(x, w, stride, padding, dilation, groups, out):
    """y (N, Oc, *O) = conv(x, w) and the columns it used (G, Cg*Kp, N*P)."""
    xp = array_module(x)
    n = x.shape[0]
    oc = w.shape[0]
    cols = im2col(x, w.shape[2:], stride, padding, dilation, out)
    npos = n * prod(out)
    if groups == 1:
        cols = cols.reshape(-1, npos)
        y = xp.ascontiguousarray(w.reshape(oc, -1)) @ cols
    else:
        cols = cols.reshape(groups, -1, npos)
        y = xp.ascontiguousarray(w.reshape(groups, oc // groups, -1)) @ cols
    y = xp.ascontiguousarray(y.reshape((oc, n) + tuple(out)).swapaxes(0, 1))
    return y, cols


def _grad_rows(g, groups):
    """g (N, Oc, *O) as contiguous rows (G, Ocg, N*P) (or (Oc, N*P) without groups)."""
    xp = array_module(g)
    oc = g.shape[1]
    rows = xp.ascontiguousarray(g.swapaxes(0, 1)).reshape(oc, -1)
    return rows if groups == 1 else rows.reshape(groups, oc // groups, -1)


def _conv_data(rows, w, xshape, stride, padding, dilation, groups, out):
    """dx (N, C, *S) from gradient rows (G, Ocg, N*P): W^T @ rows then col2im."""
    xp = array_module(rows)
    c = xshape[1]
    k = tuple(w.shape[2:])
    if groups == 1:
        dcols = w.reshape(w.shape[0], -1).T @ rows
    else:
        dcols = xp.swapaxes(w.reshape(groups, w.shape[0] // groups, -1), 1, 2) @ rows
    dcols = dcols.reshape((c,) + k + (xshape[0],) + tuple(out))
    return col2im(dcols, xshape, k, stride, padding, dilation)


def _conv_weight(cols, rows, wshape, groups):
    """dW (Oc, Cg, *K) = rows @ cols^T, computed as (cols @ rows^T)^T (faster in BLAS)."""
    xp = array_module(cols)
    dwt = cols @ xp.swapaxes(rows, -1, -2)  # (G, Cg*Kp, Ocg)
    return xp.ascontiguousarray(xp.swapaxes(dwt, -1, -2)).reshape(wshape)


def _bias_grad(g):
    xp = array_module(g)
    if type(g) is np.ndarray and g.dtype.kind == "f" and g.ndim >= 2 and g.flags.c_contiguous:
        # einsum's SIMD sum-of-products loop: about twice NumPy's sum over axes (0, 2, ...)
        return np.einsum("ncp->c", g.reshape(g.shape[0], g.shape[1], -1))
    return xp.sum(g, axis=(0,) + tuple(range(2, g.ndim)))


def _add_bias(y, b):
    y += b.reshape((1, -1) + (1,) * (y.ndim - 2))
    return y


# ------------------------------------------------------------------ primitives
class Convolution(Primitive):
    """y = conv(x, w) + b, or its transpose (``transposed=True``: w is (Cin, Cout/G, *K)).

    ``out`` is the output's spatial size (the functional works it out, with
    output_padding for the transpose).  Options: stride, padding, dilation (tuples),
    groups."""
    name = "Convolution"

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups, transposed, out):
        out = tuple(out)
        if not transposed and _fast_ok(x, w, groups):
            need = ctx.needs_input_grad
            keep = [] if len(need) > 1 and need[1] else None
            y = _fast_forward(x, w, b, stride, padding, dilation, out, keep)
            ctx.save(x, w, None, keep[0] if keep else None)
            ctx.opts = (stride, padding, dilation, groups, transposed)
            return y
        if not transposed:
            y, cols = _conv_forward(x, w, stride, padding, dilation, groups, out)
            need = ctx.needs_input_grad
            ctx.save(x, w, cols if (len(need) > 1 and need[1]) else None)
        else:
            n = x.shape[0]
            cout = w.shape[1] * groups
            rows = _grad_rows(x, groups)  # x plays the convolution's output gradient
            y = _conv_data(rows, w, (n, cout) + out, stride, padding, dilation, groups, x.shape[2:])
            y = array_module(y).ascontiguousarray(y)
            ctx.save(x, w, None)
        ctx.opts = (stride, padding, dilation, groups, transposed)
        if b is not None:
            _add_bias(y, b)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w, cols = ctx.saved[:3]
        xpad = ctx.saved[3] if len(ctx.saved) > 3 else None
        stride, padding, dilation, groups, transposed = ctx.opts
        need = ctx.needs_input_grad
        sp_x = tuple(x.shape[2:])
        gb = _bias_grad(g) if need[2] else None
        if _is_tensor_mode(g):
            # create_graph: the same maths as primitives on tensors, differentiable again
            opts = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
            gx = _run(Convolution, g, w, None, transposed=not transposed, out=sp_x, **opts) if need[0] else None
            gw = None
            if need[1]:
                gw = (_run(ConvolutionWeight, x, g, wshape=tuple(w.shape), **opts) if not transposed
                      else _run(ConvolutionWeight, g, x, wshape=tuple(w.shape), **opts))
            return gx, gw, gb
        if not transposed and cols is None and _fast_ok(x, w, groups) and type(g) is np.ndarray:
            gx, gw = _fast_backward(x, w, g, stride, padding, dilation, need[0], need[1], xpad)
            return gx, gw, gb
        if not transposed:
            # y = W cols:  dW = g cols^T ;  dx = col2im(W^T g)
            rows = _grad_rows(g, groups)
            gx = _conv_data(rows, w, x.shape, stride, padding, dilation, groups, g.shape[2:]) if need[0] else None
            gw = _conv_weight(cols, rows, w.shape, groups) if need[1] else None
            return gx, gw, gb
        # y = col2im(W^T x):  dx = W cols(g) (a forward convolution of g);  dW = x cols(g)^T
        gx, gcols = _conv_forward(g, w, stride, padding, dilation, groups, sp_x)
        gw = _conv_weight(gcols, _grad_rows(x, groups), w.shape, groups) if need[1] else None
        return (gx if need[0] else None), gw, gb


class ConvolutionWeight(Primitive):
    """dW of y = conv(x, W) given the output gradient g: bilinear in (x, g); exists so
    that a convolution's backward can itself be differentiated."""
    name = "ConvolutionBackwardWeight"

    @staticmethod
    def forward(ctx, x, g, wshape, stride, padding, dilation, groups):
        cols = im2col(x, wshape[2:], stride, padding, dilation, tuple(g.shape[2:]))
        cols = cols.reshape(groups, -1, g.shape[0] * prod(g.shape[2:]))
        if groups == 1:
            cols = cols[0]
        ctx.save(x, g)
        ctx.opts = (tuple(wshape), stride, padding, dilation, groups)
        return _conv_weight(cols, _grad_rows(g, groups), tuple(wshape), groups)

    @staticmethod
    def backward(ctx, ggw):
        # <ggW, dW(x, g)> = <conv(x, ggW), g> = <x, convT(g, ggW)>
        x, g = ctx.saved
        wshape, stride, padding, dilation, groups = ctx.opts
        opts = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        need = ctx.needs_input_grad
        gx = _run(Convolution, g, ggw, None, transposed=True, out=tuple(x.shape[2:]), **opts) if need[0] else None
        gg = _run(Convolution, x, ggw, None, transposed=False, out=tuple(g.shape[2:]), **opts) if need[1] else None
        return gx, gg


class Unfold(Primitive):
    """F.unfold: (N, C, H, W) -> columns (N, C*kh*kw, L)."""
    name = "Im2Col"

    @staticmethod
    def forward(ctx, x, ksize, stride, padding, dilation, out):
        cols = im2col(x, ksize, stride, padding, dilation, out, batch_first=True)
        ctx.opts = (tuple(x.shape[2:]), ksize, stride, padding, dilation, out)
        return cols.reshape(x.shape[0], -1, prod(out))

    @staticmethod
    def backward(ctx, g):
        # the adjoint of gathering windows is summing them back: fold
        sp, ksize, stride, padding, dilation, out = ctx.opts
        return _run(Fold, g, osize=sp, ksize=ksize, stride=stride, padding=padding, dilation=dilation, out=out)


class Fold(Primitive):
    """F.fold: columns (N, C*kh*kw, L) summed into (N, C, H, W)."""
    name = "Col2Im"

    @staticmethod
    def forward(ctx, cols, osize, ksize, stride, padding, dilation, out):
        xp = array_module(cols)
        n = cols.shape[0]
        c = cols.shape[1] // prod(ksize)
        ctx.opts = (ksize, stride, padding, dilation, out)
        y = col2im(cols.reshape((n, c) + tuple(ksize) + tuple(out)), (n, c) + tuple(osize), ksize, stride,
                   padding, dilation, batch_first=True)
        return xp.ascontiguousarray(y)

    @staticmethod
    def backward(ctx, g):
        ksize, stride, padding, dilation, out = ctx.opts
        return _run(Unfold, g, ksize=ksize, stride=stride, padding=padding, dilation=dilation, out=out)


# ------------------------------------------------------------------ padding modes
_NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class Pad(Primitive):
    """Pad the trailing dims of ``x`` by ``pads`` ((lo, hi) per dim, first padded dim
    first) in mode 'constant' (``value``), 'reflect', 'replicate' or 'circular'."""
    name = "Pad"

    @staticmethod
    def forward(ctx, x, pads, mode, value=0.0):
        xp = array_module(x)
        lead = x.ndim - len(pads)
        width = [(0, 0)] * lead + [tuple(p) for p in pads]
        ctx.shape = tuple(x.shape)
        ctx.pads, ctx.mode = tuple(tuple(p) for p in pads), mode
        if mode == "constant":
            if all(a >= 0 and b >= 0 for a, b in pads):
                return xp.pad(x, width, mode="constant", constant_values=value)
            # negative padding crops
            crop = tuple(slice(max(-a, 0), x.shape[lead + i] - max(-b, 0)) for i, (a, b) in enumerate(pads))
            x = x[(slice(None),) * lead + crop]
            return xp.pad(x, [(0, 0)] * lead + [(max(a, 0), max(b, 0)) for a, b in pads], mode="constant",
                          constant_values=value)
        return xp.pad(x, width, mode=_NP_MODE[mode])

    @staticmethod
    def backward(ctx, g):
        # each padded element is a copy of one input element: fold its gradient back,
        # one dim at a time (last padded dim first, undoing forward's order)
        xp = array_module(g)
        pads, mode = ctx.pads, ctx.mode
        lead = len(ctx.shape) - len(pads)
        for i in reversed(range(len(pads))):
            ax = lead + i
            a, b = pads[i]
            n = ctx.shape[ax]
            if mode == "constant":
                m = g.shape[ax]
                part = _take(g, ax, max(a, 0), m - max(b, 0))
                if a < 0 or b < 0:
                    zshape = list(part.shape)
                    pieces = []
                    if a < 0:
                        zshape[ax] = -a
                        pieces.append(xp.zeros(tuple(zshape), dtype=part.dtype))
                    pieces.append(part)
                    if b < 0:
                        zshape[ax] = -b
                        pieces.append(xp.zeros(tuple(zshape), dtype=part.dtype))
                    part = xp.concatenate(pieces, axis=ax)
                g = part
                continue
            left, mid, right = _take(g, ax, 0, a), _take(g, ax, a, a + n), _take(g, ax, a + n, a + n + b)
            add = []
            if mode == "reflect":   # x[-k] -> x[k], x[n-1+k] -> x[n-1-k]
                if a:
                    add.append((1, xp.flip(left, axis=ax)))
                if b:
                    add.append((n - 1 - b, xp.flip(right, axis=ax)))
            elif mode == "replicate":  # every left pad element copies x[0], right ones x[n-1]
                if a:
                    add.append((0, xp.sum(left, axis=ax, keepdims=True)))
                if b:
                    add.append((n - 1, xp.sum(right, axis=ax, keepdims=True)))
            else:  # circular: x[-k] -> x[n-k], x[n-1+k] -> x[k-1]
                if a:
                    add.append((n - a, left))
                if b:
                    add.append((0, right))
            for start, piece in add:
                mid = mid + _embed(xp, piece, ax, start, n)
            g = mid
        return g


def _take(a, ax, lo, hi):
    return a[(slice(None),) * ax + (slice(lo, hi),)]


def _embed(xp, piece, ax, start, n):
    """``piece`` placed at ``start`` along ``ax`` in zeros of length ``n`` (written
    with concatenate so it also runs on tensors)."""
    k = piece.shape[ax]
    parts = []
    shape = list(piece.shape)
    if start:
        shape[ax] = start
        parts.append(xp.zeros(tuple(shape), dtype=piece.dtype))
    parts.append(piece)
    if n - start - k:
        shape[ax] = n - start - k
        parts.append(xp.zeros(tuple(shape), dtype=piece.dtype))
    return xp.concatenate(parts, axis=ax) if len(parts) > 1 else piece
