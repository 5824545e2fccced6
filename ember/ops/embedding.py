"""Embedding lookup: rows of a weight matrix picked by integer indices.

Backward adds each output row's gradient into the weight row it came from.  Rows
are grouped by sorting the indices once and summed with ``add.reduceat`` (NumPy),
which is several times faster than ``add.at`` for the batches of a training loop.
The padding row gets no gradient; with ``scale_grad_by_freq`` each contribution is
divided by how often its index occurs in the batch, as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from ..backend.device import is_array
from .base import Primitive, array_module

__all__ = ["Embedding"]


class Embedding(Primitive):
    name = "Embedding"

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        xp = array_module(weight)
        ctx.idx = idx
        ctx.num = weight.shape[0]
        ctx.padding_idx = padding_idx
        ctx.scale = scale_grad_by_freq
        return xp.take(weight, idx, axis=0)

    @staticmethod
    def backward(ctx, g):
        # d out[i] / d weight[idx[i]] = identity: weight row r receives the sum of the
        # gradients of every output row that looked up r (none for padding_idx)
        xp = array_module(g)
        idx = ctx.idx.reshape(-1)
        d = g.shape[-1]
        g2 = g.reshape((-1, d))
        if ctx.scale:
            counts = array_module(idx).bincount(idx, minlength=ctx.num)[idx].reshape((-1, 1))
            g2 = g2 / xp.asarray(counts, dtype=g2.dtype)
        if not is_array(g):  # create_graph: a differentiable scatter-add on tensors
            gw = xp.zeros((ctx.num, d), dtype=g.dtype).index_add(0, xp.asarray(idx), g2)
        elif xp is np:
            order = np.argsort(idx, kind="stable")
            sidx = idx[order]
            starts = np.flatnonzero(np.r_[True, sidx[1:] != sidx[:-1]]) if sidx.size else sidx
            gw = np.zeros((ctx.num, d), dtype=g.dtype)
            if sidx.size:
                gw[sidx[starts]] = np.add.reduceat(g2[order], starts, axis=0)
        else:
            gw = xp.zeros((ctx.num, d), dtype=g.dtype)
            xp.add.at(gw, idx, g2)
        if ctx.padding_idx is not None:
            gw[ctx.padding_idx] = 0
        return gw, None
