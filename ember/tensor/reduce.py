"""Reductions: public functions and Tensor methods over ``ember.ops.reduce``.

Signatures follow PyTorch (``dim`` positional or keyword, an int or a tuple where
PyTorch allows one; ``keepdim``; ``dtype=``), plus the NumPy-style aliases
``axis``/``keepdims`` that the notes use (``A.sum(axis=[0, 1])``).  Arguments are
checked here, before NumPy sees them, with PyTorch's exception types."""
from __future__ import annotations

import builtins
import operator
import sys
import warnings

from .. import return_types as RT
from ..autograd.grad_mode import GRAD, no_grad
from ..backend import dtypes as D
from ..ops import reduce as R
from ..ops.base import normalize_axis
from .tensor import Tensor
from .wrap import apply
from . import amp as _amp

__all__ = ["sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax",
           "argmin", "var", "std", "var_mean", "std_mean", "logsumexp", "norm", "cumsum", "cumprod", "cummax",
           "cummin", "all", "any", "count_nonzero", "median", "nanmedian", "mode"]



class _Missing:
    """Marks an argument the caller did not pass (PyTorch's overloads tell ``max(x)``
    from ``max(x, None)``)."""

    def __repr__(self) -> str:
        return "<not given>"


_MISSING = _Missing()


# ----------------------------------------------------------------------------- argument checks
def _input(op: str, input) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def _aliases(op: str, dim, keepdim, kw: dict, default=None):
    """Fold NumPy's ``axis``/``keepdims`` into ``dim``/``keepdim``; reject other keywords."""
    if "axis" in kw:
        if dim is not default:
            raise TypeError(f"{op}() got multiple values for argument 'dim'")
        dim = kw.pop("axis")
    if "keepdims" in kw:
        keepdim = kw.pop("keepdims")
    if kw:
        raise TypeError(f"{op}() got an unexpected keyword argument '{next(iter(kw))}'")
    return dim, _bool(op, keepdim, "keepdim")


def _bool(op: str, value, name: str) -> bool:
    if value is True or value is False:
        return value
    if type(value).__name__ == "bool_":  # numpy.bool_
        return builtins.bool(value)
    raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}")


def _int(op: str, d) -> int:
    if isinstance(d, builtins.bool):
        raise TypeError(f"{op}(): argument 'dim' must be int or tuple of ints, not bool")
    try:
        return operator.index(d)
    except TypeError:
        raise TypeError(f"{op}(): argument 'dim' must be int or tuple of ints, not {type(d).__name__}") from None


