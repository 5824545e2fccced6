"""Dropout: ``F.dropout``, the channel-wise ``dropout1d/2d/3d``, ``alpha_dropout`` and
``feature_alpha_dropout``.

In training each element (or each whole channel) is zeroed with probability ``p``
and the survivors are scaled by 1/(1-p), so the expected value is unchanged; out of
training (or with p = 0) the input is returned as it is.  Masks are drawn from
ember's default generator of the input's device, so ``ember.manual_seed`` repeats
them.  The gradient is the same mask times the incoming gradient."""
from __future__ import annotations

import math
import warnings

from ...autograd.node import apply
from ...backend.device import array_module
from ...backend.random import generator_for
from ...ops import dropout as DO
from ...tensor.random import uniform_array
from ...tensor.tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_SELU_NEG = 1.7580993408473766  # -(SELU's alpha * scale): where alpha dropout sends dropped values


def _check_p(p: float) -> float:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def _keep_mask(input: Tensor, shape: tuple, p: float):
    """A float array of ``shape`` in input's dtype: 1 with probability 1 - p, else 0."""
    xp = array_module(input._data)
    rng = generator_for(None, input.device).xp_random(xp)
    dt = input._data.dtype
    udt = dt if dt.itemsize >= 4 else xp.dtype("float32")
    u = uniform_array(rng, xp, shape, udt)
    return (u >= p).astype(dt)


def _float_only(input: Tensor) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind not in "fc":
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}.get(input.dtype.name, input.dtype.name)
        raise RuntimeError(f"result type Float can't be cast to the desired output type {name}")


def _masked(input: Tensor, p: float, mask_shape: tuple, inplace: bool, name: str) -> Tensor:
    _float_only(input)
    if p == 1.0:
        mask = array_module(input._data).zeros(mask_shape, dtype=input._data.dtype)
    else:
        mask = _keep_mask(input, mask_shape, p)
        mask *= 1.0 / (1.0 - p)
    out = apply(DO.DropoutMask, input, mask)
    return input._commit_inplace(out, name) if inplace else out


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training);
    the input itself otherwise."""
    p = _check_p(p)
    if not training or p == 0.0 or (isinstance(input, Tensor) and input.numel() == 0):
        return input
    return _masked(input, p, tuple(input.shape), inplace, "dropout_")


def _feature_shape(input: Tensor, batched: bool) -> tuple:
    """Mask shape that drops whole channels: (N, C, 1, ...) or (C, 1, ...) without a batch dim."""
    lead = 2 if batched else 1
    return tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)


_FEATURE_NOTE = ("Note that dropout{k}d exists to provide channel-wise dropout on inputs with {k} spatial "
                 "dimension{s}, a channel dimension, and an optional batch dimension (i.e. {a}D or {b}D inputs).")


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p``."""
    p = _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. "
                           + _FEATURE_NOTE.format(k=1, s="", a=2, b=3))
    if not training or p == 0.0:
        return input
    return _masked(input, p, _feature_shape(input, input.ndim == 3), inplace, "dropout1d_")


def _dropout_nd(k: int, input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    p = _check_p(p)
    lo, hi = k + 1, k + 2
    batched = input.ndim == hi
    if k == 2 and input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", UserWarning, stacklevel=3)
        batched = True
    elif input.ndim not in (lo, hi):
        warnings.warn(f"dropout{k}d: Received a {input.ndim}-D input to dropout{k}d, which is deprecated and will "
                      f"result in an error in a future release. To retain the behavior and silence this warning, "
                      f"please use dropout instead. " + _FEATURE_NOTE.format(k=k, s="s", a=lo, b=hi),
                      UserWarning, stacklevel=3)
        batched = input.ndim >= 2
    if not training or p == 0.0:
        return input
    return _masked(input, p, _feature_shape(input, batched), inplace, f"dropout{k}d_")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) inputs with probability ``p``."""
    return _dropout_nd(2, input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p``."""
    return _dropout_nd(3, input, p, training, inplace)


def _alpha(input: Tensor, p: float, training: bool, inplace: bool, mask_shape, name: str) -> Tensor:
    p = _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    _float_only(input)
    xp = array_module(input._data)
    if p == 1.0:
        zero = xp.zeros(mask_shape, dtype=input._data.dtype)
        out = apply(DO.AlphaDropoutMask, input, zero, zero)
        return input._commit_inplace(out, name) if inplace else out
    # dropped values go to -alpha' and the affine map a*x + b restores mean 0 / variance 1:
    # a = 1/sqrt((alpha'^2 p + 1)(1 - p)), b = a alpha' (p - (1 - keep))
    a = 1.0 / math.sqrt((_SELU_NEG * _SELU_NEG * p + 1) * (1 - p))
    keep = _keep_mask(input, mask_shape, p)
    shift = (keep - 1) * (_SELU_NEG * a) + _SELU_NEG * a * p
    keep *= a
    out = apply(DO.AlphaDropoutMask, input, keep, shift.astype(input._data.dtype, copy=False))
    return input._commit_inplace(out, name) if inplace else out


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalising mean and variance (training only)."""
    return _alpha(input, p, training, inplace, tuple(input.shape), "alpha_dropout_")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (dim 1)."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha(input, p, training, inplace, shape, "feature_alpha_dropout_")


def torch_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout(input, p, train)``: the top-level spelling of ``F.dropout``."""
    return dropout(input, p, train)
