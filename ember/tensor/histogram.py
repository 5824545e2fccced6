"""Counting ops: ``histc``, ``histogram`` and ``bincount`` (+ Tensor methods).

None is differentiable in PyTorch (histc's derivative is not implemented, the others
are marked non-differentiable), so they work on the raw arrays and return plain
tensors.  Bin placement follows PyTorch's CPU kernel exactly, so elements on or very
near a bin edge land where PyTorch puts them:

* linear bins: pos = trunc((x - left) * nbins / (right - left)) in the input's dtype;
  ``histogram`` then corrects pos against the neighbouring edges (its "local
  search"), ``histc`` does not;
* explicit edges (``histogram(x, bins_tensor)``): the last edge <= x (binary search);
* elements outside [left, right] and NaNs are skipped; x == right counts in the
  last bin.
"""
from __future__ import annotations

import numbers

from .. import return_types
from ..backend import dtypes as D
from ..backend.device import array_module
from ..ops.reduce import quiet
from .factory import linspace
from .tensor import Tensor

__all__ = ["histc", "histogram", "bincount"]

_CPP = {"float32": "float", "float64": "double", "float16": "Half", "int64": "long int", "int32": "int",
        "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _g(x: float) -> str:
    """A double as C++ streams print it (what PyTorch's messages show)."""
    return f"{x:g}"


def _tensor(op: str, x, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _not_implemented(kernel: str, t: Tensor) -> NotImplementedError:
    # PyTorch's "kernel not implemented for dtype" error (NotImplementedError, a RuntimeError)
    return NotImplementedError(f"\"{kernel}\" not implemented for '{t.dtype.scalar_name}'")


def _counts(x, edges, weight, local_search: bool, linear: bool):
    """Histogram counts of the flat array ``x`` over the 1-D array ``edges`` (PyTorch's
    histogramdd kernel, one dimension), as an array of x's dtype."""
    xp = array_module(x)
    n = edges.shape[0]
    nbins = n - 1
    left, right = edges[0], edges[n - 1]
    keep = (x >= left) & (x <= right)              # also drops NaN
    v = x[keep]
    w = None if weight is None else weight[keep]
    if linear:
        pos = ((v - left) * nbins / (right - left)).astype(xp.int64)
        if local_search:
            # upper_bound over edges[max(0, pos - 1) : min(pos + 2, n)], minus one
            lo = xp.maximum(pos - 1, 0)
            cnt = xp.zeros_like(pos)
            for off in (-1, 0, 1):
                k = pos + off
                ok = (k >= lo) & (k < n)
                cnt += ok & (edges[xp.clip(k, 0, n - 1)] <= v)
            pos = lo + cnt - 1
    else:
        pos = xp.searchsorted(edges, v, side="right") - 1
    pos = xp.where(pos == nbins, nbins - 1, pos)   # the last bin includes its right edge
    pos = xp.clip(pos, 0, max(nbins - 1, 0))
    out = xp.bincount(pos, weights=w, minlength=nbins)[:nbins]
    return out.astype(x.dtype)


def _bins_count(op: str, bins) -> int:
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral):
        raise TypeError(f"{op}(): argument 'bins' must be int, not {type(bins).__name__}")
    bins = int(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    return bins


def histc(input: Tensor, bins: int = 100, min=0, max=0, *, out=None) -> Tensor:
    """Counts of ``input``'s elements in ``bins`` equal bins over [min, max]; with
    min == max the data's own range (widened by 1 each side when it is one value)."""
    x = _tensor("histc", input)
    if x.dtype.category != 2:
        raise _not_implemented("histogram_cpu", x)
    bins = _bins_count("histc", bins)
    lo, hi = float(min), float(max)
    data = x._data.reshape(-1)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    for v in (lo, hi):
        if v != v or v in (float("inf"), float("-inf")):
            raise RuntimeError(f"torch.histc: range of [{_g(lo)}, {_g(hi)}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    edges = linspace(lo, hi, bins + 1, dtype=x.dtype, device=x.device)._data
    return Tensor._make(_counts(data, edges, None, local_search=False, linear=True))


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None, density: bool = False,
              out=None):
    """(hist, bin_edges): ``bins`` equal bins over ``range`` (default: the data's min
    and max, widened by 0.5 each side when equal), or the given edges tensor.
    ``weight`` gives each element's contribution; ``density`` divides by the total and
    the bin widths."""
    x = _tensor("histogram", input)
    if x.dtype.category != 2:
        raise _not_implemented("histogramdd", x)
    data = x._data.reshape(-1)
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError("histogram() received an invalid combination of arguments - got (Tensor, Tensor, "
                            "range=tuple): 'range' is only accepted with an int number of bins")
        if bins.dtype is not x.dtype:
            raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                               f"but got input with dtype {_CPP[x.dtype.name]} and bins for dimension 0 with "
                               f"dtype {_CPP[bins.dtype.name]}")
        if bins.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but got {bins.ndim} "
                               f"dimensions in the bins tensor for dimension 0")
        if bins.numel() == 0:
            raise RuntimeError("torch.histogramdd: bins tensor should have at least 1 element, but got 0 "
                               "elements in the bins tensor for dimension 0")
        edges_t = bins.detach().clone()
        linear = False
    else:
        nb = _bins_count("histogram", bins)
        if range is not None:
            lo, hi = (float(v) for v in range)
        elif data.size:
            lo, hi = float(data.min()), float(data.max())
        else:
            lo, hi = 0.0, 1.0
        if not all(abs(v) < float("inf") for v in (lo, hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_g(lo)}, {_g(hi)}] is not finite")
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {_g(lo)} max {_g(hi)} "
                               f"for dimension 0")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges_t = linspace(lo, hi, nb + 1, dtype=x.dtype, device=x.device)
        linear = True
    w = None
    if weight is not None:
        _tensor("histogram", weight, "weight")
        if tuple(weight.shape) != tuple(x.shape):
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as "
                               f"the input tensor excluding its innermost dimension, but got input with shape "
                               f"[{x.numel()}, 1] and weight with shape {list(weight.shape)}")
        if weight.dtype is not x.dtype:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                               f"should have the same dtype, but got input({_CPP[x.dtype.name]}), and "
                               f"weight({_CPP[weight.dtype.name]})")
        w = weight._data.reshape(-1)
    edges = edges_t._data
    hist = _counts(data, edges, w, local_search=True, linear=linear)
    if density:
        # PyTorch divides by the total first, then by each bin's width (in the input's dtype)
        with quiet(array_module(hist)):   # an empty histogram is 0/0 = nan, silently, as in PyTorch
            hist = ((hist / hist.sum()) / (edges[1:] - edges[:-1])).astype(x.dtype.np, copy=False)
    return return_types.histogram((Tensor._make(hist), edges_t))


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts of each value 0..max(input) of a 1-D non-negative integer tensor (at
    least ``minlength`` bins); with ``weights``, sums of the weights instead (float32
    and float64 weights keep their dtype, others give float64)."""
    x = _tensor("bincount", input)
    if x.dtype.category != 1:
        raise _not_implemented("bincount_cpu", x)
    minlength = int(minlength)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    data = x._data
    if data.ndim != 1 or (data.size and int(data.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = array_module(data)
    if weights is None:
        return Tensor._make(xp.bincount(data, minlength=minlength).astype(xp.int64))
    _tensor("bincount", weights, "weights")
    if weights.ndim != 1 or weights.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dt = weights.dtype if weights.dtype in (D.float32, D.float64) else D.float64
    wd = weights._data.astype(xp.float64)
    return Tensor._make(xp.bincount(data, weights=wd, minlength=minlength).astype(dt.np))


Tensor.histc = histc
Tensor.histogram = histogram
Tensor.bincount = bincount