def _axes(op: str, dim, ndim: int, multi: bool = True):
    """``dim`` as a sorted tuple of non-negative axes, or None for all axes.

    An empty tuple means all axes (PyTorch's convention for sum, mean, amax...); a
    0-d tensor accepts dim 0 and -1, and reduces over its single element."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if not multi:
            raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
        out = [normalize_axis(_int(op, d), ndim) for d in dim]
        for k, d in enumerate(out):
            if d in out[:k]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        if not out or ndim == 0:
            return None
        return tuple(sorted(out))
    d = normalize_axis(_int(op, dim), ndim)
    return None if ndim == 0 else (d,)


def _one_axis(op: str, dim, ndim: int) -> int:
    """A single int dim, normalised (0 for a 0-d tensor)."""
    if isinstance(dim, (list, tuple)):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return normalize_axis(_int(op, dim), ndim)


def _name(t: Tensor) -> str:
    return t.dtype.scalar_name


def _dtype(dtype):
    return None if dtype is None else D.to_dtype(dtype)


def _int_result(op: str, input: Tensor, dtype):
    """NumPy dtype of sum/prod/cumsum/cumprod results: ``dtype=`` if given, int64 for
    bool and integer inputs (as PyTorch), else None (the input's)."""
    if dtype is not None:
        d = D.to_dtype(dtype)
        if not d.is_floating_point and input._rg and GRAD[0]:
            raise RuntimeError(f"Autograd not support dtype: {d.scalar_name}")
        return d.np
    if input._data.dtype.kind in "biu":
        return D.int64.np
    return None


def _nonempty(op: str, input: Tensor, axes, error=IndexError) -> None:
    """Max-like reductions have no identity: reducing over an empty dim raises."""
    shape = input._data.shape
    if axes is None:
        if input._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return
    for a in axes:
        if shape[a] == 0:
            raise error(f"{op}(): Expected reduction dim {a} to have non-zero size.")


def _const(op, *args, **kwargs) -> Tensor:
    """Apply a primitive whose result carries no gradient (indices, booleans, counts)."""
    with no_grad():
        return apply(op, *args, **kwargs)


def _indices(t: Tensor) -> Tensor:
    """The index output of a multi-output primitive, as a plain int64 tensor (no grad)."""
    return Tensor._make(t._data)


# ----------------------------------------------------------------------------- sums and means
def sum(input, dim=None, keepdim: bool = False, *, dtype=None, **kw) -> Tensor:
    """Sum of all elements, or over ``dim`` (int or tuple); bool/int inputs sum to int64."""
    if _amp.ON and _amp.T.on:
        return _amp.run("sum", sum, input, dim, keepdim, dtype=dtype, **kw)
    dim, keepdim = _aliases("sum", dim, keepdim, kw)
    _input("sum", input)
    axis = _axes("sum", dim, input.ndim)
    npd = _int_result("sum", input, dtype)
    return apply(R.Sum if dim is None else R.SumDim, input, axis=axis, keepdim=keepdim, dtype=npd)


def nansum(input, dim=None, keepdim: bool = False, *, dtype=None, **kw) -> Tensor:
    """Sum treating NaN as zero."""
    dim, keepdim = _aliases("nansum", dim, keepdim, kw)
    _input("nansum", input)
    axis = _axes("nansum", dim, input.ndim)
    npd = _int_result("nansum", input, dtype)
    if input._data.dtype.kind != "f":
        return apply(R.Sum if dim is None else R.SumDim, input, axis=axis, keepdim=keepdim, dtype=npd)
    return apply(R.Nansum, input, axis=axis, keepdim=keepdim, dtype=npd)


def mean(input, dim=None, keepdim: bool = False, *, dtype=None, **kw) -> Tensor:
    """Arithmetic mean; integer inputs raise as in PyTorch (pass dtype= to convert)."""
    dim, keepdim = _aliases("mean", dim, keepdim, kw)
    _input("mean", input)
    d = _dtype(dtype)
    if d is not None:
        if not d.is_floating_point:
            raise RuntimeError(f"mean(): could not infer output dtype. Optional dtype must be either a floating "
                               f"point or complex dtype. Got: {d.scalar_name}")
        input = input.to(d)
    if not input.is_floating_point():
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {_name(input)}")
    axis = _axes("mean", dim, input.ndim)
    return apply(R.Mean if dim is None else R.MeanDim, input, axis=axis, keepdim=keepdim)


def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None, **kw) -> Tensor:
    """Mean of the non-NaN elements: nansum / count (so its grad_fn is DivBackward0, as PyTorch's)."""
    dim, keepdim = _aliases("nanmean", dim, keepdim, kw)
    _input("nanmean", input)
    if not input.is_floating_point():
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_name(input)}")
    if dtype is not None:
        input = input.to(_dtype(dtype))
    axis = _axes("nanmean", dim, input.ndim)
    total = apply(R.Nansum, input, axis=axis, keepdim=keepdim)
    with no_grad():
        present = apply(R.Sum, _not_nan(input), axis=axis, keepdim=keepdim, dtype=input._data.dtype)
    return total / present


def _not_nan(t: Tensor) -> Tensor:
    xp_data = t._data
    return Tensor._make(xp_data == xp_data)  # NaN is the only value unequal to itself


