"""Pooling: max/avg pooling (1-d, 2-d, 3-d), adaptive avg/max pooling and power-average pooling.

Fixed-window pools check their arguments (PyTorch's messages) and apply the
primitives of ``ember/ops/pool.py``.  Adaptive pools reduce to a fixed window when
the input size is a multiple of the output size; otherwise adaptive average pooling
is two small matrix products (the windows are separable: y = A_h x A_w^T, where row i
of A averages input positions floor(i S / O) .. ceil((i + 1) S / O) - 1), and
adaptive max pooling gathers the windows (padded by repeating their last element)
and takes the max along each dim in turn (a max over a rectangle is the max of the
row maxima)."""
from __future__ import annotations

import numpy as np

from ...backend.device import array_module, to_host
from ...ops import pool as P
from ...tensor.tensor import Tensor
from ...tensor.wrap import apply
from ...tensor import amp as _amp

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "lp_pool1d", "lp_pool2d"]


def _tuple(v, nd: int, what: str, op: str) -> tuple:
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return (int(v[0]),) * nd
        if len(v) != nd:
            two = {1: "one int", 2: "a tuple of two ints", 3: "a tuple of three ints"}[nd]
            raise RuntimeError(f"{op}: {what} must either be a single int, or {two}")
        return tuple(int(a) for a in v)
    return (int(v),) * nd


def _batched(input, nd: int, op: str):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() == nd + 2:
        return input, False
    if input.dim() == nd + 1:
        return input.unsqueeze(0), True
    if nd == 1:
        raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(input.shape)}")
    raise RuntimeError(f"{op}: non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input, but got "
                       f"input of size {list(input.shape)}")


def _geometry(x, kernel_size, stride, padding, dilation, ceil_mode, nd, op, is_max):
    k = _tuple(kernel_size, nd, "kernel_size", op)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else \
        _tuple(stride, nd, "stride", op)
    p = _tuple(padding, nd, "padding", op)
    d = _tuple(dilation, nd, "dilation", op)
    if any(a == 0 for a in s):
        raise RuntimeError("stride should not be zero")
    if any(a <= 0 for a in k):
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got kernel_size={list(k)}")
    if any(a <= 0 for a in s):
        raise RuntimeError(f"{op}: stride should be greater than zero, but got stride={list(s)}")
    if any(a <= 0 for a in d):
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilation={list(d)}")
    for pp, kk, dd in zip(p, k, d):
        eff = (kk - 1) * dd + 1 if is_max else kk
        if pp < 0 or pp > eff // 2:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    sp = tuple(x.shape[2:])
    geom = P.PoolGeometry(sp, k, s, p, d, bool(ceil_mode))
    if any(o < 1 for o in geom.out):
        c = x.shape[1]
        raise RuntimeError(f"{op}: Given input size: ({'x'.join(map(str, (c,) + sp))}). Calculated output size: "
                           f"({'x'.join(map(str, (c,) + geom.out))}). Output size is too small")
    return geom


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    op = f"max_pool{nd}d"
    x, added = _batched(input, nd, op)
    geom = _geometry(x, kernel_size, stride, padding, dilation, ceil_mode, nd, op, True)
    if not return_indices:
        y = apply(P.MaxPool, x, geom=geom)
        return y.squeeze(0) if added else y
    y, idx = apply(P.MaxPool, x, geom=geom, return_indices=True)
    return (y.squeeze(0), idx.squeeze(0)) if added else (y, idx)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over sliding windows of (N, C, L); indices are positions in L."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over sliding windows of (N, C, H, W) (stride defaults to the kernel size);
    indices are flat positions h * W + w in each input plane."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over sliding windows of (N, C, D, H, W)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("max_pool3d", max_pool3d, input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices)
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    op = f"avg_pool{nd}d"
    x, added = _batched(input, nd, op)
    geom = _geometry(x, kernel_size, stride, padding, 1, ceil_mode, nd, op, False)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    xp = array_module(x._data)
    dt = x._data.dtype if x._data.dtype.kind == "f" else np.dtype(np.float64)
    div = P.avg_divisor(xp, tuple(x.shape[2:]), geom, count_include_pad, divisor_override, dt)
    y = apply(P.AvgPool, x, geom=geom, divisor=div)
    return y.squeeze(0) if added else y


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of (N, C, L)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, H, W); the divisor counts the padding
    (``count_include_pad``) or not, or is ``divisor_override``."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, D, H, W)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("avg_pool3d", avg_pool3d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3)


# ------------------------------------------------------------------ adaptive pooling
def _adaptive_input(input, nd, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument "
                               f"#1 'self' (while checking arguments for {op})")
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    return input


def _output_size(output_size, input, nd, op):
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != nd:
            raise RuntimeError(f"{op}: output_size must be {nd}")
        out = tuple(input.shape[input.dim() - nd + i] if o is None else int(o) for i, o in enumerate(output_size))
    else:
        out = (int(output_size),) * nd
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{', '.join(map(str, out))}}}")
    return out


