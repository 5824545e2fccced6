"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992), with
PyTorch's decaying step size eta_t = lr / (1 + lambd * lr * t)^alpha."""
from __future__ import annotations

from ..tensor import Tensor
from .optimizer import Optimizer, check_nonneg, finish, new_step, to_scalar, zeros_like

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """ASGD.  With ``d`` the gradient (plus ``weight_decay * p``) at step ``t``::

        p = p * (1 - lambd * eta) - eta * d
        ax = p                      while mu == 1 (before t0), else ax += (p - ax) * mu
        eta = lr / (1 + lambd * lr * t)^alpha,  mu = 1 / max(1, t - t0)

    ``ax`` holds the running average of the iterates.  State: ``step``, ``eta`` and
    ``mu`` (0-d tensors of the default dtype, as PyTorch keeps them) and ``ax``."""

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach=None, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr, weight_decay=weight_decay)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        lambd, alpha, t0, wd = group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["eta"] = new_step(lr)
                state["mu"] = new_step(1.0)
                state["ax"] = zeros_like(p)
            st = state["step"]
            st._data += 1
            pd, ax = p._data, state["ax"]._data
            g = -p._grad._data if group["maximize"] else p._grad._data
            if wd != 0:
                g = g + wd * pd
            eta = float(state["eta"]._data)
            pd *= 1 - lambd * eta
            pd -= eta * g
            mu = state["mu"]._data
            if float(mu) != 1:
                ax += (pd - ax) * mu.astype(pd.dtype)
            else:
                ax[...] = pd
            step = float(st._data)
            # PyTorch makes each new value a tensor of the default dtype first (as_tensor of a
            # Python float), so it is rounded to it even where the state was loaded as float64
            state["eta"]._data[...] = new_step(lr / (1 + lambd * lr * step) ** alpha)._data
            state["mu"]._data[...] = new_step(1 / max(1, step - t0))._data
            finish(p)
