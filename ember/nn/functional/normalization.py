"""Normalization: ``batch_norm``, ``instance_norm``, ``layer_norm``, ``group_norm``,
``local_response_norm``.

Batch, instance, layer and group norm are one fused primitive each
(``ember/ops/norm.py``: forward and closed-form backward).  Running statistics are
updated in place, as PyTorch does: running = (1 - momentum) * running + momentum *
batch statistic, with the *unbiased* batch variance."""
from __future__ import annotations

from math import prod

from ...ops import norm as N
from ...ops import conv as C
from ...tensor.tensor import Tensor
from ...tensor.wrap import apply
from ...tensor import amp as _amp

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "local_response_norm"]


def _torch_size(shape) -> str:
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"


def _check_vec(t, c: int, what: str) -> None:
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{what} should contain {c} elements not {t.numel()}")


def _update_running(running: Tensor, stat, momentum: float) -> None:
    """running <- (1 - momentum) running + momentum stat, in place (a buffer update:
    no autograd, version bumped as PyTorch's in-place kernels do)."""
    d = running._data
    d *= 1.0 - momentum
    d += (momentum * stat.reshape(d.shape)).astype(d.dtype, copy=False)
    running._version[0] += 1


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) over the batch and spatial dims.

    Training uses the batch statistics and, when running buffers are given, updates
    them in place (the variance unbiased); evaluation uses the running statistics."""
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or higher dimensionality input (got {input.dim()} dimensions)")
    c = input.shape[1]
    for t, what in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_vec(t, c, what)
    shape = (1, c) + (1,) * (input.dim() - 2)
    if training:
        if prod(input.shape) // max(c, 1) <= 1 and input.numel() > 0:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{_torch_size(input.shape)}")
        axes = (0,) + tuple(range(2, input.dim()))
        stats = [] if running_mean is not None or running_var is not None else None
        y = apply(N.BatchNormTrain, input, weight, bias, axes=axes, eps=eps, wshape=shape, stats=stats)
        if stats:
            mean, var, m = stats[0]
            if running_mean is not None:
                _update_running(running_mean, mean, momentum)
            if running_var is not None:
                _update_running(running_var, var * (m / (m - 1)), momentum)
        return y
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    return apply(N.BatchNormEval, input, weight, bias, running_mean._data, running_var._data, eps)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel of each sample over its spatial dims; running statistics
    (if given) track the batch average of the per-sample mean and unbiased variance."""
    if not isinstance(input, Tensor):
        raise TypeError(f"instance_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    c = input.shape[1]
    for t, what in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_vec(t, c, what)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if prod(input.shape[2:]) <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{_torch_size(input.shape)}")
    shape = (1, c) + (1,) * (input.dim() - 2)
    axes = tuple(range(2, input.dim()))
    stats = [] if running_mean is not None or running_var is not None else None
    y = apply(N.BatchNormTrain, input, weight, bias, axes=axes, eps=eps, wshape=shape, stats=stats)
    if stats:
        mean, var, m = stats[0]
        if running_mean is not None:
            _update_running(running_mean, mean.mean(axis=0), momentum)
        if running_var is not None:
            _update_running(running_var, (var * (m / (m - 1))).mean(axis=0), momentum)
    return y


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing dims ``normalized_shape``, then scale and shift
    elementwise by ``weight``/``bias`` (of that shape)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("layer_norm", layer_norm, input, normalized_shape, weight, bias, eps)
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    ns = (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {what} to be of same shape as normalized_shape, but got {what} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(ns)}")
    axes = tuple(range(input.dim() - k, input.dim()))
    return apply(N.LayerNormOp, input, weight, bias, axes=axes, eps=eps, wshape=ns)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Split the channels into ``num_groups`` groups and normalize each group of each
    sample over its channels and spatial dims; then a per-channel affine map."""
    if _amp.ON and _amp.T.on:
        return _amp.run("group_norm", group_norm, input, num_groups, weight, bias, eps)
    if not isinstance(input, Tensor):
        raise TypeError(f"group_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {what} to be a vector of size equal to the number of channels in input, "
                               f"but got {what} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    g = num_groups
    x = input.reshape(n, g, c // g, -1)
    y = apply(N.GroupNormOp, x, weight, bias, axes=(2, 3), eps=eps, wshape=(1, g, c // g, 1))
    return y.reshape(input.shape)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha / size * sum of x^2 over a window of ``size`` neighbouring
    channels)^beta (AlexNet's normalization; the window is zero-padded)."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    from .pooling import avg_pool2d
    n, c = input.shape[:2]
    sq = (input * input).reshape(n, 1, c, -1)
    sq = apply(C.Pad, sq, pads=((size // 2, (size - 1) // 2), (0, 0)), mode="constant", value=0.0)
    div = avg_pool2d(sq, (size, 1), stride=1).reshape(input.shape)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div
