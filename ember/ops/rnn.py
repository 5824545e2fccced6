"""Recurrent primitives: one fused step of each cell, and one whole recurrent layer.

Gate equations and layouts are PyTorch's (rows of ``w_ih``/``w_hh`` stacked by gate):

    RNN   h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)                act = tanh or relu
    GRU   r = s(x W_ir^T + b_ir + h W_hr^T + b_hr)                   gates (r, z, n)
          z = s(x W_iz^T + b_iz + h W_hz^T + b_hz)
          n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
          h' = (1 - z) * n + z * h
    LSTM  i, f, g, o = s(.), s(.), tanh(.), s(.) of x W_ih^T + b_ih + h W_hh^T + b_hh
          c' = f * c + i * g;   h' = o * tanh(c')   (times W_hr^T when projected)

``*Cell`` primitives run one step (``nn.GRUCell`` and friends).  ``RecurrentLayer`` runs a
whole layer in one direction: the input projection of every time step is one GEMM up
front, each step is one ``h @ W_hh^T`` GEMM plus in-place gate math, and backward (BPTT)
is one reverse loop that collects the gate gradients of all steps, so the weight
gradients are again single GEMMs.  Packed sequences are handled natively: step t runs on
the first ``batch_sizes[t]`` rows (sorted by decreasing length), so a row's state stops
changing after its last valid step.  s(a) is computed as 0.5 * tanh(0.5 a) + 0.5, which
never overflows.
"""
from __future__ import annotations

from ..backend.blas import single_threaded_blas_when_busy
from ..backend.device import is_array
from .base import Primitive, array_module

__all__ = ["RNNTanhCell", "RNNReluCell", "GRUCell", "LSTMCell", "RecurrentLayer", "GATES"]

GATES = {"tanh": 1, "relu": 1, "gru": 3, "lstm": 4}  # rows of w_ih per hidden unit


def _sigmoid(xp, a):
    """s(a) as an expression (works on arrays and on tensors)."""
    return 0.5 * xp.tanh(0.5 * a) + 0.5


