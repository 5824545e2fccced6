"""Loss functions of ``ember.nn.functional``, with PyTorch 2.13's signatures,
reductions, warnings and errors.

The losses of every training loop (cross-entropy, nll, MSE/L1/smooth-L1/Huber, the
two binary cross-entropies) run one fused primitive of ``ember/ops/loss.py`` each;
the rarer ones are compositions of tensor ops, written in numerically stable forms.
Arguments are checked here, before any array is touched, with PyTorch's exception
types and messages.
"""
from __future__ import annotations

import math
import warnings

from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...backend import dtypes as D
from ...ops import loss as L
from ...tensor.tensor import Tensor
from ...tensor.wrap import apply, broadcast_error, promote
from ...tensor import amp as _amp

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss",
           "margin_ranking_loss", "triplet_margin_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "multi_margin_loss", "hinge_embedding_loss", "poisson_nll_loss", "gaussian_nll_loss"]



def _scalar_name(t: Tensor) -> str:
    """PyTorch's ScalarType name of a tensor's dtype (Float, Long, ...)."""
    return getattr(t.dtype, "scalar_name", str(t.dtype))


def _legacy_reduction(size_average, reduce) -> str:
    """The reduction the deprecated ``size_average``/``reduce`` flags mean, with
    PyTorch's deprecation warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction: str) -> str:
    """The effective reduction, validated ('elementwise_mean' is an old 'mean')."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    return _valid(reduction)


