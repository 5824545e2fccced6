"""Connectionist Temporal Classification (CTC) loss as one primitive, PyTorch's CPU algorithm.

For each sample b with input length T_b and target l (length S_b), the extended label
sequence is l' = (blank, l_1, blank, l_2, ..., l_S, blank) of length L_b = 2 S_b + 1.
With lp = log_probs (T, N, C), the forward variables (Graves et al. 2006, eq. 6-7) are

    alpha_0(0) = lp_0(blank),  alpha_0(1) = lp_0(l'_1)
    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [alpha_{t-1}(s-2) if l'_s != l'_{s-2}])
                 + lp_t(l'_s)

and the loss is -log p(l|x) = -logsumexp(alpha_{T_b-1}(L_b-1), alpha_{T_b-1}(L_b-2)) (only the
first term for an empty target; 0 when T_b = 0 and S_b = 0, inf when T_b = 0 < S_b).  The
recursion is vectorised over the batch and the extended-label axis; only time is a Python loop.
Each three-term log-sum-exp is taken as PyTorch's CPU kernel takes it: shift by the largest
term (0 when all are -inf), so an impossible alignment gives exactly inf.

The backward computes beta (eq. 10-11, the mirror recursion, also including lp_t) and gives
PyTorch's gradient with respect to ``log_probs`` (see ``CtcLoss.backward``).
"""
from __future__ import annotations

import numpy as np

from ..backend.device import array_module, is_array
from .base import Primitive

__all__ = ["CtcLoss"]

_NEG_INF = float("-inf")


