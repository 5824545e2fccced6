"""``quantile`` and ``nanquantile``: the q-th quantiles of a tensor, whole or along
one dim, by sorting and interpolating between the two nearest ranks.

Written as PyTorch writes it (sort, gather the values at the ranks below and above
``q * (n - 1)``, lerp between them), so values and gradients match: the gradient
goes to the one or two sorted elements that the result is read from.  The ranks
are computed in the input's dtype, as PyTorch does, so rounding at the rank
boundaries agrees too."""
from __future__ import annotations

import numbers

from ..autograd.grad_mode import no_grad
from ..backend import dtypes as D
from .tensor import Tensor
from .wrap import normalize_axis

__all__ = ["quantile", "nanquantile"]

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_tensor(op: str, q, x: Tensor) -> tuple:
    """q as a 1-D tensor of x's dtype, and whether it was a scalar."""
    from .creation import tensor
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
        if q.dtype is not x.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
        if q.device != x.device:
            raise RuntimeError(f"{op}() q tensor must be on the same device as the input tensor")
        with no_grad():
            if q.numel() and not bool(((q >= 0) & (q <= 1)).all()):
                raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
        return q.detach().reshape(-1), q.ndim == 0
    if isinstance(q, bool) or not isinstance(q, numbers.Real):
        raise TypeError(f"{op}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(q).__name__}), but expected q to be a float or a Tensor")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {q}")
    return tensor([float(q)], dtype=x.dtype, device=x.device), True


def _quantile(op: str, input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    qs, scalar_q = _q_tensor(op, q, input)
    if interpolation not in _MODES:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if input.numel() == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    shape = list(input.shape)
    if dim is None:
        x = input.reshape(-1)
        out_shape = [1] * len(shape) if keepdim else []
    else:
        d = normalize_axis(int(dim), max(input.ndim, 1))
        x = input.reshape(1) if input.ndim == 0 else input.movedim(d, -1)
        out_shape = list(shape)
        if input.ndim:
            if keepdim:
                out_shape[d] = 1
            else:
                del out_shape[d]
    values = x.sort(dim=-1)[0]           # NaN sorts last
    n = values.shape[-1]
    with no_grad():
        nan = values.isnan()
        if ignore_nan:
            # rank among the non-NaN values; a row of NaN only reads index 0 (NaN)
            count = (~nan).sum(-1, keepdim=True).to(input.dtype)
            ranks = qs * (count - 1)
            ranks = ranks.masked_fill(ranks < 0, 0)
        else:
            # a row holding a NaN reads its last element (NaN)
            ranks = (qs * float(n - 1)).expand(*values.shape[:-1], qs.shape[0])
            ranks = ranks.masked_fill(nan.any(-1, keepdim=True), float(n - 1))
        if interpolation == "lower":
            ranks = ranks.floor()
        elif interpolation == "higher":
            ranks = ranks.ceil()
        elif interpolation == "nearest":
            ranks = ranks.round()       # half to even, as PyTorch
        below = ranks.long()
    result = values.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        with no_grad():
            weights = ranks.new_full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
            above = ranks.ceil().long()
        result = result.lerp(values.gather(-1, above), weights)
    # result: (..., Q) -> (Q, ...) with the reduced shape
    result = result.movedim(-1, 0).reshape([qs.shape[0]] + out_shape)
    return result.reshape(out_shape) if scalar_q else result


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear", out=None) -> Tensor:
    """The ``q``-th quantiles (q a float or a 0-d / 1-D tensor in [0, 1]) of all of
    ``input`` or along ``dim``; a 1-D q puts its values on a new first axis.  A NaN
    makes its row's quantiles NaN.  ``interpolation``: linear, lower, higher,
    midpoint or nearest (rounding half to even)."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear", out=None) -> Tensor:
    """``quantile`` ignoring NaN (NaN only where a row is all NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


Tensor.quantile = quantile
Tensor.nanquantile = nanquantile