def _valid(reduction: str) -> str:
    if reduction in ("none", "mean", "sum"):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=4)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _tensor(x, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument must be a Tensor, not {type(x).__name__}")
    return x


def _size_warning(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
                      f"Please ensure they have the same size.", stacklevel=3)


# ---------------------------------------------------------------------------------------------
# regression losses: functions of input - target

def _diff_loss(op, fname: str, input, target, reduction: str, opt: float = 1.0) -> Tensor:
    input, target = _tensor(input, fname), _tensor(target, fname)
    err = broadcast_error(input, target)
    if err is not None:
        raise err
    a, b = promote(input, target)
    if a.dtype.is_floating_point is False:
        kernel = {"mse_loss": "mse_cpu", "smooth_l1_loss": "smooth_l1_cpu", "huber_loss": "huber_cpu"}
        raise NotImplementedError(f'"{kernel.get(fname, fname)}" not implemented for \'{_scalar_name(a)}\'')
    return apply(op, a, b, reduction=reduction, opt=float(opt))


def _weighted(loss: Tensor, weight: Tensor, input: Tensor, reduction: str, mean_by_weight: bool) -> Tensor:
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / weight.sum() if mean_by_weight else loss.mean()


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target)^2``, reduced; with ``weight`` (the input's
    shape) the weighted errors are summed and divided by ``weight.sum()``."""
    if _amp.ON and _amp.T.on:
        return _amp.run("mse_loss", mse_loss, input, target, size_average, reduce, reduction, weight)
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None:
        return _diff_loss(L.MseLoss, "mse_loss", input, target, reduction)
    return _weighted(_diff_loss(L.MseLoss, "mse_loss", input, target, "none"), weight, input, reduction, True)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced (weighted as ``mse_loss``)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("l1_loss", l1_loss, input, target, size_average, reduce, reduction, weight)
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None:
        a, b = promote(_tensor(input, "l1_loss"), _tensor(target, "l1_loss"))
        if not a.dtype.is_floating_point:  # PyTorch's composite: |a - b| reduced (the mean of ints raises)
            return _reduce((a - b).abs(), reduction)
        return _diff_loss(L.L1Loss, "l1_loss", input, target, reduction)
    return _weighted(_diff_loss(L.L1Loss, "l1_loss", input, target, "none"), weight, input, reduction, True)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target);
    ``beta=0`` is the L1 loss."""
    if _amp.ON and _amp.T.on:
        return _amp.run("smooth_l1_loss", smooth_l1_loss, input, target, size_average, reduce, reduction, beta)
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return _diff_loss(L.L1Loss, "l1_loss", input, target, reduction)
    return _diff_loss(L.SmoothL1Loss, "smooth_l1_loss", input, target, reduction, beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``; with ``weight``
    the 'mean' is the plain mean of the weighted losses (as PyTorch)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("huber_loss", huber_loss, input, target, reduction, delta, weight)
    _size_warning(input, target)
    reduction = _valid(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return _diff_loss(L.HuberLoss, "huber_loss", input, target, reduction, delta)
    loss = _diff_loss(L.HuberLoss, "huber_loss", input, target, "none", delta)
    return _weighted(loss, weight, input, reduction, False)


# ---------------------------------------------------------------------------------------------
# classification: cross-entropy and negative log-likelihood

def _check_weight(weight, input: Tensor, c: int, prefix: str = "") -> None:
    if weight is None:
        return
    if weight.ndim != 1 or weight.numel() != c:
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {c} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(input)} but found {_scalar_name(weight)}")
    if weight.requires_grad and is_grad_enabled():
        raise RuntimeError("The function 'nll_loss_forward' is not differentiable with respect to argument "
                           "'weight'. This input cannot have requires_grad True.")


def _class_targets(input: Tensor, target: Tensor, weight, ignore_index: int):
    """Check class-index targets as PyTorch's nll_loss_nd does; returns (input, target)
    shaped (N, C, ...) and (N, ...), whether a batch dim was added, and whether some
    target may equal ``ignore_index`` (it lies within the targets' range)."""
    ishape, tshape = input._data.shape, target._data.shape   # raw shapes: no Size objects on the hot path
    nd, td = len(ishape), len(tshape)
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1:
        n_t = tshape[0] if td else 0
        if ishape[0] != n_t or td == 0:
            raise ValueError(f"Expected input batch_size ({ishape[0]}) to match target batch_size ({n_t}).")
    if nd <= 2:
        if td > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and td == 1 and tshape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {tshape[0]}")
    elif nd == 4:
        if td != 3:
            raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {td}")
        if tshape != (ishape[0],) + ishape[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(ishape)} , target: {list(tshape)}")
    elif tshape[1:] != ishape[2:]:
        raise RuntimeError(f"Expected target size {[ishape[0]] + list(ishape[2:])}, got {list(tshape)}")
    if target.dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_scalar_name(target)}")
    if input.dtype.is_floating_point is False:
        raise NotImplementedError(f"\"nll_loss\" not implemented for '{_scalar_name(input)}'")
    c = ishape[1] if nd > 1 else ishape[0]
    _check_weight(weight, input, c)
    t = target._data
    check_ignore = False
    if t.size:
        lo, hi = int(t.min()), int(t.max())
        if lo < 0 or hi >= c:
            bad = (t != ignore_index) & ((t < 0) | (t >= c))
            if bad.any():
                raise IndexError(f"Target {int(t[bad].ravel()[0])} is out of bounds.")
        check_ignore = lo <= ignore_index <= hi
    if nd == 1:
        return input.reshape(1, c), target.reshape(1), True, check_ignore
    return input, target, False, check_ignore


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """``-weight[y] * input[n, y, ...]`` from log-probabilities (N, C, ...) or (C,) and
    class indices (N, ...) or (); 'mean' divides by the summed weights of the
    targets that are not ``ignore_index`` (nan when all are)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("nll_loss", nll_loss, input, target, weight, size_average, ignore_index, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _tensor(input, "nll_loss"), _tensor(target, "nll_loss")
    x, t, squeezed, check_ignore = _class_targets(input, target, weight, ignore_index)
    out = apply(L.NllLoss, x, t._data.astype("int64", copy=False), weight._data if weight is not None else None,
                reduction=reduction, ignore_index=int(ignore_index), check_ignore=check_ignore)
    return out.reshape(()) if squeezed and reduction == "none" else out


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits ``input`` (N, C, ...) or (C,) and either class
    indices (N, ...) or class probabilities (the input's shape), with class
    ``weight``, ``ignore_index`` (index targets) and ``label_smoothing``: log-softmax
    and the pick fused in one primitive (stable for logits of any size)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("cross_entropy", cross_entropy, input, target, weight, size_average, ignore_index, reduce,
                        reduction, label_smoothing)
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _tensor(input, "cross_entropy"), _tensor(target, "cross_entropy")
    label_smoothing = float(label_smoothing)
    if tuple(input.shape) == tuple(target.shape):
        return _cross_entropy_prob(input, target, weight, reduction, ignore_index, label_smoothing)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    x, t, squeezed, check_ignore = _class_targets(input, target, weight, ignore_index)
    if input.dtype.is_floating_point is False:
        raise NotImplementedError(f"\"log_softmax\" not implemented for '{_scalar_name(input)}'")
    out = apply(L.CrossEntropy, x, t._data.astype("int64", copy=False),
                weight._data if weight is not None else None, reduction=reduction,
                ignore_index=int(ignore_index), label_smoothing=max(label_smoothing, 0.0),
                check_ignore=check_ignore)
    return out.reshape(()) if squeezed and reduction == "none" else out


def _cross_entropy_prob(input, target, weight, reduction, ignore_index, label_smoothing) -> Tensor:
    if target.dtype.is_floating_point is False:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{_scalar_name(target)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight is not None and (weight.ndim != 1 or weight.numel() != c):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    if input.dtype.is_floating_point is False:
        raise NotImplementedError(f"\"log_softmax\" not implemented for '{_scalar_name(input)}'")
    x, t = promote(input, target)
    w = None
    if weight is not None:
        rt = D.result_type(x, weight)
        if rt is not x.dtype:
            x, t = x.to(rt), t.to(rt)
        w = weight._data.astype(x._data.dtype, copy=False)
    squeezed = input.ndim == 1
    if squeezed:
        x, t = x.reshape(1, c), t.reshape(1, c)
    out = apply(L.CrossEntropyProb, x, t, w, reduction=reduction, label_smoothing=max(label_smoothing, 0.0))
    return out.reshape(()) if squeezed and reduction == "none" else out


# ---------------------------------------------------------------------------------------------
# binary cross-entropy

def _no_grad_weight(weight, fname: str, arg: str) -> None:
    if weight is not None and weight.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{fname}' is not differentiable with respect to argument '{arg}'. "
                           f"This input cannot have requires_grad True.")


def _expand_weight(weight: Tensor, shape, dtype):
    """A weight as an array broadcast to ``shape`` (PyTorch's error when it cannot)."""
    import numpy as np  # shape arithmetic only
    w = weight._data
    try:
        np.broadcast_shapes(tuple(w.shape), tuple(shape))
    except ValueError:
        err = broadcast_error(weight, Tensor._make(np.empty(shape, dtype=np.bool_)))
        raise (err or RuntimeError(f"weight of shape {list(w.shape)} cannot broadcast to {list(shape)}")) from None
    return w.astype(dtype, copy=False)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """``-weight [y log x + (1 - y) log(1 - x)]`` on probabilities, each log clamped
    to >= -100 (so x = 0 or 1 gives a finite loss, as PyTorch)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("binary_cross_entropy", binary_cross_entropy, input, target, weight, size_average, reduce,
                        reduction)
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _tensor(input, "binary_cross_entropy"), _tensor(target, "binary_cross_entropy")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_scalar_name(target)} but expected {_scalar_name(input)}")
    _no_grad_weight(weight, "binary_cross_entropy", "weight")
    x = input._data
    if x.size and not (float(x.min()) >= 0.0 and float(x.max()) <= 1.0):
        raise RuntimeError("all elements of input should be between 0 and 1")
    y = target._data
    if y.size and not (float(y.min()) >= 0.0 and float(y.max()) <= 1.0):
        raise RuntimeError("all elements of target should be between 0 and 1")
    w = None
    if weight is not None:
        w = _expand_weight(weight, input.shape, x.dtype)
    return apply(L.BinaryCrossEntropy, input, target, w, reduction=reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy on logits, ``weight [(1 - y) x - l log sigmoid(x)]`` with
    ``l = 1 + (pos_weight - 1) y`` (pos_weight broadcast along the last, class, dim):
    finite for logits of any size."""
    if _amp.ON and _amp.T.on:
        return _amp.run("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, input, target, weight,
                        size_average, reduce, reduction, pos_weight)
    reduction = _reduction(size_average, reduce, reduction)
    input = _tensor(input, "binary_cross_entropy_with_logits")
    target = _tensor(target, "binary_cross_entropy_with_logits")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    _no_grad_weight(weight, "binary_cross_entropy_with_logits", "weight")
    _no_grad_weight(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    x, t = promote(input, target)
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_scalar_name(x)}")
    dt = x._data.dtype
    w = None if weight is None else _expand_weight(weight, x.shape, dt)
    pw = None if pos_weight is None else _expand_weight(pos_weight, x.shape, dt)
    return apply(L.BinaryCrossEntropyWithLogits, x, t, w, pw, reduction=reduction)


# ---------------------------------------------------------------------------------------------
# divergences and likelihoods

def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence with ``input`` log-probabilities:
    ``target (log target - input)`` (``exp(target) (target - input)`` when
    ``log_target``); 'batchmean' divides the sum by the batch size."""
    if _amp.ON and _amp.T.on:
        return _amp.run("kl_div", kl_div, input, target, size_average, reduce, reduction, log_target)
    if size_average is not None or reduce is not None:
        red = _legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math "
                          "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                          "major release.", stacklevel=2)
        red = "sum" if reduction == "batchmean" else _valid(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        from ...tensor.math import xlogy
        loss = xlogy(target, target) - target * input
    out = _reduce(loss, red)
    if reduction == "batchmean" and input.ndim != 0 and red == "sum":
        out = out / input.shape[0]
    return out


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) - target input`` (log-rate input) or
    ``input - target log(input + eps)``, plus Stirling's term for targets > 1 when ``full``."""
    if _amp.ON and _amp.T.on:
        return _amp.run("poisson_nll_loss", poisson_nll_loss, input, target, log_input, full, size_average, eps,
                        reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``0.5 (log var + (input - target)^2 / var)``
    (+ 0.5 log 2 pi when ``full``); ``var`` is clamped to ``eps`` in value only (its
    gradient passes unchanged, as PyTorch's no-grad clamp)."""
    import ember
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ember.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    with no_grad():
        shift = var.clamp(min=eps) - var
    var = var + shift
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------------------------
# margin and embedding losses

def _soft_plus_neg(z: Tensor) -> Tensor:
    """log(1 + exp(-z)) elementwise, stable (the fused logits-BCE with target 1)."""
    import ember
    return apply(L.BinaryCrossEntropyWithLogits, z, ember.ones_like(z), None, None, reduction="none")


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``, computed stably (finite for any input)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("soft_margin_loss", soft_margin_loss, input, target, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if target.requires_grad and is_grad_enabled():
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument "
                           "'target'. This input cannot have requires_grad True.")
    z = input * target
    if tuple(z.shape) != tuple(input.shape):
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast shape "
                           f"{list(z.shape)}")
    return _reduce(_soft_plus_neg(z), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """``-mean_c [y log sigmoid(x) + (1 - y) log sigmoid(-x)]`` per sample (times
    ``weight``), then reduced; the per-element term is the stable logits-BCE."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    x, t = promote(input, target)
    if tuple(x.shape) != tuple(t.shape):
        err = broadcast_error(x, t)
        if err is not None:
            raise err
        import ember
        x, t = ember.broadcast_tensors(x, t)
    loss = apply(L.BinaryCrossEntropyWithLogits, x, t, None, None, reduction="none")
    if weight is not None:
        loss = loss * weight
    c = input.shape[input.ndim - 1]
    loss = loss.sum(dim=input.ndim - 1) / c
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where -1."""
    if _amp.ON and _amp.T.on:
        return _amp.run("cosine_embedding_loss", cosine_embedding_loss, input1, input2, target, margin, size_average,
                        reduce, reduction)
    import ember
    reduction = _reduction(size_average, reduce, reduction)
    d = target.ndim
    if d not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if d == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if d == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + eps
    mag2 = (input2 * input2).sum(d) + eps
    cos = prod / (mag1 * mag2).sqrt()
    zeros = ember.zeros_like(cos)
    pos = ember.where(target == 1, 1 - cos, zeros)
    neg = ember.where(target == -1, (cos - margin).clamp(min=0), zeros)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target (input1 - input2) + margin)``."""
    if _amp.ON and _amp.T.on:
        return _amp.run("margin_ranking_loss", margin_ranking_loss, input1, input2, target, margin, size_average,
                        reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """``input`` where target is 1, ``max(0, margin - input)`` where -1 (summed where neither)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("hinge_embedding_loss", hinge_embedding_loss, input, target, margin, size_average, reduce,
                        reduction)
    import ember
    reduction = _reduction(size_average, reduce, reduction)
    zeros = ember.zeros_like(input)
    out = (ember.where(target != 1, (margin - input).clamp(min=0), zeros)
           + ember.where(target != -1, input, zeros))
    return _reduce(out, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (PyTorch's pairwise_distance)."""
    import ember
    return ember.norm(x1 - x2 + eps, p, max(x1.ndim, x2.ndim) - 1)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the p-norm distance
    (``swap``: d(a, n) replaced by min(d(a, n), d(p, n)))."""
    if _amp.ON and _amp.T.on:
        return _amp.run("triplet_margin_loss", triplet_margin_loss, anchor, positive, negative, margin, p, eps, swap,
                        size_average, reduce, reduction)
    import ember
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs")
    err = broadcast_error(anchor, positive, negative)
    if err is not None:
        raise err
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ember.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge: ``sum_{j != y} max(0, margin - x[y] + x[j])^p * weight[y] / C``."""
    if _amp.ON and _amp.T.on:
        return _amp.run("multi_margin_loss", multi_margin_loss, input, target, p, margin, weight, size_average,
                        reduce, reduction)
    import ember
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    if not (input.ndim in (1, 2) and input.numel() > 0) and not (input.ndim == 2 and input.shape[0] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    squeezed = input.ndim == 1
    x = input.reshape(1, -1) if squeezed else input
    n, c = x.shape
    t = target.reshape(-1)
    if t.numel() != n or target.ndim > 1 or (not squeezed and target.ndim != 1):
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of "
                           f"input samples (batch size). Expected target size [{n}], but got "
                           f"{list(target.shape)}. Input has shape {list(input.shape)}.")
    ti = t._data
    if ti.size and (int(ti.min()) < 0 or int(ti.max()) >= c):
        raise RuntimeError("target out of range")
    idx = t.long().reshape(n, 1)
    z = (margin - x.gather(1, idx) + x).clamp(min=0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[idx]
    onehot = ember.arange(c).reshape(1, c) == idx
    loss = z.masked_fill(onehot, 0).sum(1) / c
    if squeezed and reduction == "none":
        loss = loss.reshape(())
    return _reduce(loss, reduction)
