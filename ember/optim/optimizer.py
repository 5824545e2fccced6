"""The Optimizer base class: parameter groups, per-parameter state, checkpoints.

An optimizer holds ``param_groups`` (a list of dicts, each with a ``"params"`` list and
every hyperparameter filled in from the defaults) and ``state`` (a dict from parameter
to that parameter's buffers).  Subclasses implement ``step``, which updates each
parameter's storage (``p._data``) in place with plain array math: no autograd graph is
recorded, and the parameter's version counter is bumped as PyTorch's in-place update
does.  ``state_dict``/``load_state_dict`` use PyTorch's layout (parameters replaced by
integer ids in group order) so checkpoints move between the two.
"""
from __future__ import annotations

import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..backend import dtypes as D
from ..backend.device import array_module
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyperparameter that every parameter group must set (no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj) -> str:
    """PyTorch's ``torch.typename``: ``torch.FloatTensor`` for tensors, else the class."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__ or ""
    return cls.__qualname__ if module in ("", "builtins") else f"{module}.{cls.__qualname__}"


def to_scalar(x):
    """A hyperparameter as a Python number (a 1-element tensor becomes its value)."""
    return x.item() if isinstance(x, Tensor) else x


def new_step(value: float = 0.0) -> Tensor:
    """The ``step`` counter PyTorch keeps per parameter: a 0-d tensor on the CPU, float32
    (float64 when that is the default dtype)."""
    dt = np.float64 if D.get_default_dtype() is D.float64 else np.float32
    return Tensor._make(np.array(value, dtype=dt))


def zeros_like(p: Tensor, fill: float = 0.0) -> Tensor:
    """A state buffer with the parameter's shape, dtype and device (not a view of it)."""
    xp = array_module(p._data)
    a = xp.zeros_like(p._data) if fill == 0 else xp.full_like(p._data, fill)
    return Tensor._make(a)


