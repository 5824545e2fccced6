"""The categorical distribution over ``0 .. K-1`` (the last dim of probs/logits)."""
from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import no_grad
from ..backend.device import array_module
from ..tensor.size import Size
from ..tensor.tensor import Tensor
from . import constraints
from .distribution import Distribution, lazy_property
from .utils import logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


class Categorical(Distribution):
    """``Categorical(probs=p)`` (non-negative weights, normalised over the last dim) or
    ``Categorical(logits=l)`` (unnormalised log-probabilities); exactly one."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        batch = self._param.shape[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch, validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> Size:
        return self._param.shape

    def _nan(self) -> Tensor:
        import ember
        return ember.full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype,
                          device=self.probs.device)

    @property
    def mean(self) -> Tensor:
        return self._nan()

    @property
    def variance(self) -> Tensor:
        return self._nan()

    @property
    def mode(self) -> Tensor:
        return Tensor._make(array_module(self.probs._data).argmax(self.probs._data, axis=-1))

    def sample(self, sample_shape=Size()) -> Tensor:
        """Indices of shape ``sample_shape + batch_shape`` (int64)."""
        import ember
        sample_shape = Size(sample_shape)
        n = max(sample_shape.numel(), 1)
        with no_grad():
            probs_2d = self.probs.detach().reshape(-1, self._num_events)
            idx = ember.multinomial(probs_2d, n, True)._data  # (batch, n)
        shape = tuple(self._extended_shape(sample_shape))
        return Tensor._make(idx.T.reshape(shape).copy())

    def log_prob(self, value: Tensor) -> Tensor:
        # log p(k) = logits[..., k] (logits normalised), picked with a one-hot mask
        import ember
        if self._validate_args:
            self._validate_sample(value)
        v = value._data.astype(np.int64)
        xp = array_module(v)
        onehot = v[..., None] == xp.arange(self._num_events)
        return ember.where(ember.tensor(onehot), self.logits, 0.0).sum(-1)

    def entropy(self) -> Tensor:
        # H = -sum_k p_k log p_k  (logits clamped so 0 * -inf counts as 0)
        min_real = float(np.finfo(self.logits._data.dtype).min)
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        import ember
        values = ember.arange(self._num_events, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values
