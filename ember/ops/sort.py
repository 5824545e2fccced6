"""Sorting and selection: ``sort``, ``topk``, ``kthvalue`` (differentiable through their
values) and the index-only searches (``argsort``, ``unique``, ``searchsorted``).

Order follows PyTorch: a stable sort, NaN greater than every number (last when
ascending, first when descending), equal values keep their original order.  The
gradient of selected values goes back to the positions they came from; backward
reads it with ``take_along_axis`` through a precomputed position map, so it also
runs on tensors.
"""
from __future__ import annotations

from .base import Primitive, array_module
from .reduce import expand_reduced

__all__ = ["Sort", "Topk", "Kthvalue", "stable_argsort", "unique", "unique_consecutive", "searchsorted"]


def stable_argsort(a, axis: int, descending: bool):
    """Indices that sort ``a`` along ``axis`` stably; descending keeps ties in their
    original order too (the reverse of a stable ascending sort of the reversed array)."""
    xp = array_module(a)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    rev = xp.flip(a, axis=axis)
    idx = xp.flip(xp.argsort(rev, axis=axis, kind="stable"), axis=axis)
    return (n - 1) - idx


def _scatter_map(xp, idx, shape, axis):
    """For indices ``idx`` (selected positions along ``axis`` of an array of ``shape``):
    ``pos`` (where in the selection each position sits, 0 if absent) and ``hit``
    (whether it was selected), so that grad_in = where(hit, take(g, pos), 0)."""
    k = idx.shape[axis]
    ranks = xp.arange(k, dtype=idx.dtype).reshape([k if i == axis else 1 for i in range(len(shape))])
    pos = xp.zeros(shape, dtype=idx.dtype)
    hit = xp.zeros(shape, dtype=bool)
    xp.put_along_axis(pos, idx, xp.broadcast_to(ranks, idx.shape), axis)
    xp.put_along_axis(hit, idx, True, axis)
    return pos, hit


class Sort(Primitive):
    """(values, indices) sorted along ``axis``."""
    name = "Sort"

    @staticmethod
    def forward(ctx, a, axis, descending):
        xp = array_module(a)
        if a.ndim == 0:
            return a.copy(), xp.zeros((), dtype=xp.int64)
        idx = stable_argsort(a, axis, descending).astype(xp.int64, copy=False)
        vals = xp.take_along_axis(a, idx, axis)
        if ctx.needs_input_grad:
            # the inverse permutation: where each input element went
            inv = xp.empty_like(idx)
            xp.put_along_axis(inv, idx, xp.broadcast_to(
                xp.arange(a.shape[axis], dtype=idx.dtype).reshape(
                    [a.shape[axis] if i == axis else 1 for i in range(a.ndim)]), idx.shape), axis)
            ctx.save(inv)
            ctx.axis = axis
        return vals, idx

    @staticmethod
    def backward(ctx, grads):
        # values = a[perm]:  d a = g[perm^-1]
        g, _ = grads
        if not ctx.saved:  # a 0-d input
            return g
        inv, = ctx.saved
        return array_module(g).take_along_axis(g, inv, ctx.axis)


class Topk(Primitive):
    """The k largest (or smallest) values along ``axis`` and their indices."""
    name = "Topk"

    @staticmethod
    def forward(ctx, a, k, axis, largest, sorted_):
        xp = array_module(a)
        if a.ndim == 0:
            return a.copy(), xp.zeros((), dtype=xp.int64)
        n = a.shape[axis]
        if 0 < k < n and n > 64 and k * 4 < n:
            # partition first (O(n)), then order only the k selected
            part = xp.argpartition(a, n - k if largest else k - 1, axis=axis)
            sl = [slice(None)] * a.ndim
            sl[axis] = slice(n - k, None) if largest else slice(0, k)
            cand = part[tuple(sl)]
            order = stable_argsort(xp.take_along_axis(a, cand, axis), axis, largest)
            idx = xp.take_along_axis(cand, order, axis)
        else:
            sl = [slice(None)] * a.ndim
            sl[axis] = slice(0, k)
            idx = stable_argsort(a, axis, largest)[tuple(sl)]
        idx = idx.astype(xp.int64, copy=False)
        vals = xp.take_along_axis(a, idx, axis)
        if ctx.needs_input_grad:
            ctx.save(*_scatter_map(xp, idx, a.shape, axis))
            ctx.axis, ctx.k = axis, k
        return vals, idx

    @staticmethod
    def backward(ctx, grads):
        # each selected value's gradient goes back to its source position; the rest get 0
        g, _ = grads
        if not ctx.saved:  # a 0-d input
            return g
        pos, hit = ctx.saved
        xp = array_module(g)
        if ctx.k == 0:
            return xp.zeros_like(pos, dtype=g.dtype) if hasattr(xp, "ndarray") else (pos * 0).astype(g.dtype)
        return xp.where(hit, xp.take_along_axis(g, pos, ctx.axis), 0)


