"""Adamax: Adam with the infinity norm in place of the root mean square (Kingma & Ba, 2014)."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import (Optimizer, addcdiv_, check_betas, check_nonneg, chunks, finish, lerp_, new_step,
                        to_scalar, zeros_like)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax.  With ``d`` the gradient (plus ``weight_decay * p``) at step ``t``::

        m = beta1 * m + (1 - beta1) * d
        u = max(beta2 * u, |d| + eps)
        p -= lr / (1 - beta1^t) * m / u

    State: ``step``, ``exp_avg``, ``exp_inf``."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr, eps=eps)
        check_betas(betas)
        check_nonneg(weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["exp_avg"] = zeros_like(p)
                state["exp_inf"] = zeros_like(p)
            st = state["step"]
            st._data += 1
            step = float(st._data)
            clr = lr / (1 - beta1 ** step)
            xp = array_module(p._data)
            for pc, gc, m, u in chunks(p._data, p._grad._data, state["exp_avg"]._data, state["exp_inf"]._data):
                d = self._effective_grad(pc, gc, group["maximize"], group["weight_decay"])
                tmp = self._buffer(d, 2)
                lerp_(xp, m, d, 1 - beta1, tmp)  # m = beta1 m + (1 - beta1) d
                u *= beta2
                xp.abs(d, out=tmp)
                tmp += eps
                xp.maximum(u, tmp, out=u)  # u = max(beta2 u, |d| + eps)
                addcdiv_(xp, pc, m, u, -clr, tmp)
            finish(p)