def _sigmoid_(xp, a):
    """s(a) in place (four passes, no temporary)."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _affine(xp, x, w, b):
    """x W^T + b (b may be None)."""
    y = xp.matmul(x, xp.transpose(w))
    return y if b is None else y + b


def _param_grads(need, xp, dg, x, h, w_ih, w_hh, dgh=None):
    """Gradients of x, h, w_ih, w_hh, b_ih, b_hh (``need`` says which) from the gate
    gradients of one step: d(x W^T + b) gives dx = dg W, dW = dg^T x, db = column sums of dg."""
    dgh = dg if dgh is None else dgh
    dx = xp.matmul(dg, w_ih) if need[0] else None
    dh = xp.matmul(dgh, w_hh) if need[1] else None
    dw_ih = xp.matmul(xp.transpose(dg), x) if need[2] else None
    dw_hh = xp.matmul(xp.transpose(dgh), h) if need[3] else None
    db_ih = xp.sum(dg, axis=0) if len(need) > 4 and need[4] else None
    db_hh = xp.sum(dgh, axis=0) if len(need) > 5 and need[5] else None
    return dx, dh, dw_ih, dw_hh, db_ih, db_hh


# ------------------------------------------------------------------------------------- cells
# Forward saves the inputs; backward recomputes the gates from them (a step is cheap), so
# the backward formulas are plain expressions and can themselves be differentiated.


class RNNTanhCell(Primitive):
    name = "RNNTanhCell"

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = array_module(x)
        y = xp.tanh(_affine(xp, x, w_ih, b_ih) + _affine(xp, h, w_hh, b_hh))
        ctx.save(x, h, w_ih, w_hh, y)
        return y

    @staticmethod
    def backward(ctx, g):
        # h' = tanh(a): da = g * (1 - h'^2), then the two affine maps
        x, h, w_ih, w_hh, y = ctx.saved
        xp = array_module(g)
        return _param_grads(ctx.needs_input_grad, xp, g * (1 - y * y), x, h, w_ih, w_hh)


class RNNReluCell(Primitive):
    name = "RNNReluCell"

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = array_module(x)
        y = xp.maximum(_affine(xp, x, w_ih, b_ih) + _affine(xp, h, w_hh, b_hh), 0)
        ctx.save(x, h, w_ih, w_hh, y)
        return y

    @staticmethod
    def backward(ctx, g):
        # h' = relu(a): da = g where h' > 0, else 0
        x, h, w_ih, w_hh, y = ctx.saved
        xp = array_module(g)
        return _param_grads(ctx.needs_input_grad, xp, xp.where(y > 0, g, 0 * g), x, h, w_ih, w_hh)


def _gru_gates(xp, x, h, w_ih, w_hh, b_ih, b_hh):
    """(r, z, n, h W_hn^T + b_hn) of one GRU step, as expressions."""
    H = h.shape[-1]
    gi = _affine(xp, x, w_ih, b_ih)
    gh = _affine(xp, h, w_hh, b_hh)
    r = _sigmoid(xp, gi[:, :H] + gh[:, :H])
    z = _sigmoid(xp, gi[:, H:2 * H] + gh[:, H:2 * H])
    ghn = gh[:, 2 * H:]
    n = xp.tanh(gi[:, 2 * H:] + r * ghn)
    return r, z, n, ghn


class GRUCell(Primitive):
    name = "GRUCell"

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = array_module(x)
        r, z, n, _ = _gru_gates(xp, x, h, w_ih, w_hh, b_ih, b_hh)
        ctx.save(x, h, w_ih, w_hh, b_ih, b_hh)
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, g):
        # h' = n + z (h - n):  dn = g (1 - z),  dz = g (h - n),  dh = g z (+ through the gates)
        # n = tanh(a_n):       da_n = dn (1 - n^2);  the hidden part of a_n is r * ghn, so
        #                      d ghn = da_n * r and dr = da_n * ghn
        # r, z = s(a):         da = d * s (1 - s)
        x, h, w_ih, w_hh, b_ih, b_hh = ctx.saved
        xp = array_module(g)
        r, z, n, ghn = _gru_gates(xp, x, h, w_ih, w_hh, b_ih, b_hh)
        dan = g * (1 - z) * (1 - n * n)
        dar = dan * ghn * r * (1 - r)
        daz = g * (h - n) * z * (1 - z)
        dgi = xp.concatenate([dar, daz, dan], axis=1)
        dgh = xp.concatenate([dar, daz, dan * r], axis=1)
        grads = list(_param_grads(ctx.needs_input_grad, xp, dgi, x, h, w_ih, w_hh, dgh))
        if ctx.needs_input_grad[1]:
            grads[1] = grads[1] + g * z
        return tuple(grads)


def _lstm_gates(xp, x, h, w_ih, w_hh, b_ih, b_hh):
    H = w_hh.shape[0] // 4
    a = _affine(xp, x, w_ih, b_ih) + _affine(xp, h, w_hh, b_hh)
    return (_sigmoid(xp, a[:, :H]), _sigmoid(xp, a[:, H:2 * H]), xp.tanh(a[:, 2 * H:3 * H]),
            _sigmoid(xp, a[:, 3 * H:]))


class LSTMCell(Primitive):
    name = "LSTMCell"

    @staticmethod
    def forward(ctx, x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = array_module(x)
        i, f, gg, o = _lstm_gates(xp, x, h, w_ih, w_hh, b_ih, b_hh)
        c2 = f * c + i * gg
        ctx.save(x, h, c, w_ih, w_hh, b_ih, b_hh)
        return o * xp.tanh(c2), c2

    @staticmethod
    def backward(ctx, grads):
        # h' = o tanh(c'):  do = dh' tanh(c'),  dc' += dh' o (1 - tanh(c')^2)
        # c' = f c + i g:   di = dc' g, df = dc' c, dg = dc' i, dc = dc' f
        # pre-activations:  s -> d s (1 - s);  tanh -> d (1 - g^2)
        gh2, gc2 = grads
        x, h, c, w_ih, w_hh, b_ih, b_hh = ctx.saved
        xp = array_module(gh2)
        i, f, gg, o = _lstm_gates(xp, x, h, w_ih, w_hh, b_ih, b_hh)
        c2 = f * c + i * gg
        tc = xp.tanh(c2)
        dc2 = gc2 + gh2 * o * (1 - tc * tc)
        da = xp.concatenate([dc2 * gg * i * (1 - i), dc2 * c * f * (1 - f), dc2 * i * (1 - gg * gg),
                             gh2 * tc * o * (1 - o)], axis=1)
        need = ctx.needs_input_grad
        dx, dh, dw_ih, dw_hh, db_ih, db_hh = _param_grads(need[:2] + need[3:], xp, da, x, h, w_ih, w_hh)
        return dx, dh, (dc2 * f if need[2] else None), dw_ih, dw_hh, db_ih, db_hh


# ------------------------------------------------------------------------------ whole layer


class RecurrentLayer(Primitive):
    """One layer, one direction, over a packed sequence.

    forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr; mode, batch_sizes, reverse):
    ``x`` is (sum(batch_sizes), in) with the rows of step t at offset sum(batch_sizes[:t]);
    ``h0``/``c0`` are (batch, H); ``c0``/biases/``w_hr`` may be None.  Returns the
    outputs (sum(batch_sizes), H_out) and the final states h_n (and c_n for 'lstm'),
    where each row holds the state after its own last valid step."""

    name = "RecurrentLayer"

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode="gru", batch_sizes=(), reverse=False):
        xp = array_module(x)
        T = len(batch_sizes)
        offsets = [0] * T
        for t in range(1, T):
            offsets[t] = offsets[t - 1] + batch_sizes[t - 1]
        order = range(T - 1, -1, -1) if reverse else range(T)
        ctx.mode, ctx.order, ctx.offsets, ctx.batch_sizes = mode, order, offsets, batch_sizes
        # (start, end, batch) of each step in the order they run
        steps = [(offsets[t], offsets[t] + batch_sizes[t], batch_sizes[t]) for t in order]
        x = xp.ascontiguousarray(x)
        # The per-step products are small GEMMs that OpenBLAS splits over its own spinning
        # threads: faster on free cores, far slower on busy ones (backend/blas.py).
        with single_threaded_blas_when_busy():
            if mode == "lstm":
                return _lstm_forward(ctx, xp, steps, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
            if mode == "gru":
                return _gru_forward(ctx, xp, steps, x, h0, w_ih, w_hh, b_ih, b_hh)
            return _rnn_forward(ctx, xp, steps, x, h0, w_ih, w_hh, b_ih, b_hh, mode == "relu")

    @staticmethod
    def backward(ctx, grads):
        if not is_array(grads[0]):
            raise RuntimeError("double backward through the fused recurrent layer primitive "
                               "(nn.RNN/GRU/LSTM) is not supported; run nn.RNNCell/GRUCell/LSTMCell "
                               "in a loop when second derivatives are needed")
        mode = ctx.mode
        with single_threaded_blas_when_busy():  # as in forward
            if mode == "gru":
                return _gru_layer_backward(ctx, grads)
            if mode == "lstm":
                return _lstm_layer_backward(ctx, grads)
            return _rnn_layer_backward(ctx, grads)


def _t(xp, w):
    """W^T as a contiguous array: BLAS runs about 1.6x faster on it than on the transposed view."""
    return xp.ascontiguousarray(w.T)


def _rnn_forward(ctx, xp, steps, x, h0, w_ih, w_hh, b_ih, b_hh, relu):
    gi = xp.matmul(x, _t(xp, w_ih))           # every step's input projection, one GEMM
    for b in (b_ih, b_hh):
        if b is not None:
            gi += b
    whh_t = _t(xp, w_hh)
    h = h0.copy()
    hprev = xp.empty((x.shape[0], h0.shape[1]), x.dtype)  # the state each step started from
    out = xp.empty_like(hprev)
    for s, e, bs in steps:
        hp = hprev[s:e]
        hp[...] = h[:bs]
        o = out[s:e]
        xp.matmul(hp, whh_t, out=o)
        o += gi[s:e]
        if relu:
            xp.maximum(o, 0, out=o)
        else:
            xp.tanh(o, out=o)
        h[:bs] = o
    ctx.save(x, w_ih, w_hh, out, hprev)
    return out, h


def _gru_forward(ctx, xp, steps, x, h0, w_ih, w_hh, b_ih, b_hh):
    H = h0.shape[1]
    gi = xp.matmul(x, _t(xp, w_ih))
    if b_ih is not None:
        gi += b_ih
    if b_hh is not None:
        gi[:, :2 * H] += b_hh[:2 * H]          # b_hr, b_hz join the input part; b_hn stays inside r * (.)
    bhn = None if b_hh is None else b_hh[2 * H:]
    whh_t = _t(xp, w_hh)
    h = h0.copy()
    hprev = xp.empty((x.shape[0], H), x.dtype)
    out = xp.empty_like(hprev)
    gh = xp.empty_like(gi)                     # h W_hh^T of every step (+ b_hn); backward reads its n part
    for s, e, bs in steps:
        hp = hprev[s:e]
        hp[...] = h[:bs]
        ght = gh[s:e]
        xp.matmul(hp, whh_t, out=ght)
        if bhn is not None:
            ght[:, 2 * H:] += bhn
        g = gi[s:e]                            # becomes (r, z, n) in place
        rz = g[:, :2 * H]
        rz += ght[:, :2 * H]
        _sigmoid_(xp, rz)
        n = g[:, 2 * H:]
        n += g[:, :H] * ght[:, 2 * H:]
        xp.tanh(n, out=n)
        o = out[s:e]
        xp.subtract(hp, n, out=o)              # h' = n + z (h - n)
        o *= g[:, H:2 * H]
        o += n
        h[:bs] = o
    ctx.save(x, w_ih, w_hh, gi, gh, hprev)
    return out, h


def _lstm_perm(xp, H):
    """Row order (i, f, o, g) from PyTorch's (i, f, g, o): the three sigmoid gates side by side."""
    return xp.concatenate([xp.arange(2 * H), xp.arange(3 * H, 4 * H), xp.arange(2 * H, 3 * H)])


