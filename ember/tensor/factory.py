"""Making tensors from sizes: ``zeros``, ``ones``, ``full``, ``empty``, ``arange``,
``linspace``, ``logspace``, ``eye``, the ``*_like`` and ``Tensor.new_*`` forms,
``zero_``/``fill_``, and the legacy ``Tensor(2, 3)`` / ``FloatTensor`` constructors.

Every factory takes ``dtype``, ``device`` and ``requires_grad`` like PyTorch's; the
argument checks (sizes, dtypes, step signs) raise PyTorch's exception types.  Without
``device`` the size-based factories and ranges use the default device
(``ember.set_default_device`` / ``with ember.device(...)``); the ``*_like`` and
``Tensor.new_*`` forms follow their tensor instead, and the legacy constructors stay on
the cpu, as in PyTorch."""
from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from ..autograd.grad_mode import GRAD
from ..backend import dtypes as D
from ..backend.device import device_module, factory_device, on_device, to_device
from ..ops import fill as F
from .tensor import Tensor
from .wrap import apply

__all__ = ["zeros", "ones", "full", "empty", "arange", "linspace", "logspace", "eye", "zeros_like",
           "ones_like", "full_like", "empty_like", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


# ---------------------------------------------------------------------- argument helpers
def parse_size(args, op: str, size=None) -> tuple:
    """Sizes given as varargs ``(2, 3)``, one tuple/list/Size, or ``size=``; each an
    integer (Python, NumPy or a one-element integer tensor), none negative."""
    if size is not None:
        if args:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        args = (size,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for i, s in enumerate(args):
        if isinstance(s, bool) or not (isinstance(s, numbers.Integral) or hasattr(s, "__index__")):
            raise TypeError(f"{op}(): argument 'size' (position {i + 1}) must be tuple of ints, "
                            f"but found element of type {type(s).__name__} at pos {i}")
        try:
            n = operator.index(s)
        except TypeError:
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, got {s!r}") from None
        out.append(n)
    if any(n < 0 for n in out):
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension "
                           f"{min(out)}: {out}")
    return tuple(out)


def finish(data, requires_grad: bool, op: str = "") -> Tensor:
    """Wrap a freshly made array as a leaf, checking that ``requires_grad`` is allowed."""
    t = Tensor._make(data)
    if requires_grad:
        if data.dtype.kind != "f":
            raise RuntimeError(f"{op + ': ' if op else ''}Only Tensors of floating point and complex dtype "
                               f"can require gradients (got {D.from_numpy_dtype(data.dtype)})")
        t._rg = True
    return t


def _make(op: str, shape, fill, dtype, device, requires_grad) -> Tensor:
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    dev = factory_device(device)
    xp = device_module(dev)
    with on_device(dev):
        if fill is None:
            data = xp.empty(shape, dt.np)
        elif fill == 0:
            data = xp.zeros(shape, dt.np)
        else:
            data = xp.full(shape, fill, dt.np)
    return finish(data, requires_grad, op)


def _scalar(value, op: str, what: str = "fill_value"):
    """A Python number from a number, NumPy scalar or one-element tensor."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(f"{op}: {what} must be a number or a 0-dim tensor, got a tensor of shape "
                               f"{list(value.shape)}")
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, complex):
        raise TypeError(f"{op}(): ember does not support complex {what} ({value!r})")
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}(): argument '{what}' must be Number, not {type(value).__name__}")
    return value


def _cast_fill(value, dt: D.dtype):
    """The fill value as the target dtype keeps it (floats truncate into integer dtypes)."""
    if dt.category == 1 and isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
        return int(value)
    return value


# ---------------------------------------------------------------------- size-based factories
def zeros(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros(size=[2, 3])``."""
    return _make("zeros", parse_size(sizes, "zeros", size), 0, dtype, device, requires_grad)


def ones(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make("ones", parse_size(sizes, "ones", size), 1, dtype, device, requires_grad)


def empty(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor (its values are whatever the memory held)."""
    return _make("empty", parse_size(sizes, "empty", size), None, dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; without ``dtype`` it follows the value:
    bool -> bool, int -> int64, float -> the default dtype (as PyTorch)."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    shape = parse_size((size,), "full")
    fill_value = _scalar(fill_value, "full")
    dt = D.to_dtype(dtype) if dtype is not None else D.result_type(fill_value)
    return _make("full", shape, _cast_fill(fill_value, dt), dt, device, requires_grad)


def _like(op, input: Tensor, fill, dtype, device, requires_grad) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    dt = D.to_dtype(dtype) if dtype is not None else input.dtype
    dev = device if device is not None else input.device
    return _make(op, input._data.shape, _cast_fill(fill, dt) if fill is not None else None, dt, dev,
                 requires_grad)


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device (each overridable)."""
    return _like("zeros_like", input, 0, dtype, device, requires_grad)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    return _like("ones_like", input, 1, dtype, device, requires_grad)


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    return _like("empty_like", input, None, dtype, device, requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """``fill_value`` in ``input``'s shape; the dtype is ``input``'s, not the value's."""
    return _like("full_like", input, _scalar(fill_value, "full_like"), dtype, device, requires_grad)


# ---------------------------------------------------------------------- ranges
def _number(x, op: str, what: str):
    x = _scalar(x, op, what)
    if isinstance(x, bool):
        x = int(x)
    return x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Values ``start, start + step, ...`` below ``end`` (above, for a negative step).

    The length is ceil((end - start) / step); integer arguments give int64, any float
    argument the default dtype.  Values are ``start + i * step`` computed in double
    precision (int64 for int64 results), then cast."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", w) for v, w in ((start, "start"), (end, "end"), (step, "step")))
    if dtype is not None:
        dt = D.to_dtype(dtype)
    elif all(isinstance(v, numbers.Integral) for v in (start, end, step)):
        dt = D.int64
    else:
        dt = D.get_default_dtype()
    for v in (start, end):
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dt is D.int64:
        # PyTorch casts the bounds to int64 first and counts in integers
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError(f"arange: step must be nonzero (the step became 0 when cast to {dt})")
        sgn = (step > 0) - (step < 0)
        n = (end - start + step - sgn) // step if (end - start) * step > 0 else 0
        if (end - start) * step < 0:
            raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                               f"(start={start}, end={end}, step={step})")
    else:
        if (end - start) * step < 0:
            raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                               f"(start={start}, end={end}, step={step})")
        n = max(0, math.ceil((float(end) - float(start)) / float(step)))
    dev = factory_device(device)
    xp = device_module(dev)
    with on_device(dev):
        if dt is D.int64:
            data = start + step * xp.arange(n, dtype=np.int64)
        else:
            acc = np.int64 if dt.category < 2 else np.float64
            data = (start + step * xp.arange(n, dtype=acc)).astype(dt.np)
    return finish(data, requires_grad, "arange")


