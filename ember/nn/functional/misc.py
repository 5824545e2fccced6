"""Miscellaneous functional ops: ``pad``, ``interpolate`` (and the deprecated
``upsample*``), ``normalize``, ``cosine_similarity``, ``pairwise_distance``,
``pdist``, ``pixel_shuffle`` / ``pixel_unshuffle``.

Padding and interpolation are separable maps built by ``ember.ops.resample`` (index
maps and interpolation taps computed once per call from the sizes); the distance
functions are compositions of differentiable tensor ops."""
from __future__ import annotations

import math
import numbers

import numpy as np

from ...autograd.node import apply
from ...ops import resample as R
from ...tensor.tensor import Tensor
from ...tensor import amp as _amp

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "normalize",
           "cosine_similarity", "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle"]



def _tensor(op: str, x, name: str = "input", pos: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


# ---------------------------------------------------------------------- pad
_PAD_SUPPORT = ("Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


_AMP_PAD = {"reflect": "reflection", "replicate": "replication"}


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad)/2 dims: ``pad = (left_last, right_last, left_2nd_last, ...)``.

    Modes: 'constant' (``value``, default 0; any number of dims; negative amounts
    crop), 'reflect' (mirror, edge not repeated), 'replicate' (edge repeated),
    'circular' (wrap around).  Non-constant modes pad 1-3 trailing dims of a 2-5-D
    input, as PyTorch allows."""
    if _amp.ON and _amp.T.on and mode in _AMP_PAD and isinstance(pad, (tuple, list)):
        # PyTorch's CPU autocast runs reflection_pad1d/2d and replication_pad1d/2d/3d in float32
        return _amp.run(f"{_AMP_PAD[mode]}_pad{len(pad) // 2}d", globals()["pad"], input, pad, mode, value)
    _tensor("pad", input)
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    for i, p in enumerate(pad):
        if isinstance(p, bool) or not isinstance(p, numbers.Integral):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                            f"{type(p).__name__} at pos {i}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.ndim
    if len(pad) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {nd}")
    k = len(pad) // 2
    pairs = [(0, 0)] * (nd - k) + [(pad[2 * (k - 1 - i)], pad[2 * (k - 1 - i) + 1]) for i in range(k)]
    if mode == "constant":
        for d, (lo, hi) in enumerate(pairs):
            if input.shape[d] + lo + hi < 0:
                raise RuntimeError(f"narrow(): length must be non-negative. (pad: padding ({lo}, {hi}) at "
                                   f"dimension {d} of input {list(input.shape)} leaves a negative size)")
        fill = 0 if value is None else value
        if input._data.dtype.kind in "iu":
            fill = int(fill)
        elif input._data.dtype.kind == "b":
            fill = bool(fill)
        else:
            fill = float(fill)
        return apply(R.ConstantPad, input, tuple(pairs), fill)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not (k in (1, 2, 3) and nd in (k + 1, k + 2)):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
                                  + _PAD_SUPPORT)
    non_batch = input.shape[1:] if nd == k + 2 else input.shape
    if any(s == 0 for s in non_batch):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    maps = []
    for d in range(nd - k, nd):
        lo, hi = pairs[d]
        n = input.shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + lo + hi <= 0:
            raise RuntimeError(f"input (size {n}) padded by ({lo}, {hi}) at dimension {d} would have a "
                               f"non-positive size")
        if lo == 0 and hi == 0:
            continue
        idx = R.pad_index_map(n, lo, hi, mode)[None]
        maps.append((d, idx, np.ones(idx.shape), n))
    name = {"reflect": "ReflectionPad", "replicate": "ReplicationPad", "circular": "CircularPad"}[mode]
    return apply(R.resample_op(f"{name}{k}D"), input, tuple(maps))


# ---------------------------------------------------------------------- interpolate
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_KERNEL = {"nearest": "compute_indices_weights_nearest", "nearest-exact": "compute_indices_weights_nearest",
           "linear": "compute_indices_weights_linear", "bilinear": "compute_indices_weights_linear",
           "trilinear": "compute_indices_weights_linear", "bicubic": "compute_indices_weights_cubic"}
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}


def _aa_taps(kind: str, n_in: int, n_out: int, scale: float):
    """Anti-aliased taps (PyTorch's separable AA filters: triangle for bilinear, Keys
    cubic with a = -0.5 for bicubic), stretched by the scale when downsampling."""
    interp = 2 if kind == "linear" else 4
    support = (interp * 0.5) * scale if scale >= 1.0 else interp * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    width = int(math.ceil(support)) * 2 + 1
    idx = np.zeros((width, n_out), dtype=np.int64)
    w = np.zeros((width, n_out))
    for i in range(n_out):  # one loop over output positions (not elements): sizes only
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xsize = min(int(center + support + 0.5), n_in) - xmin
        x = np.abs((np.arange(xsize) + xmin - center + 0.5) * invscale)
        if kind == "linear":
            f = np.where(x < 1, 1 - x, 0.0)
        else:
            a = -0.5
            f = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                         np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))
        total = f.sum()
        idx[:xsize, i] = np.arange(xsize) + xmin
        w[:xsize, i] = f / total if total != 0 else f
    return idx, w


def _nearest_taps(mode: str, n_in: int, n_out: int, scale, shortcut: bool):
    """Nearest source indices computed in float32, as PyTorch's kernels do.  PyTorch's
    2-D nearest kernel copies when out == in and halves when out == 2 in, whatever the
    scale factor (``shortcut``); its 1-D and 3-D kernels always use the scale."""
    if shortcut and n_out == n_in:
        return np.arange(n_in)[None], np.ones((1, n_out))
    if shortcut and n_out == 2 * n_in:
        return (np.arange(n_out) >> 1)[None], np.ones((1, n_out))
    s = np.float32(scale if scale is not None and scale > 0 else n_in / n_out)
    o = np.arange(n_out, dtype=np.float32)
    src = np.floor((o + np.float32(0.5)) * s) if mode == "nearest-exact" else np.floor(o * s)
    return np.minimum(src.astype(np.int64), n_in - 1)[None], np.ones((1, n_out))


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims (all dims after N, C) of a 3-, 4- or 5-D input to ``size``
    or by ``scale_factor``.

    Modes: nearest, nearest-exact, linear (3-D), bilinear / bicubic (4-D), trilinear
    (5-D) with or without ``align_corners``, and area (adaptive average pooling);
    ``antialias`` for bilinear/bicubic."""
    if _amp.ON and _amp.T.on:
        return _amp.run("interpolate" if mode != "area" else "adaptive_avg_pool", interpolate, input, size, scale_factor, mode, align_corners,
                        recompute_scale_factor, antialias)
    _tensor("interpolate", input)
    nd = input.ndim
    if mode not in _MODES or nd not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the "
                                  f"modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear "
                             "| bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    k = nd - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = [None] * k
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        if isinstance(size, (list, tuple)):
            if len(size) != k:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {spatial} and output size of {tuple(size)}. Please "
                                 f"provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                                 f"...,oK) format.")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * k
    else:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != k:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {spatial} and scale_factor of shape "
                                 f"{tuple(scale_factor)}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 f"format and scale_factor in (s1, s2, ...,sK) format.")
            sf = [float(s) for s in scale_factor]
        else:
            sf = [float(scale_factor)] * k
        out = [int(math.floor(float(n) * s)) for n, s in zip(spatial, sf)]
        if not recompute_scale_factor:
            scales = [1.0 / s if s > 0 else None for s in sf]
    if antialias and not (mode in ("bilinear", "bicubic") and nd == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         "4-D tensor as input")
    need = _NEEDS.get(mode)
    if need is not None and nd != need:
        raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {need}D input")
    if input._data.dtype.kind not in "fc":
        kernel = _KERNEL.get(mode, f"adaptive_avg_pool{k}d")
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{input.dtype.scalar_name}'")
    if any(o <= 0 for o in out) or any(n <= 0 for n in spatial):
        names = "DHW"[3 - k:]
        raise RuntimeError("Input and output sizes should be greater than 0, but got input ("
                           + ", ".join(f"{c}: {n}" for c, n in zip(names, spatial)) + ") and output ("
                           + ", ".join(f"{c}: {o}" for c, o in zip(names, out)) + ")")
    maps = []
    for i, (n_in, n_out) in enumerate(zip(spatial, out)):
        if n_in == n_out and (antialias or mode in ("linear", "bilinear", "trilinear")):
            continue  # PyTorch's linear and antialiased kernels copy an axis whose size is unchanged
        if mode in ("nearest", "nearest-exact"):
            idx, w = _nearest_taps(mode, n_in, n_out, scales[i], shortcut=(mode == "nearest" and k == 2))
        elif mode == "area":
            idx, w = R.area_taps(n_in, n_out)
        elif antialias:
            if align_corners:
                sc = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
            else:
                sc = scales[i] if scales[i] is not None else n_in / n_out
            idx, w = _aa_taps("linear" if mode == "bilinear" else "cubic", n_in, n_out, sc)
        else:
            kind = "cubic" if mode == "bicubic" else "linear"
            idx, w = R.interp_taps(kind, n_in, n_out, scales[i], align_corners)
        if n_in == n_out and idx.shape[0] == 1 and bool((idx[0] == np.arange(n_in)).all()):
            continue  # identity along this axis
        maps.append((2 + i, idx, w, n_in))
    name = {"nearest": f"UpsampleNearest{k}D", "nearest-exact": f"UpsampleNearestExact{k}D",
            "linear": "UpsampleLinear1D", "bilinear": "UpsampleBilinear2D", "trilinear": "UpsampleTrilinear3D",
            "bicubic": "UpsampleBicubic2D", "area": f"AdaptiveAvgPool{k}D"}[mode]
    if antialias:
        name += "Aa"
    return apply(R.resample_op(name), input, tuple(maps))


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------- distances
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """input / max(||input||_p along dim, eps)."""
    _tensor("normalize", input)
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    r = input / denom
    if out is not None:
        out.copy_(r)
        return out
    return r


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1/||x1|| * x2/||x2||) along ``dim`` (norms floored at eps; x1, x2 broadcast)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("cosine_similarity", cosine_similarity, x1, x2, dim, eps)
    _tensor("cosine_similarity", x1, "x1", 1)
    _tensor("cosine_similarity", x2, "x2", 2)
    from ...tensor.shape import broadcast_tensors
    a, b = broadcast_tensors(x1, x2)
    na = a.norm(2, dim, keepdim=True).clamp_min(eps)
    nb = b.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((a / na) * (b / nb)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (x1, x2 broadcast)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("pairwise_distance", pairwise_distance, x1, x2, p, eps, keepdim)
    _tensor("pairwise_distance", x1, "x1", 1)
    _tensor("pairwise_distance", x2, "x2", 2)
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """p-norm distances between all pairs of rows i < j of a 2-D input (N*(N-1)/2 values)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("pdist", pdist, input, p)
    _tensor("pdist", input)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    from ...tensor.creation import tensor as _t
    ii, jj = _t(i, device=input.device), _t(j, device=input.device)
    return (input[ii] - input[jj]).norm(p, 1)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    _tensor("pixel_shuffle", input)
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    nb = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    _tensor("pixel_unshuffle", input)
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    nb = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)
