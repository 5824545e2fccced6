"""``grid_sample`` on 4-D input: out[n, c, h, w] = input[n, c] read at the point
``grid[n, h, w] = (x, y)`` (in [-1, 1] from the left/top edge to the right/bottom one),
bilinearly or at the nearest pixel, with zeros / border / reflection padding.

Coordinates follow PyTorch's grid sampler step for step: unnormalize (with or without
``align_corners``), then clip or reflect for the padding mode, keeping the derivative
of each step (0 where a coordinate was clipped or sits on a bound, -1 where a reflection flipped it).
Bilinear reads the four neighbours (nw, ne, sw, se) of (ix, iy) with the weights
(1 - fx)(1 - fy), fx (1 - fy), (1 - fx) fy, fx fy; a neighbour outside the input
reads 0.  Nearest rounds half to even, as PyTorch's ``nearbyint``.

The input gradient scatters g * weight back to each neighbour (one ``bincount`` over
(n, c, pixel)); the grid gradient is the derivative of the weights.  Second
derivatives are not provided (the backward runs on arrays).
"""
from __future__ import annotations

from ..backend.device import is_array
from .base import Primitive, array_module

__all__ = ["GridSample2d"]


def _reflect(xp, c, twice_low: int, twice_high: int):
    """Reflect c into [twice_low / 2, twice_high / 2]; returns (coordinate, d coordinate / d c)."""
    if twice_low == twice_high:
        return xp.zeros_like(c), xp.zeros_like(c)
    lo = twice_low / 2.0
    span = (twice_high - twice_low) / 2.0
    c = c - lo
    sign = xp.where(c < 0, -1.0, 1.0).astype(c.dtype)
    c = xp.abs(c)
    extra = xp.fmod(c, span)
    flips = xp.floor(c / span)
    even = (flips % 2) == 0
    out = xp.where(even, extra + lo, span - extra + lo)
    return out.astype(c.dtype, copy=False), xp.where(even, sign, -sign)


def _clip(xp, c, size: int):
    """Clip c into [0, size - 1]; d/dc is 1 strictly inside and 0 elsewhere (PyTorch counts
    the bounds as outside for the gradient)."""
    inside = (c > 0) & (c < size - 1)
    return xp.clip(c, 0, size - 1), inside.astype(c.dtype)


def source_coords(xp, g, size: int, padding_mode: str, align_corners: bool):
    """Pixel coordinate of the normalized coordinate g along an axis of ``size``, and its
    derivative d coordinate / d g."""
    if align_corners:
        c, scale = (g + 1) * ((size - 1) / 2.0), (size - 1) / 2.0
    else:
        c, scale = ((g + 1) * size - 1) / 2.0, size / 2.0
    mult = None
    if padding_mode == "border":
        c, mult = _clip(xp, c, size)
    elif padding_mode == "reflection":
        if align_corners:
            c, mult = _reflect(xp, c, 0, 2 * (size - 1))
        else:
            c, mult = _reflect(xp, c, -1, 2 * size - 1)
        c, m2 = _clip(xp, c, size)
        mult = mult * m2
    d = xp.full_like(c, scale) if mult is None else mult * scale
    return c, d


def _taps(xp, ix, iy, H: int, W: int, mode: str):
    """[(flat index, in-bounds mask, weight, d weight / d ix, d weight / d iy)] per neighbour,
    each of shape (N, P)."""
    if mode == "nearest":
        xn, yn = xp.rint(ix), xp.rint(iy)
        zero = xp.zeros_like(ix)
        return [_tap(xp, xn, yn, H, W, xp.ones_like(ix), zero, zero)]
    x0, y0 = xp.floor(ix), xp.floor(iy)
    x1, y1 = x0 + 1, y0 + 1
    fx0, fx1 = x1 - ix, ix - x0          # weights along x of x0 and x1
    fy0, fy1 = y1 - iy, iy - y0
    return [_tap(xp, x0, y0, H, W, fx0 * fy0, -fy0, -fx0),
            _tap(xp, x1, y0, H, W, fx1 * fy0, fy0, -fx1),
            _tap(xp, x0, y1, H, W, fx0 * fy1, -fy1, fx0),
            _tap(xp, x1, y1, H, W, fx1 * fy1, fy1, fx1)]


