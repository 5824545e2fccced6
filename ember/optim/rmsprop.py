"""RMSprop: divide the gradient by a running root-mean-square of recent gradients (Hinton)."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import (Optimizer, addcdiv_, addcmul_, check_nonneg, chunks, finish, lerp_, new_step, to_scalar,
                        zeros_like)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop.  With ``d`` the gradient (plus ``weight_decay * p``)::

        s = alpha * s + (1 - alpha) * d^2
        avg = sqrt(s - g_avg^2) + eps   (centered: g_avg = alpha * g_avg + (1 - alpha) * d)
            = sqrt(s) + eps             (otherwise)
        p -= lr * d / avg               (or, with momentum, b = momentum * b + d / avg; p -= lr * b)

    State: ``step``, ``square_avg`` (and ``momentum_buffer``, ``grad_avg``)."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"momentum": 0, "centered": False, "foreach": None, "maximize": False,
                       "differentiable": False, "capturable": False}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        alpha, eps, momentum, centered = group["alpha"], group["eps"], group["momentum"], group["centered"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["square_avg"] = zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = zeros_like(p)
                if centered:
                    state["grad_avg"] = zeros_like(p)
            state["step"]._data += 1
            arrays = [p._data, p._grad._data, state["square_avg"]._data]
            if momentum > 0:
                arrays.append(state["momentum_buffer"]._data)
            if centered:
                arrays.append(state["grad_avg"]._data)
            xp = array_module(p._data)
            for pc, gc, s, *rest in chunks(*arrays):
                d = self._effective_grad(pc, gc, group["maximize"], group["weight_decay"])
                tmp = self._buffer(d, 2)
                s *= alpha
                addcmul_(xp, s, d, d, 1 - alpha, tmp)  # s = alpha s + (1 - alpha) d^2
                avg = self._buffer(d, 0)
                if centered:
                    ga = rest[-1]
                    lerp_(xp, ga, d, 1 - alpha, tmp)
                    # sqrt(s - g_avg * g_avg)
                    xp.multiply(ga, -1.0, out=avg)
                    avg *= ga
                    avg += s
                    xp.sqrt(avg, out=avg)
                else:
                    xp.sqrt(s, out=avg)
                avg += eps
                if momentum > 0:
                    b = rest[0]
                    b *= momentum
                    addcdiv_(xp, b, d, avg, 1.0, tmp)  # b = momentum b + d / avg
                    xp.multiply(b, lr, out=tmp)
                    pc -= tmp
                else:
                    addcdiv_(xp, pc, d, avg, -lr, tmp)
            finish(p)
