"""Constraints on distribution parameters and values (``torch.distributions.constraints``).

A constraint's ``check(x)`` takes a tensor and returns a boolean array (over the
batch: event dimensions are reduced), used by argument and sample validation."""
from __future__ import annotations

from ..backend.device import array_module

__all__ = ["Constraint", "real", "positive", "nonnegative", "unit_interval", "simplex", "boolean",
           "real_vector", "nonnegative_integer", "integer_interval", "interval", "half_open_interval",
           "greater_than", "multinomial", "dependent", "independent", "is_dependent"]


def _raw(x):
    return x._data if hasattr(x, "_data") else x


class Constraint:
    """A region of values; ``event_dim`` dims on the right form one event."""
    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise TypeError(f"{type(self).__name__} is an abstract constraint and cannot check values")

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (checked by the distribution itself)."""

    def __init__(self, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def __call__(self, *, is_discrete: bool = False, event_dim: int = 0) -> "_Dependent":
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)


def is_dependent(c) -> bool:
    return isinstance(c, _Dependent)


class _Real(Constraint):
    def check(self, value):
        x = _raw(value)
        return x == x  # false only for nan


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        x = _raw(value)
        return (x == 0) | (x == 1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound) -> None:
        self.lower_bound = lower_bound

    def check(self, value):
        return _raw(value) > self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def check(self, value):
        return _raw(value) >= self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _Interval(Constraint):
    """lower_bound <= x <= upper_bound."""

    def __init__(self, lower_bound, upper_bound) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        x = _raw(value)
        return (_raw(self.lower_bound) <= x) & (x <= _raw(self.upper_bound))

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    """lower_bound <= x < upper_bound."""

    def check(self, value):
        x = _raw(value)
        return (_raw(self.lower_bound) <= x) & (x < _raw(self.upper_bound))

    def __repr__(self) -> str:
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound, upper_bound) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        x = _raw(value)
        return (x % 1 == 0) & (self.lower_bound <= x) & (x <= self.upper_bound)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound) -> None:
        self.lower_bound = lower_bound

    def check(self, value):
        x = _raw(value)
        return (x % 1 == 0) & (x >= self.lower_bound)

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Simplex(Constraint):
    """Non-negative entries summing to 1 along the last dim."""
    event_dim = 1

    def check(self, value):
        x = _raw(value)
        xp = array_module(x)
        return xp.all(x >= 0, axis=-1) & (xp.abs(x.sum(-1) - 1) < 1e-6)


class _Multinomial(Constraint):
    """Non-negative counts summing to at most ``upper_bound`` along the last dim."""
    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound: int) -> None:
        self.upper_bound = upper_bound

    def check(self, value):
        x = _raw(value)
        xp = array_module(x)
        return xp.all(x >= 0, axis=-1) & (x.sum(-1) <= self.upper_bound)


class _Independent(Constraint):
    """``base`` on each element, reduced (all) over ``reinterpreted_batch_ndims`` dims."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base, self.n = base, reinterpreted_batch_ndims
        self.event_dim = base.event_dim + reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete

    def check(self, value):
        r = self.base.check(value)
        xp = array_module(r)
        for _ in range(self.n):
            r = xp.all(r, axis=-1)
        return r

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base!r}, {self.n})"


dependent = _Dependent()
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
real_vector = _Independent(real, 1)
nonnegative_integer = _IntegerGreaterThan(0)
greater_than = _GreaterThan
integer_interval = _IntegerInterval
interval = _Interval
half_open_interval = _HalfOpenInterval
multinomial = _Multinomial
independent = _Independent
