"""Resampling on raw arrays (NumPy or CuPy): the math behind tensor ``resize`` and ``rotate``.

Resize is separable: each axis in turn is resampled by a few weighted gathers ("taps":
output pixel i = sum_k w[i, k] * input[idx[i, k]]), so the cost is the output size times
the filter width, and leading batch dims come along for free.  Rotation samples the input at the (inverse-)rotated
coordinates of every output pixel, as ``grid_sample`` with ``align_corners=False`` and
zero padding does in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from ...backend.device import array_module

__all__ = ["resize_array", "affine_sample", "affine_output_size", "inverse_affine_matrix"]


# ------------------------------------------------------------------ resize taps
# Each axis is resampled by "taps": output pixel i is sum_k w[i, k] * input[idx[i, k]], with
# K taps per output pixel (2 for bilinear upsampling, about 2 * scale + 1 when downsampling).
def _triangle(x: np.ndarray) -> np.ndarray:
    """The bilinear kernel: 1 - |x| on [-1, 1]."""
    return np.clip(1.0 - np.abs(x), 0.0, None)


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    """Keys' cubic convolution kernel with parameter ``a`` (PIL: -0.5, PyTorch non-antialiased: -0.75)."""
    x = np.abs(x)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _filter_taps(n_in: int, n_out: int, mode: str, antialias: bool) -> tuple[np.ndarray, np.ndarray]:
    """PIL's (and PyTorch's antialiased) separable filter: output pixel ``i`` centred at
    ``(i + 0.5) * scale`` in input coordinates averages the input pixels under a kernel
    stretched by ``scale`` when downsampling (that stretch is the antialiasing); weights
    are cut at the image border and renormalised.  With ``antialias=False`` the kernel is
    not stretched, which for the triangle kernel is exactly bilinear interpolation with
    ``align_corners=False`` (border clamping included)."""
    scale = n_in / n_out
    fscale = max(scale, 1.0) if antialias else 1.0
    support = (1.0 if mode == "bilinear" else 2.0) * fscale
    centers = (np.arange(n_out, dtype=np.float64) + 0.5) * scale
    lo = np.maximum((centers - support + 0.5).astype(np.int64), 0)
    hi = np.minimum((centers + support + 0.5).astype(np.int64), n_in)
    j = lo[:, None] + np.arange(max(int((hi - lo).max()), 1))[None, :]
    dist = (j - centers[:, None] + 0.5) / fscale
    w = _triangle(dist) if mode == "bilinear" else _cubic(dist, -0.5)
    w = np.where(j < hi[:, None], w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    return np.minimum(j, n_in - 1), w / np.where(total == 0.0, 1.0, total)


def _bicubic_taps(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's non-antialiased bicubic (``a = -0.75``, ``align_corners=False``): taps at
    ``floor(src) - 1 .. floor(src) + 2`` with ``src = (i + 0.5) * scale - 0.5`` (not clamped),
    indices beyond the border clamped to the edge pixel."""
    scale = n_in / n_out
    src = (np.arange(n_out, dtype=np.float64) + 0.5) * scale - 0.5
    x0 = np.floor(src)
    k = np.arange(-1, 3)[None, :]
    idx = np.clip(x0.astype(np.int64)[:, None] + k, 0, n_in - 1)
    return idx, _cubic((src - x0)[:, None] - k, -0.75)


def _nearest_index(n_in: int, n_out: int, exact: bool) -> np.ndarray:
    """Source index of each output pixel: ``floor(i * scale)`` (PyTorch's ``nearest``) or
    ``floor((i + 0.5) * scale)`` (``nearest-exact``, which is what PIL's NEAREST does)."""
    scale = n_in / n_out
    pos = (np.arange(n_out, dtype=np.float64) + (0.5 if exact else 0.0)) * scale
    return np.minimum(np.floor(pos).astype(np.int64), n_in - 1)


def _apply_taps(img, idx: np.ndarray, w: np.ndarray, axis: int):
    """Resample ``img`` along ``axis`` (-2 or -1) with taps ``idx``/``w`` (n_out x K)."""
    xp = array_module(img)
    shape = (-1, 1) if axis == -2 else (1, -1)
    out = None
    for k in range(idx.shape[1]):
        part = xp.take(img, xp.asarray(idx[:, k]), axis=axis) * xp.asarray(w[:, k].reshape(shape), dtype=img.dtype)
        out = part if out is None else out + part
    return out


def resize_array(img, size: tuple[int, int], mode: str, antialias: bool):
    """Resize the last two axes of an array to ``size = (h, w)``.

    ``mode``: nearest, nearest-exact (any dtype), bilinear, bicubic (float32/float64 input;
    the result keeps that dtype)."""
    xp = array_module(img)
    h_in, w_in = img.shape[-2:]
    oh, ow = size
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        rows = xp.asarray(_nearest_index(h_in, oh, exact))
        cols = xp.asarray(_nearest_index(w_in, ow, exact))
        return xp.take(xp.take(img, rows, axis=-2), cols, axis=-1)
    taps = _bicubic_taps if mode == "bicubic" and not antialias else (
        lambda n, m: _filter_taps(n, m, mode, antialias))
    # resample the axis that shrinks the most first, so the second pass works on less data
    if oh / h_in <= ow / w_in:
        return _apply_taps(_apply_taps(img, *taps(h_in, oh), axis=-2), *taps(w_in, ow), axis=-1)
    return _apply_taps(_apply_taps(img, *taps(w_in, ow), axis=-1), *taps(h_in, oh), axis=-2)


# ------------------------------------------------------------------ affine sampling
def affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """The (w, h) that holds the whole transformed image (``expand=True``), computed as
    torchvision does: transform the corners, shift to [0, w] x [0, h], and take ceil/floor
    after truncating to 1e-4 (so 1e-15 noise does not add a pixel)."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    theta = np.asarray(matrix, dtype=np.float32).reshape(2, 3)
    new = pts @ theta.T
    shift = np.array([w * 0.5, h * 0.5], dtype=np.float32)
    lo, hi = new.min(axis=0) + shift, new.max(axis=0) + shift
    tol = 1e-4
    cmax = np.ceil(np.trunc(hi / tol) * tol)
    cmin = np.floor(np.trunc(lo / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def affine_sample(img, matrix: list[float], out_size: tuple[int, int], mode: str):
    """Sample ``img`` (..., H, W, float) at ``matrix @ (x, y, 1)`` for every output pixel.

    Coordinates are centred: output pixel (row i, col j) is the point
    ``(j + 0.5 - ow / 2, i + 0.5 - oh / 2)``; its image under ``matrix`` (2x3) is read back
    in input pixels as ``x + w / 2 - 0.5``.  Points outside the input read zeros.  Returns
    ``(out, mask)``: the samples and the sampled image of an all-ones channel (how much of
    each output pixel came from inside the input), shape (oh, ow)."""
    xp = array_module(img)
    h, w = img.shape[-2:]
    ow, oh = out_size
    # The same steps in the same precision as torchvision (affine grid normalised to [-1, 1],
    # then grid_sample's un-normalisation), so nearest sampling breaks .5 ties the same way.
    dt = np.dtype(img.dtype) if np.dtype(img.dtype) == np.float64 else np.dtype(np.float32)
    theta = np.asarray(matrix, dtype=dt).reshape(2, 3) / np.array([[0.5 * w], [0.5 * h]], dtype=dt)
    xo = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow, dtype=dt)[None, :]
    yo = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh, dtype=dt)[:, None]
    gx = xo * theta[0, 0] + yo * theta[0, 1] + theta[0, 2]
    gy = xo * theta[1, 0] + yo * theta[1, 1] + theta[1, 2]
    ix = ((gx + 1) * w - 1) / 2
    iy = ((gy + 1) * h - 1) / 2
    if mode == "nearest":
        corners = [(np.rint(ix), np.rint(iy), np.ones_like(ix))]
    else:
        x0, y0 = np.floor(ix), np.floor(iy)
        fx, fy = ix - x0, iy - y0
        corners = [(x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)),
                   (x0, y0 + 1, (1 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)]
    out = xp.zeros(img.shape[:-2] + (oh, ow), dtype=img.dtype)
    mask = np.zeros((oh, ow), dtype=np.float64)
    flat = img.reshape(img.shape[:-2] + (h * w,))
    for cx, cy, wt in corners:
        inside = (cx >= 0) & (cx <= w - 1) & (cy >= 0) & (cy <= h - 1)
        wt = np.where(inside, wt, 0.0)
        idx = (np.clip(cy, 0, h - 1) * w + np.clip(cx, 0, w - 1)).astype(np.int64)
        out += xp.take(flat, xp.asarray(idx.ravel()), axis=-1).reshape(out.shape) * xp.asarray(wt, dtype=img.dtype)
        mask += wt
    return out, xp.asarray(mask, dtype=img.dtype)


def inverse_affine_matrix(center: list[float], angle: float, translate: list[float], scale: float,
                          shear: list[float]) -> list[float]:
    """torchvision's ``_get_inverse_affine_matrix``: the 2x3 matrix (row-major list) taking
    output coordinates back to input coordinates, for a rotation by ``angle`` degrees about
    ``center`` (centred pixel coordinates), then ``scale``, ``shear`` and ``translate``.

    Forward map: M = T * C * RotateScaleShear * C^-1; this returns M^-1."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    # RSS without scaling
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    # inverted rotation-scale-shear, then the inverted translations
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m
