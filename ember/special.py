"""``ember.special``: PyTorch's ``torch.special`` namespace.

PyTorch's names mapped onto ember's functions (``expit`` is ``sigmoid``, ``erf`` is
``ember.erf``, ...) plus the special functions only this namespace has (``entr``,
``erfcx``, ``ndtr``, ``ndtri``, ``log_ndtr``, ``xlog1py``; primitives in
``ember/ops/special_fns.py``), and the gamma family (``gammaln``, ``digamma``/``psi``,
``polygamma``, ``multigammaln``; primitives in ``ember/ops/gamma.py``).  The other
Bessel functions and ``zeta`` are not provided (see docs/differences.md)."""
from __future__ import annotations

from .nn.functional.activation import log_softmax as _log_softmax, softmax as _softmax
from .tensor.math import erf, erfc, erfinv, exp2, expm1, log1p, logit, round, sigmoid as expit, xlogy
from .tensor.reduce import logsumexp as _logsumexp
from .tensor.special_math import entr, erfcx, i0, log_ndtr, ndtr, ndtri, sinc, xlog1py
from .tensor.gamma import digamma, lgamma as gammaln, mvlgamma as _mvlgamma, polygamma
from .tensor.tensor import Tensor

__all__ = ["expit", "logit", "erf", "erfc", "erfcx", "erfinv", "exp2", "expm1", "log1p", "logsumexp", "softmax",
           "log_softmax", "xlogy", "xlog1py", "sinc", "round", "entr", "ndtr", "ndtri", "log_ndtr", "i0",
           "gammaln", "digamma", "psi", "polygamma", "multigammaln"]

psi = digamma


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma of dimension ``p`` (``torch.mvlgamma``)."""
    return _mvlgamma(input, p)


def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """log(sum(exp(input))) over ``dim`` (required here, as in torch.special), stably."""
    return _logsumexp(input, dim, keepdim)


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (required), optionally in ``dtype``."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim`` (required), computed stably."""
    return _log_softmax(input, dim, dtype=dtype)


from .errors import unsupported_getattr as _unsupported_getattr  # noqa: E402

__getattr__ = _unsupported_getattr("ember.special", "torch.special")
