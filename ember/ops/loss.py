"""Fused loss primitives: the losses every training loop calls, in one node each.

* ``CrossEntropy``: log-softmax over the class axis (axis 1) and the pick of the
  target class, with class weights, ``ignore_index`` and label smoothing folded in.
  Its backward is ``softmax(x) - one_hot(y)`` scaled per sample: no log-softmax
  tensor is ever materialised.  ``CrossEntropyProb`` is the same for class
  probabilities as targets.
* ``NllLoss``: the pick of ``-log p[y]`` from log-probabilities.
* ``BinaryCrossEntropy`` (logs clamped to >= -100 as PyTorch) and
  ``BinaryCrossEntropyWithLogits`` (the stable ``max(x,0) - x*y + log(1+e^-|x|)``
  form, with ``pos_weight``).
* ``MseLoss``, ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``: functions of ``d = x - y``.

Each takes its reduction (``'none'``, ``'sum'``, ``'mean'``) as an option, so a loss
is one graph node.  Class indices, weights and masks are plain arrays (PyTorch does
not differentiate losses with respect to them).  Backward formulas use only
operators and ``xp`` functions, so they also run on tensors (``create_graph=True``):
where a fast path reads arrays saved by forward, a second path recomputes from the
saved input for that case.  Arguments are validated by ``ember.nn.functional``.
"""
from __future__ import annotations

from .base import Primitive, array_module, unbroadcast
from .reduce import quiet

__all__ = ["CrossEntropy", "CrossEntropyProb", "NllLoss", "BinaryCrossEntropy",
           "BinaryCrossEntropyWithLogits", "MseLoss", "L1Loss", "SmoothL1Loss", "HuberLoss"]