def prod(input, dim=None, keepdim: bool = False, *, dtype=None, **kw) -> Tensor:
    """Product of all elements, or along one ``dim`` (int only, as in PyTorch)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("prod", prod, input, dim, keepdim, dtype=dtype, **kw)
    dim, keepdim = _aliases("prod", dim, keepdim, kw)
    _input("prod", input)
    if isinstance(dim, (list, tuple)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    axis = _axes("prod", dim, input.ndim)
    npd = _int_result("prod", input, dtype)
    if npd is not None and npd.kind == "f" and input._data.dtype != npd:
        input, npd = input.to(D.from_numpy_dtype(npd)), None
    return apply(R.Prod if dim is None else R.ProdDim, input, axis=axis, keepdim=keepdim, dtype=npd)


# ----------------------------------------------------------------------------- max, min and friends
def _ember():
    return sys.modules["ember"]


def _extreme(op: str, full, along, input, dim, keepdim, kw):
    """max/min: full reduction, (values, indices) along a dim, or the binary form."""
    other = kw.pop("other", _MISSING)
    if isinstance(dim, Tensor) or other is not _MISSING:
        if kw or keepdim is not False:
            raise TypeError(f"{op}() received an invalid combination of arguments")
        other = dim if other is _MISSING else other
        if dim is not _MISSING and not isinstance(dim, Tensor):
            raise TypeError(f"{op}() received an invalid combination of arguments - got both dim and other")
        if not isinstance(other, Tensor):
            raise TypeError(f"{op}(): argument 'other' must be Tensor, not {type(other).__name__}")
        return getattr(_ember(), "maximum" if op == "max" else "minimum")(input, other)
    dim, keepdim = _aliases(op, dim, keepdim, kw, default=_MISSING)
    _input(op, input)
    if dim is None:
        raise TypeError(f"{op}() received an invalid combination of arguments - got (dim=NoneType): give an int "
                        f"dim, or no dim for the overall {op}")
    if dim is _MISSING:
        if keepdim:
            raise TypeError(f"{op}() received an invalid combination of arguments - got (keepdim=bool), but "
                            f"expected (Tensor input), (Tensor input, int dim, bool keepdim) or (Tensor input, "
                            f"Tensor other)")
        _nonempty(op, input, None)
        return apply(full, input)
    axis = _one_axis(op, dim, input.ndim)
    return _along(op, along, RT.__dict__[op], input, axis, keepdim)


def _along(op, prim, result_type, input, axis, keepdim):
    """Run a (values, indices) primitive along one axis; 0-d inputs act as 1-element vectors."""
    if input.ndim == 0:
        vals, idx = apply(prim, input.reshape(1), axis=0, keepdim=False)
    else:
        _nonempty(op if op != "nanmedian" else "median", input, (axis,))
        vals, idx = apply(prim, input, axis=axis, keepdim=keepdim)
    return result_type((vals, _indices(idx)))


def max(input, dim=_MISSING, keepdim: bool = False, **kw):
    """max(input) -> the largest element; max(input, dim, keepdim=False) ->
    ``return_types.max(values, indices)``; max(input, other) -> elementwise maximum."""
    return _extreme("max", R.MaxAll, R.MaxDim, input, dim, keepdim, kw)


def min(input, dim=_MISSING, keepdim: bool = False, **kw):
    """min(input), min(input, dim, keepdim=False) or min(input, other), as ``max``."""
    return _extreme("min", R.MinAll, R.MinDim, input, dim, keepdim, kw)


def _amax_like(op, prim, input, dim, keepdim, kw):
    dim, keepdim = _aliases(op, dim, keepdim, kw, default=())
    _input(op, input)
    axis = _axes(op, dim, input.ndim)
    _nonempty(op, input, axis)
    return apply(prim, input, axis=axis, keepdim=keepdim)


def amax(input, dim=(), keepdim: bool = False, **kw) -> Tensor:
    """Max over ``dim`` (int or tuple; all dims by default), values only; ties share the gradient."""
    return _amax_like("amax", R.Amax, input, dim, keepdim, kw)


def amin(input, dim=(), keepdim: bool = False, **kw) -> Tensor:
    """Min over ``dim`` (int or tuple; all dims by default); ties share the gradient."""
    return _amax_like("amin", R.Amin, input, dim, keepdim, kw)


def aminmax(input, *, dim=None, keepdim: bool = False, **kw):
    """``return_types.aminmax(min, max)`` over all elements or one dim."""
    dim, keepdim = _aliases("aminmax", dim, keepdim, kw)
    _input("aminmax", input)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                               "has no identity.")
        axis = None
        if keepdim:
            axis = tuple(range(input.ndim)) or None
    else:
        a = _one_axis("aminmax", dim, input.ndim)
        axis = None if input.ndim == 0 else (a,)
        if axis and input._data.shape[a] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {a} to have non-zero size.")
    lo, hi = apply(R.Aminmax, input, axis=axis, keepdim=keepdim)
    return RT.aminmax((lo, hi))


def _arg(op: str, input, dim, keepdim, kw) -> Tensor:
    dim, keepdim = _aliases(op, dim, keepdim, kw)
    _input(op, input)
    if input.dtype is D.bool_:
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        flat = input.reshape(-1) if input.ndim != 1 else input
        out = _const(R.MaxDim if op == "argmax" else R.MinDim, flat, axis=0, keepdim=False)[1]
        return Tensor._make(out._data.reshape((1,) * input.ndim)) if keepdim else out
    axis = _one_axis(op, dim, input.ndim)
    if input.ndim == 0:
        return Tensor._make(_xp(input._data).zeros((), dtype=D.int64.np))
    _nonempty(op, input, (axis,))
    return _const(R.MaxDim if op == "argmax" else R.MinDim, input, axis=axis, keepdim=keepdim)[1]


def argmax(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None); first one on ties."""
    return _arg("argmax", input, dim, keepdim, kw)


