"""Helpers shared by the wrapper modules: operand promotion, dim handling, views.

These keep every public function a few lines long: convert arguments the PyTorch
way, then ``apply`` one primitive."""
from __future__ import annotations

import numbers

from ..backend import dtypes as D
from ..backend.device import is_array
from ..autograd.node import apply
from ..ops.base import normalize_axis
from .tensor import Tensor

__all__ = ["apply", "binary", "promote", "to_tensor", "dims", "view_apply", "Tensor", "normalize_axis",
           "float_input"]


def to_tensor(x, like: Tensor | None = None) -> Tensor:
    """Tensors pass through; arrays and numbers become constant tensors (numbers on
    ``like``'s device, with the dtype PyTorch would give them)."""
    if isinstance(x, Tensor):
        return x
    if is_array(x):
        return Tensor._make(x)
    from .creation import as_array
    dev = like.device if like is not None else None
    return Tensor._make(as_array(x, device=dev))


def promote(a, b):
    """Operands of a binary op, cast to their PyTorch result type.

    Tensors stay tensors (cast by a differentiable ``Cast`` when needed); a Python
    number stays a number when the tensor's category already covers it, so NumPy's
    weak scalars keep the tensor's dtype (float32 * 0.5 stays float32)."""
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    if ta and tb:
        if a._data.dtype == b._data.dtype:
            return a, b
        rt = D.result_type(a, b)
        return (a if a.dtype is rt else a.to(rt)), (b if b.dtype is rt else b.to(rt))
    if not ta and not tb:
        a = to_tensor(a)
        return promote(a, b)
    t, s = (a, b) if ta else (b, a)
    if is_array(s) or not isinstance(s, numbers.Number):
        if isinstance(s, (list, tuple)) or is_array(s) or hasattr(s, "__array__"):
            s = to_tensor(s, t)
            return promote(a if ta else s, s if ta else b)
        raise TypeError(f"unsupported operand type: expected a tensor or a number, got {type(s).__name__}")
    kind = t._data.dtype.kind
    tcat = 2 if kind == "f" else (0 if kind == "b" else 1)
    scat = 0 if isinstance(s, bool) else (1 if isinstance(s, numbers.Integral) else 2)
    if isinstance(s, complex):
        raise TypeError("ember does not support complex numbers")
    if scat > tcat:
        t = t.to(D.result_type(t, s))
    s = bool(s) if scat == 0 else (int(s) if scat == 1 else float(s))
    return (t, s) if ta else (s, t)


def binary(op, a, b, **kw):
    """Promote, then apply a binary primitive."""
    a, b = promote(a, b)
    return apply(op, a, b, **kw)


def float_input(a: Tensor) -> Tensor:
    """Integer and bool tensors become the default float dtype (exp, log, sqrt, ...)."""
    if a._data.dtype.kind in "fc":
        return a
    return a.to(D.get_default_dtype())


def dims(dim, ndim: int, op: str = ""):
    """None, an int, or a list/tuple of ints, as a sorted tuple of non-negative axes."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        out = tuple(normalize_axis(int(d), ndim, op) for d in dim)
        if len(set(out)) != len(out):
            raise RuntimeError(f"{op}: dim {out} appears multiple times in the list of dims")
        return tuple(sorted(out))
    return (normalize_axis(int(dim), ndim, op),)


def view_apply(op, t: Tensor, *args, **kwargs) -> Tensor:
    """Apply a view primitive; when the result shares t's memory it becomes t's view:
    same version counter, same base, and the chain of views that made it."""
    out = apply(op, t, *args, **kwargs)
    od, td = out._data, t._data
    if od.size and td.size and _shares(od, td):
        out._version = t._version
        link = (op, args, kwargs)
        if t._base is None:
            out._base, out._view_chain = t, (link,)
        else:
            out._base, out._view_chain = t._base, t._view_chain + (link,)
    return out


def _shares(a, b) -> bool:
    base_a = a.base if a.base is not None else a
    base_b = b.base if b.base is not None else b
    if base_a is base_b or base_a is b or a is base_b:
        return True
    from ..backend.device import array_module
    return bool(array_module(a).may_share_memory(a, b))
