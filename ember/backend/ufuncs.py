"""Ufunc methods that NumPy has and CuPy lacks, behind one call for both.

CuPy implements ``add.at`` / ``maximum.at`` / ``minimum.at`` but not ``multiply.at``,
and no ``accumulate`` for ``maximum`` / ``minimum``.  The ops call these helpers with
their ``xp``; on NumPy they are the ufunc methods themselves, on CuPy a few whole-array
passes (no Python loop over elements)."""
from __future__ import annotations

import numpy as np

__all__ = ["accumulate", "ufunc_at"]


def accumulate(xp, name: str, a, axis: int):
    """``getattr(xp, name).accumulate(a, axis=axis)``.

    On CuPy: a Hillis-Steele scan, log2(n) passes of ``out[i] = f(out[i], out[i - step])``
    with step doubling; exact for max/min (associative, NaN-propagating either way)."""
    uf = getattr(xp, name)
    if xp is np:
        return uf.accumulate(a, axis=axis)
    out = xp.moveaxis(a, axis, -1).copy()
    n = out.shape[-1] if out.ndim else 0
    step = 1
    while step < n:
        nxt = out.copy()
        nxt[..., step:] = uf(out[..., step:], out[..., :-step])
        out = nxt
        step *= 2
    return xp.moveaxis(out, -1, axis)


def ufunc_at(xp, name: str, t, key, v) -> None:
    """``getattr(xp, name).at(t, key, v)``: unbuffered in-place ``t[key] = f(t[key], v)``,
    repeated indices applied once each.

    On CuPy, where the ufunc has no ``at``: the flat positions ``key`` selects are sorted,
    each occurrence gets its rank among equal positions, and round r applies the r-th
    occurrences (all distinct, so a plain fancy-index update is exact)."""
    uf = getattr(xp, name)
    if xp is np or name in ("add", "subtract", "maximum", "minimum"):
        uf.at(t, key, v)
        return
    pos = xp.arange(t.size, dtype=xp.int64).reshape(t.shape)[key]
    vals = xp.broadcast_to(xp.asarray(v, dtype=t.dtype), pos.shape).reshape(-1)
    pos = pos.reshape(-1)
    if pos.size == 0:
        return
    order = xp.argsort(pos, kind="stable")
    sp = pos[order]
    new = xp.ones(sp.shape, dtype=bool)
    new[1:] = sp[1:] != sp[:-1]
    idx = xp.arange(sp.size, dtype=xp.int64)
    start = accumulate(xp, "maximum", xp.where(new, idx, 0), 0)
    rank = idx - start
    flat = t.reshape(-1) if t.flags.c_contiguous else None
    for r in range(int(rank.max()) + 1):
        sel = order[rank == r]
        p = pos[sel]
        if flat is not None:
            flat[p] = uf(flat[p], vals[sel])
        else:
            ix = xp.unravel_index(p, t.shape)
            t[ix] = uf(t[ix], vals[sel])


def _is_float(x) -> bool:
    return isinstance(x, float) or getattr(getattr(x, "dtype", None), "kind", "") == "f"


def _divmod_float(xp, a, b):
    """NumPy's (and PyTorch's) float floor-division and modulo, from fmod: exact where
    ``floor(a / b)`` is not (e.g. -3 // -0.3 is 9, not 10, since -0.3 is not exact)."""
    mod = xp.fmod(a, b)
    div = (a - mod) / b
    fix = (mod != 0) & ((xp.asarray(b) < 0) != (mod < 0))
    mod = xp.where(fix, mod + b, mod)
    div = xp.where(fix, div - 1, div)
    fl = xp.floor(div)
    fl = xp.where(div - fl > 0.5, fl + 1, fl)
    fl = xp.where(div == 0, xp.copysign(xp.zeros_like(div), a / b), fl)
    fl = xp.where(xp.asarray(b) == 0, a / b, fl)  # division by zero: inf / nan as a / b gives
    return fl.astype(div.dtype, copy=False), mod


def floor_divide(xp, a, b):
    """``xp.floor_divide`` with NumPy's float semantics on every backend (CuPy computes
    floor(a / b), which rounds differently for inexact divisors)."""
    if xp is np or not (_is_float(a) or _is_float(b)):
        return xp.floor_divide(a, b)
    return _divmod_float(xp, a, b)[0]


def remainder(xp, a, b):
    """``xp.remainder`` (sign of the divisor) with NumPy's float semantics on every backend."""
    if xp is np or not (_is_float(a) or _is_float(b)):
        return xp.remainder(a, b)
    return _divmod_float(xp, a, b)[1]