def argmin(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    return _arg("argmin", input, dim, keepdim, kw)


def _median_like(op, full, along, input, dim, keepdim, kw):
    dim, keepdim = _aliases(op, dim, keepdim, kw, default=_MISSING)
    _input(op, input)
    if input.dtype is D.bool_:
        raise RuntimeError(f'"{op}_cpu" not implemented for \'Bool\'')
    if dim is _MISSING:
        if keepdim:
            raise TypeError(f'{op}() missing 1 required positional arguments: "dim"')
        return apply(full, input)
    if dim is None:
        raise TypeError(f"{op}(): argument 'dim' must be int, not NoneType")
    return _along(op, along, RT.__dict__[op], input, _one_axis(op, dim, input.ndim), keepdim)


def median(input, dim=_MISSING, keepdim: bool = False, **kw):
    """Lower median of all elements, or ``return_types.median(values, indices)`` along ``dim``."""
    return _median_like("median", R.MedianAll, R.MedianDim, input, dim, keepdim, kw)


def nanmedian(input, dim=_MISSING, keepdim: bool = False, **kw):
    """median ignoring NaNs."""
    return _median_like("nanmedian", R.NanmedianAll, R.NanmedianDim, input, dim, keepdim, kw)


def mode(input, dim: int = -1, keepdim: bool = False, **kw):
    """``return_types.mode(values, indices)``: the most frequent value along ``dim``
    (the smallest one on ties, at its last occurrence)."""
    dim, keepdim = _aliases("mode", dim, keepdim, kw, default=-1)
    _input("mode", input)
    return _along("mode", R.ModeDim, RT.mode, input, _one_axis("mode", dim, input.ndim), keepdim)


# ----------------------------------------------------------------------------- variance
def _var_args(op, input, dim, unbiased, keepdim, correction, kw):
    """Sort out var/std's overloads: (dim, unbiased, keepdim), (unbiased) and
    (dim, *, correction, keepdim)."""
    dim, keepdim = _aliases(op, dim, keepdim, kw)
    _input(op, input)
    if isinstance(dim, builtins.bool):  # var(input, unbiased)
        if unbiased is not None:
            raise TypeError(f"{op}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None:
        if correction is not None:
            raise TypeError(f"{op}() received an invalid combination of arguments - got both 'unbiased' and "
                            f"'correction'; give one of them")
        if not isinstance(unbiased, builtins.bool):
            raise TypeError(f"{op}(): argument 'unbiased' must be bool, not {type(unbiased).__name__}")
        correction = 1 if unbiased else 0
    elif correction is None:
        correction = 1
    if not input.is_floating_point():
        which = op if op in ("var_mean", "std_mean") else "std and var"
        raise RuntimeError(f"{which} only support floating point and complex dtypes")
    axis = _axes(op, dim, input.ndim)
    shape = input._data.shape
    n = 1
    for i, size in enumerate(shape):
        if axis is None or i in axis:
            n *= size
    if n - correction <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      f"reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return axis, keepdim, correction


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, **kw) -> Tensor:
    """Variance over ``dim``; unbiased (correction=1) by default, ``unbiased=False`` or
    ``correction=0`` for the population variance."""
    axis, keepdim, c = _var_args("var", input, dim, unbiased, keepdim, correction, kw)
    return apply(R.Var, input, axis=axis, keepdim=keepdim, correction=c)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, **kw) -> Tensor:
    """Standard deviation (sqrt of ``var``, same arguments)."""
    axis, keepdim, c = _var_args("std", input, dim, unbiased, keepdim, correction, kw)
    return apply(R.Std, input, axis=axis, keepdim=keepdim, correction=c)


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, **kw):
    """(var, mean) as a plain tuple, as PyTorch returns it."""
    axis, keepdim, c = _var_args("var_mean", input, dim, unbiased, keepdim, correction, kw)
    return apply(R.VarMean, input, axis=axis, keepdim=keepdim, correction=c)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, **kw):
    """(std, mean) as a plain tuple."""
    axis, keepdim, c = _var_args("std_mean", input, dim, unbiased, keepdim, correction, kw)
    return apply(R.StdMean, input, axis=axis, keepdim=keepdim, correction=c)


