"""``torch.cov`` and ``torch.corrcoef`` (+ Tensor methods): covariance and Pearson
correlation of the rows of a (variables, observations) matrix.

Written as PyTorch writes them (ATen's Correlation.cpp), from differentiable ops,
so gradients come from those ops: weights w = fweights * aweights, the weighted
mean per row, the normalization sum(w) - correction (or, with aweights,
sum(w) - correction * sum(w * aweights) / sum(w)), then (x - mean) (w (x - mean))^T
divided by it.  A normalization <= 0 warns and divides by zero, as PyTorch does."""
from __future__ import annotations

import warnings

from ..backend import dtypes as D
from .linalg import mm
from .tensor import Tensor

__all__ = ["cov", "corrcoef"]



def _weights(name: str, w, n: int, integral: bool) -> Tensor:
    if not isinstance(w, Tensor):
        raise TypeError(f"cov(): argument '{name}' must be Tensor, not {type(w).__name__}")
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with {w.ndim} "
                           f"dimensions")
    ok = w.dtype.category == 1 if integral else w.dtype.category == 2
    if not ok:
        kind = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with "
                           f"{w.dtype.scalar_name} dtype")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {w.numel()} != {n}")
    if n and float(w.detach().min()) < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the rows (variables) of a 2-D input whose columns are
    observations (a 1-D input is one variable: a 0-d result).  ``correction`` 1 is
    Bessel's correction, 0 the maximum-likelihood estimate; ``fweights`` (integer
    repeat counts) and ``aweights`` (float importance) weight the observations."""
    if not isinstance(input, Tensor):
        raise TypeError(f"cov(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    if input.dtype is D.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = _weights("fweights", fweights, n, True)
    if aweights is not None:
        aw = _weights("aweights", aweights, n, False)
        w = aw if w is None else w * aw
    if w is None:
        w_sum = float(n)
        avg = x.sum(1) / n            # true division: integer inputs give the default float dtype
    else:
        w_sum = w.sum()
        if float(w_sum.detach()) == 0:
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
        avg = (x * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if float(norm.detach() if isinstance(norm, Tensor) else norm) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm - norm             # +0 (norm * 0 could be -0, flipping the infinities)
    xc = x - avg.unsqueeze(1)
    c = mm(xc, (xc if w is None else xc * w).t())
    return (c / norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of a 2-D input (observations in
    columns): cov / (std_i std_j), clipped to [-1, 1]; a 1-D input gives 1 (or NaN when
    its variance is 0, inf or NaN)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"corrcoef(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.reshape(-1, 1)
    c = c / std.reshape(1, -1)
    return c.clamp(-1, 1)


Tensor.cov = cov
Tensor.corrcoef = corrcoef