def _range_acc(dt: D.dtype):
    """The precision linspace/logspace compute in: the dtype itself for floats, double for integers."""
    return dt.np if dt.is_floating_point else np.dtype(np.float64)


def _lin(xp, start, end, steps: int, acc):
    """PyTorch's linspace: the first half counts up from ``start``, the second half down
    from ``end``, so both ends are exact."""
    cast = np.dtype(acc).type  # NumPy scalars (not 0-d arrays) mix with CuPy arrays too
    s, e = cast(start), cast(end)
    if steps == 1:
        return xp.full((1,), s, dtype=acc)
    step = cast((e - s) / cast(steps - 1))
    idx = xp.arange(steps)
    half = steps // 2
    lo = s + step * idx[:half].astype(acc)
    hi = e - step * (steps - idx[half:] - 1).astype(acc)
    return xp.concatenate([lo, hi]).astype(acc)


def _steps(steps, op: str) -> int:
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"{op}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"{op}: number of steps must be non-negative, got {steps}")
    return int(steps)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (default float dtype)."""
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    steps = _steps(steps, "linspace")
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    dev = factory_device(device)
    xp = device_module(dev)
    with on_device(dev):
        if steps == 0:
            data = xp.empty((0,), dt.np)
        else:
            if dt.category == 1:
                start, end = int(start), int(end)
            data = _lin(xp, start, end, steps, _range_acc(dt)).astype(dt.np)
    return finish(data, requires_grad, "linspace")


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    start, end = _number(start, "logspace", "start"), _number(end, "logspace", "end")
    steps = _steps(steps, "logspace")
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    dev = factory_device(device)
    xp = device_module(dev)
    with on_device(dev):
        if steps == 0:
            data = xp.empty((0,), dt.np)
        else:
            acc = _range_acc(dt)
            data = xp.power(np.dtype(acc).type(base), _lin(xp, start, end, steps, acc)).astype(dt.np)
    return finish(data, requires_grad, "logspace")


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """The ``n x m`` identity matrix (``m`` defaults to ``n``)."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral)):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
        if v is not None and v < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {v}")
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    dev = factory_device(device)
    xp = device_module(dev)
    with on_device(dev):
        data = xp.eye(int(n), int(n if m is None else m), dtype=dt.np)
    return finish(data, requires_grad, "eye")


