"""Rprop: resilient backpropagation (Riedmiller & Braun, 1993): a per-element step
size that grows while the gradient keeps its sign and shrinks when it flips."""
from __future__ import annotations

from ..backend.device import array_module
from ..tensor import Tensor
from .optimizer import Optimizer, check_nonneg, finish, new_step, to_scalar, zeros_like

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop.  With ``g`` the gradient and ``prev`` the previous step's (kept) gradient::

        g * prev > 0:  step_size = min(step_size * etaplus, step_size_max)
        g * prev < 0:  step_size = max(step_size * etaminus, step_size_min); g = 0
        otherwise:     step_size unchanged
        p -= sign(g) * step_size;  prev = g

    State: ``step``, ``prev``, ``step_size`` (starts at ``lr``)."""

    def __init__(self, params, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonneg(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    # filled into param groups of older pickles (Optimizer.__setstate__)
    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def _update_group(self, group, params) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["prev"] = zeros_like(p)
                state["step_size"] = zeros_like(p, to_scalar(group["lr"]))
            state["step"]._data += 1
            xp = array_module(p._data)
            g = p._grad._data
            g = -g if group["maximize"] else g.copy()
            prev, step_size = state["prev"]._data, state["step_size"]._data
            gp = g * prev
            factor = xp.ones_like(g)                   # in the parameter's dtype, as PyTorch's sign tensor
            factor[gp > 0] = etaplus
            flipped = gp < 0
            factor[flipped] = etaminus
            step_size *= factor
            xp.clip(step_size, step_size_min, step_size_max, out=step_size)
            g[flipped] = 0                             # after a sign flip: no step, and no memory of it
            p._data -= xp.sign(g) * step_size
            prev[...] = g
            finish(p)