def _lse3(xp, a, b, c):
    """log(e^a + e^b + e^c), shifted by the largest term (0 where all three are -inf)."""
    m = xp.maximum(xp.maximum(a, b), c)
    m = xp.where(m == _NEG_INF, 0.0, m).astype(a.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.log(xp.exp(a - m) + xp.exp(b - m) + xp.exp(c - m)) + m


def _lse2(xp, a, b):
    """log(e^a + e^b), shifted as ``_lse3``."""
    m = xp.maximum(a, b)
    m = xp.where(m == _NEG_INF, 0.0, m).astype(a.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.log(xp.exp(a - m) + xp.exp(b - m)) + m


def _shift(xp, a, k: int, fill):
    """``a`` (N, L) moved by ``k`` along the last axis (right for k > 0, left for k < 0),
    the vacated places set to ``fill``."""
    out = xp.full(a.shape, fill, dtype=a.dtype)
    if k > 0:
        out[:, k:] = a[:, :-k]
    else:
        out[:, :k] = a[:, -k:]
    return out


class CtcLoss(Primitive):
    """Per-sample CTC negative log-likelihood (N,) from log_probs (T, N, C).

    forward(log_probs; ext, skip, input_lengths, target_lengths, zero_infinity):
    ``ext`` (N, L) int64 is the extended label sequence (blank-padded past each sample's
    2 S_b + 1), ``skip`` (N, L) bool says where the s-2 transition is allowed, the
    lengths are int64 arrays (N,)."""
    name = "CtcLoss"

    @staticmethod
    def forward(ctx, lp, ext, skip, input_lengths, target_lengths, zero_infinity: bool = False):
        xp = array_module(lp)
        T, N, _ = lp.shape
        L = ext.shape[1]
        dt = lp.dtype
        # lp_ext[t, b, s] = lp[t, b, l'_s]
        lp_ext = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (T, N, L)), axis=2)
        s_idx = xp.arange(L)[None, :]
        valid = s_idx < (2 * target_lengths + 1)[:, None]                     # (N, L)
        alpha = xp.full((T, N, L), _NEG_INF, dtype=dt)
        if T:
            a0 = xp.full((N, L), _NEG_INF, dtype=dt)
            a0[:, 0] = lp_ext[0, :, 0]
            if L > 1:
                a0[:, 1] = xp.where(target_lengths > 0, lp_ext[0, :, 1], _NEG_INF)
            alpha[0] = a0
            for t in range(1, T):
                prev = alpha[t - 1]
                a1 = _shift(xp, prev, 1, _NEG_INF) if L > 1 else xp.full_like(prev, _NEG_INF)
                a2 = xp.where(skip, _shift(xp, prev, 2, _NEG_INF), _NEG_INF) if L > 2 else \
                    xp.full_like(prev, _NEG_INF)
                alpha[t] = xp.where(valid, _lse3(xp, prev, a1, a2) + lp_ext[t], _NEG_INF)
        # the likelihood: the last two alphas at t = T_b - 1 (only the last for an empty target)
        b = xp.arange(N)
        t_last = xp.maximum(input_lengths - 1, 0)
        last = 2 * target_lengths
        l1 = alpha[t_last, b, last] if T else xp.full((N,), _NEG_INF, dtype=dt)
        l2 = alpha[t_last, b, xp.maximum(last - 1, 0)] if T else xp.full((N,), _NEG_INF, dtype=dt)
        l2 = xp.where(target_lengths > 0, l2, _NEG_INF)
        ll = _lse2(xp, l1, l2)
        ll = xp.where(input_lengths == 0, xp.where(target_lengths == 0, 0.0, _NEG_INF), ll).astype(dt, copy=False)
        nll = -ll
        ctx.save(lp, alpha, nll)
        ctx.options = (ext, skip, input_lengths, target_lengths, bool(zero_infinity))
        return nll

    @staticmethod
    def backward(ctx, g):
        # PyTorch's gradient of the per-sample loss with respect to log_probs (eq. 16 of
        # Graves et al., written for log_probs = log_softmax(logits)), for t < T_b:
        #   grad[t, b, c] = (exp(lp[t,b,c]) - exp(logsumexp_{s: l'_s = c}(alpha_t(s) + beta_t(s))
        #                                         + nll_b - lp[t,b,c])) * g_b
        # and 0 for t >= T_b; with zero_infinity a sample whose loss is inf gets 0.  An
        # impossible alignment (nll = inf) gives nan for t < T_b (-inf + inf), as PyTorch.
        # The sum over s is taken as sum_s exp(alpha + beta - lp + nll) (each term <= 1).
        if not is_array(g):
            raise RuntimeError("derivative for _ctc_loss_backward is not implemented")
        lp, alpha, nll = ctx.saved
        ext, skip, input_lengths, target_lengths, zero_infinity = ctx.options
        xp = array_module(lp)
        T, N, C = lp.shape
        L = ext.shape[1]
        dt = lp.dtype
        lp_ext = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (T, N, L)), axis=2)
        s_idx = xp.arange(L)[None, :]
        last = (2 * target_lengths)[:, None]
        valid = s_idx <= last
        # l'_{s+2} != l'_s: the transition s -> s+2 is allowed (skip shifted left by 2)
        skip_fwd = _shift(xp, skip, -2, False) if L > 2 else xp.zeros_like(skip)
        beta = xp.full((T, N, L), _NEG_INF, dtype=dt)
        for t in range(T - 1, -1, -1):
            start = xp.where((s_idx == last) | ((s_idx == last - 1) & (last > 0)), lp_ext[t], _NEG_INF)
            if t == T - 1:
                rec = xp.full((N, L), _NEG_INF, dtype=dt)
            else:
                nxt = beta[t + 1]
                b1 = _shift(xp, nxt, -1, _NEG_INF) if L > 1 else xp.full_like(nxt, _NEG_INF)
                b2 = xp.where(skip_fwd, _shift(xp, nxt, -2, _NEG_INF), _NEG_INF) if L > 2 else \
                    xp.full_like(nxt, _NEG_INF)
                rec = xp.where(valid, _lse3(xp, nxt, b1, b2) + lp_ext[t], _NEG_INF)
            here = (t == input_lengths - 1)[:, None]
            before = (t < input_lengths - 1)[:, None]
            beta[t] = xp.where(here, start, xp.where(before, rec, _NEG_INF))
        with np.errstate(invalid="ignore", over="ignore"):
            x = alpha + beta - lp_ext + nll[None, :, None]                   # (T, N, L)
            terms = xp.where(alpha + beta == _NEG_INF, 0.0, xp.exp(x)).astype(dt, copy=False)
        onehot = (ext[:, :, None] == xp.arange(C)[None, None, :]).astype(dt)  # (N, L, C)
        collected = xp.einsum("tnl,nlc->tnc", terms, onehot)
        grad = (xp.exp(lp) - collected) * g[None, :, None]
        inf_loss = xp.isinf(nll)
        # an impossible alignment: -inf + inf in PyTorch's formula, nan at every class
        grad = xp.where(inf_loss[None, :, None], float("nan"), grad)
        in_time = xp.arange(T)[:, None] < input_lengths[None, :]
        grad = xp.where(in_time[:, :, None], grad, 0.0)
        if zero_infinity:
            grad = xp.where(inf_loss[None, :, None], 0.0, grad)
        return grad.astype(dt, copy=False)
