"""The multinomial distribution: counts of ``total_count`` categorical draws."""
from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import no_grad
from ..backend.device import array_module
from ..tensor.size import Size
from ..tensor.tensor import Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import clamp_probs, lgamma_const

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """``Multinomial(total_count, probs=p)`` or ``(total_count, logits=l)``.

    ``sample()`` gives float counts over the last dim summing to ``total_count``
    (``Multinomial(10, torch.ones(6) / 6).sample()`` rolls a die ten times)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs=None, logits=None, validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int) or isinstance(total_count, bool):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        batch = self._categorical.batch_shape
        event = self._categorical.param_shape[-1:]
        super().__init__(batch, event, validate_args=validate_args)

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()) -> Tensor:
        """Counts of shape ``sample_shape + batch_shape + (K,)`` in the probs' dtype."""
        sample_shape = Size(sample_shape)
        k = self._event_shape[0]
        with no_grad():
            draws = self._categorical.sample(Size((self.total_count,)) + sample_shape)._data
        xp = array_module(draws)
        counts = (draws[..., None] == xp.arange(k)).sum(axis=0)
        return Tensor._make(counts.astype(self.probs._data.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        # log p(x) = log n! - sum_k log x_k! + sum_k x_k log p_k   (0 * log 0 counts as 0)
        import ember
        if self._validate_args:
            self._validate_sample(value)
        logits, value = ember.broadcast_tensors(self.logits, value.to(self.logits.dtype))
        zero = (value._data == 0) & (logits._data == -np.inf)
        logits = ember.where(ember.tensor(zero), 0.0, logits)
        log_powers = (logits * value).sum(-1)
        vd = value._data
        const = lgamma_const(vd.sum(-1) + 1, logits) - lgamma_const(vd + 1, logits).sum(-1)
        return const + log_powers

    def entropy(self) -> Tensor:
        # H = n H(Categorical) - log n! + sum_k sum_{s=1..n} Binomial(s; n, p_k) log s!
        n = self.total_count
        cat_entropy = self._categorical.entropy()
        term1 = n * cat_entropy - lgamma_const(n + 1, cat_entropy)
        p = clamp_probs(self.probs)
        xp = array_module(p._data)
        s_arr = xp.arange(1, n + 1, dtype=np.float64).reshape((-1,) + (1,) * p.dim())
        s = Tensor._make(s_arr.astype(p._data.dtype))
        log_binom = (lgamma_const(n + 1, p) - lgamma_const(s_arr + 1, p) - lgamma_const(n - s_arr + 1, p)
                     + s * p.log() + (n - s) * (-p).log1p())
        weights = lgamma_const(s_arr + 1, p)
        term2 = (log_binom.exp() * weights).sum(0).sum(-1)
        return term1 + term2
