"""Printing tensors exactly as PyTorch does, and the print options that steer it.

The rules (PyTorch's documented behaviour, re-implemented):

* one formatter per tensor decides, from the finite non-zero values, between
  integer mode (``1.``), fixed point (``precision`` decimals) and scientific
  notation (max/min ratio > 1000, max > 1e8 or min < 1e-4, unless ``sci_mode``
  forces it; a tensor with no finite non-zero value never uses it);
  every element is right-aligned to the widest one;
* tensors with more than ``threshold`` elements are summarised: each dimension
  longer than ``2 * edgeitems`` shows its first and last ``edgeitems`` rows around
  ``...``; the formatter then only looks at the elements shown;
* rows wrap at ``linewidth`` characters; nested dimensions indent one column per
  level and separate with ``dim - 1`` blank lines;
* suffixes: ``size=`` (empty tensors not 1-D, or edgeitems=0), ``dtype=`` (unless
  the default float dtype, int64 or bool), ``device=`` (not cpu), then
  ``grad_fn=<...>`` or ``requires_grad=True``, wrapped at ``linewidth``.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass

import numpy as np

from ..backend import dtypes as D

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """``torch.set_printoptions``: a ``profile`` ("default", "short", "full") first,
    then each option given; ``sci_mode`` is always set (None lets the formatter choose)."""
    if profile is not None and profile in _PROFILES:
        for k, v in _PROFILES[profile].items():
            setattr(OPTS, k, v)
    if precision is not None:
        OPTS.precision = precision
    if threshold is not None:
        OPTS.threshold = threshold
    if edgeitems is not None:
        OPTS.edgeitems = edgeitems
    if linewidth is not None:
        OPTS.linewidth = linewidth
    OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options as a dict (``torch._tensor_str.get_printoptions``)."""
    return asdict(OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (``with ember.printoptions(precision=2): ...``)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses one format for all the elements of a tensor and pads them to one width."""

    def __init__(self, a: np.ndarray) -> None:
        self.floating = a.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        prec = OPTS.precision
        flat = a.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
        else:
            vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
            if vals.size:
                absv = np.abs(vals)
                lo, hi = float(absv.min()), float(absv.max())
                self.int_mode = bool(np.all(vals == np.ceil(vals)))
                py = vals.tolist()
                if OPTS.sci_mode is None:
                    self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
                else:
                    self.sci_mode = bool(OPTS.sci_mode)
                if self.sci_mode:
                    self.width = max(len(f"{v:.{prec}e}") for v in py)
                elif self.int_mode:
                    self.width = max(len(f"{v:.0f}") + 1 for v in py)
                else:
                    self.width = max(len(f"{v:.{prec}f}") for v in py)

    def format(self, v) -> str:
        if self.floating:
            if self.sci_mode:
                s = f"{v:{self.width}.{OPTS.precision}e}"
            elif self.int_mode:
                s = f"{v:.0f}"
                if not (math.isinf(v) or math.isnan(v)):
                    s += "."
            else:
                s = f"{v:.{OPTS.precision}f}"
        else:
            s = str(v)
        return " " * (self.width - len(s)) + s


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements that a summarised print shows (what the formatter must fit)."""
    e = OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return a[(slice(0, 0),) * a.ndim]
    rows = list(range(e)) + list(range(a.shape[0] - e, a.shape[0])) if a.shape[0] > 2 * e else range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, int(math.floor((OPTS.linewidth - indent) / (fmt.width + 2))))
    e = OPTS.edgeitems
    if summarize and not e:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        items = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."] +
                 [fmt.format(v) for v in a[-e:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        parts = ([_nested(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."] +
                 [_nested(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_array(a: np.ndarray, indent: int) -> str:
    """The bracketed body of a tensor's repr (without ``tensor(`` and suffixes)."""
    if a.size == 0:
        return "[]"
    summarize = a.size > OPTS.threshold
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    fmt = _Formatter(_summarized(a) if summarize else a)
    return _nested(a, indent, summarize, fmt)


def _add_suffixes(body: str, suffixes: list[str], indent: int) -> str:
    out = [body]
    last = len(body) - body.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t, tensor_contents: str | None = None) -> str:
    """``repr(t)`` and ``str(t)`` in PyTorch's format."""
    name = type(t).__name__
    prefix = "tensor(" if name in ("Tensor", "Parameter") else f"{name}("
    indent = len(prefix)
    a = t._data
    if type(a) is not np.ndarray:
        a = a.get()  # CuPy array: print from host memory
    dt = D.from_numpy_dtype(a.dtype)
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    default = D.get_default_dtype()
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dt is not default:
            suffixes.append(f"dtype={dt}")
        body = "[]" if tensor_contents is None else tensor_contents
    else:
        if not OPTS.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if dt not in (default, D.int64, D.bool_):
            suffixes.append(f"dtype={dt}")
        body = format_array(a, indent) if tensor_contents is None else tensor_contents
    if t._node is not None:
        suffixes.append(f"grad_fn=<{t._node.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
