"""3-d adaptive pooling and max unpooling.

``adaptive_avg_pool3d`` / ``adaptive_max_pool3d`` reuse the n-d adaptive pools of
``pooling.py`` (separable matrix products for the average, gathered windows for the
max).  ``max_unpool1d/2d/3d`` write each value at the position its index names in a
zero output (``ember/ops/unpool.py``), the partial inverse of ``max_pool*d`` with
``return_indices=True``."""
from __future__ import annotations

import numbers

from ...backend import dtypes as D
from ...ops import unpool as U
from ...tensor import amp as _amp
from ...tensor.tensor import Tensor
from ...tensor.wrap import apply
from .loss import _scalar_name
from .pooling import _adaptive_avg, _adaptive_max

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "max_unpool1d",
           "max_unpool2d", "max_unpool3d"]


# ------------------------------------------------------------------ 3-d adaptive pooling
def _check_3d(input, op: str, colon: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dim() not in (4, 5):
        raise RuntimeError(f"{op}(): Expected 4D or 5D tensor, but got{colon} {list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{_scalar_name(input)}'")


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, D, H, W) (or (C, D, H, W)) to ``output_size`` (int, or
    (d, h, w) where None keeps that input size) with adaptive windows."""
    if _amp.ON and _amp.T.on:
        return _amp.run("adaptive_avg_pool3d", adaptive_avg_pool3d, input, output_size)
    _check_3d(input, "adaptive_avg_pool3d", "")
    return _adaptive_avg(input, output_size, 3, "adaptive_avg_pool3d")


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    """Values and flat indices (d * H * W + h * W + w) of 3-d adaptive max pooling."""
    if _amp.ON and _amp.T.on:
        return _amp.run("adaptive_max_pool3d", adaptive_max_pool3d_with_indices, input, output_size)
    _check_3d(input, "adaptive_max_pool3d", ":")
    for d in range(1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"adaptive_max_pool3d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with dimension {d} being empty")
    if isinstance(output_size, (list, tuple)) and len(output_size) != 3:
        raise RuntimeError("adaptive_max_pool3d(): internal error: output_size.size() must be 3")
    return _adaptive_max(input, output_size, 3, "adaptive_max_pool3d")


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, D, H, W) to ``output_size`` with adaptive windows."""
    y, idx = adaptive_max_pool3d_with_indices(input, output_size)
    return (y, idx) if return_indices else y


# ------------------------------------------------------------------ max unpooling
def _ntuple(v, n: int) -> tuple:
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return (v,) * n


def _unpool_output_size(input: Tensor, kernel_size, stride, padding, output_size) -> list:
    """PyTorch's ``_unpool_output_size``: the default (in - 1) * stride + kernel - 2 * pad,
    or ``output_size`` (its last n entries) when within one stride of it."""
    n = len(kernel_size)
    default = [(input.shape[input.dim() - n + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
               for d in range(n)]
    if output_size is None:
        ret = default
    else:
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a "
                             f"length of '{len(output_size)}'")
        for d in range(n):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
        ret = output_size
    for d in range(n):
        if ret[d] < 0:
            raise ValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={ret[d]}")
    return [int(r) for r in ret]


def _max_unpool(input: Tensor, indices: Tensor, out_size: list, nd: int) -> Tensor:
    """Checks (PyTorch's messages) and the primitive; ``nd`` is 2 for 1-d and 2-d."""
    name = f"max_unpooling{nd}d"
    if indices.dtype != D.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {_scalar_name(indices)}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to {name} should be a {nd + 1}d or {nd + 2}d Tensor, but got a tensor with "
                           f"{input.dim()} dimensions.")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"max_unpool{nd}d\" not implemented for '{_scalar_name(input)}'")
    if any(s <= 0 for s in input.shape[-nd:]):
        raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but got "
                           f"{list(input.shape)}")
    plane = 1
    for s in out_size:
        plane *= s
    idx = indices._data
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= plane:
            bad = lo if lo < 0 else hi
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(map(str, out_size))})")
    batched = input.dim() == nd + 2
    x = input if batched else input.unsqueeze(0)
    i = idx if batched else idx[None]
    op = U.MaxUnpool3D if nd == 3 else U.MaxUnpool2D
    y = apply(op, x, indices=i, out_size=tuple(out_size))
    return y if batched else y.squeeze(0)


def _tensor_arg(input, indices, op: str) -> Tensor:
    for what, pos, v in (("input", 1, input), ("indices", 2, indices)):
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}(): argument '{what}' (position {pos}) must be Tensor, not {type(v).__name__}")
    return input


def _int_arg(v, what: str, op: str):
    items = v if isinstance(v, (list, tuple)) else (v,)
    for a in items:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{op}(): argument '{what}' must be tuple of ints, but found element of type "
                            f"{type(a).__name__}")
    return v


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Inverse of ``max_pool1d`` over (N, C, L): values at their indices, zeros elsewhere."""
    k = _ntuple(_int_arg(kernel_size, "kernel_size", "max_unpool1d"), 1)
    s = _ntuple(stride, 1) if stride is not None else k
    p = _ntuple(padding, 1)
    out = _unpool_output_size(_tensor_arg(input, indices, "max_unpool1d"), k, s, p, output_size)
    # as PyTorch: a 2-d unpooling of (N, C, L, 1)
    return _max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), out + [1], 2).squeeze(-1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Inverse of ``max_pool2d`` over (N, C, H, W): values at their flat indices h * W + w."""
    k = _ntuple(_int_arg(kernel_size, "kernel_size", "max_unpool2d"), 2)
    s = _ntuple(stride, 2) if stride is not None else k
    p = _ntuple(padding, 2)
    out = _unpool_output_size(_tensor_arg(input, indices, "max_unpool2d"), k, s, p, output_size)
    return _max_unpool(input, indices, out, 2)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Inverse of ``max_pool3d`` over (N, C, D, H, W)."""
    k = _ntuple(_int_arg(kernel_size, "kernel_size", "max_unpool3d"), 3)
    s = _ntuple(stride, 3) if stride is not None else k
    p = _ntuple(padding, 3)
    out = _unpool_output_size(_tensor_arg(input, indices, "max_unpool3d"), k, s, p, output_size)
    return _max_unpool(input, indices, out, 3)