class Optimizer:
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    ``params``: an iterable of tensors, of dicts (one parameter group each, with
    per-group options), or of ``(name, tensor)`` pairs.  ``defaults``: the
    hyperparameters a group takes when it does not set them."""

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if defaults.get("differentiable"):
            raise RuntimeError(f"{type(self).__name__}(differentiable=True): ember's optimizers update parameters "
                               "outside autograd, so a step cannot be differentiated; use differentiable=False")
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)
        self._scratch: dict = {}

    # ------------------------------------------------------------------ pickling, printing
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    # Options an optimizer added after some of its pickles were written, with their
    # defaults: unpickling fills them into every param group (as PyTorch's __setstate__s do).
    _group_defaults: dict = {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.defaults.setdefault("differentiable", False)
        self._scratch = {}
        for group in self.param_groups:
            for k, v in self._group_defaults.items():
                group.setdefault(k, v)

    def __repr__(self) -> str:
        s = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones from the defaults).

        Raises ValueError when a parameter is already in another group."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter "
                                 f"{name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: set it to None (default), or zero it in place
        (detached from any graph it carries)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                g._node, g._rg = None, False  # detached: a zeroed grad carries no history
                g._data[...] = 0
                g._version[0] += 1

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; return ``closure()``'s loss when
        a closure (which re-evaluates the model) is given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            with_grad = [p for p in group["params"] if p._grad is not None]
            if with_grad:
                self._update_group(group, with_grad)
        return loss

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        """One optimizer step for ``params`` (the group's parameters that have a grad)."""
        raise TypeError(f"{type(self).__name__} is an Optimizer without an update rule: subclasses of "
                        f"Optimizer define _update_group or override step")

    # ------------------------------------------------------------------ helpers for update rules
    def _buffer(self, like, slot: int = 0):
        """A scratch array shaped like ``like`` (contents undefined), reused across steps
        and parameters so updates allocate no temporaries."""
        key = (like.dtype.str, type(like), slot, str(getattr(like, "device", "")))
        flat = self._scratch.get(key)
        if flat is None or flat.size < like.size:
            xp = array_module(like)
            flat = xp.empty(like.size, dtype=like.dtype)
            self._scratch[key] = flat
        return flat[:like.size].reshape(like.shape)

    def _effective_grad(self, p, g, maximize: bool, weight_decay: float):
        """The gradient the update uses, from arrays ``p`` and ``g`` (a chunk of the
        parameter and of its grad): negated for ``maximize``, plus ``weight_decay * p``
        (L2 penalty) when set.  The result may be ``g`` itself: read only."""
        if not maximize and weight_decay == 0:
            return g
        xp = array_module(g)
        t = self._buffer(g, 1)
        if weight_decay == 0:
            return xp.negative(g, out=t)
        # g + weight_decay * p, with g negated first under maximize
        xp.multiply(p, weight_decay, out=t)
        return xp.subtract(t, g, out=t) if maximize else xp.add(g, t, out=t)


    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {id: {...}}, "param_groups": [{..., "params": [ids]}]}`` with integer
        ids numbered in group order; state tensors are referenced, not copied."""
        ids: dict[int, int] = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                ids.setdefault(id(p), i)
            packed["params"] = [ids[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(ids[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by ``state_dict`` (from ember or PyTorch's layout).

        Groups must match in number and size; state tensors are cast to their
        parameter's dtype and device (``step`` counters are kept as they are)."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict: expected a dict with keys 'state' and 'param_groups' (as returned "
                             f"by Optimizer.state_dict()), got {type(state_dict).__name__}")
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = _cast(p, v)
            else:
                state[k] = v

        def update(group, new):
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
            return new

        self.__setstate__({"state": state, "param_groups": [update(g, s) for g, s in zip(groups, saved_groups)]})


def _cast(param: Tensor, value, key=None):
    """A state value moved to ``param``'s device (and dtype, for floating params);
    ``step`` counters keep their dtype and stay where they are."""
    if isinstance(value, Tensor):
        if key == "step":
            return value
        from ..autograd.grad_mode import no_grad
        with no_grad():
            if param.is_floating_point():
                return value.to(dtype=param.dtype, device=param.device)
            return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


CHUNK = 32768  # elements per chunk: a dozen float32 chunks stay in a core's L2 cache


def chunks(*arrays):
    """Yield the same-shaped ``arrays`` as aligned chunks of at most CHUNK elements.

    An update rule is a dozen elementwise passes over the parameter and its state;
    running all of them on one cache-sized chunk before the next keeps the data in
    cache (about 2x faster than whole-array passes on the CPU).  Non-contiguous arrays
    and CuPy arrays (where each pass is one kernel launch) are yielded whole."""
    a0 = arrays[0]
    n = a0.size
    if n <= CHUNK or type(a0) is not np.ndarray or not all(a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flats = [a.reshape(-1) for a in arrays]
    for s in range(0, n, CHUNK):
        yield tuple(f[s:s + CHUNK] for f in flats)


def finish(p: Tensor) -> None:
    """Record an in-place update of ``p``'s storage (PyTorch bumps the version counter)."""
    p._version[0] += 1


def lerp_(xp, a, b, weight: float, tmp) -> None:
    """``a += weight * (b - a)`` in place, in PyTorch's two forms (the second, for
    weights of 0.5 and up, ``b - (b - a) * (1 - weight)``, is exact at weight 1).
    ``1 - weight`` is taken from the weight rounded to the arrays' precision, as PyTorch does."""
    weight = float(a.dtype.type(weight))
    xp.subtract(b, a, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        a += tmp
    else:
        tmp *= 1 - weight
        xp.subtract(b, tmp, out=a)


def addcmul_(xp, a, b, c, value: float, tmp) -> None:
    """``a += value * b * c`` in place (evaluated left to right, as PyTorch's addcmul)."""
    if value == 1.0:  # 1 * b is exact: save a pass
        xp.multiply(b, c, out=tmp)
    else:
        xp.multiply(b, value, out=tmp)
        tmp *= c
    a += tmp


def addcdiv_(xp, a, b, c, value: float, tmp) -> None:
    """``a += value * b / c`` in place (evaluated left to right, as PyTorch's addcdiv)."""
    if value == 1.0:
        xp.divide(b, c, out=tmp)
    else:
        xp.multiply(b, value, out=tmp)
        tmp /= c
    a += tmp


def check_betas(betas) -> None:
    """PyTorch's checks on ``betas``: each in [0, 1)."""
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def check_nonneg(**values) -> None:
    """ValueError ``Invalid <what>: <value>`` for a negative hyperparameter, with
    PyTorch's wording (``lr`` is 'learning rate', ``eps`` 'epsilon value')."""
    words = {"lr": "learning rate", "eps": "epsilon value"}
    for name, v in values.items():
        if not 0.0 <= to_scalar(v):
            raise ValueError(f"Invalid {words.get(name, name + ' value')}: {v}")