def _lstm_forward(ctx, xp, steps, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr):
    # Gates are kept in the order (i, f, o, g), and the sigmoid gates' weights are halved
    # up front, so one tanh over all four gates gives tanh(a/2) for i, f, o (then
    # s(a) = 0.5 tanh(a/2) + 0.5) and tanh(a) for g.
    H = c0.shape[1]
    dt = x.dtype
    perm = _lstm_perm(xp, H)
    scale = xp.ones((4 * H, 1), dt)
    scale[:3 * H] = 0.5
    gi = xp.matmul(x, _t(xp, w_ih[perm] * scale))
    b = None
    for bb in (b_ih, b_hh):
        if bb is not None:
            b = bb if b is None else b + bb
    if b is not None:
        gi += b[perm] * scale[:, 0]
    whh_t = _t(xp, w_hh[perm] * scale)
    whr_t = None if w_hr is None else _t(xp, w_hr)
    total = x.shape[0]
    h, c = h0.copy(), c0.copy()
    hprev = xp.empty((total, h0.shape[1]), dt)
    cprev = xp.empty((total, H), dt)
    tc = xp.empty((total, H), dt)              # tanh(c') of every step
    out = xp.empty_like(hprev)
    m = xp.empty((total, H), dt) if w_hr is not None else out   # o tanh(c') before the projection
    for s, e, bs in steps:
        hp = hprev[s:e]
        hp[...] = h[:bs]
        cp = cprev[s:e]
        cp[...] = c[:bs]
        g = gi[s:e]                            # becomes (i, f, o, g) in place
        g += xp.matmul(hp, whh_t)
        xp.tanh(g, out=g)
        sig = g[:, :3 * H]
        sig *= 0.5
        sig += 0.5
        ct = c[:bs]
        ct *= g[:, H:2 * H]                    # c' = f c + i g
        ct += g[:, :H] * g[:, 3 * H:]
        tt = tc[s:e]
        xp.tanh(ct, out=tt)
        mt = m[s:e]
        xp.multiply(g[:, 2 * H:3 * H], tt, out=mt)   # o tanh(c')
        if whr_t is not None:
            xp.matmul(mt, whr_t, out=out[s:e])
        h[:bs] = out[s:e]
    ctx.save(x, w_ih, w_hh, w_hr, gi, tc, cprev, hprev, m)
    return out, h, c