# ----------------------------------------------------------------------------- logsumexp, norms
def logsumexp(input, dim=_MISSING, keepdim: bool = False, **kw) -> Tensor:
    """log(sum(exp(x))) over ``dim``, stable for large inputs; integers give floats."""
    if _amp.ON and _amp.T.on:
        return _amp.run("logsumexp", logsumexp, input, dim, keepdim, **kw)
    dim, keepdim = _aliases("logsumexp", dim, keepdim, kw, default=_MISSING)
    _input("logsumexp", input)
    if dim is _MISSING:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if isinstance(dim, (list, tuple)) and not dim and input.ndim:
        raise RuntimeError(f"logsumexp(): dim=() reduces over no dimension: output with shape [] doesn't match "
                           f"the broadcast shape {[1] * input.ndim}")
    axis = _axes("logsumexp", dim, input.ndim)
    if not input.is_floating_point():
        input = input.to(D.get_default_dtype())
    return apply(R.Logsumexp, input, axis=axis, keepdim=keepdim)


def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """Vector p-norm (p = 2 default, 1, inf, -inf, 0, any float) over ``dim`` or all
    elements; ``'fro'`` is the 2-norm, ``'nuc'`` the nuclear norm of matrices."""
    if _amp.ON and _amp.T.on:
        return _amp.run("norm", norm, input, p, dim, keepdim, out, dtype=dtype)
    _input("norm", input)
    keepdim = _bool("linalg_vector_norm", keepdim, "keepdim")
    if out is not None:
        raise TypeError("norm(): out= is not supported by ember; assign the result instead")
    if not input.is_floating_point():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_name(input)}")
    if dtype is not None:
        d = D.to_dtype(dtype)
        if not d.is_floating_point:
            raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                               f"{d.scalar_name}")
        input = input.to(d)
    if isinstance(p, str):
        seq = isinstance(dim, (list, tuple))
        if p == "fro" and (not seq or len(dim) <= 2):
            p = 2.0
        else:
            dims = list(range(input.ndim)) if dim is None else (list(dim) if seq else [dim])
            if len(dims) != 2:
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
            _axes("norm", dims, input.ndim)  # range and repeats
            if p != "nuc":
                raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
            i, j = (normalize_axis(_int("norm", d), input.ndim) for d in dims)
            return apply(R.NuclearNorm, input, axes=(i, j), keepdim=keepdim)
    elif p is None:
        p = 2.0
    elif not isinstance(p, (int, float)) and not hasattr(p, "__float__"):
        raise TypeError(f"norm(): argument 'p' must be a number or a string, not {type(p).__name__}")
    p = float(p)
    axis = _axes("norm", dim, input.ndim)
    if p in (float("inf"), float("-inf")):
        shape = input._data.shape
        if axis is None and input._data.size == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor because "
                               f"the operation does not have an identity")
        for a in axis or ():
            if shape[a] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {a} "
                                   f"because this dimension is empty and the operation does not have an identity")
    return apply(R.Norm, input, p=p, axis=axis, keepdim=keepdim)


# ----------------------------------------------------------------------------- scans
def _scan_dim(op, dim, kw):
    if "axis" in kw:
        if dim is not _MISSING:
            raise TypeError(f"{op}() got multiple values for argument 'dim'")
        dim = kw.pop("axis")
    if kw:
        raise TypeError(f"{op}() got an unexpected keyword argument '{next(iter(kw))}'")
    if dim is _MISSING:
        raise TypeError(f'{op}() missing 1 required positional arguments: "dim"')
    return dim


