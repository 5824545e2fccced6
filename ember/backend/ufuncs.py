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