def _tap(xp, xs, ys, H, W, w, dwx, dwy):
    ok = (xs >= 0) & (xs <= W - 1) & (ys >= 0) & (ys <= H - 1)
    xi = xp.where(ok, xs, 0).astype(xp.int64)
    yi = xp.where(ok, ys, 0).astype(xp.int64)
    return yi * W + xi, ok, w, dwx, dwy


def _gather(xp, xflat, idx):
    """xflat (N, C, HW) read at idx (N, P): (N, C, P)."""
    n = xp.arange(xflat.shape[0])[:, None]
    return xp.moveaxis(xflat[n, :, idx], -1, 1)


class GridSample2d(Primitive):
    """grid_sample for input (N, C, H, W) and grid (N, Ho, Wo, 2)."""
    name = "GridSampler2D"

    @staticmethod
    def forward(ctx, x, grid, mode, padding_mode, align_corners):
        xp = array_module(x)
        N, C, H, W = x.shape
        Ho, Wo = grid.shape[1], grid.shape[2]
        ix, _ = source_coords(xp, grid[..., 0].reshape(N, -1), W, padding_mode, align_corners)
        iy, _ = source_coords(xp, grid[..., 1].reshape(N, -1), H, padding_mode, align_corners)
        xflat = x.reshape(N, C, H * W)
        out = xp.zeros((N, C, Ho * Wo), dtype=x.dtype)
        for idx, ok, w, _, _ in _taps(xp, ix, iy, H, W, mode):
            v = _gather(xp, xflat, idx)
            out += xp.where(ok[:, None, :], v, 0) * w[:, None, :]
        ctx.save(x, grid)
        ctx.args = (mode, padding_mode, align_corners)
        return out.reshape(N, C, Ho, Wo)

    @staticmethod
    def backward(ctx, g):
        # out = sum_taps ok * x[tap] * w(ix, iy), ix = ix(grid_x), iy = iy(grid_y):
        #   d/dx[tap] += g * w            (scattered to each in-bounds neighbour)
        #   d/dgrid_x = sum_c g * sum_taps ok * x[tap] * dw/dix * dix/dgrid_x   (likewise y);
        #   nearest: the grid gets no gradient (piecewise constant)
        if not is_array(g):
            raise RuntimeError("grid_sample: ember does not differentiate grid_sample's backward "
                               "(create_graph=True); PyTorch does")
        x, grid = ctx.saved
        mode, padding_mode, align_corners = ctx.args
        xp = array_module(g)
        N, C, H, W = x.shape
        P = grid.shape[1] * grid.shape[2]
        ix, dix = source_coords(xp, grid[..., 0].reshape(N, -1), W, padding_mode, align_corners)
        iy, diy = source_coords(xp, grid[..., 1].reshape(N, -1), H, padding_mode, align_corners)
        gf = g.reshape(N, C, P)
        taps = _taps(xp, ix, iy, H, W, mode)
        gx = ggrid = None
        if ctx.needs_input_grad[0]:
            base = (xp.arange(N)[:, None, None] * C + xp.arange(C)[None, :, None]) * (H * W)
            flat = xp.zeros(N * C * H * W, dtype=x.dtype)
            for idx, ok, w, _, _ in taps:
                contrib = gf * xp.where(ok, w, 0)[:, None, :]
                where = (base + idx[:, None, :]).reshape(-1)
                flat += xp.bincount(where, weights=contrib.reshape(-1), minlength=flat.size).astype(x.dtype)
            gx = flat.reshape(x.shape)
        if ctx.needs_input_grad[1]:
            gix = xp.zeros_like(ix)
            giy = xp.zeros_like(iy)
            if mode == "bilinear":
                xflat = x.reshape(N, C, H * W)
                for idx, ok, _, dwx, dwy in taps:
                    # sum over channels of g * x[tap] (0 outside the input)
                    gv = (gf * xp.where(ok[:, None, :], _gather(xp, xflat, idx), 0)).sum(axis=1)
                    gix += gv * dwx
                    giy += gv * dwy
            ggrid = xp.stack([gix * dix, giy * diy], axis=-1).reshape(grid.shape).astype(grid.dtype, copy=False)
        return gx, ggrid, None, None, None