def cumsum(input, dim=_MISSING, *, dtype=None, **kw) -> Tensor:
    """Running sum along ``dim``; bool/int inputs accumulate in int64."""
    if _amp.ON and _amp.T.on:
        return _amp.run("cumsum", cumsum, input, dim, dtype=dtype, **kw)
    dim = _scan_dim("cumsum", dim, kw)
    _input("cumsum", input)
    axis = _one_axis("cumsum", dim, input.ndim)
    return apply(R.Cumsum, input, axis=axis, dtype=_int_result("cumsum", input, dtype))


def cumprod(input, dim=_MISSING, *, dtype=None, **kw) -> Tensor:
    """Running product along ``dim`` (gradient exact also where the input has zeros)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("cumprod", cumprod, input, dim, dtype=dtype, **kw)
    dim = _scan_dim("cumprod", dim, kw)
    _input("cumprod", input)
    axis = _one_axis("cumprod", dim, input.ndim)
    npd = _int_result("cumprod", input, dtype)
    if npd is not None and npd.kind == "f" and input._data.dtype != npd:
        input, npd = input.to(D.from_numpy_dtype(npd)), None
    return apply(R.Cumprod, input, axis=axis, dtype=npd)


def _cumext(op, prim, rt, input, dim, kw):
    dim = _scan_dim(op, dim, kw)
    _input(op, input)
    axis = _one_axis(op, dim, input.ndim)
    vals, idx = apply(prim, input, axis=axis)
    return rt((vals, _indices(idx)))


def cummax(input, dim=_MISSING, **kw):
    """``return_types.cummax(values, indices)``: the running max along ``dim``."""
    return _cumext("cummax", R.Cummax, RT.cummax, input, dim, kw)


def cummin(input, dim=_MISSING, **kw):
    """``return_types.cummin(values, indices)``: the running min along ``dim``."""
    return _cumext("cummin", R.Cummin, RT.cummin, input, dim, kw)


# ----------------------------------------------------------------------------- logical reductions
def _logical(op: str, input, dim, keepdim, kw) -> Tensor:
    dim, keepdim = _aliases(op, dim, keepdim, kw)
    _input(op, input)
    data = input._data
    if isinstance(dim, (list, tuple)) and not dim:  # reduce over nothing: elementwise truth
        out = data != 0 if data.dtype.kind != "b" else data.copy()
    else:
        axis = _axes(op, dim, input.ndim)
        with no_grad():
            out = getattr(_xp(data), op)(data, axis=axis, keepdims=keepdim)
        out = _xp(data).asarray(out)
    if data.dtype == D.uint8.np:
        out = out.astype(D.uint8.np)  # PyTorch keeps uint8 for all/any of uint8
    return Tensor._make(out)


def _xp(data):
    from ..backend.device import array_module
    return array_module(data)


def all(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    """True if every element (along ``dim``) is nonzero; a bool tensor (uint8 for uint8 input)."""
    return _logical("all", input, dim, keepdim, kw)


def any(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    """True if some element (along ``dim``) is nonzero."""
    return _logical("any", input, dim, keepdim, kw)


def count_nonzero(input, dim=None, **kw) -> Tensor:
    """Number of nonzero elements (along ``dim``, int or tuple), as int64."""
    dim, _ = _aliases("count_nonzero", dim, False, kw)
    _input("count_nonzero", input)
    axis = _axes("count_nonzero", dim, input.ndim)
    data = input._data
    xp = _xp(data)
    return Tensor._make(xp.asarray(xp.count_nonzero(data, axis=axis), dtype=D.int64.np))


# ----------------------------------------------------------------------------- Tensor methods
def _cumsum_(self, dim=_MISSING, *, dtype=None, **kw):
    return self._commit_inplace(cumsum(self, dim, dtype=dtype, **kw), "cumsum_")


def _cumprod_(self, dim=_MISSING, *, dtype=None, **kw):
    return self._commit_inplace(cumprod(self, dim, dtype=dtype, **kw), "cumprod_")


def _tensor_norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    return norm(self, p, dim, keepdim, dtype=dtype)


_METHODS = {name: globals()[name] for name in __all__ if name not in ("var_mean", "std_mean", "norm")}
_METHODS.update({"norm": _tensor_norm, "cumsum_": _cumsum_, "cumprod_": _cumprod_})
for _k, _v in _METHODS.items():
    setattr(Tensor, _k, _v)