def _reduce(xp, loss, reduction: str):
    """Sum or mean of ``loss`` (nan for the mean of nothing, as PyTorch), or ``loss``."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return xp.sum(loss)
    if loss.size == 0:
        return xp.full((), float("nan"), dtype=loss.dtype)
    return xp.sum(loss) / loss.size


def _grad_scale(g, reduction: str, n: int):
    """The upstream gradient as each element's factor: ``g`` itself ('none', 'sum')
    or ``g / n`` ('mean')."""
    return g / n if reduction == "mean" and n else g


def _class_shape(ndim: int):
    """Shape that puts a (C,) vector on the class axis (axis 1) of an ndim array."""
    return (1, -1) + (1,) * (ndim - 2)


def _one_hot(xp, t, c: int, dtype, ndim: int):
    """A one-hot array (N, C, ...) for integer targets ``t`` (N, ...)."""
    classes = xp.arange(c).reshape(_class_shape(ndim))
    return (xp.expand_dims(t, 1) == classes).astype(dtype)


def _targets(xp, x, target, weight, ignore_index: int, check_ignore: bool):
    """Per-sample values for class-index losses, shaped (N, 1, ...) to broadcast over
    the class axis: the safe target (ignored ones point at class 0), the valid mask
    (0/1 in x's dtype) and the weight of each sample's class times the mask.  When
    no target can equal ``ignore_index`` (``check_ignore`` False, the common case),
    the mask is the number 1.0 and so is the weight without class weights."""
    valid = None
    if check_ignore:
        v = target != ignore_index
        if not bool(v.all()):
            valid = v
    if valid is None:
        t = target
    else:
        t = xp.where(valid, target, 0)
        valid = valid.reshape(valid.shape[:1] + (1,) + valid.shape[1:]).astype(x.dtype)
    t = t.reshape(t.shape[:1] + (1,) + t.shape[1:])
    if weight is None:
        wt = 1.0 if valid is None else valid
    else:
        wt = xp.take(weight, t) if valid is None else xp.take(weight, t) * valid
    return t, (1.0 if valid is None else valid), wt


def _mean_denominator(wt, n: int):
    """What a 'mean' divides by: the summed weights of the non-ignored targets (their
    count without class weights), and whether any target counts at all."""
    if isinstance(wt, float):
        return float(n), n > 0
    return float(wt.sum()), bool(wt.any()) or n == 0


def _pick(xp, a, t):
    """a[n, t[n], ...]: the target class entry of each sample, shaped like ``t``."""
    if a.ndim == 2:
        return a[xp.arange(a.shape[0]), t[:, 0]].reshape(t.shape)
    return xp.take_along_axis(a, t, axis=1)


def _sub_at(xp, a, t, v):
    """a[n, t[n], ...] -= v[n, ...] in place (``v`` broadcast to t's shape)."""
    if a.ndim == 2:
        idx = (xp.arange(a.shape[0]), t[:, 0])
        a[idx] -= xp.broadcast_to(v, t.shape)[:, 0]
    else:
        xp.put_along_axis(a, t, xp.take_along_axis(a, t, axis=1) - v, axis=1)


def _reduce_classes(xp, loss, reduction: str, denom: float, dtype):
    """Reduce per-sample losses (N, ...): 'mean' divides by ``denom`` (0 / 0 = nan
    when every target is ignored, as PyTorch)."""
    if reduction != "mean":
        return _reduce(xp, loss, reduction)
    if not loss.size:
        return xp.full((), float("nan"), dtype)
    with quiet(xp):
        return xp.sum(loss) / denom


def _upstream(xp, g, reduction: str, denom: float, any_valid: bool):
    """Each sample's factor from the upstream gradient, shaped to broadcast over (N, 1, ...)."""
    if reduction == "none":
        return xp.expand_dims(g, 1)
    if reduction == "mean":
        return g / denom if any_valid else g * 0.0
    return g


class CrossEntropy(Primitive):
    """Cross-entropy with class-index targets: ``x`` (N, C, ...), ``target`` (N, ...)
    int; ``weight`` (C,) array or None; ``check_ignore`` False when the caller knows
    no target equals ``ignore_index``.  Prints as ``NllLossBackward0``, PyTorch's
    grad_fn for ``cross_entropy`` (which it computes as nll_loss(log_softmax))."""

    name = "NllLoss"

    @staticmethod
    def forward(ctx, x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0,
                check_ignore=True):
        xp = array_module(x)
        c = x.shape[1]
        eps = float(label_smoothing)
        t, valid, wt = _targets(xp, x, target, weight, ignore_index, check_ignore)
        m = xp.max(x, axis=1, keepdims=True) if x.size else xp.zeros(x.shape[:1] + (1,) + x.shape[2:], x.dtype)
        e = x - m                                            # z = x - max: exact near the max
        if eps:                                              # sum_c w_c z_c, before z becomes e^z
            wc = None if weight is None else weight.reshape(_class_shape(x.ndim))
            sz = xp.sum(e if wc is None else e * wc, axis=1, keepdims=True)
        zt = _pick(xp, e, t)
        xp.exp(e, out=e)
        s = xp.sum(e, axis=1, keepdims=True)
        log_s = xp.log(s)                                    # logsumexp(x) - max
        loss = log_s - zt                                    # -log p_y
        if not isinstance(wt, float):
            loss = loss * wt                                 # times w_y (0 where ignored)
        wsum = 0.0
        if eps:
            # + eps/C sum_c w_c (-log p_c) = eps/C (sum(w) log_s - sum_c w_c z_c)
            wsum = float(c) if weight is None else float(weight.sum())
            loss = (1.0 - eps) * loss + (eps / c) * ((wsum * log_s - sz) * valid)
        loss = loss[:, 0]
        denom, any_valid = _mean_denominator(wt, loss.size) if reduction == "mean" else (1.0, True)
        out = _reduce_classes(xp, loss, reduction, denom, x.dtype)
        if ctx.needs_input_grad:  # recorded: keep what backward reads (nothing when no graph)
            ctx.opts = (reduction, eps, c, wsum, denom, any_valid)
            ctx.t, ctx.valid, ctx.wt, ctx.weight, ctx.m = t, valid, wt, weight, m
            ctx.save(x, e, s)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # d loss_n / d x_c = valid * [ p_c ((1-eps) w_y + eps/C * sum(w)) - (1-eps) w_y [c == y] - eps/C w_c ]
        # with p = softmax(x) = e / s; times g_n ('none'), g ('sum') or g / sum(w_y) ('mean')
        reduction, eps, c, wsum, denom, any_valid = ctx.opts
        x, e, s = ctx.saved
        t, valid, wt, weight = ctx.t, ctx.valid, ctx.wt, ctx.weight
        xp = array_module(g)
        gs = _upstream(xp, g, reduction, denom, any_valid)
        a = (1.0 - eps) * wt                                  # weight of the one-hot term
        b = a + (eps / c) * wsum * valid if eps else a       # weight of the softmax term
        if xp is array_module(t):
            # fast path (arrays): one pass over (N, C), then the target entries
            grad = e * ((gs * b) / s)
            _sub_at(xp, grad, t, a * gs)
        else:
            # on tensors (create_graph): softmax recomputed from x so it is differentiable
            ex = xp.exp(x - ctx.m)
            p = ex / xp.sum(ex, axis=1, keepdims=True)
            onehot = _one_hot(array_module(t), t[:, 0], c, ctx.m.dtype, x.ndim)
            grad = (p * b - onehot * a) * gs
        if eps:
            wc = 1.0 if weight is None else weight.reshape(_class_shape(x.ndim))
            grad = grad - (gs * valid) * ((eps / c) * wc)
        return grad, None, None


class CrossEntropyProb(Primitive):
    """Cross-entropy with class-probability targets: ``x`` and ``target`` both
    (N, C, ...) floats (the target differentiable too); ``weight`` (C,) or None.
    loss_n = -sum_c w_c t'_c log softmax(x)_c with t' = t (1-eps) + eps/C; 'mean'
    divides by the number of samples N*d1*..., as PyTorch."""

    name = "CrossEntropyLoss"

    @staticmethod
    def forward(ctx, x, target, weight=None, reduction="mean", label_smoothing=0.0):
        xp = array_module(x)
        c = x.shape[1]
        eps = float(label_smoothing)
        m = xp.max(x, axis=1, keepdims=True) if x.size else xp.zeros(x.shape[:1] + (1,) + x.shape[2:], x.dtype)
        z = x - m
        logp = z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))
        ts = target * (1.0 - eps) + eps / c if eps else target
        wt = ts if weight is None else ts * weight.reshape(_class_shape(x.ndim))
        loss = -xp.sum(logp * wt, axis=1)
        n = loss.size
        if reduction == "mean":
            out = xp.sum(loss) / n if n else xp.full((), float("nan"), loss.dtype)
        else:
            out = _reduce(xp, loss, reduction)
        if ctx.needs_input_grad:
            ctx.opts = (reduction, eps, c, n)
            ctx.m, ctx.weight = m, weight
            ctx.save(x, target)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # dx_c = p_c * sum_k w_k t'_k - w_c t'_c ;  dt_c = -(1-eps) w_c log p_c   (times the scaled g)
        reduction, eps, c, n = ctx.opts
        x, target = ctx.saved
        xp = array_module(g)
        gs = xp.expand_dims(g, 1) if reduction == "none" else _grad_scale(g, reduction, n)
        wc = None if ctx.weight is None else ctx.weight.reshape(_class_shape(x.ndim))
        z = x - ctx.m
        lse = xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))
        logp = z - lse
        gx = gt = None
        if ctx.needs_input_grad[0]:
            ts = target * (1.0 - eps) + eps / c if eps else target
            wt = ts if wc is None else ts * wc
            gx = (xp.exp(logp) * xp.sum(wt, axis=1, keepdims=True) - wt) * gs
        if ctx.needs_input_grad[1]:
            lw = logp if wc is None else logp * wc
            gt = lw * (-(1.0 - eps)) * gs
        return gx, gt, None