def _windows_1d(size: int, out: int):
    """Start and end (exclusive) of each of ``out`` adaptive windows over ``size``."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _avg_matrix(size: int, out: int, like: Tensor) -> Tensor:
    start, end = _windows_1d(size, out)
    j = np.arange(size)
    a = ((j >= start[:, None]) & (j < end[:, None])) / (end - start)[:, None]
    from ...tensor.creation import as_array
    return Tensor._make(as_array(a.astype(like._data.dtype), device=like.device))


def _adaptive_avg(input, output_size, nd, op):
    if _amp.ON and _amp.T.on:  # one unit for autocast: the matrix products inside stay in the input's dtype
        return _amp.run("adaptive_avg_pool", _adaptive_avg, input, output_size, nd, op)
    x = _adaptive_input(input, nd, op)
    sp = tuple(x.shape[-nd:])
    out = _output_size(output_size, x, nd, op)
    if x.dtype.is_floating_point is False:
        raise RuntimeError(f"\"{op}\" not implemented for '{str(x.dtype).replace('ember.', '').title()}'")
    if all(o > 0 and s % o == 0 for s, o in zip(sp, out)) and x.numel() > 0:
        if all(o == 1 for o in out):
            return x.mean(tuple(range(-nd, 0)), keepdim=True)
        k = tuple(s // o for s, o in zip(sp, out))
        xb, added = (x.unsqueeze(0), True) if x.dim() == nd + 1 else (x, False)
        geom = P.PoolGeometry(sp, k, k, (0,) * nd, (1,) * nd, False)
        y = apply(P.AvgPool, xb, geom=geom, divisor=float(np.prod(k)))
        return y.squeeze(0) if added else y
    y = x
    for i in range(nd):  # along each spatial dim: y <- y @ A^T on that dim
        ax = x.dim() - nd + i
        a = _avg_matrix(sp[i], out[i], x)
        y = (y.movedim(ax, -1) @ a.t()).movedim(-1, ax) if ax != x.dim() - 1 else y @ a.t()
    return y


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, L) to length ``output_size`` with adaptive windows."""
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, H, W) to ``output_size`` (int, or (h, w) where None keeps
    that input size) with adaptive windows."""
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def _adaptive_max(input, output_size, nd, op):
    x = _adaptive_input(input, nd, op)
    xb, added = (x.unsqueeze(0), True) if x.dim() == nd + 1 else (x, False)
    sp = tuple(xb.shape[2:])
    out = _output_size(output_size, xb, nd, op)
    if any(s == 0 for s in sp) and xb.numel():
        raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                           f"has sizes {list(xb.shape)} with dimension 2 being empty")
    if all(o > 0 and s % o == 0 for s, o in zip(sp, out)):
        k = tuple(s // o for s, o in zip(sp, out))
        geom = P.PoolGeometry(sp, k, k, (0,) * nd, (1,) * nd, False)
        y, idx = apply(P.MaxPool, xb, geom=geom, return_indices=True)
    else:
        y, idx = _adaptive_max_gather(xb, sp, out)
    if added:
        y, idx = y.squeeze(0), idx.squeeze(0)
    return y, idx


def _adaptive_max_gather(x, sp, out):
    """Max over adaptive windows one spatial dim at a time (last dim first), tracking
    the position of the maximum in each dim; returns (values, flat indices)."""
    from ...tensor.creation import as_array
    nd = len(sp)
    y = x
    pos = []  # per dim (from the last), the chosen input position, shaped like the current y
    for i in reversed(range(nd)):
        ax = 2 + i
        start, end = _windows_1d(sp[i], out[i])
        kmax = int((end - start).max()) if out[i] else 1
        idx = np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1) if out[i] else \
            np.zeros((0, 1), np.int64)
        it = Tensor._make(as_array(idx.astype(np.int64), device=x.device))
        moved = y.movedim(ax, -1)                         # (..., S_i)
        win = moved[..., it]                              # (..., O_i, kmax)
        y, a = win.max(-1)                                # (..., O_i)
        p_i = _sel(idx, to_host(a._data))               # the input position chosen along this dim
        # positions chosen earlier (for later dims) follow the selection made along this dim
        pos = [np.moveaxis(np.take_along_axis(np.moveaxis(q, ax, -1), p_i, -1), -1, ax) for q in pos]
        y = y.movedim(-1, ax)
        pos.append(np.moveaxis(p_i, -1, ax))
    flat = None
    for j, q in enumerate(reversed(pos)):  # dims in order 0..nd-1
        stride = int(np.prod(sp[j + 1:]))
        flat = q * stride if flat is None else flat + q * stride
    return y, Tensor._make(as_array(flat.astype(np.int64), device=x.device))


def _sel(idx, a):
    """Positions (along the current dim) picked by window argmax ``a``: idx[o, a[..., o]]."""
    o = np.arange(idx.shape[0])
    return idx[o, a]


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) to ``output_size`` with adaptive windows."""
    y, idx = _adaptive_max(input, output_size, 1, "adaptive_max_pool1d")
    return (y, idx) if return_indices else y


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, H, W) to ``output_size`` with adaptive windows; indices
    are flat positions h * W + w."""
    y, idx = _adaptive_max(input, output_size, 2, "adaptive_max_pool2d")
    return (y, idx) if return_indices else y


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 2, "adaptive_max_pool2d")


# ------------------------------------------------------------------ power-average pooling
def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p), as PyTorch computes it (from an average pool)."""
    k = kernel_size[0] if isinstance(kernel_size, (list, tuple)) else kernel_size
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(k).pow(1.0 / norm_type)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p) over (N, C, H, W)."""
    kh, kw = (kernel_size, kernel_size) if not isinstance(kernel_size, (list, tuple)) else kernel_size
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kh * kw).pow(1.0 / norm_type)
