"""Stochastic gradient descent, with optional momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import Optimizer, chunks, finish, to_scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """``p -= lr * d`` where ``d`` is the gradient (plus ``weight_decay * p``), or with
    ``momentum`` the buffer ``b = momentum * b + (1 - dampening) * d`` (``b = d`` on the
    first step), or with ``nesterov`` ``d + momentum * b``.  State: ``momentum_buffer``
    (only when momentum is non-zero)."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None) -> None:
        if to_scalar(lr) < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"nesterov": False, "maximize": False, "foreach": None, "differentiable": False,
                       "fused": False}

    def _update_group(self, group, params) -> None:
        lr = to_scalar(group["lr"])
        momentum, dampening = group["momentum"], group["dampening"]
        nesterov, wd, maximize = group["nesterov"], group["weight_decay"], group["maximize"]
        for p in params:
            pa, g = p._data, p._grad._data
            xp = array_module(pa)
            if momentum == 0:
                for pc, gc in chunks(pa, g):
                    d = self._effective_grad(pc, gc, maximize, wd)
                    t = xp.multiply(d, lr, out=self._buffer(d, 0))
                    pc -= t
                finish(p)
                continue
            state = self.state[p]
            first = state.get("momentum_buffer") is None
            if first:  # the buffer starts as the first gradient
                state["momentum_buffer"] = Tensor._make(xp.empty_like(pa))
            for pc, gc, b in chunks(pa, g, state["momentum_buffer"]._data):
                d = self._effective_grad(pc, gc, maximize, wd)
                t = self._buffer(d, 0)
                if first:
                    b[...] = d
                else:
                    # b = momentum * b + (1 - dampening) * d
                    b *= momentum
                    if dampening == 0:
                        b += d
                    else:
                        xp.multiply(d, 1 - dampening, out=t)
                        b += t
                if nesterov:
                    xp.multiply(b, momentum, out=t)  # d + momentum * b
                    xp.add(d, t, out=t)
                    t *= lr
                else:
                    xp.multiply(b, lr, out=t)
                pc -= t
            finish(p)