def _steps_reversed(ctx):
    """(start, end, batch) of each step in the order backward visits them."""
    offs, bsz = ctx.offsets, ctx.batch_sizes
    return [(offs[t], offs[t] + bsz[t], bsz[t]) for t in reversed(ctx.order)]


def _layer_grads(ctx, xp, dgi, dgh, x, hprev, w_ih, dh0, dc0=None, dw_hr=None):
    """Gradients of (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) from the gate gradients of
    every step: dx = dG_i W_ih, dW_ih = dG_i^T x, dW_hh = dG_h^T h_prev, db = column sums."""
    need = ctx.needs_input_grad
    dx = xp.matmul(dgi, w_ih) if need[0] else None
    dw_ih = xp.matmul(dgi.T, x) if need[3] else None
    dw_hh = xp.matmul(dgh.T, hprev) if need[4] else None
    db_ih = dgi.sum(axis=0) if need[5] else None
    db_hh = dgh.sum(axis=0) if need[6] else None
    return dx, (dh0 if need[1] else None), dc0, dw_ih, dw_hh, db_ih, db_hh, dw_hr


def _rnn_layer_backward(ctx, grads):
    # h_t = act(a_t): da_t = (dout_t + dh_t) * act'(a_t);  dh_{t-1} = da_t W_hh
    gout, ghn = grads
    x, w_ih, w_hh, out, hprev = ctx.saved
    xp = array_module(gout)
    da = xp.empty_like(out)
    dh = ghn.copy()
    relu = ctx.mode == "relu"
    for s, e, bs in _steps_reversed(ctx):
        d = da[s:e]
        xp.add(dh[:bs], gout[s:e], out=d)
        y = out[s:e]
        if relu:
            d *= y > 0
        else:
            d *= 1 - y * y
        xp.matmul(d, w_hh, out=dh[:bs])
    return _layer_grads(ctx, xp, da, da, x, hprev, w_ih, dh)


