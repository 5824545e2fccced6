"""``ember.testing``: PyTorch's ``torch.testing.assert_close`` and ``make_tensor``.

``assert_close`` compares tensors (or NumPy arrays), Python numbers, and sequences and
mappings of them, recursively, with PyTorch's per-dtype default tolerances
(|actual - expected| <= atol + rtol * |expected|) and its failure messages::

    Tensor-likes are not close!

    Mismatched elements: 1 / 3 (33.3%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)

Differences are computed as PyTorch computes them (in the tensors' dtype; integers
in int64, their relative difference in the default float dtype), so the numbers
printed are the same."""
from __future__ import annotations

import collections.abc
import math
import numbers

import numpy as np

from .backend import dtypes as D
from .tensor.tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) by dtype, PyTorch's defaults; integers and bool compare exactly
_DEFAULT_TOL = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A failed comparison: the exception type to raise, its message, and where."""

    def __init__(self, kind: type, msg: str, path: tuple = ()) -> None:
        super().__init__(msg)
        self.kind, self.msg, self.path = kind, msg, path

    def to_error(self, msg):
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([p]) for p in self.path)
        return self.kind(msg(text) if callable(msg) else text)


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg=None) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close (see the module
    docstring); ``rtol`` and ``atol`` go together (both or neither); ``msg`` replaces
    the message (a string) or rewrites it (a callable)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    opts = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device, check_dtype=check_dtype,
                check_stride=check_stride)
    try:
        _compare(actual, expected, (), opts)
    except _Mismatch as m:
        raise m.to_error(msg) from None


def _is_tensor_like(x) -> bool:
    return isinstance(x, (Tensor, np.ndarray))


def _is_number(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, (bool, np.bool_))


def _compare(actual, expected, path: tuple, opts: dict) -> None:
    if actual is None or expected is None:
        if actual is None and expected is None:
            return None
        raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", path)
    if isinstance(actual, Tensor) and isinstance(expected, Tensor) or (
            isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray)):
        return _compare_tensors(_as_tensor(actual), _as_tensor(expected), path, opts)
    if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
        if bool(actual) != bool(expected):
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", path)
        return None
    if _is_number(actual) and _is_number(expected):
        return _compare_numbers(actual, expected, path, opts)
    seq = collections.abc.Sequence
    if (isinstance(actual, seq) and isinstance(expected, seq) and not isinstance(actual, (str, bytes))
            and not isinstance(expected, (str, bytes))):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: {len(actual)} != "
                            f"{len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (i,), opts)
        return None
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        ka, ke = set(actual.keys()), set(expected.keys())
        if ka != ke:
            missing, extra = sorted(ke - ka, key=repr), sorted(ka - ke, key=repr)
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {missing}\n"
                            f"Additional keys in the actual mapping: {extra}", path)
        for key in actual.keys():
            _compare(actual[key], expected[key], path + (key,), opts)
        return None
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                    f"{type(expected)}.", path)


def _as_tensor(x) -> Tensor:
    if isinstance(x, Tensor):
        return x.detach()
    from .tensor.creation import tensor
    return tensor(x)


def _tolerances(opts: dict, *dtype_names: str) -> tuple:
    if opts["rtol"] is not None:
        return opts["rtol"], opts["atol"]
    pairs = [_DEFAULT_TOL.get(n, (0.0, 0.0)) for n in dtype_names]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


# ---------------------------------------------------------------- numbers
def _compare_numbers(actual, expected, path: tuple, opts: dict) -> None:
    if opts["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", path)
    names = ["float64" if isinstance(x, (float, complex, np.floating)) else "int64" for x in (actual, expected)]
    rtol, atol = _tolerances(opts, *names)
    if _numbers_close(actual, expected, rtol, atol, opts["equal_nan"]):
        return None
    raise _Mismatch(AssertionError, _scalar_msg(actual, expected, rtol, atol), path)


def _numbers_close(a, e, rtol, atol, equal_nan) -> bool:
    if a == e:
        return True
    if isinstance(a, complex) or isinstance(e, complex):
        a, e = complex(a), complex(e)
        if equal_nan and (a != a) and (e != e):
            return True
    elif equal_nan and math.isnan(a) and math.isnan(e):
        return True
    diff = abs(a - e)
    return math.isfinite(abs(e)) and diff <= atol + rtol * abs(e)


def _scalar_msg(actual, expected, rtol, atol) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff,
                         None, rtol)


def _mismatch_msg(identifier: str, extra: str, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol) -> str:
    equality = rtol == 0 and atol == 0

    def diff_line(kind: str, diff, idx, tol) -> str:
        line = f"{kind.title()} difference: {diff}" if idx is None else f"Greatest {kind} difference: {diff} at index {idx}"
        return line + ("" if equality else f" (up to {tol} allowed)") + "\n"

    text = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    text += diff_line("absolute", abs_diff, abs_idx, atol) + diff_line("relative", rel_diff, rel_idx, rtol)
    return text.strip()


# ---------------------------------------------------------------- tensors
def _compare_tensors(actual: Tensor, expected: Tensor, path: tuple, opts: dict) -> None:
    def attr_error(name, a, e):
        raise _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.", path)

    if tuple(actual.shape) != tuple(expected.shape):
        attr_error("shape", actual.shape, expected.shape)
    if opts["check_device"] and actual.device != expected.device:
        attr_error("device", actual.device, expected.device)
    if opts["check_dtype"] and actual.dtype is not expected.dtype:
        attr_error("dtype", actual.dtype, expected.dtype)
    if opts["check_stride"] and actual.stride() != expected.stride():
        attr_error("stride()", actual.stride(), expected.stride())
    rtol, atol = _tolerances(opts, actual.dtype.name, expected.dtype.name)
    dt = actual.dtype if actual.dtype is expected.dtype else D.promote_types(actual.dtype, expected.dtype)
    a = np.asarray(actual.cpu().to(dt).numpy())
    e = np.asarray(expected.cpu().to(dt).numpy())
    if dt.is_floating_point:
        with np.errstate(invalid="ignore", over="ignore"):
            matches = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=opts["equal_nan"])
    elif rtol == 0 and atol == 0:
        matches = a == e
    else:
        matches = np.isclose(a.astype(np.int64), e.astype(np.int64), rtol=rtol, atol=atol)
    if bool(np.all(matches)):
        return None
    if a.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_msg(a.item(), e.item(), rtol, atol), path)
    raise _Mismatch(AssertionError, _tensor_msg(a, e, matches, rtol, atol), path)


def _greatest(diff: np.ndarray) -> tuple:
    """PyTorch's max with its index: NaN wins (the first one), else the first maximum."""
    nan = np.isnan(diff)
    i = int(np.argmax(nan)) if nan.any() else int(np.argmax(diff))
    return diff[i].item(), i


