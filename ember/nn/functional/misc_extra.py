"""``channel_shuffle`` (ShuffleNet's channel interleaving) and ``gumbel_softmax``
(differentiable sampling from a categorical distribution), compositions of tensor ops."""
from __future__ import annotations

import numbers
import warnings

from ...tensor.tensor import Tensor

__all__ = ["channel_shuffle", "native_channel_shuffle", "gumbel_softmax"]


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Split the C channels of (N, C, *) into ``groups`` groups and interleave them:
    output channel i * groups + g is input channel g * (C / groups) + i."""
    if not isinstance(input, Tensor):
        raise TypeError(f"channel_shuffle(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"channel_shuffle(): argument 'groups' (position 2) must be int, not {type(groups).__name__}")
    groups = int(groups)
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c = input.shape[0], input.shape[1]
    if c % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    rest = tuple(input.shape[2:])
    # (N, g, C/g, *) -> (N, C/g, g, *): a view and a transpose; the gradient is the inverse shuffle
    y = input.reshape((n, groups, c // groups) + rest).transpose(1, 2)
    return y.reshape((n, c) + rest).contiguous()


native_channel_shuffle = channel_shuffle


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) with g ~ Gumbel(0, 1) drawn from ember's generator.
    ``hard=True`` returns the one-hot argmax in the forward pass with the soft sample's
    gradient (straight-through: y_hard - y_soft.detach() + y_soft)."""
    import ember
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -ember.empty_like(logits).exponential_().log()  # -log(Exp(1)) ~ Gumbel(0, 1)
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = ember.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
