"""Root-mean-square normalization: ``rms_norm``.

y = x / sqrt(mean(x^2 over the trailing ``normalized_shape`` dims) + eps) * weight.

Built, as PyTorch's CPU kernel is, from differentiable tensor ops (so its gradients,
and their gradients, come from autograd): float16 inputs are computed in float32
and the result is cast back to the input's dtype; ``eps=None`` means the machine
epsilon of the dtype the computation runs in (float32's for float16 inputs)."""
from __future__ import annotations

import numbers

from ...backend import dtypes as D
from ...tensor import amp as _amp
from ...tensor.info import finfo
from ...tensor.tensor import Tensor

__all__ = ["rms_norm"]



def _shape_arg(normalized_shape) -> tuple:
    if isinstance(normalized_shape, (list, tuple)) or type(normalized_shape).__name__ == "Size":
        out = []
        for s in normalized_shape:
            if isinstance(s, bool) or not isinstance(s, numbers.Integral):
                break
            out.append(int(s))
        else:
            return tuple(out)
    raise TypeError(f"rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                    f"{type(normalized_shape).__name__}")


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Divide by the root mean square over the trailing dims ``normalized_shape``,
    then scale elementwise by ``weight`` (of that shape) when given."""
    if _amp.ON and _amp.T.on:
        return _amp.run("rms_norm", rms_norm, input, normalized_shape, weight, eps)
    if not isinstance(input, Tensor):
        raise TypeError(f"rms_norm(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    ns = _shape_arg(normalized_shape)
    if weight is not None and not isinstance(weight, Tensor):
        raise TypeError(f"rms_norm(): argument 'weight' (position 3) must be Tensor, not {type(weight).__name__}")
    k = len(ns)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           f"element, but got normalized_shape = {list(ns)}")
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(ns)}")
    if input.dim() < k:
        raise ValueError(f"Input tensor must have at least {k} dimensions, but got {input.dim()}")
    if tuple(input.shape[input.dim() - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    dt = input.dtype
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"rms_norm\" not implemented for '{dt.scalar_name}'")
    opmath = D.float32 if dt == D.float16 else dt
    if eps is None:
        eps = finfo(opmath).eps
    x = input if opmath == dt else input.to(opmath)
    dims = tuple(range(-k, 0))
    # d/dx of x * rsqrt(mean(x^2) + eps) is left to autograd (mul, rsqrt, mean, pow)
    y = x * (x.pow(2).mean(dims, keepdim=True) + float(eps)).rsqrt()
    if weight is not None:
        y = y * weight
    return y if y.dtype == dt else y.to(dt)
