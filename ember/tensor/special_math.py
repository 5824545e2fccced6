"""Wrappers of the special-function primitives in ``ember/ops/special_fns.py``:
``sinc`` and ``i0`` (also ``torch.*`` and Tensor methods) and the ``torch.special``
only ones (``entr``, ``erfcx``, ``ndtr``, ``ndtri``, ``log_ndtr``, ``xlog1py``).
Integer and bool inputs become the default float dtype, as in PyTorch."""
from __future__ import annotations

import math
import numbers

from ..ops import special_fns as F
from .tensor import Tensor
from .wrap import apply, binary, float_input, promote

__all__ = ["sinc", "i0"]

_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def _float_tensor(name: str, input) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return float_input(input)


def _unary(op, name: str, input) -> Tensor:
    return apply(op, _float_tensor(name, input))


def sinc(input: Tensor, *, out=None) -> Tensor:
    """sin(pi x) / (pi x), the normalized sinc (1 at 0)."""
    return _unary(F.Sinc, "sinc", input)


def i0(input: Tensor, *, out=None) -> Tensor:
    """The modified Bessel function of the first kind of order 0."""
    return _unary(F.I0, "i0", input)


def entr(input: Tensor, *, out=None) -> Tensor:
    """Elementwise entropy -x log x (0 at 0, -inf for negative x)."""
    return _unary(F.Entr, "special_entr", input)


def erfcx(input: Tensor, *, out=None) -> Tensor:
    """The scaled complementary error function erfc(x) exp(x^2)."""
    return _unary(F.Erfcx, "special_erfcx", input)


def log_ndtr(input: Tensor, *, out=None) -> Tensor:
    """log of the standard normal CDF, without underflow far in the left tail."""
    return _unary(F.LogNdtr, "special_log_ndtr", input)


def ndtri(input: Tensor, *, out=None) -> Tensor:
    """The quantile function of the standard normal (inverse of ndtr)."""
    return _unary(F.Ndtri, "special_ndtri", input)


def ndtr(input: Tensor, *, out=None) -> Tensor:
    """The standard normal CDF, erfc(-x / sqrt 2) / 2 (accurate in the left tail)."""
    x = _float_tensor("special_ndtr", input)
    return (x * -_INV_SQRT2).erfc() * 0.5


def xlog1py(input, other, *, out=None) -> Tensor:
    """input * log1p(other), 0 where input == 0 (unless other is NaN); either may be a
    number (not both)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"special_xlog1py(): expected a Tensor as 'input' or 'other', got "
                        f"{type(input).__name__} and {type(other).__name__}")
    for name, v in (("input", input), ("other", other)):
        if not isinstance(v, (Tensor, numbers.Number)):
            raise TypeError(f"special_xlog1py(): argument '{name}' must be Tensor or Number, not {type(v).__name__}")
    a, b = promote(input, other)
    like = a if isinstance(a, Tensor) else b
    from .factory import full
    a, b = (v if isinstance(v, Tensor) else full((), v, dtype=like.dtype, device=like.device) for v in (a, b))
    return binary(F.Xlog1py, float_input(a), float_input(b))


Tensor.sinc = sinc
Tensor.i0 = i0
