"""The gamma family: ``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma`` (+ Tensor
methods and in-place forms).  Integer and bool inputs give the default float dtype.
The primitives and their series are in ``ember/ops/gamma.py``; ``mvlgamma`` is
PyTorch's composite: sum_i lgamma(x - i/2) + p (p - 1) / 4 log(pi)."""
from __future__ import annotations

import math
import numbers

from ..ops import gamma as G
from .tensor import Tensor
from .wrap import apply, float_input

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma"]


def _tensor(op: str, x, pos: int = 1) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position {pos}) must be Tensor, not {type(x).__name__}")
    return x


def lgamma(input: Tensor) -> Tensor:
    """log |Gamma(x)|: +inf at 0, -1, -2, ... and at +-inf."""
    return apply(G.Lgamma, float_input(_tensor("lgamma", input)))


def digamma(input: Tensor) -> Tensor:
    """psi(x) = d lgamma(x) / dx: -inf at +0, +inf at -0, NaN at the negative integers."""
    return apply(G.Digamma, float_input(_tensor("digamma", input)))


def _order(n) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return int(n)


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of digamma (n = 0 is digamma itself)."""
    n = _order(n)
    return apply(G.Polygamma, float_input(_tensor("polygamma", input, 2)), n)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma of dimension ``p``:
    p (p - 1) / 4 log(pi) + sum_{i < p} lgamma(x - i / 2)."""
    x = float_input(_tensor("mvlgamma", input))
    if isinstance(p, bool) or not isinstance(p, numbers.Integral):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    p = int(p)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    from .factory import arange
    args = arange(-p * 0.5 + 0.5, 0.5, 0.5, dtype=x.dtype, device=x.device)
    return lgamma(x.unsqueeze(-1) + args).sum(-1) + p * (p - 1) * math.log(math.pi) * 0.25


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    return polygamma(n, self)


def _inplace(fn, name: str):
    def method(self: Tensor, *args) -> Tensor:
        return self._commit_inplace(fn(self, *args), name)
    method.__name__ = name
    return method


Tensor.lgamma = lgamma
Tensor.digamma = digamma
Tensor.polygamma = _polygamma_method
Tensor.mvlgamma = mvlgamma
Tensor.lgamma_ = _inplace(lgamma, "lgamma_")
Tensor.digamma_ = _inplace(digamma, "digamma_")
Tensor.polygamma_ = _inplace(_polygamma_method, "polygamma_")
Tensor.mvlgamma_ = _inplace(mvlgamma, "mvlgamma_")
