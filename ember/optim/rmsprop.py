"""RMSprop: divide the gradient by a running root-mean-square of recent gradients (Hinton)."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import Optimizer, addcdiv_, addcmul_, check_nonneg, finish, lerp_, new_step, to_scalar, zeros_like

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

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

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
            d = self._effective_grad(p, group["maximize"], group["weight_decay"])
            xp = array_module(d)
            tmp = self._buffer(d, 2)
            s = state["square_avg"]._data
            s *= alpha
            addcmul_(xp, s, d, d, 1 - alpha, tmp)
            avg = self._buffer(d, 0)
            if centered:
                ga = state["grad_avg"]._data
                lerp_(xp, ga, d, 1 - alpha, tmp)
                # s - g_avg * g_avg, then its square root
                xp.multiply(ga, -1.0, out=avg)
                avg *= ga
                avg += s
                xp.sqrt(avg, out=avg)
            else:
                xp.sqrt(s, out=avg)
            avg += eps
            if momentum > 0:
                b = state["momentum_buffer"]._data
                b *= momentum
                addcdiv_(xp, b, d, avg, 1.0, tmp)
                xp.multiply(b, lr, out=tmp)
                p._data -= tmp
            else:
                addcdiv_(xp, p._data, d, avg, -lr, tmp)
            finish(p)
