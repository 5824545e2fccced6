"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits,
and log-gamma of constants."""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..tensor.tensor import Tensor

__all__ = ["broadcast_all", "probs_to_logits", "logits_to_probs", "clamp_probs", "lgamma_const"]


def _ember():
    import ember
    return ember


def broadcast_all(*values):
    """Tensors and numbers broadcast to one shape; numbers become tensors of the first
    tensor's dtype and device (the default dtype when all are numbers)."""
    e = _ember()
    ref = next((v for v in values if isinstance(v, Tensor)), None)
    out = []
    for v in values:
        if isinstance(v, Tensor):
            out.append(v)
        elif isinstance(v, numbers.Number):
            dt = ref.dtype if ref is not None and ref.is_floating_point() else e.get_default_dtype()
            out.append(e.tensor(float(v), dtype=dt, device=ref.device if ref is not None else None))
        else:
            raise ValueError(f"Input arguments must all be instances of numbers.Number or Tensor, got "
                             f"{type(v).__name__}")
    return tuple(e.broadcast_tensors(*out)) if len(out) > 1 else tuple(out)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities kept inside [eps, 1 - eps] so their logs stay finite."""
    eps = float(np.finfo(probs._data.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log(p) (categorical) or log(p) - log(1 - p) (binary), on clamped probabilities."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) (binary) or softmax over the last dim (categorical)."""
    if is_binary:
        return logits.sigmoid()
    return (logits - logits.logsumexp(-1, keepdim=True)).exp()


_LGAMMA = np.frompyfunc(math.lgamma, 1, 1)


def lgamma_const(x, like: Tensor) -> Tensor:
    """log Gamma(x) of a constant (no gradient), as a tensor of ``like``'s dtype and device."""
    e = _ember()
    arr = x._data if isinstance(x, Tensor) else np.asarray(x)
    host = arr.get() if hasattr(arr, "get") else arr
    vals = np.asarray(_LGAMMA(np.asarray(host, dtype=np.float64)), dtype=np.float64)
    return e.tensor(vals, dtype=like.dtype, device=like.device)