def _gru_layer_backward(ctx, grads):
    # h' = n + z (h - n):  dn = dh' (1 - z), dz = dh' (h - n), dh = dh' z + dG_h W_hh
    # da_n = dn (1 - n^2) (input part);  its hidden part is r * ghn: dghn = da_n r,
    # dr = da_n ghn;  da_r = dr r (1 - r),  da_z = dz z (1 - z)
    gout, ghn = grads
    x, w_ih, w_hh, gates, gh, hprev = ctx.saved
    xp = array_module(gout)
    H = hprev.shape[1]
    dgi = xp.empty_like(gates)
    dgh = xp.empty_like(gates)
    dh = ghn.copy()
    for s, e, bs in _steps_reversed(ctx):
        g = gates[s:e]
        r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
        hp = hprev[s:e]
        dht = dh[:bs]
        dht += gout[s:e]
        di = dgi[s:e]
        dn = di[:, 2 * H:]
        xp.multiply(dht, 1 - z, out=dn)
        dn *= 1 - n * n
        dr = di[:, :H]
        xp.multiply(dn, gh[s:e, 2 * H:], out=dr)
        dz = di[:, H:2 * H]
        xp.subtract(hp, n, out=dz)
        dz *= dht
        rz = di[:, :2 * H]                     # both sigmoid gates at once: d * s (1 - s)
        srz = g[:, :2 * H]
        rz *= srz - srz * srz
        dd = dgh[s:e]
        dd[:, :2 * H] = rz
        xp.multiply(dn, r, out=dd[:, 2 * H:])
        dht *= z
        dht += xp.matmul(dd, w_hh)
    return _layer_grads(ctx, xp, dgi, dgh, x, hprev, w_ih, dh)


def _lstm_layer_backward(ctx, grads):
    # projected output h' = m W_hr^T with m = o tanh(c'):  dm = dh' W_hr, dW_hr = sum dh'^T m
    # do = dm tanh(c'),  dc' = dc'_next + dm o (1 - tanh(c')^2)
    # di = dc' g, df = dc' c, dg = dc' i, dc = dc' f;  then s' = s (1 - s), tanh' = 1 - g^2
    # dh = dG W_hh.  Gates are stored in the order (i, f, o, g) (see _lstm_forward); the
    # weight gradients are put back in PyTorch's order at the end.
    gout, ghn, gcn = grads
    x, w_ih, w_hh, w_hr, gates, tc, cprev, hprev, m = ctx.saved
    xp = array_module(gout)
    H = cprev.shape[1]
    perm = _lstm_perm(xp, H)
    whh_p = w_hh[perm]
    dg = xp.empty_like(gates)
    dh = ghn.copy()
    dc = gcn.copy()
    dht_all = xp.empty_like(gout) if w_hr is not None else None
    for s, e, bs in _steps_reversed(ctx):
        g = gates[s:e]
        i, f, o, gg = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        dht = dh[:bs]
        dht += gout[s:e]
        if w_hr is not None:
            dht_all[s:e] = dht
            dm = xp.matmul(dht, w_hr)
        else:
            dm = dht
        tct = tc[s:e]
        d = dg[s:e]
        dct = dc[:bs]
        tmp = dm * o
        tmp *= 1 - tct * tct
        dct += tmp
        xp.multiply(dct, gg, out=d[:, :H])                 # di
        xp.multiply(dct, cprev[s:e], out=d[:, H:2 * H])    # df
        xp.multiply(dm, tct, out=d[:, 2 * H:3 * H])         # do
        sig = g[:, :3 * H]
        d[:, :3 * H] *= sig - sig * sig
        dgg = d[:, 3 * H:]
        xp.multiply(dct, i, out=dgg)
        dgg *= 1 - gg * gg
        dct *= f
        xp.matmul(d, whh_p, out=dh[:bs])
    need = ctx.needs_input_grad
    inv = xp.argsort(perm)
    dx = xp.matmul(dg, w_ih[perm]) if need[0] else None
    dw_ih = xp.matmul(dg.T, x)[inv] if need[3] else None
    dw_hh = xp.matmul(dg.T, hprev)[inv] if need[4] else None
    db = dg.sum(axis=0)[inv] if need[5] or need[6] else None
    dw_hr = xp.matmul(dht_all.T, m) if w_hr is not None and need[7] else None
    return (dx, (dh if need[1] else None), (dc if need[2] else None), dw_ih, dw_hh,
            db if need[5] else None, db if need[6] else None, dw_hr)
