"""Elementwise gaps: ``heaviside``, ``gcd`` / ``lcm``, ``ldexp``, ``frexp``,
``nextafter`` (+ in-place forms), and ``logcumsumexp`` and ``renorm``.

``heaviside``, ``gcd``, ``lcm`` and ``nextafter`` have no gradient in PyTorch (the
first raises at backward; ember returns a tensor outside the graph).  ``ldexp`` is
PyTorch's composite ``input * 2 ** other``; ``renorm`` its composite over the vector
norm (so the norm's own gradient is included); ``frexp`` and ``logcumsumexp`` are
primitives (``ops/frexp.py``, ``ops/logcumsumexp.py``)."""
from __future__ import annotations

import numbers

from .. import return_types
from ..backend import dtypes as D
from ..backend.device import array_module
from ..ops.frexp import Frexp
from ..ops.logcumsumexp import LogCumSumExp
from .indexing import type_name
from .tensor import Tensor
from .wrap import apply, broadcast_error, normalize_axis, promote

__all__ = ["heaviside", "gcd", "lcm", "ldexp", "frexp", "nextafter", "logcumsumexp", "renorm"]


def _tensor(op: str, x, name: str, pos: int) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    return x


def _not_implemented(kernel: str, t: Tensor) -> NotImplementedError:
    # PyTorch's "kernel not implemented for dtype" error (NotImplementedError, a RuntimeError)
    return NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(t)}'")


def _raw(op: str, fn, a: Tensor, b: Tensor) -> Tensor:
    """``fn(a, b)`` on broadcast arrays, outside the graph."""
    err = broadcast_error(a, b)
    if err is not None:
        raise err
    return Tensor._make(fn(array_module(a._data), a._data, b._data))


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """0 where input < 0, ``values`` where input == 0, 1 where input > 0 (both of one dtype)."""
    _tensor("heaviside", input, "input", 1)
    _tensor("heaviside", values, "values", 2)
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")

    # NaN inputs give 0 (NaN > 0 is false), as PyTorch's kernel does
    return _raw("heaviside", lambda xp, x, v: xp.where(x == 0, v, x > 0).astype(x.dtype), input, values)


def _int_pair(op: str, a, b):
    _tensor(op, a, "input", 1)
    _tensor(op, b, "other", 2)
    a, b = promote(a, b)
    if a.dtype.category != 1:
        raise _not_implemented(f"{op}_cpu", a)
    return a, b


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """Greatest common divisor, elementwise, of integer tensors (gcd(0, 0) = 0, always >= 0)."""
    a, b = _int_pair("gcd", input, other)
    return _raw("gcd", lambda xp, x, y: xp.gcd(x, y).astype(x.dtype), a, b)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """Least common multiple, elementwise, of integer tensors (0 when either is 0)."""
    a, b = _int_pair("lcm", input, other)
    return _raw("lcm", lambda xp, x, y: xp.lcm(x, y).astype(x.dtype), a, b)


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2^other (PyTorch's composite: integer inputs give the default float dtype)."""
    _tensor("ldexp", input, "input", 1)
    _tensor("ldexp", other, "other", 2)
    return input * (2.0 ** other)


def frexp(input: Tensor):
    """(mantissa, exponent) with input = mantissa * 2^exponent, |mantissa| in [0.5, 1),
    exponent int32; the mantissa's gradient is grad / 2^exponent."""
    _tensor("frexp", input, "input", 1)
    if input.dtype.category != 2:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = apply(Frexp, input)
    return return_types.frexp((m, e))


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next representable float after ``input`` towards ``other``."""
    _tensor("nextafter", input, "input", 1)
    _tensor("nextafter", other, "other", 2)
    a, b = promote(input, other)
    if a.dtype.category != 2:
        raise _not_implemented("nextafter_cpu", a)
    return _raw("nextafter", lambda xp, x, y: xp.nextafter(x, y), a, b)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(input))) along ``dim``, computed stably (a running logaddexp)."""
    _tensor("logcumsumexp", input, "input", 1)
    if input.dtype.category != 2:
        raise _not_implemented("logcumsumexp_out_cpu", input)
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"logcumsumexp(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    axis = normalize_axis(int(dim), input.ndim)
    return apply(LogCumSumExp, input, axis)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` scaled down
    to norm maxnorm (by maxnorm / (norm + 1e-7), as PyTorch does); others unchanged."""
    _tensor("renorm", input, "input", 1)
    p, maxnorm = float(p), float(maxnorm)
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    d = normalize_axis(int(dim), input.ndim)
    from .reduce import norm
    others = tuple(i for i in range(input.ndim) if i != d)
    nrm = norm(input, p, others, keepdim=True)
    if input.dtype is D.float16:
        nrm = nrm.float()
    factor = (maxnorm / (nrm + 1e-7)).where(nrm > maxnorm, 1.0).to(input.dtype)
    return input * factor


def _inplace(fn, name: str):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        # computed from a clone when differentiable: the composite saves its input for backward,
        # and the write below must not change what it saved
        src = self.clone() if self.requires_grad else self
        return self._commit_inplace(fn(src, *args, **kwargs), name)
    method.__name__ = name
    method.__doc__ = f"In-place ``{fn.__name__}``."
    return method


for _fn in (heaviside, gcd, lcm, ldexp, nextafter, renorm):
    setattr(Tensor, _fn.__name__, _fn)
    setattr(Tensor, _fn.__name__ + "_", _inplace(_fn, _fn.__name__ + "_"))
Tensor.frexp = frexp
Tensor.logcumsumexp = logcumsumexp
