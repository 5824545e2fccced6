"""The ``Distribution`` base class: shapes, validation, and the sampling contract.

``batch_shape`` indexes independent distributions, ``event_shape`` the dims of one
draw; ``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape``.
With ``validate_args`` (on by default, as in PyTorch) parameters are checked against
``arg_constraints`` when built and values against ``support`` in ``log_prob``; a
violation raises ValueError naming the parameter, the constraint and the bad values."""
from __future__ import annotations

from functools import cached_property

from ..autograd.grad_mode import no_grad
from ..backend.device import array_module
from ..tensor.size import Size
from ..tensor.tensor import Tensor
from . import constraints

__all__ = ["Distribution", "lazy_property"]

lazy_property = cached_property  # computed once, stored in the instance's __dict__


class Distribution:
    """Base class of probability distributions (``torch.distributions.Distribution``)."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict = {}
    support = None
    _validate_default = True

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument/sample validation on or off for distributions made afterwards."""
        if value not in (True, False):
            raise ValueError("set_default_validate_args expects True or False")
        Distribution._validate_default = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args: bool | None = None) -> None:
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        self._validate_args = Distribution._validate_default if validate_args is None else validate_args
        if self._validate_args:
            for name, c in self.arg_constraints.items():
                if constraints.is_dependent(c):
                    continue
                if name not in self.__dict__ and isinstance(getattr(type(self), name, None), cached_property):
                    continue  # a lazily derived parameter that was not given
                value = getattr(self, name)
                ok = c.check(value)
                if not bool(array_module(ok).all(ok)):
                    raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape "
                                     f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                                     f"constraint {c!r}, but found invalid values:\n{value}")

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape=Size()) -> Size:
        return Size(tuple(Size(sample_shape)) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape=Size()) -> Tensor:
        """A draw of shape ``sample_shape + batch_shape + event_shape``, without gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not support rsample: it has no "
                                  f"reparameterised sampler (use sample())")

    def sample_n(self, n: int) -> Tensor:
        return self.sample(Size((n,)))

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def _validate_sample(self, value) -> None:
        """``value`` must be a tensor broadcastable to the batch + event shape and lie in
        the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        ev = len(self._event_shape)
        vs = tuple(value.shape)
        if ev and vs[len(vs) - ev:] != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: {Size(vs)} vs "
                             f"{self._event_shape}.")
        actual = vs[:len(vs) - ev] if ev else vs
        expected = tuple(self._batch_shape)
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {Size(vs)} vs "
                                 f"{self._extended_shape()}.")
        support = self.support
        if support is None:
            return
        ok = support.check(value)
        if not bool(array_module(ok).all(ok)):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {vs}) to be within "
                             f"the support ({support!r}) of the distribution {self!r}, but found invalid "
                             f"values:\n{value}")

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{k}: {self.__dict__[k] if self.__dict__[k].numel() == 1 else self.__dict__[k].size()}"
                         for k in names)
        return f"{type(self).__name__}({args})"