class NllLoss(Primitive):
    """Negative log-likelihood: ``-w_y x[n, y_n, ...]`` from log-probabilities
    ``x`` (N, C, ...) and int targets (N, ...); ignored targets count zero and are
    left out of a 'mean' (which divides by the sum of the picked weights)."""

    name = "NllLoss"

    @staticmethod
    def forward(ctx, x, target, weight=None, reduction="mean", ignore_index=-100, check_ignore=True):
        xp = array_module(x)
        t, valid, wt = _targets(xp, x, target, weight, ignore_index, check_ignore)
        picked = _pick(xp, x, t)
        loss = -(picked if isinstance(wt, float) else picked * wt)[:, 0]
        denom, any_valid = _mean_denominator(wt, loss.size) if reduction == "mean" else (1.0, True)
        out = _reduce_classes(xp, loss, reduction, denom, x.dtype)
        if ctx.needs_input_grad:
            ctx.opts = (reduction, denom, x.shape, x.dtype, any_valid)
            ctx.t, ctx.wt = t, wt
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # d loss_n / d x[n, c] = -w_y [c == y_n] (valid targets only), times the scaled g
        reduction, denom, shape, dtype, any_valid = ctx.opts
        t, wt = ctx.t, ctx.wt
        xp = array_module(g)
        gs = _upstream(xp, g, reduction, denom, any_valid)
        if xp is array_module(t):
            grad = xp.zeros(shape, dtype=dtype)
            _sub_at(xp, grad, t, wt * gs)
            return grad, None, None
        onehot = _one_hot(array_module(t), t[:, 0], shape[1], dtype, len(shape))
        return gs * (-(onehot * wt)), None, None


