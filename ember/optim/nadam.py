"""NAdam: Adam with Nesterov momentum (Dozat, 2016), with the momentum-decay schedule
of PyTorch's implementation."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import (Optimizer, addcdiv_, addcmul_, check_betas, check_nonneg, chunks, finish, lerp_,
                        new_step, to_scalar, zeros_like)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam.  With ``d`` the gradient (plus ``weight_decay * p``, or with
    ``decoupled_weight_decay`` ``p *= 1 - lr * weight_decay`` instead) at step ``t``::

        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))      prod_t = prod_{t-1} * mu_t
        m = beta1 * m + (1 - beta1) * d       v = beta2 * v + (1 - beta2) * d^2
        denom = sqrt(v / (1 - beta2^t)) + eps
        p -= lr * (1 - mu_t) / (1 - prod_t) * d / denom
        p -= lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / denom

    State: ``step``, ``mu_product`` (a 0-d tensor, multiplied in its own precision as
    PyTorch does), ``exp_avg``, ``exp_avg_sq``."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr, eps=eps)
        check_betas(betas)
        check_nonneg(weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"maximize": False, "foreach": None, "capturable": False, "differentiable": False,
                       "decoupled_weight_decay": False}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps, wd, md = group["eps"], group["weight_decay"], group["momentum_decay"]
        decoupled = group["decoupled_weight_decay"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["mu_product"] = new_step(1.0)
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
            st = state["step"]
            st._data += 1
            step = float(st._data)
            bc2 = 1 - beta2 ** step
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
            mp = state["mu_product"]._data
            mp *= mu  # in the counter's own precision, as PyTorch
            mu_product = float(mp)
            mu_product_next = mu_product * mu_next
            c_grad = -lr * (1.0 - mu) / (1.0 - mu_product)
            c_avg = (-lr * mu_next) / (1.0 - mu_product_next)
            xp = array_module(p._data)
            for pc, gc, m, v in chunks(p._data, p._grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data):
                if wd != 0 and decoupled:
                    pc *= 1 - lr * wd
                d = self._effective_grad(pc, gc, group["maximize"], 0 if decoupled else wd)
                tmp = self._buffer(d, 2)
                lerp_(xp, m, d, 1 - beta1, tmp)
                v *= beta2
                addcmul_(xp, v, d, d, 1 - beta2, tmp)
                denom = xp.divide(v, bc2, out=self._buffer(d, 0))
                xp.sqrt(denom, out=denom)
                denom += eps
                addcdiv_(xp, pc, d, denom, c_grad, tmp)
                addcdiv_(xp, pc, m, denom, c_avg, tmp)
            finish(p)