class Kthvalue(Primitive):
    """The k-th smallest value along ``axis`` (1-based k) and its index."""
    name = "Kthvalue"

    @staticmethod
    def forward(ctx, a, k, axis, keepdim):
        xp = array_module(a)
        if a.ndim == 0:
            return a.copy(), xp.zeros((), dtype=xp.int64)
        order = stable_argsort(a, axis, False)
        sl = [slice(None)] * a.ndim
        sl[axis] = slice(k - 1, k)
        idx = order[tuple(sl)].astype(xp.int64, copy=False)
        vals = xp.take_along_axis(a, idx, axis)
        if ctx.needs_input_grad:
            ctx.save(_scatter_map(xp, idx, a.shape, axis)[1])
            ctx.axis, ctx.keepdim = axis, keepdim
        if not keepdim:
            vals, idx = xp.squeeze(vals, axis=axis), xp.squeeze(idx, axis=axis)
        return vals, idx

    @staticmethod
    def backward(ctx, grads):
        # the gradient goes to the one position the value came from
        g, _ = grads
        if not ctx.saved:  # a 0-d input: the value is the input
            return g
        hit, = ctx.saved
        gb = expand_reduced(g, hit.shape, (ctx.axis,), ctx.keepdim)
        return array_module(g).where(hit, gb, 0)


# ---------------------------------------------------------------- searches (no gradient)
def unique(a, sorted_: bool, return_inverse: bool, return_counts: bool, axis):
    """Distinct values (or slices along ``axis``), sorted; NaNs stay distinct as in PyTorch."""
    xp = array_module(a)
    if axis is None:
        flat = a.reshape(-1)
        res = xp.unique(flat, return_inverse=True, return_counts=True, equal_nan=False)
        vals, inv, counts = res[0], res[1], res[2]
        inv = inv.reshape(a.shape)
    else:
        if a.shape[axis] == 0:
            empty = xp.zeros((0,), dtype=xp.int64)
            return a.copy(), empty, empty
        moved = xp.moveaxis(a, axis, 0)
        rows = moved.reshape(moved.shape[0], -1)
        # lexicographic order of the slices: sort by the last column first (stable), up to the first
        order = xp.arange(rows.shape[0])
        for c in range(rows.shape[1] - 1, -1, -1):
            order = order[xp.argsort(rows[order, c], kind="stable")]
        srt = rows[order]
        new = xp.ones(srt.shape[0], dtype=bool)
        if srt.shape[0] > 1:
            new[1:] = xp.any(srt[1:] != srt[:-1], axis=1)
        group = xp.cumsum(new) - 1
        inv = xp.empty_like(group)
        inv[order] = group
        first = order[new]
        counts = xp.diff(xp.append(xp.flatnonzero(new), srt.shape[0]))
        vals = xp.moveaxis(moved[first], 0, axis)
    return vals, inv.astype(xp.int64), counts.astype(xp.int64)


def unique_consecutive(a, axis):
    """Collapse runs of equal consecutive values (or slices along ``axis``)."""
    xp = array_module(a)
    if axis is None:
        flat = a.reshape(-1)
        n = flat.shape[0]
        new = xp.ones(n, dtype=bool)
        if n > 1:
            new[1:] = flat[1:] != flat[:-1]
        vals = flat[new]
        inv = (xp.cumsum(new) - 1).reshape(a.shape)
    else:
        moved = xp.moveaxis(a, axis, 0)
        rows = moved.reshape(moved.shape[0], -1)
        n = rows.shape[0]
        new = xp.ones(n, dtype=bool)
        if n > 1:
            new[1:] = xp.any(rows[1:] != rows[:-1], axis=1)
        vals = xp.moveaxis(moved[new], 0, axis)
        inv = xp.cumsum(new) - 1
    counts = xp.diff(xp.append(xp.flatnonzero(new), new.shape[0]))
    return vals, inv.astype(xp.int64), counts.astype(xp.int64)


def searchsorted(seq, values, right: bool, sorter, out_dtype):
    """Insertion points of ``values`` in the sorted last axis of ``seq`` (1-D, or one
    row per leading index of ``values``)."""
    xp = array_module(seq)
    side = "right" if right else "left"
    if seq.ndim == 1:
        return xp.searchsorted(seq, values, side=side, sorter=sorter).astype(out_dtype)
    lead = seq.shape[:-1]
    s2 = seq.reshape(-1, seq.shape[-1])
    v2 = values.reshape(s2.shape[0], -1)
    o2 = None if sorter is None else sorter.reshape(s2.shape[0], -1)
    out = xp.empty(v2.shape, dtype=out_dtype)
    for i in range(s2.shape[0]):
        out[i] = xp.searchsorted(s2[i], v2[i], side=side, sorter=None if o2 is None else o2[i])
    return out.reshape(lead + values.shape[-1:])
