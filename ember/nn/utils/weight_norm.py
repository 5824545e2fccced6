"""Weight normalization (Salimans & Kingma, 2016), PyTorch's hook-based API:
``weight_norm(module, name="weight", dim=0)`` and ``remove_weight_norm``.

The parameter ``name`` is replaced by a magnitude ``name_g`` (the norm of the weight
over every dim but ``dim``, kept as size-1 dims) and a direction ``name_v`` (the weight
itself); a forward pre-hook recomputes ``name = name_v * (name_g / ||name_v||)`` before
each call.  ``dim=None`` (stored as -1) takes one norm over the whole tensor.

Also ``norm_except_dim`` and ``_weight_norm``, the two tensor functions PyTorch
exposes at ``torch.norm_except_dim`` / ``torch._weight_norm``."""
from __future__ import annotations

import warnings
from typing import Any, TypeVar

from ...tensor.tensor import Tensor
from ..modules.module import Module
from ..parameter import Parameter, UninitializedParameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002  (PyTorch's name)
    """The ``pow``-norm of ``v`` over every dim except ``dim``, shaped like ``v`` with
    size 1 in the reduced dims; ``dim=-1`` gives one norm over the whole tensor (0-d)."""
    if dim == -1:
        return v.norm(pow)
    nd = v.dim()
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    d = dim % nd
    shape = [1] * nd
    shape[d] = v.shape[d]
    # move ``dim`` first, flatten the rest, take the norm of each row (norm's own backward)
    rows = v.movedim(d, 0).reshape(v.shape[d], -1)
    return rows.norm(pow, 1).reshape(shape)


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """w = v * (g / norm_except_dim(v, 2, dim)); gradients flow to g and v through autograd
    (d w/d g = v / ||v||, d w/d v = g / ||v|| (I - v v^T / ||v||^2) per row)."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    name: str
    dim: int

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> "WeightNorm":
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized parameters. Make sure to "
                             "run the dummy forward before applying weight normalization")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


T_module = TypeVar("T_module", bound=Module)


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Reparametrize ``module.<name>`` as magnitude ``<name>_g`` times direction
    ``<name>_v / ||<name>_v||`` (norm over every dim but ``dim``; ``None``: the whole
    tensor); the weight is recomputed before every forward.  Deprecated in PyTorch in
    favour of ``nn.utils.parametrizations.weight_norm``, as here (FutureWarning)."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo ``weight_norm``: ``<name>`` becomes an ordinary parameter again, holding the
    current normalized weight."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
