"""Helpers shared by the wrapper modules: operand promotion, dim handling, views.

These keep every public function a few lines long: convert arguments the PyTorch
way, then ``apply`` one primitive."""
from __future__ import annotations

import numbers

import numpy as np

from ..backend import dtypes as D
from ..backend.device import is_array
from ..autograd.node import apply
from ..ops.base import normalize_axis
from .tensor import Tensor

__all__ = ["apply", "binary", "promote", "to_tensor", "dims", "view_apply", "Tensor", "normalize_axis",
           "float_input", "link_view", "broadcast_error", "UnsupportedOperand"]


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


class UnsupportedOperand(TypeError):
    """An operand that is neither a tensor, an array nor a number.  Operators turn it
    into ``NotImplemented`` (so Python tries the other operand, then raises its own
    TypeError, as PyTorch does); functions let it propagate as a TypeError."""


def promote(a, b):
    """Operands of a binary op, cast to their PyTorch result type.

    Tensors stay tensors (cast by a differentiable ``Cast`` when needed); a Python
    number stays a number when the tensor's category already covers it, so NumPy's
    weak scalars keep the tensor's dtype (float32 * 0.5 stays float32).  The common
    cases (same dtypes; a float with a float tensor; a small int) return at once."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype == b._data.dtype:
                return a, b
            return _promote_tensors(a, b)
        tb = type(b)
        if tb is float:
            if a._data.dtype.kind == "f":
                return a, b
        elif tb is int and 0 <= b <= 127 and a._data.dtype.kind in "fiu":
            return a, b
        return _promote_number(a, b, True)
    if isinstance(b, Tensor):
        ta = type(a)
        if ta is float:
            if b._data.dtype.kind == "f":
                return a, b
        elif ta is int and 0 <= a <= 127 and b._data.dtype.kind in "fiu":
            return a, b
        return _promote_number(b, a, False)
    return promote(_number_tensor(a), b)


def _promote_tensors(a: Tensor, b: Tensor):
    rt = D.result_type(a, b)
    return (a if a.dtype is rt else a.to(rt)), (b if b.dtype is rt else b.to(rt))


def _number_tensor(x) -> Tensor:
    """A non-tensor first operand of a function (``ember.mul(2, 3)``) as a 0-d tensor."""
    if is_array(x) or isinstance(x, (numbers.Number, np.bool_)):
        return to_tensor(x)
    raise UnsupportedOperand(f"expected a Tensor or a number, got {type(x).__name__}")


_INT_RANGE = {}  # numpy integer dtype -> (lo, hi, modulus)


def _int_range(npd):
    r = _INT_RANGE.get(npd)
    if r is None:
        info = np.iinfo(npd)
        r = _INT_RANGE[npd] = (int(info.min), int(info.max), 1 << info.bits)
    return r


def _promote_number(t: Tensor, s, t_first: bool):
    """A tensor and a non-tensor operand (number, NumPy scalar, array)."""
    if isinstance(s, np.generic):
        s = s.item()
    elif not isinstance(s, numbers.Number):
        if is_array(s):
            s = to_tensor(s)
            return promote(t, s) if t_first else promote(s, t)
        raise UnsupportedOperand(f"unsupported operand type: expected a Tensor or a number, got "
                                 f"{type(s).__name__}")
    if isinstance(s, complex):
        raise TypeError("ember does not support complex numbers")
    npd = t._data.dtype
    kind = npd.kind
    tcat = 2 if kind == "f" else (0 if kind == "b" else 1)
    scat = 0 if isinstance(s, bool) else (1 if isinstance(s, numbers.Integral) else 2)
    if scat > tcat:
        t = t.to(D.result_type(t, s))
    elif scat == 1 and tcat == 1:
        s = int(s)
        lo, hi, mod = _int_range(npd)
        if not lo <= s <= hi:
            # PyTorch casts the number to the tensor's dtype, wrapping around (int8 + 300 adds 44)
            if not -(1 << 63) <= s < (1 << 64):
                raise OverflowError("int too big to convert")
            s = (s - lo) % mod + lo
    if scat == 0:
        s = bool(s)
    elif scat == 1:
        s = int(s)
    else:
        s = float(s)
    return (t, s) if t_first else (s, t)


def broadcast_error(*operands):
    """PyTorch's RuntimeError for operands whose shapes do not broadcast, else None."""
    shape = None
    for x in operands:
        sh = getattr(x, "shape", None)
        if sh is None:
            continue
        sh = tuple(sh)
        if shape is None:
            shape = sh
            continue
        n = max(len(shape), len(sh))
        a = (1,) * (n - len(shape)) + shape
        b = (1,) * (n - len(sh)) + sh
        for i, (p, q) in enumerate(zip(a, b)):
            if p != q and p != 1 and q != 1:
                return RuntimeError(f"The size of tensor a ({p}) must match the size of tensor b ({q}) at "
                                    f"non-singleton dimension {i}")
        shape = tuple(q if p == 1 else p for p, q in zip(a, b))
    return None


def binary(op, a, b, **kw):
    """Promote, then apply a binary primitive.  Shapes that do not broadcast raise
    PyTorch's RuntimeError (NumPy's ValueError is translated; the check costs nothing
    on the success path)."""
    a, b = promote(a, b)
    try:
        return apply(op, a, b, **kw)
    except ValueError:
        err = broadcast_error(a, b)
        if err is None:
            raise
        raise err from None


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
    return link_view(t, apply(op, t, *args, **kwargs), (op, args, kwargs))


def link_view(t: Tensor, out: Tensor, link) -> Tensor:
    """Make ``out`` a view of ``t`` when it shares t's memory; ``link`` is the
    (op, args, kwargs) that replays it from t (also used for multi-output views)."""
    od, td = out._data, t._data
    if od.size and td.size and _shares(od, td):
        out._version = t._version
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
