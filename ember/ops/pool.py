"""Pooling primitives: max and average pooling over 1, 2 or 3 spatial dims.

Both loop over the Kp kernel offsets, never over pixels: for offset k the strided
slice ``x_pad[..., k_h d :: s, k_w d :: s]`` holds tap k of every window at once.

- Max pooling keeps a running maximum and the offset it came from (``karg``, the
  first maximum as PyTorch; NaN propagates).  Backward writes g where karg == k,
  offset by offset: plain assignments when windows tile the input (kernel == stride,
  no padding), strided ``+=`` when they overlap.  No window copy is ever made.
- Average pooling sums the Kp slices, divides by PyTorch's divisor, and its
  backward spreads g / divisor back the same way.

Gradient scatter and gather are primitives of their own (``MaxPoolScatter`` /
``MaxPoolGather``, ``AvgPoolScatter``) so a pooling backward can be differentiated.
"""
from __future__ import annotations

import itertools
from math import prod

import numpy as np

from ..backend import parallel
from .base import Primitive, array_module
from .conv import pad_constant, run_primitive as _run

__all__ = ["MaxPool", "MaxPoolScatter", "MaxPoolGather", "AvgPool", "AvgPoolScatter", "PoolGeometry",
           "pool_out_size"]


def pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length (ceil_mode: the last window must start inside
    the input or its left padding)."""
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    o = num // s + 1
    if ceil_mode and (o - 1) * s >= size + p:
        o -= 1
    return o


class PoolGeometry:
    """Sizes of one pooling call: kernel, stride, padding, dilation per spatial dim,
    the output size, and the padding on the right that the last window needs."""

    __slots__ = ("k", "s", "p", "d", "out", "hi", "tiles")

    def __init__(self, spatial, k, s, p, d, ceil_mode) -> None:
        self.k, self.s, self.p, self.d = tuple(k), tuple(s), tuple(p), tuple(d)
        self.out = tuple(pool_out_size(*a, ceil_mode) for a in zip(spatial, k, s, p, d))
        self.hi = tuple((o - 1) * st + dd * (kk - 1) + 1 - sz - pp
                        for o, st, dd, kk, sz, pp in zip(self.out, s, d, k, spatial, p))
        # windows tile the input exactly: pooling is a reshape
        self.tiles = all(kk == st and dd == 1 and pp == 0 and h <= 0
                         for kk, st, dd, pp, h in zip(k, s, d, p, self.hi))

    def offsets(self):
        """Per kernel offset: the strided slice of the padded input it reads."""
        for offs in itertools.product(*(range(k) for k in self.k)):
            yield (slice(None), slice(None)) + tuple(
                slice(o * d, o * d + s * (m - 1) + 1, s) for o, d, s, m in zip(offs, self.d, self.s, self.out))

    def unpad(self, a, spatial):
        if not any(self.p) and all(h == 0 for h in self.hi):
            return a
        return a[(slice(None), slice(None)) + tuple(slice(p, p + sz) for p, sz in zip(self.p, spatial))]

    def padded_zeros(self, xp, shape, dtype):
        """A zero gradient buffer the size of the padded input (uninitialised when the
        windows tile the input exactly: every element is then written once)."""
        sp = shape[2:]
        make = xp.empty if self.tiles and all(h == 0 for h in self.hi) else xp.zeros
        return make(tuple(shape[:2]) + tuple(sz + p + max(h, 0) for sz, p, h in zip(sp, self.p, self.hi)),
                        dtype=dtype)

    def flat_index(self, karg, spatial):
        """Window-local argmax ``karg`` (N, C, *O) as PyTorch's indices: the flat
        position in the (unpadded) input plane."""
        xp = array_module(karg)
        nd = len(self.k)
        idx = None
        rem = karg
        for i in reversed(range(nd)):
            ki = rem % self.k[i]
            rem = rem // self.k[i]
            o = xp.arange(self.out[i], dtype=karg.dtype).reshape((-1,) + (1,) * (nd - 1 - i))
            pos = o * self.s[i] - self.p[i] + ki * self.d[i]
            stride = prod(spatial[i + 1:])
            idx = pos * stride if idx is None else idx + pos * stride
        return idx


class MaxPool(Primitive):
    """Max over each window: one pass per kernel offset keeps the running maximum and
    the offset it came from (the first maximum wins; NaN propagates, as PyTorch).
    Returns (values, PyTorch's flat indices) with ``return_indices``, else values."""
    name = "MaxPool2DWithIndices"

    @staticmethod
    def forward(ctx, x, geom: PoolGeometry, return_indices=False):
        xp = array_module(x)
        low = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        xpad = pad_constant(x, geom.p, geom.hi, low)
        offsets = list(geom.offsets())
        y = xp.array(xpad[offsets[0]], dtype=x.dtype)
        karg = xp.zeros(y.shape, dtype=xp.int8 if len(offsets) < 128 else xp.int64)
        better = xp.empty(y.shape, dtype=bool)
        nan = xp.empty(y.shape, dtype=bool) if x.dtype.kind == "f" else None
        step = xp.empty(y.shape, dtype=karg.dtype)
        for k in range(1, len(offsets)):
            v = xpad[offsets[k]]
            # PyTorch's rule: take v when v > max or v is NaN (copyto(where=) on a random mask is
            # ~10x slower than these branch-free passes)
            xp.greater(v, y, out=better)
            if nan is not None:
                xp.isnan(v, out=nan)
                better |= nan
            xp.maximum(y, v, out=y)                    # NaN propagates, as PyTorch's value
            xp.subtract(k, karg, out=step)             # karg <- k where better
            step *= better
            karg += step
        ctx.save(karg)
        ctx.geom, ctx.shape = geom, tuple(x.shape)
        if not return_indices:
            return y
        ctx.materialize = False  # the indices output never gets a gradient
        return y, geom.flat_index(karg.astype(xp.int64), x.shape[2:])

    @staticmethod
    def backward(ctx, grads):
        # d max(window) / dx = 1 at the window's (first) argmax, 0 elsewhere
        karg, = ctx.saved
        g = grads[0] if type(grads) is tuple else grads
        return _run(MaxPoolScatter, g, karg, geom=ctx.geom, shape=ctx.shape)


class MaxPoolScatter(Primitive):
    """Gradient of max pooling: each output's g goes to its window's argmax; one
    masked pass per kernel offset (an assignment when windows tile the input)."""
    name = "MaxPool2DWithIndicesBackward"

    @staticmethod
    def forward(ctx, g, karg, geom: PoolGeometry, shape):
        xp = array_module(g)
        gx = geom.padded_zeros(xp, shape, g.dtype)
        mask = xp.empty(g.shape, dtype=bool)
        for k, sl in enumerate(geom.offsets()):
            xp.equal(karg, k, out=mask)
            if geom.tiles:
                xp.multiply(g, mask, out=gx[sl])
            else:
                gx[sl] += g * mask
        ctx.save(karg)
        ctx.geom = geom
        return geom.unpad(gx, shape[2:])

    @staticmethod
    def backward(ctx, gg):
        # the adjoint of a scatter is the gather at the same positions
        karg, = ctx.saved
        return _run(MaxPoolGather, gg, karg, geom=ctx.geom), None


class MaxPoolGather(Primitive):
    """x at each window's argmax (max pooling with known indices)."""
    name = "MaxPoolGather"

    @staticmethod
    def forward(ctx, x, karg, geom: PoolGeometry):
        xp = array_module(x)
        xpad = pad_constant(x, geom.p, geom.hi, 0)
        y = xp.zeros(karg.shape, dtype=x.dtype)
        for k, sl in enumerate(geom.offsets()):
            xp.copyto(y, xpad[sl], where=(karg == k))
        ctx.save(karg)
        ctx.geom, ctx.shape = geom, tuple(x.shape)
        return y

    @staticmethod
    def backward(ctx, g):
        karg, = ctx.saved
        return _run(MaxPoolScatter, g, karg, geom=ctx.geom, shape=ctx.shape), None


# ------------------------------------------------------------------ average pooling
def avg_divisor(xp, spatial, geom: PoolGeometry, count_include_pad, divisor_override, dtype):
    """PyTorch's divisor per output position, shape (*O): the window clipped to the
    padded input (count_include_pad) or to the input itself."""
    if divisor_override:
        return float(divisor_override)
    div = None
    nd = len(spatial)
    for i, sz in enumerate(spatial):
        o = xp.arange(geom.out[i])
        start = o * geom.s[i] - geom.p[i]
        end = xp.minimum(start + geom.k[i], sz + geom.p[i])
        if count_include_pad:
            n = end - start
        else:
            n = xp.minimum(end, sz) - xp.maximum(start, 0)
        n = n.reshape((-1,) + (1,) * (nd - 1 - i))
        div = n if div is None else div * n
    if xp.dtype(dtype).kind == "f" and div.size and bool((div == div.flat[0]).all()):
        # every window counts the same: a number (a scalar divide, not a broadcast array)
        return float(div.flat[0])
    return div.astype(dtype)


def _by_images(fn, n: int, size: int, *arrays) -> None:
    """``fn(lo, hi)`` over chunks of the batch on ember's threads when the NumPy arrays
    are large (each chunk writes only its own images), else ``fn(0, n)``."""
    k = min(n, parallel.chunk_count(size))
    if k < 2 or any(type(a) is not np.ndarray for a in arrays):
        fn(0, n)
        return
    bounds = [n * i // k for i in range(k + 1)]
    parallel.parallel_for(lambda i: fn(bounds[i], bounds[i + 1]), k)


class AvgPool(Primitive):
    """Mean over each window, with PyTorch's divisor rules."""
    name = "AvgPool2D"

    @staticmethod
    def forward(ctx, x, geom: PoolGeometry, divisor):
        xp = array_module(x)
        xpad = pad_constant(x, geom.p, geom.hi, 0)
        offsets = list(geom.offsets())
        y = xp.empty(tuple(x.shape[:2]) + geom.out, dtype=x.dtype)
        floating = y.dtype.kind == "f"

        def images(lo, hi):
            yc, xc = y[lo:hi], xpad[lo:hi]
            xp.copyto(yc, xc[offsets[0]])
            for sl in offsets[1:]:  # one strided add per kernel offset
                yc += xc[sl]
            if floating:
                yc /= divisor
        _by_images(images, x.shape[0], x.size, x)
        if not floating:  # integer pooling truncates, as PyTorch's integer division
            y = (xp.sign(y) * (xp.abs(y) // divisor)).astype(y.dtype)
        ctx.geom, ctx.shape, ctx.divisor = geom, tuple(x.shape), divisor
        return y

    @staticmethod
    def backward(ctx, g):
        # y = sum(window) / div:  dx gets g / div from every window that covers it
        return _run(AvgPoolScatter, g, geom=ctx.geom, shape=ctx.shape, divisor=ctx.divisor)


class AvgPoolScatter(Primitive):
    """Gradient of average pooling (linear in g); its own adjoint is AvgPool."""
    name = "AvgPool2DBackward"

    @staticmethod
    def forward(ctx, g, geom: PoolGeometry, shape, divisor):
        xp = array_module(g)
        ctx.geom, ctx.divisor = geom, divisor
        gx = geom.padded_zeros(xp, shape, g.dtype)
        offsets = list(geom.offsets())

        def images(lo, hi):
            gc = gx[lo:hi]
            if geom.tiles and g.dtype.kind == "f" and type(g) is np.ndarray:
                for sl in offsets:  # divide straight into each tap's positions (no g / div copy)
                    np.divide(g[lo:hi], divisor, out=gc[sl])
                return
            gd = g[lo:hi] / divisor
            if gd.dtype != g.dtype:
                gd = gd.astype(g.dtype)
            for sl in offsets:
                if geom.tiles:
                    gc[sl] = gd
                else:
                    gc[sl] += gd
        _by_images(images, g.shape[0], gx.size, g)
        return geom.unpad(gx, shape[2:])

    @staticmethod
    def backward(ctx, gg):
        return _run(AvgPool, gg, geom=ctx.geom, divisor=ctx.divisor)
