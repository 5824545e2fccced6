"""Adam and AdamW: per-coordinate steps from bias-corrected moving averages of the
gradient and its square (Kingma & Ba, 2014; decoupled weight decay: Loshchilov & Hutter)."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import (Optimizer, addcdiv_, addcmul_, check_betas, check_nonneg, chunks, finish, lerp_,
                        new_step, to_scalar, zeros_like)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam.  Per step ``t``, with ``d`` the gradient (plus ``weight_decay * p`` unless
    the decay is decoupled, in which case ``p *= 1 - lr * weight_decay`` first)::

        m = beta1 * m + (1 - beta1) * d          v = beta2 * v + (1 - beta2) * d^2
        p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    with ``amsgrad`` using the running maximum of ``v``.  State: ``step``, ``exp_avg``,
    ``exp_avg_sq`` (and ``max_exp_avg_sq``)."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr, eps=eps)
        check_betas(betas)
        check_nonneg(weight_decay=weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = tuple(to_scalar(b) for b in betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
                       "differentiable": False, "decoupled_weight_decay": False, "fused": None}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        beta1, beta2 = (to_scalar(b) for b in group["betas"])
        eps, wd, amsgrad = group["eps"], group["weight_decay"], group["amsgrad"]
        decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = zeros_like(p)
            st = state["step"]
            st._data += 1
            step = float(st._data)
            step_size = lr / (1 - beta1 ** step)
            bc2_sqrt = (1 - beta2 ** step) ** 0.5
            arrays = [p._data, p._grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data]
            if amsgrad:
                arrays.append(state["max_exp_avg_sq"]._data)
            xp = array_module(p._data)
            for pc, gc, m, v, *vmax in chunks(*arrays):
                if wd != 0 and decoupled:
                    pc *= 1 - lr * wd
                d = self._effective_grad(pc, gc, maximize, 0 if decoupled else wd)
                tmp = self._buffer(d, 2)
                lerp_(xp, m, d, 1 - beta1, tmp)  # m = beta1 m + (1 - beta1) d
                v *= beta2
                addcmul_(xp, v, d, d, 1 - beta2, tmp)  # v = beta2 v + (1 - beta2) d^2
                if amsgrad:
                    xp.maximum(vmax[0], v, out=vmax[0])
                    v = vmax[0]
                denom = xp.sqrt(v, out=self._buffer(d, 0))
                denom /= bc2_sqrt
                denom += eps
                addcdiv_(xp, pc, m, denom, -step_size, tmp)
            finish(p)

class AdamW(Adam):
    """Adam with decoupled weight decay (``p *= 1 - lr * weight_decay`` each step,
    outside the moment estimates); ``weight_decay`` defaults to 0.01."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach=None,
                 capturable: bool = False, differentiable: bool = False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
