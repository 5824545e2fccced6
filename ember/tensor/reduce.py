"""Reductions: public functions and Tensor methods over ``ember.ops.reduce``.

Accepts PyTorch's ``dim``/``keepdim`` and the NumPy-style aliases ``axis``/``keepdims``
that the notes use (``A.sum(axis=[0, 1])``)."""
from __future__ import annotations

from ..backend import dtypes as D
from ..ops import reduce as R
from .tensor import Tensor
from .wrap import apply, dims

__all__ = ["sum", "mean"]


def _dim_args(op, dim, keepdim, kw):
    if "axis" in kw:
        if dim is not None:
            raise TypeError(f"{op}() got multiple values for argument 'dim'")
        dim = kw.pop("axis")
    if "keepdims" in kw:
        keepdim = kw.pop("keepdims")
    if kw:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(kw)}")
    return dim, bool(keepdim)


def sum(input, dim=None, keepdim: bool = False, *, dtype=None, **kw):
    """Sum of all elements, or over ``dim`` (int or tuple); bool/int sum to int64."""
    dim, keepdim = _dim_args("sum", dim, keepdim, kw)
    axis = dims(dim, input.ndim, "sum")
    if dim is not None and isinstance(dim, (list, tuple)) and len(dim) == 0:
        axis = None
    npd = None
    if dtype is not None:
        npd = D.to_dtype(dtype).np
    elif input._data.dtype.kind in "biu":
        npd = D.int64.np
    return apply(R.Sum, input, axis=axis, keepdim=keepdim, dtype=npd)


def mean(input, dim=None, keepdim: bool = False, *, dtype=None, **kw):
    """Arithmetic mean; integer inputs raise as in PyTorch (pass dtype= to convert)."""
    dim, keepdim = _dim_args("mean", dim, keepdim, kw)
    if dtype is not None:
        input = input.to(dtype)
    if not input.is_floating_point():
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {input.dtype.name.capitalize()}")
    axis = dims(dim, input.ndim, "mean")
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        axis = None
    return apply(R.Mean, input, axis=axis, keepdim=keepdim)


for _k, _v in {"sum": sum, "mean": mean}.items():
    setattr(Tensor, _k, _v)
