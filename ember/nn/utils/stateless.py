"""``nn.utils.stateless.functional_call``: call a module with some of its parameters
and buffers replaced by given tensors (PyTorch's stateless API; ``torch.func.
functional_call`` is the same call, see ``ember/func.py``).

For the call, each named tensor (``"0.weight"``, ``"bn.running_mean"``) is put in
place of the module's own (in ``_parameters`` / ``_buffers``, or as a plain attribute),
and the originals are put back afterwards, even when the forward raises.  With
``tie_weights`` a tensor given for one of several tied names (the same tensor under
two names, e.g. shared embeddings) replaces all of them.  ``strict`` requires exactly
the module's parameter and buffer names."""
from __future__ import annotations

import contextlib
import warnings
from typing import Any

from ...tensor.tensor import Tensor
from ..modules.module import Module

__all__ = ["functional_call"]

_MISSING = object()


def _get_submodule(module: Module, name: str, memo: dict) -> Module:
    if not name:
        return module
    if name in memo:
        return memo[name]
    prefix, dot, attr = name.rpartition(".")
    parent = _get_submodule(module, prefix, memo) if dot else module
    try:
        sub = getattr(parent, attr)
    except AttributeError as ex:
        raise AttributeError(f"{parent._get_name()} has no attribute `{attr}`") from ex
    if not isinstance(sub, Module):
        raise TypeError(f"submodule `{name}`: {sub} is not an instance of torch.nn.Module")
    memo[name] = sub
    return sub


def _swap_tensor(module: Module, name: str, tensor, allow_missing: bool = False):
    """Put ``tensor`` at ``module.<name>`` (``_MISSING``: remove it); return what was there."""
    if tensor is not _MISSING and not isinstance(tensor, Tensor) and tensor is not None:
        raise TypeError(f"{tensor} is not an instance of torch.Tensor")
    if name == "":
        raise KeyError('tensor name can\'t be empty string ""')
    if name in module._parameters:
        orig = module._parameters[name]
        if tensor is not _MISSING:
            module._parameters[name] = tensor
        else:
            del module._parameters[name]
    elif name in module._buffers:
        orig = module._buffers[name]
        if tensor is not _MISSING:
            module._buffers[name] = tensor
        else:
            del module._buffers[name]
    else:
        if hasattr(module, name):
            orig = getattr(module, name)
        else:
            if not allow_missing:
                raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
            orig = _MISSING
        if orig is not _MISSING and not isinstance(orig, Tensor) and orig is not None:
            raise TypeError(f"attribute `{name}`: {orig} is not an instance of torch.Tensor")
        if tensor is not _MISSING:
            setattr(module, name, tensor)
        elif hasattr(module, name):
            delattr(module, name)
    return orig


def _swap_dict(module: Module, named: dict, memo: dict) -> dict:
    """Swap every named tensor in; on an error put back those already swapped."""
    orig: dict = {}
    try:
        for name, tensor in named.items():
            prefix, _, attr = name.rpartition(".")
            orig[name] = _swap_tensor(_get_submodule(module, prefix, memo), attr, tensor, allow_missing=True)
    except Exception:
        for name, t in orig.items():
            prefix, _, attr = name.rpartition(".")
            _swap_tensor(_get_submodule(module, prefix, memo), attr, t, allow_missing=True)
        raise
    return orig


def _untie_named_tensors_map(module: Module, parameters_and_buffers: dict) -> dict:
    """Extend the given names to every name tied to them (the same tensor)."""
    all_named: dict = {}
    all_named.update(module.named_parameters(remove_duplicate=False))
    all_named.update(module.named_buffers(remove_duplicate=False))
    by_tensor: dict = {}
    for name, tensor in all_named.items():
        by_tensor.setdefault(id(tensor), set()).add(name)
    tied: dict = {}
    for names in by_tensor.values():
        if len(names) > 1:
            for n in names:
                tied[n] = names
    given = set(parameters_and_buffers)
    given_tied = {n for n in given if n in tied}
    for name in given_tied:
        names = tied[name]
        if len(names & given_tied) > 1 and len({id(parameters_and_buffers[n]) for n in names if n in given}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, which are tied. "
                             "Consider using tie_weights=False")
    untied = parameters_and_buffers.copy()
    for name in given_tied:
        for t in tied[name]:
            untied[t] = parameters_and_buffers[name]
    return untied


@contextlib.contextmanager
def _reparametrize_module(module: Module, parameters_and_buffers: dict, tie_weights: bool = False,
                          strict: bool = False):
    named = _untie_named_tensors_map(module, parameters_and_buffers) if tie_weights else parameters_and_buffers
    if strict:
        valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        valid |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        keys = set(named)
        missing, unexpected = sorted(valid - keys), sorted(keys - valid)
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(module._get_name(),
                                                                                "\n\t".join(msgs)))
    memo: dict = {}
    orig: dict = {}
    try:
        orig = _swap_dict(module, named, memo)
        yield
    finally:
        new = _swap_dict(module, orig, memo)
        # what the forward left at the given names (e.g. a reassigned buffer) goes back to the caller's dict
        parameters_and_buffers.update({k: new[k] for k in parameters_and_buffers if k in new})


def _functional_call(module: Module, parameters_and_buffers: dict, args: Any = None, kwargs: dict | None = None, *,
                     tie_weights: bool = True, strict: bool = False):
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)


def functional_call(module: Module, parameters_and_buffers: dict, args: Any = None, kwargs: dict | None = None, *,
                    tie_weights: bool = True, strict: bool = False):
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced by the
    given tensors for the call (deprecated by PyTorch for ``torch.func.functional_call``,
    with the same FutureWarning here)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed "
                  "in a future version of PyTorch. Please use `torch.func.functional_call` instead which is a "
                  "drop-in replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
