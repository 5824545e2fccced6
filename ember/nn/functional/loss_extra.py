"""Two more losses of ``nn.functional``: ``multilabel_margin_loss`` and
``triplet_margin_with_distance_loss`` (compositions of tensor ops; arguments checked
with PyTorch's exception types and messages)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ...backend.device import to_host
from ...tensor import amp as _amp
from ...tensor.tensor import Tensor
from .loss import _reduce, _reduction, _scalar_name

__all__ = ["multilabel_margin_loss", "triplet_margin_with_distance_loss"]


def _target_counts(target: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``target`` (class indices, cut at the first -1): how often each class
    is listed (``counts``) and whether it is listed at all (``is_target``)."""
    if target.size and (target.min() < -1 or target.max() >= c):
        raise RuntimeError("argument #2 'target' is out of range")
    rows = target.shape[0]
    counts = np.zeros((rows, c), np.int64)
    for r in range(rows):
        row = target[r]
        neg = np.nonzero(row < 0)[0]
        listed = row[: neg[0]] if neg.size else row
        np.add.at(counts[r], listed, 1)
    return counts, counts > 0


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: for each sample, sum over listed target classes j and
    unlisted classes i of max(0, 1 - (x[j] - x[i])), divided by the number of classes.
    ``target`` holds class indices padded with -1 (only those before the first -1 count)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("multilabel_margin_loss", multilabel_margin_loss, input, target, size_average, reduce,
                        reduction)
    import ember
    reduction = _reduction(size_average, reduce, reduction)
    if not isinstance(input, Tensor):
        raise TypeError(f"multilabel_margin_loss(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(f"multilabel_margin_loss(): argument 'target' (position 2) must be Tensor, not "
                        f"{type(target).__name__}")
    nd = input.dim()
    if nd > 2 or (nd == 2 and input.shape[1] == 0) or (nd == 1 and input.shape[0] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    if target.dtype != ember.int64:
        raise RuntimeError(f"expected scalar type Long but found {_scalar_name(target)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"multilabel_margin_loss_forward_out_frame\" not implemented for "
                                  f"'{_scalar_name(input)}'")
    x = input.reshape(-1, 1 if nd == 0 else input.shape[-1])          # (N, C)
    c = x.shape[1]
    t = np.asarray(to_host(target._data)).reshape(x.shape[0], c)
    counts, is_target = _target_counts(t, c)
    weights = counts[:, :, None] * (~is_target)[:, None, :]                # (N, C_j, C_i)
    w = ember.as_tensor(weights.astype(x._data.dtype), device=x.device)
    # z[n, j, i] = 1 - x[n, j] + x[n, i]; only listed j and unlisted i (counted per listing) contribute
    z = (1.0 - x.unsqueeze(2) + x.unsqueeze(1)).relu()  # relu: no gradient at z == 0, as PyTorch (z > 0)
    per_sample = (z * w).sum((1, 2)) / c
    if nd < 2:
        per_sample = per_sample.reshape(())
    return _reduce(per_sample, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with any distance ``d`` (default: the
    pairwise Euclidean distance); ``swap`` uses min(d(a, n), d(p, n))."""
    import ember
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")
    if distance_function is None:
        distance_function = ember.nn.functional.pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = ember.minimum(dist_neg, distance_function(positive, negative))
    loss = ember.clamp_min(margin + dist_pos - dist_neg, 0)
    return _reduce(loss, reduction)
