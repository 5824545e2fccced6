"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``."""
from __future__ import annotations

import math

from ...backend.device import array_module
from ...tensor.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of all given tensors together (as if concatenated)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = [t for t in tensors if t is not None]
    norm_type = float(norm_type)
    from ...tensor.creation import tensor as make
    if not tensors:
        return make(0.0)
    xp = array_module(tensors[0]._data)
    if norm_type == math.inf:
        total = max(float(xp.max(xp.abs(t._data))) if t._data.size else 0.0 for t in tensors)
    else:
        acc = 0.0
        for t in tensors:
            a = xp.abs(t._data.astype(xp.float64) if t._data.dtype != xp.float64 else t._data)
            acc += float(xp.sum(a ** norm_type)) if norm_type != 2 else float(xp.sum(a * a))
        total = acc ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return make(total, dtype=tensors[0].dtype, device=tensors[0].device)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    grads = _grads(parameters)
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._version[0] += 1


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale all gradients in place so their joint norm is at most ``max_norm``
    (coefficient max_norm / (norm + 1e-6), applied only when < 1); returns the norm."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        xp = array_module(g._data)
        xp.clip(g._data, -clip_value, clip_value, out=g._data)
        g._version[0] += 1