def _log_clamped(xp, a):
    """log(a) clamped to >= -100 (PyTorch's BCE keeps log(0) finite this way)."""
    return xp.clip(xp.log(a), -100.0, None)


class BinaryCrossEntropy(Primitive):
    """-w [y log x + (1-y) log(1-x)] on probabilities ``x``, logs clamped to >= -100.
    ``x`` and ``target`` are differentiable; ``weight`` is an array or None."""

    name = "BinaryCrossEntropy"

    @staticmethod
    def forward(ctx, x, target, weight=None, reduction="mean"):
        xp = array_module(x)
        with quiet(xp):  # log(0) = -inf, then clamped
            loss = -(target * _log_clamped(xp, x) + (1.0 - target) * _log_clamped(xp, 1.0 - x))
        if weight is not None:
            loss = loss * weight
        if ctx.needs_input_grad:
            ctx.opts = (reduction, loss.size, x.shape)
            ctx.weight = weight
        ctx.save(x, target)
        return _reduce(xp, loss, reduction).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # dx = w (x - y) / max(x (1 - x), 1e-12) ;  dy = w [log(1-x) - log x] = -w logit(x)
        # (PyTorch clamps the logs of the loss, not those of dy: dy is +-inf at x = 0 or 1)
        reduction, n, shape = ctx.opts
        x, target = ctx.saved
        xp = array_module(g)
        gs = _grad_scale(g, reduction, n)
        if ctx.weight is not None:
            gs = gs * ctx.weight
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = unbroadcast((x - target) / xp.clip((1.0 - x) * x, 1e-12, None) * gs, shape)
        if ctx.needs_input_grad[1]:
            with quiet(xp):
                gt = unbroadcast((xp.log(1.0 - x) - xp.log(x)) * gs, shape)
        return gx, gt, None


def _log_sigmoid(xp, x):
    """log(sigmoid(x)) = -(max(-x, 0) + log(1 + e^-|x|)): finite for any x."""
    return -(xp.clip(-x, 0.0, None) + xp.log1p(xp.exp(-xp.abs(x))))


_EXP_MAX = {4: 88.0, 8: 708.0, 2: 11.0}  # largest exponent whose e^a is finite, by itemsize


def _sigmoid(xp, x, cap: float):
    """1 / (1 + e^-x), branch-free: the exponent is capped below overflow (e^cap is
    finite, and 1 / (1 + e^cap) is as good as 0 at that size)."""
    return 1.0 / (1.0 + xp.exp(xp.clip(-x, None, cap)))


