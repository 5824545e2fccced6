"""The ``torch.*`` spellings of ``nn.functional`` ops, with the top-level signatures.

PyTorch exposes several functional ops at the top level with ATen's signatures,
which differ from ``torch.nn.functional``'s: ``reduction`` is an int (0 'none',
1 'mean', 2 'sum'), ``batch_norm`` / ``instance_norm`` take every argument
positionally in ATen's order (weight and bias before the running statistics, and a
trailing ``cudnn_enabled``), ``max_pool*d`` have no ``return_indices`` and
``adaptive_max_pool1d`` always returns (values, indices).  These wrappers translate
to the ``nn.functional`` implementations, so values and gradients are theirs.

PyTorch 2.13's top-level losses treat an omitted ``reduction`` (and any int other
than 1 or 2) as 'none'; ember does the same, so ``torch.kl_div(x, y)`` is unreduced
in both.
"""
from __future__ import annotations

import numbers

from .nn import functional as F
from .tensor.tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "batch_norm", "instance_norm", "layer_norm", "group_norm", "avg_pool1d", "adaptive_avg_pool1d",
           "adaptive_max_pool1d", "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "channel_shuffle", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
           "hinge_embedding_loss", "kl_div", "margin_ranking_loss", "triplet_margin_loss", "poisson_nll_loss",
           "ctc_loss"]

conv1d = F.conv1d
conv2d = F.conv2d
conv3d = F.conv3d
conv_transpose1d = F.conv_transpose1d
conv_transpose2d = F.conv_transpose2d
conv_transpose3d = F.conv_transpose3d
adaptive_avg_pool1d = F.adaptive_avg_pool1d
channel_shuffle = F.channel_shuffle


def _reduction(op: str, reduction) -> str:
    """ATen's int reduction as nn.functional's string."""
    if isinstance(reduction, bool) or not isinstance(reduction, numbers.Integral):
        raise TypeError(f"{op}(): argument 'reduction' must be int, not {type(reduction).__name__}")
    return {1: "mean", 2: "sum"}.get(int(reduction), "none")


def _stride(stride, kernel_size):
    """ATen's ``stride=[]`` means the kernel size."""
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        return None
    return stride


def batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float,
               eps: float, cudnn_enabled: bool) -> Tensor:
    """``torch.batch_norm``: ATen's positional order; ``cudnn_enabled`` is accepted and
    has no effect (there is no cuDNN path)."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight, bias, running_mean, running_var, use_input_stats: bool,
                  momentum: float, eps: float, cudnn_enabled: bool) -> Tensor:
    """``torch.instance_norm``: ATen's positional order (see ``batch_norm``)."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """``torch.layer_norm`` (``cudnn_enable`` accepted, no effect)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """``torch.group_norm`` (``cudnn_enabled`` accepted, no effect)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def avg_pool1d(input: Tensor, kernel_size, stride=(), padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """``torch.avg_pool1d``: an empty ``stride`` is the kernel size."""
    return F.avg_pool1d(input, kernel_size, _stride(stride, kernel_size), padding, ceil_mode, count_include_pad)


def adaptive_max_pool1d(input: Tensor, output_size):
    """``torch.adaptive_max_pool1d``: always (values, indices)."""
    return F.adaptive_max_pool1d(input, output_size, True)


def max_pool1d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool1d``: values only; an empty ``stride`` is the kernel size."""
    return F.max_pool1d(input, kernel_size, _stride(stride, kernel_size), padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool2d``: values only; an empty ``stride`` is the kernel size."""
    return F.max_pool2d(input, kernel_size, _stride(stride, kernel_size), padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool3d``: values only; an empty ``stride`` is the kernel size."""
    return F.max_pool3d(input, kernel_size, _stride(stride, kernel_size), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode: bool = False):
    """``torch.max_pool1d_with_indices``: (values, indices)."""
    return F.max_pool1d(input, kernel_size, _stride(stride, kernel_size), padding, dilation, ceil_mode, True)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None, pos_weight=None,
                                     reduction: int = 0) -> Tensor:
    """``torch.binary_cross_entropy_with_logits``: int ``reduction``."""
    r = _reduction("binary_cross_entropy_with_logits", reduction)
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=r, pos_weight=pos_weight)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    """``torch.cosine_embedding_loss``: int ``reduction``."""
    r = _reduction("cosine_embedding_loss", reduction)
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=r)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0) -> Tensor:
    """``torch.hinge_embedding_loss``: int ``reduction``."""
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction("hinge_embedding_loss", reduction))


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """``torch.kl_div``: int ``reduction`` (1 is the plain mean over all elements)."""
    r = _reduction("kl_div", reduction)
    out = F.kl_div(input, target, reduction="none", log_target=log_target)
    # the plain mean, without nn.functional's 'mean' vs 'batchmean' warning (torch.kl_div has none)
    return out.mean() if r == "mean" else (out.sum() if r == "sum" else out)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    """``torch.margin_ranking_loss``: int ``reduction``."""
    r = _reduction("margin_ranking_loss", reduction)
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=r)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, reduction: int = 0) -> Tensor:
    """``torch.triplet_margin_loss``: int ``reduction``."""
    r = _reduction("triplet_margin_loss", reduction)
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=r)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """``torch.poisson_nll_loss``: every argument required, int ``reduction``."""
    r = _reduction("poisson_nll_loss", reduction)
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=r)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: int | None = None, zero_infinity: bool = False) -> Tensor:
    """``torch.ctc_loss``: int ``reduction`` (omitted, as any int but 1 and 2, is 'none' in
    PyTorch 2.13, as for the other top-level losses)."""
    r = "none" if reduction is None else _reduction("ctc_loss", reduction)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, r, zero_infinity)