# ---------------------------------------------------------------------- Tensor.new_* and in-place fills
def _new(self: Tensor, op, size, fill, dtype, device, requires_grad) -> Tensor:
    dt = D.to_dtype(dtype) if dtype is not None else self.dtype
    dev = device if device is not None else self.device
    return _make(op, parse_size(size, op), _cast_fill(fill, dt) if fill is not None else None, dt, dev,
                 requires_grad)


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
              pin_memory: bool = False) -> Tensor:
    """Zeros of ``size`` with this tensor's dtype and device."""
    return _new(self, "new_zeros", size, 0, dtype, device, requires_grad)


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
             pin_memory: bool = False) -> Tensor:
    return _new(self, "new_ones", size, 1, dtype, device, requires_grad)


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
              pin_memory: bool = False) -> Tensor:
    return _new(self, "new_empty", size, None, dtype, device, requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False,
             layout=None, pin_memory: bool = False) -> Tensor:
    return _new(self, "new_full", (size,), _scalar(fill_value, "new_full"), dtype, device, requires_grad)


def fill_(self: Tensor, value) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor), in place.

    With grad tracked, the result's history is ``Fill``: no gradient to the old
    values, and the sum of the incoming gradient to a tensor ``value``."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        if value.device != self.device and value.device.type != "cpu":
            raise RuntimeError(f"fill_: expected the value on {self.device}, got it on {value.device}")
        if GRAD[0] and (self._rg or value._rg):
            v = value if value.device == self.device else value.to(self.device)
            return self._commit_inplace(apply(F.FillTensor, self, v), "fill_")
        value = value.item()
    else:
        value = _scalar(value, "fill_", "value")
    dt = self.dtype
    value = _cast_fill(value, dt)
    if GRAD[0] and self._rg:
        return self._commit_inplace(apply(F.FillScalar, self, value=value), "fill_")
    self._data.fill(value)
    self._version[0] += 1
    return self


def zero_(self: Tensor) -> Tensor:
    """Set every element to zero, in place."""
    return fill_(self, 0)


Tensor.new_zeros = new_zeros
Tensor.new_ones = new_ones
Tensor.new_empty = new_empty
Tensor.new_full = new_full
Tensor.fill_ = fill_
Tensor.zero_ = zero_


# ---------------------------------------------------------------------- legacy constructors
def legacy_new(cls, args, device=None, dtype=None) -> Tensor:
    """``Tensor()``, ``Tensor(2, 3)``, ``Tensor(Size)``, ``Tensor([1, 2])``, ``Tensor(tensor)``:
    sizes make an uninitialised (here: zeroed) tensor of the default dtype; data is
    converted to it; a tensor is returned as it is (PyTorch aliases it)."""
    from .creation import as_array
    from .size import Size
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0] if dtype is None else args[0].to(dt)
    if len(args) == 1 and not isinstance(args[0], (numbers.Integral, Size)):
        data = args[0]
        if isinstance(data, (numbers.Number, np.generic)):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        return cls._make(as_array(data, dt, device, copy=True, op="Tensor"))
    shape = parse_size(args if args else (0,), "Tensor")
    dev = to_device(device)
    with on_device(dev):
        data = device_module(dev).zeros(shape, dt.np)
    return cls._make(data)


class _LegacyType(type):
    """``torch.FloatTensor`` and friends: callables that make tensors of one dtype, and
    ``isinstance(t, ember.FloatTensor)`` checks a tensor's dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"

    def __call__(cls, *args, device=None) -> Tensor:
        return legacy_new(Tensor, args, device, cls.dtype)

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(name: str, dt: D.dtype):
    return _LegacyType(name, (), {"dtype": dt, "__doc__": f"Legacy constructor for {dt} tensors."})


FloatTensor = _legacy("FloatTensor", D.float32)
DoubleTensor = _legacy("DoubleTensor", D.float64)
HalfTensor = _legacy("HalfTensor", D.float16)
LongTensor = _legacy("LongTensor", D.int64)
IntTensor = _legacy("IntTensor", D.int32)
ShortTensor = _legacy("ShortTensor", D.int16)
CharTensor = _legacy("CharTensor", D.int8)
ByteTensor = _legacy("ByteTensor", D.uint8)
BoolTensor = _legacy("BoolTensor", D.bool_)
