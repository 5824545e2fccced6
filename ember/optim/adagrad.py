"""Adagrad: per-coordinate steps scaled by the root of the sum of all past squared
gradients (Duchi et al., 2011)."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import (Optimizer, addcdiv_, addcmul_, check_nonneg, chunks, finish, new_step, to_scalar,
                        zeros_like)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad.  With ``d`` the gradient (plus ``weight_decay * p``) at step ``t``::

        lr_t = lr / (1 + (t - 1) * lr_decay)
        sum += d^2
        p -= lr_t * d / (sqrt(sum) + eps)

    State (created in the constructor, as PyTorch does): ``step`` and ``sum``
    (starting at ``initial_accumulator_value``)."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                     initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = new_step()
                state["sum"] = zeros_like(p, initial_accumulator_value)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        lr_decay, eps = group["lr_decay"], group["eps"]
        for p in params:
            state = self.state[p]
            st = state["step"]
            st._data += 1
            step = float(st._data)
            clr = lr / (1 + (step - 1) * lr_decay)
            xp = array_module(p._data)
            for pc, gc, s in chunks(p._data, p._grad._data, state["sum"]._data):
                d = self._effective_grad(pc, gc, group["maximize"], group["weight_decay"])
                tmp = self._buffer(d, 2)
                addcmul_(xp, s, d, d, 1.0, tmp)  # sum += d^2
                std = xp.sqrt(s, out=self._buffer(d, 0))
                std += eps
                addcdiv_(xp, pc, d, std, -clr, tmp)
            finish(p)