def _tensor_msg(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol, atol) -> str:
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    af, ef, mf = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
    if af.dtype.kind not in "fc":
        af, ef = af.astype(np.int64), ef.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(af - ef)
        abs_diff[mf] = 0
        if abs_diff.dtype.kind in "iu":   # PyTorch's int / int is a division in the default float dtype
            fdt = D.get_default_dtype().np
            rel_diff = abs_diff.astype(fdt) / np.abs(ef).astype(fdt)
        else:
            rel_diff = abs_diff / np.abs(ef)
    rel_diff[mf] = 0
    max_abs, i_abs = _greatest(abs_diff)
    max_rel, i_rel = _greatest(rel_diff)

    def index(i):
        return tuple(int(k) for k in np.unravel_index(i, matches.shape))
    return _mismatch_msg("Tensor-likes", extra, max_abs, index(i_abs), atol, max_rel, index(i_rel), rtol)


# ---------------------------------------------------------------- make_tensor
def make_tensor(*shape, dtype, device=None, low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None) -> Tensor:
    """A random tensor for tests: floats uniform in [low, high) (default [-9, 9)),
    integers in [low, high) (default [-9, 10), [0, 10) for uint8), random booleans;
    ``noncontiguous`` gives a strided view, ``exclude_zero`` replaces zeros (by the
    dtype's eps for floats, 1 for integers)."""
    from .tensor.random import randint, rand
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    dtype = D.to_dtype(dtype)
    if low is not None and high is not None and low > high:
        raise ValueError(f"make_tensor: low must be less than or equal to high, but got low={low} and high={high}")
    full_shape = shape[:-1] + (shape[-1] * 2,) if noncontiguous and shape and shape[-1] > 1 else shape
    if dtype is D.bool_:
        t = randint(0, 2, full_shape, device=device).to(D.bool_)
    elif dtype.is_floating_point:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        t = (rand(full_shape, dtype=D.float64, device=device) * (hi - lo) + lo).to(dtype)
    else:
        info = np.iinfo(dtype.np)
        lo = max(int(info.min), (0 if dtype is D.uint8 else -9) if low is None else math.ceil(low))
        hi = min(int(info.max) + 1, 10 if high is None else math.ceil(high))     # exclusive
        t = randint(lo, max(hi, lo + 1), full_shape, device=device).to(dtype)
    if exclude_zero and dtype is not D.bool_:
        fill = float(np.finfo(dtype.np).tiny) if dtype.is_floating_point else 1
        t = t.masked_fill(t == 0, fill)
    if full_shape != shape:
        t = t[..., ::2]
    return t.requires_grad_(requires_grad) if requires_grad else t
