"""Activation functions of ``nn.functional``: the ReLU family, ELU family, GELU, SiLU,
Mish, the hard* functions, softplus/softsign, the shrinks, threshold, GLU, and the
softmax family.

Each is a thin wrapper: argument and dtype checks as PyTorch makes them, then one
primitive (``ember.ops.activation``, ``ember.ops.softmax``, or the basic unary ops).
``inplace=True`` computes out of place and writes back through
``Tensor._commit_inplace``, which enforces PyTorch's in-place rules."""
from __future__ import annotations

import numbers
import warnings

from ...autograd.node import apply
from ...backend import dtypes as D
from ...ops import activation as A
from ...ops import elementwise as E
from ...ops import softmax as S
from ...ops.base import normalize_axis
from ...tensor.tensor import Tensor
from ...tensor import amp as _amp

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_",
           "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "hardtanh", "hardtanh_",
           "hardswish", "hardsigmoid", "softplus", "softsign", "logsigmoid", "tanhshrink", "softshrink",
           "hardshrink", "threshold", "threshold_", "glu", "softmax", "log_softmax", "softmin"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _tensor(op: str, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _floating(op: str, kernel: str, x) -> None:
    """PyTorch's NotImplementedError for a float-only kernel given an integer/bool tensor."""
    _tensor(op, x)
    if x._data.dtype.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{x.dtype.scalar_name}\'')


def _finish(input: Tensor, result: Tensor, inplace: bool, name: str) -> Tensor:
    return input._commit_inplace(result, name) if inplace else result


# ---------------------------------------------------------------------- ReLU family
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0), elementwise (integers allowed; bool is an error, as in PyTorch)."""
    _tensor("relu", input)
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return _finish(input, apply(E.Relu, input), inplace, "relu_")


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(input, min_val, max_val); the gradient is 1 strictly inside the bounds."""
    _tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"hardtanh_backward\" not implemented for 'Bool'")
    if input._data.dtype.kind in "iu":
        lo, hi = int(min_val), int(max_val)
    else:
        lo, hi = float(min_val), float(max_val)
    return _finish(input, apply(A.Hardtanh, input, lo=lo, hi=hi), inplace, "hardtanh_")


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(input, 0), 6) (recorded as hardtanh(0, 6), as PyTorch does)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """input where positive, else negative_slope * input."""
    _floating("leaky_relu", "leaky_relu_cpu", input)
    return _finish(input, apply(A.LeakyRelu, input, slope=float(negative_slope)), inplace, "leaky_relu_")


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """input where positive, else weight * input; ``weight`` has one element, or one per
    channel (dim 1 of the input; inputs of fewer dims have one channel)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("prelu", prelu, input, weight)
    _floating("prelu", "prelu_cpu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    n = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1  # PyTorch: a 1-D input has one channel
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
        if input.ndim >= 2:
            weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    elif input.ndim:
        weight = weight.reshape((1,) * input.ndim) if weight.ndim else weight
    else:
        weight = weight.reshape(())
    if weight._data.dtype != input._data.dtype:
        weight = weight.to(input.dtype)
    return apply(A.Prelu, input, weight)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training each negative element gets a slope drawn from
    U(lower, upper) (ember's default generator); in eval the slope is (lower + upper) / 2."""
    _floating("rrelu", "rrelu_with_noise_cpu", input)
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ...backend.random import generator_for
    from ...tensor.random import uniform_array
    rng = generator_for(None, input.device).xp_random(_xp(input))
    slopes = uniform_array(rng, _xp(input), input._data.shape, input._data.dtype) * (upper - lower) + lower
    w = Tensor._make(slopes.astype(input._data.dtype, copy=False))
    out = apply(A.Prelu, input, w)
    return _finish(input, out, inplace, "rrelu_")


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


def _xp(t: Tensor):
    from ...backend.device import array_module
    return array_module(t._data)


