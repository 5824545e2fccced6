"""Shape and view functions over ``ember.ops.shape``."""
from __future__ import annotations

import math

from ..ops import shape as S
from .tensor import Tensor
from .wrap import normalize_axis, view_apply

__all__ = ["reshape", "permute", "transpose", "t"]


def _shape_arg(op, args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    try:
        return tuple(int(a) for a in args)
    except TypeError:
        raise TypeError(f"{op}(): argument 'shape' must be a tuple of ints, got {args!r}") from None


def infer_shape(op, shape, numel):
    """Resolve one -1 in ``shape``; RuntimeError as PyTorch's when sizes disagree."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension {min(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input, *shape):
    shape = infer_shape("reshape", _shape_arg("reshape", shape), input._data.size)
    return view_apply(S.Reshape, input, shape)


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and hasattr(shape[0], "np"):
        raise RuntimeError("view(dtype) is not supported by ember; use .to(dtype)")
    shape = infer_shape("view", _shape_arg("view", shape), input._data.size)
    return view_apply(S.Reshape, input, shape, strict=True)


def permute(input, *dims):
    dims = _shape_arg("permute", dims)
    n = input.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                           f"the length of the desired ordering of dimensions i.e. input.dim() = {n} is not "
                           f"equal to len(dims) = {len(dims)}")
    axes = tuple(normalize_axis(d, n, "permute") for d in dims)
    if len(set(axes)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_apply(S.Permute, input, axes)


def transpose(input, dim0: int, dim1: int):
    n = input.ndim
    if n == 0:
        normalize_axis(dim0, 0, "transpose")
        normalize_axis(dim1, 0, "transpose")
        return view_apply(S.Permute, input, ())
    d0, d1 = normalize_axis(dim0, n, "transpose"), normalize_axis(dim1, n, "transpose")
    axes = list(range(n))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return view_apply(S.Permute, input, tuple(axes))


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else view_apply(S.Permute, input, tuple(range(input.ndim)))


Tensor.reshape = reshape
Tensor.view = view
Tensor.permute = permute
Tensor.transpose = transpose
Tensor.t = t
Tensor.T = property(lambda self: permute(self, tuple(range(self.ndim))[::-1]))
