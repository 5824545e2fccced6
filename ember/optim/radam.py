"""RAdam: Adam whose adaptive step is switched on only once the variance of the
adaptive learning rate is tractable, and then rectified (Liu et al., 2019)."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import (Optimizer, addcmul_, check_betas, check_nonneg, chunks, finish, lerp_, new_step,
                        to_scalar, zeros_like)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam.  With ``d`` the gradient (plus ``weight_decay * p``, or with
    ``decoupled_weight_decay`` ``p *= 1 - lr * weight_decay`` instead) at step ``t``::

        m = beta1 * m + (1 - beta1) * d       v = beta2 * v + (1 - beta2) * d^2
        rho_inf = 2 / (1 - beta2) - 1         rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:  p -= lr * m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t
                       with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        else:          p -= lr * m / (1 - beta1^t)

    State: ``step``, ``exp_avg``, ``exp_avg_sq``."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr, eps=eps)
        check_betas(betas)
        check_nonneg(weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable}
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "decoupled_weight_decay": False,
                       "capturable": False}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps, wd = group["eps"], group["weight_decay"]
        decoupled = group["decoupled_weight_decay"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
            st = state["step"]
            st._data += 1
            step = float(st._data)
            bc1 = 1 - beta1 ** step
            bc2 = 1 - beta2 ** step
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
            rect = None
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            xp = array_module(p._data)
            for pc, gc, m, v in chunks(p._data, p._grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data):
                if wd != 0 and decoupled:
                    pc *= 1 - lr * wd
                d = self._effective_grad(pc, gc, group["maximize"], 0 if decoupled else wd)
                tmp = self._buffer(d, 2)
                lerp_(xp, m, d, 1 - beta1, tmp)
                v *= beta2
                addcmul_(xp, v, d, d, 1 - beta2, tmp)
                upd = xp.divide(m, bc1, out=self._buffer(d, 0))
                upd *= lr
                if rect is not None:  # the variance is tractable: rectified adaptive step
                    xp.sqrt(v, out=tmp)
                    tmp += eps
                    xp.divide(bc2 ** 0.5, tmp, out=tmp)
                    upd *= tmp
                    upd *= rect
                pc -= upd
            finish(p)