class BinaryCrossEntropyWithLogits(Primitive):
    """w [(1-y) x - l log sigmoid(x)], l = 1 + (pos_weight - 1) y: binary cross-entropy
    on logits, finite for any x.  ``weight`` and ``pos_weight`` are arrays or None
    (broadcast against the input; pos_weight along the last, class, axis)."""

    name = "BinaryCrossEntropyWithLogits"

    @staticmethod
    def forward(ctx, x, target, weight=None, pos_weight=None, reduction="mean"):
        xp = array_module(x)
        sp = xp.abs(x)                                        # log(1 + e^-|x|), in one buffer
        xp.negative(sp, out=sp)
        xp.exp(sp, out=sp)
        xp.log1p(sp, out=sp)
        if pos_weight is None:
            # (1-y) x - log sigmoid(x) = max(x, 0) - x y + log(1 + e^-|x|)
            loss = xp.maximum(x, 0.0)
            loss -= x * target
            loss += sp
        else:
            # -log sigmoid(x) = max(-x, 0) + log(1 + e^-|x|), weighted by l = 1 + (pw - 1) y
            sp += xp.maximum(-x, 0.0)
            loss = (1.0 - target) * x + sp * ((pos_weight - 1.0) * target + 1.0)
        if weight is not None:
            loss = loss * weight
        if ctx.needs_input_grad:
            ctx.opts = (reduction, loss.size, x.shape, _EXP_MAX.get(x.dtype.itemsize, 88.0))
            ctx.weight, ctx.pos_weight = weight, pos_weight
        ctx.save(x, target)
        return _reduce(xp, loss, reduction).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # dx = w [(1 - y) - l sigmoid(-x)]   (= w (sigmoid(x) - y) without pos_weight)
        # dy = w [-x - (pos_weight - 1) log sigmoid(x)]
        reduction, n, shape, cap = ctx.opts
        x, target = ctx.saved
        pw = ctx.pos_weight
        xp = array_module(g)
        gs = _grad_scale(g, reduction, n)
        if ctx.weight is not None:
            gs = gs * ctx.weight
        gx = gt = None
        if ctx.needs_input_grad[0]:
            if pw is None:
                d = _sigmoid(xp, x, cap) - target
            else:
                sn = _sigmoid(xp, -x, cap)
                d = (1.0 - target) - sn * ((pw - 1.0) * target + 1.0)
            gx = unbroadcast(d * gs, shape)
        if ctx.needs_input_grad[1]:
            d = -x if pw is None else -x - _log_sigmoid(xp, x) * (pw - 1.0)
            gt = unbroadcast(d * gs, shape)
        return gx, gt, None, None


class _DiffLoss(Primitive):
    """A pointwise loss f(x - y) with a reduction; ``x`` and ``y`` broadcast.
    Subclasses give ``f(xp, d, opt)`` and its derivative ``df(xp, d, opt)``."""

    @classmethod
    def forward(cls, ctx, x, y, reduction="mean", opt=1.0):
        xp = array_module(x)
        loss = cls.f(xp, x - y, opt)
        ctx.opts = (reduction, loss.size, opt)
        ctx.save(x, y)
        return _reduce(xp, loss, reduction).astype(loss.dtype, copy=False)

    @classmethod
    def backward(cls, ctx, g):
        # d f(x - y) / dx = f'(d) ;  d / dy = -f'(d)
        reduction, n, opt = ctx.opts
        x, y = ctx.saved
        xp = array_module(g)
        gd = cls.df(xp, x - y, opt) * _grad_scale(g, reduction, n)
        gx = unbroadcast(gd, x.shape) if ctx.needs_input_grad[0] else None
        gy = unbroadcast(-gd, y.shape) if ctx.needs_input_grad[1] else None
        return gx, gy


class MseLoss(_DiffLoss):
    name = "MseLoss"

    @staticmethod
    def f(xp, d, opt):
        return d * d

    @staticmethod
    def df(xp, d, opt):
        # d (d^2) = 2 d
        return d * 2.0


class L1Loss(_DiffLoss):
    name = "L1Loss"

    @staticmethod
    def f(xp, d, opt):
        return xp.abs(d)

    @staticmethod
    def df(xp, d, opt):
        # d |d| = sign(d) (0 at 0, as PyTorch)
        return xp.sign(d)


class SmoothL1Loss(_DiffLoss):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (opt = beta > 0)."""

    name = "SmoothL1Loss"

    @staticmethod
    def f(xp, d, beta):
        a = xp.abs(d)
        return xp.where(a < beta, (d * d) * (0.5 / beta), a - 0.5 * beta)

    @staticmethod
    def df(xp, d, beta):
        # d/dd = d / beta inside, sign(d) outside
        return xp.where(xp.abs(d) < beta, d * (1.0 / beta), xp.sign(d))


class HuberLoss(_DiffLoss):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (opt = delta)."""

    name = "HuberLoss"

    @staticmethod
    def f(xp, d, delta):
        a = xp.abs(d)
        return xp.where(a < delta, (d * d) * 0.5, (a - 0.5 * delta) * delta)

    @staticmethod
    def df(xp, d, delta):
        # d/dd = d inside, delta sign(d) outside
        return xp.where(xp.abs(d) < delta, d, xp.sign(d) * delta)