# ---------------------------------------------------------------------- ELU family
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """input where positive, else alpha * (exp(input) - 1)."""
    _floating("elu", "elu_cpu", input)
    r = apply(A.Elu, input, alpha=float(alpha), scale=1.0, input_scale=1.0)
    return _finish(input, r, inplace, "elu_")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(input, alpha) with SELU's fixed alpha and scale (self-normalising)."""
    _floating("selu", "elu_cpu", input)
    r = apply(A.Elu, input, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)
    return _finish(input, r, inplace, "selu_")


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    _floating("celu", "elu_cpu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    r = apply(A.Celu, input, alpha=float(alpha), scale=1.0, input_scale=1.0 / float(alpha))
    return _finish(input, r, inplace, "celu_")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


# ---------------------------------------------------------------------- smooth gates
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with Phi the standard normal CDF (exact erf), or its tanh approximation."""
    _floating("gelu", "GeluKernelImpl", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return apply(A.Gelu, input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (the swish function)."""
    _floating("silu", "silu_cpu", input)
    return _finish(input, apply(A.Silu, input), inplace, "silu_")


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    _floating("mish", "mish_cpu", input)
    return _finish(input, apply(A.Mish, input), inplace, "mish_")


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)); integer inputs give the default float dtype."""
    _tensor("sigmoid", input)
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    _tensor("tanh", input)
    return input.tanh()


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    _floating("hardswish", "hardswish_cpu", input)
    return _finish(input, apply(A.Hardswish, input), inplace, "hardswish_")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    _floating("hardsigmoid", "hardsigmoid_cpu", input)
    return _finish(input, apply(A.Hardsigmoid, input), inplace, "hardsigmoid_")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, reverting to x where beta x > threshold."""
    if _amp.ON and _amp.T.on:
        return _amp.run("softplus", softplus, input, beta, threshold)
    _floating("softplus", "softplus_cpu", input)
    return apply(A.Softplus, input, beta=float(beta), threshold=float(threshold))


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|) (composed, as PyTorch: DivBackward0)."""
    _tensor("softsign", input)
    return input / (input.abs() + 1)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed stably for large |x|."""
    _floating("logsigmoid", "log_sigmoid_cpu", input)
    return apply(A.LogSigmoid, input)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x) (composed, as PyTorch: SubBackward0)."""
    _tensor("tanhshrink", input)
    return input - input.tanh()


def _lambd(op: str, input: Tensor, lambd: float) -> float:
    if lambd < 0:
        raise RuntimeError(f"lambda must be in range [0, 3.40282e+38] for input dtype "
                           f"{ {'float32': 'Float', 'float64': 'Double'}.get(input.dtype.name, 'Float') }, "
                           f"but found {lambd:g}")
    return float(lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, else 0."""
    _floating("softshrink", "softshrink_check", input)
    return apply(A.Softshrink, input, lambd=_lambd("softshrink", input, lambd))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    _floating("hardshrink", "hardshrink_cpu", input)
    return apply(A.Hardshrink, input, lambd=float(lambd))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    _tensor("threshold", input)
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    cast = float if input._data.dtype.kind == "f" else int
    r = apply(A.Threshold, input, threshold=cast(threshold), value=cast(value))
    return _finish(input, r, inplace, "threshold_")


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return globals()["threshold"](input, threshold, value, inplace=True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) where a, b are the halves of ``input`` along ``dim``."""
    _tensor("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_axis(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    _floating("glu", "glu_cpu", input)
    return apply(A.Glu, input, d)


# ---------------------------------------------------------------------- softmax family
def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's implicit dim (deprecated): 0 for 0-, 1- and 3-D inputs, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  f"as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(name: str, kernel: str, input: Tensor, dim, dtype, stacklevel: int):
    _tensor(name, input)
    if dim is None:
        dim = _softmax_dim(name, input.ndim, stacklevel + 1)
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{input.dtype.scalar_name}'")
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return input, normalize_axis(int(dim), input.ndim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (stable: the max is subtracted first).
    ``dtype`` casts the input before the op."""
    if _amp.ON and _amp.T.on:
        return _amp.run("softmax", softmax, input, dim, _stacklevel + 2, dtype=dtype)
    x, d = _softmax_input("softmax", "softmax_lastdim_kernel_impl", input, dim, dtype, _stacklevel)
    return apply(S.Softmax, x, d)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim``, fused and stable."""
    if _amp.ON and _amp.T.on:
        return _amp.run("log_softmax", log_softmax, input, dim, _stacklevel + 2, dtype=dtype)
    x, d = _softmax_input("log_softmax", "log_softmax_lastdim_kernel_impl", input, dim, dtype, _stacklevel)
    return apply(S.LogSoftmax, x, d)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    _tensor("softmin", input)
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    return softmax(-input, dim)


# ---------------------------------------------------------------------- Tensor methods / ember.*
def _tensor_softmax(self: Tensor, dim: int, dtype=None) -> Tensor:
    return softmax(self, dim, dtype=dtype)


def _tensor_log_softmax(self: Tensor, dim: int, dtype=None) -> Tensor:
    return log_softmax(self, dim, dtype=dtype)


Tensor.softmax = _tensor_softmax
Tensor.log_softmax = _tensor_log_softmax
