"""Spatial transformer sampling: ``affine_grid`` (the sampling grid of a batch of 2-D
affine transforms) and ``grid_sample`` (read an image at the grid's points), for 4-D
inputs.  grid_sample is one primitive (``ember/ops/grid_sample.py``); affine_grid is
a matrix product of a fixed base grid with theta, differentiable in theta."""
from __future__ import annotations

import warnings

from ...backend import dtypes as D
from ...errors import UnsupportedError
from ...ops.grid_sample import GridSample2d
from ...tensor.tensor import Tensor
from ...tensor.wrap import apply

__all__ = ["grid_sample", "affine_grid"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _align(align_corners) -> bool:
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (N, C, H, W) at ``grid`` (N, Ho, Wo, 2) of normalized (x, y)
    points in [-1, 1]: bilinearly or at the nearest pixel; points outside read zeros,
    the border, or the image reflected (``padding_mode``).  Output (N, C, Ho, Wo)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"grid_sampler(): argument '{name}' must be Tensor, not {type(t).__name__}")
    align = _align(align_corners)
    if mode == "bicubic":
        raise UnsupportedError("grid_sample(mode='bicubic') is not supported by ember (bilinear and nearest are)")
    if input.ndim == 5:
        raise UnsupportedError("grid_sample on 5-D (volumetric) input is not supported by ember (4-D input is)")
    if input.ndim != 4:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.ndim != 4:
        raise RuntimeError(f"grid_sampler(): expected grid to have 4 dimensions, but got grid with sizes "
                           f"{list(grid.shape)}")
    if grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input "
                           f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.device != grid.device:
        raise RuntimeError(f"grid_sampler(): expected input and grid to be on same device, but input is on "
                           f"{input.device} and grid is on {grid.device}")
    if not input.dtype.is_floating_point:
        # PyTorch's "kernel not implemented for dtype" error (NotImplementedError, a RuntimeError)
        raise NotImplementedError(f"\"grid_sampler_2d_cpu_kernel_impl\" not implemented for '{_name(input.dtype)}'")
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"expected scalar type {_name(input.dtype)} but found {_name(grid.dtype)}")
    if any(s == 0 for s in input.shape[2:]):
        raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                           f"sizes {list(input.shape)} with dimension 2 being empty")
    return apply(GridSample2d, input, grid, mode, padding_mode, align)


def _name(dt: D.dtype) -> str:
    return dt.scalar_name


def _linspace_from_neg_one(n: int, align: bool, dtype, device) -> Tensor:
    """PyTorch's base-grid coordinates: n points over [-1, 1] (pixel corners) or the pixel
    centres (1 - 1/n) * [-1, 1]; a single point is 0."""
    from ...tensor.factory import linspace, zeros
    if n <= 1:
        return zeros(1, dtype=dtype, device=device)
    r = linspace(-1.0, 1.0, n, dtype=dtype, device=device)
    return r if align else r * ((n - 1) / n)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The (N, H, W, 2) grid of normalized (x, y) points that ``grid_sample`` needs to
    apply the affine maps ``theta`` (N, 2, 3) to an image batch of ``size`` (N, C, H, W):
    grid[n, h, w] = theta[n] @ (x_w, y_h, 1)."""
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid(): argument 'theta' must be Tensor, not {type(theta).__name__}")
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 5:
        raise UnsupportedError("affine_grid for 3-D transforms (5-D sizes) is not supported by ember (4-D sizes are)")
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                         f"{theta.shape}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    align = _align(align_corners)
    N, _, H, W = size
    if align and min(H, W) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    if theta.shape[0] != N:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{N}, 3] but got: "
                           f"[{theta.shape[0]}, 3].")
    from ...tensor.factory import ones
    from ...tensor.shape import stack
    xs = _linspace_from_neg_one(W, align, theta.dtype, theta.device)
    ys = _linspace_from_neg_one(H, align, theta.dtype, theta.device)
    base = stack([xs.reshape(1, W).expand(H, W), ys.reshape(H, 1).expand(H, W),
                  ones(H, W, dtype=theta.dtype, device=theta.device)], -1)     # (H, W, 3)
    grid = base.reshape(1, H * W, 3).matmul(theta.transpose(1, 2))            # (N, H*W, 2)
    return grid.reshape(N, H, W, 2)
