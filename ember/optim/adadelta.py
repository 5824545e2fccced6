"""Adadelta: steps scaled by the ratio of running RMS of past updates to running RMS of
gradients, so no learning rate needs tuning (Zeiler, 2012)."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import Optimizer, addcmul_, check_nonneg, chunks, finish, new_step, to_scalar, zeros_like

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta.  With ``d`` the gradient (plus ``weight_decay * p``)::

        s = rho * s + (1 - rho) * d^2
        delta = sqrt(acc + eps) / sqrt(s + eps) * d
        acc = rho * acc + (1 - rho) * delta^2
        p -= lr * delta

    State: ``step``, ``square_avg``, ``acc_delta``."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonneg(eps=eps, weight_decay=weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        rho, eps = group["rho"], group["eps"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["square_avg"] = zeros_like(p)
                state["acc_delta"] = zeros_like(p)
            state["step"]._data += 1
            xp = array_module(p._data)
            for pc, gc, s, acc in chunks(p._data, p._grad._data, state["square_avg"]._data,
                                         state["acc_delta"]._data):
                d = self._effective_grad(pc, gc, group["maximize"], group["weight_decay"])
                tmp = self._buffer(d, 2)
                s *= rho
                addcmul_(xp, s, d, d, 1 - rho, tmp)  # s = rho s + (1 - rho) d^2
                std = xp.add(s, eps, out=self._buffer(d, 3))
                xp.sqrt(std, out=std)
                delta = xp.add(acc, eps, out=self._buffer(d, 0))
                xp.sqrt(delta, out=delta)
                delta /= std
                delta *= d  # delta = sqrt(acc + eps) / sqrt(s + eps) * d
                acc *= rho
                addcmul_(xp, acc, delta, delta, 1 - rho, tmp)
                delta *= lr
                pc -= delta
            finish(p)
