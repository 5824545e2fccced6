"""``nn.functional.ctc_loss``: the Connectionist Temporal Classification loss.

Arguments are checked here with PyTorch 2.13's exception types and messages (those of
``ctc_loss_allocate_outputs``), the extended label sequences are built on the host,
and the per-sample negative log-likelihoods come from one primitive
(``ember/ops/ctc.py``).  The reductions are composed as PyTorch composes them:
'mean' divides each loss by its target length clamped to 1, then averages over the
batch; ``zero_infinity`` replaces infinite losses (and their gradients) by zero.
"""
from __future__ import annotations

import numbers
from typing import Sequence, Union

import numpy as np

from ...backend.device import array_module, to_host
from ...ops import ctc as K
from ...tensor import amp as _amp
from ...tensor.tensor import Tensor
from ...tensor.wrap import apply
from .loss import _scalar_name

__all__ = ["ctc_loss"]

Lengths = Union[Tensor, Sequence[int]]
_CHK = "(while checking arguments for ctc_loss_allocate_outputs)"


def _signature_error(log_probs, targets, input_lengths, target_lengths) -> TypeError:
    """PyTorch's overload-mismatch TypeError (lengths must both be int sequences or both tensors)."""
    got = ", ".join(type(v).__name__ for v in (log_probs, targets, input_lengths, target_lengths))
    return TypeError(f"ctc_loss() received an invalid combination of arguments - got ({got}, int, int, bool), "
                     "but expected one of:\n * (Tensor log_probs, Tensor targets, tuple of ints input_lengths, "
                     "tuple of ints target_lengths, int blank = 0, int reduction = at::Reduction::Mean, "
                     "bool zero_infinity = False)\n * (Tensor log_probs, Tensor targets, Tensor input_lengths, "
                     "Tensor target_lengths, int blank = 0, int reduction = at::Reduction::Mean, "
                     "bool zero_infinity = False)")


def _int_sequence(v) -> bool:
    return isinstance(v, (list, tuple)) and all(
        isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in v)


def _lengths(args) -> tuple[np.ndarray, np.ndarray]:
    """Both length arguments as int64 host arrays (1-D)."""
    log_probs, targets, il, tl = args
    if isinstance(il, Tensor) and isinstance(tl, Tensor):
        for name, v in (("input_lengths", il), ("target_lengths", tl)):
            if v.dtype.is_floating_point or v.dtype.is_complex or str(v.dtype).endswith("bool"):
                raise RuntimeError(f"{name} must be integral")
        return (np.asarray(to_host(il._data), np.int64).reshape(-1),
                np.asarray(to_host(tl._data), np.int64).reshape(-1))
    if _int_sequence(il) and _int_sequence(tl):
        return np.asarray(il, np.int64).reshape(-1), np.asarray(tl, np.int64).reshape(-1)
    raise _signature_error(*args)


def _extended(tg: np.ndarray, offsets: np.ndarray, tl: np.ndarray, blank: int, c: int,
              padded: bool) -> tuple[np.ndarray, np.ndarray]:
    """The extended label sequences (N, 2 max S + 1) (blank everywhere but the odd places
    of each sample's own labels) and where the s-2 transition is allowed."""
    n = tl.shape[0]
    smax = int(tl.max()) if n else 0
    ext = np.full((n, 2 * smax + 1), blank, np.int64)
    for b in range(n):
        lab = tg[b, :tl[b]] if padded else tg[offsets[b]:offsets[b] + tl[b]]
        if lab.size and (lab.min() < 0 or lab.max() >= c):
            bad = int(lab.min()) if lab.min() < 0 else int(lab.max())
            raise RuntimeError(f"ctc_loss(): target label {bad} of sample {b} is out of range [0, {c}) "
                               f"for log_probs with {c} classes")
        ext[b, 1:2 * tl[b]:2] = lab
    skip = np.zeros(ext.shape, bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    return ext, skip


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Lengths, target_lengths: Lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss -log p(targets | log_probs), summed over all alignments.

    ``log_probs``: (T, N, C) or unbatched (T, C) log-probabilities (normally a
    ``log_softmax`` output); ``targets``: padded (N, S) or concatenated 1-D class indices
    (``blank`` must not occur in them); ``input_lengths`` / ``target_lengths``: int
    sequences or integer tensors of N lengths.  Impossible alignments give inf (0 with
    ``zero_infinity``).  The gradient is PyTorch's, written for ``log_probs`` coming
    from ``log_softmax``."""
    if _amp.ON and _amp.T.on:
        return _amp.run("ctc_loss", ctc_loss, log_probs, targets, input_lengths, target_lengths, blank,
                        reduction, zero_infinity)
    import ember
    args = (log_probs, targets, input_lengths, target_lengths)
    if not isinstance(log_probs, Tensor) or not isinstance(targets, Tensor):
        raise _signature_error(*args)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    il, tl = _lengths(args)
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    if lp.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.dim()}-dimensional tensor for argument "
                           f"#1 'log_probs' {_CHK}")
    if lp.dtype not in (ember.float32, ember.float64):
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{_scalar_name(lp)}'")
    if not 1 <= targets.dim() <= 2:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.dim()}-dimensional tensor for argument "
                           f"#2 'targets' {_CHK}")
    T, n, c = lp.shape
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    if il.shape[0] != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.shape[0] != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    for v in tl:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value {int(v)} {_CHK}")
    tg = np.asarray(to_host(targets.detach()._data)).astype(np.int64)
    padded = targets.dim() == 2
    offsets = np.concatenate([[0], np.cumsum(tl)[:-1]]).astype(np.int64) if n else np.zeros(0, np.int64)
    if not padded:
        if tg.shape[0] != int(tl.sum()):
            raise RuntimeError(f"Expected tensor to have size {int(tl.sum())} at dimension 0, but got size "
                               f"{tg.shape[0]} for argument #2 'targets' {_CHK}")
    else:
        if tg.shape[0] != n:
            raise RuntimeError(f"Expected tensor to have size {n} at dimension 0, but got size {tg.shape[0]} for "
                               f"argument #2 'targets' {_CHK}")
        smax = int(tl.max()) if n else 0
        if tg.shape[1] < smax:
            raise RuntimeError(f"Expected tensor to have size at least {smax} at dimension 1, but got size "
                               f"{tg.shape[1]} for argument #2 'targets' {_CHK}")
    for v in il:
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value {int(v)} {_CHK}")
        if v > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(v)} {_CHK}")
    ext, skip = _extended(tg, offsets, tl, int(blank), c, padded)
    xp = array_module(lp._data)
    res = apply(K.CtcLoss, lp, xp.asarray(ext), xp.asarray(skip), xp.asarray(il), xp.asarray(tl),
                zero_infinity=bool(zero_infinity))
    if zero_infinity:
        res = ember.where(res == float("inf"), ember.zeros((), dtype=res.dtype, device=res.device), res)
    if reduction == "mean":
        div = ember.as_tensor(np.maximum(tl, 1), device=res.device).to(res.dtype)
        return (res / div).mean()
    if reduction == "sum":
        return res.sum()
    return res if batched else res.squeeze(0)
