"""``torch.func`` in ember: ``functional_call`` (call a module with parameters and
buffers given as dicts, for per-sample gradients, meta-learning, model ensembles).
The function transforms of torch.func (grad, vmap, jacrev, ...) are not here."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .nn.modules.module import Module
from .nn.utils.stateless import _functional_call

__all__ = ["functional_call"]


def functional_call(module: Module, parameter_and_buffer_dicts, args: Any = None, kwargs: dict | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced, for this
    call only, by the tensors of ``parameter_and_buffer_dicts`` (a dict, or a sequence of
    dicts with distinct keys).  ``args`` may be a single value or a tuple."""
    if isinstance(parameter_and_buffer_dicts, dict):
        parameters_and_buffers = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts: dict = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
                             "ambiguous")
        parameters_and_buffers = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
