"""``F.linear`` and ``F.bilinear``: the math of nn.Linear, nn.LazyLinear and nn.Bilinear.

``linear`` runs the fused primitive of ``ember.ops.linear`` when the weight is a
matrix and the bias is absent or a vector of out_features (every nn.Linear call);
other legal shapes (a vector weight, a broadcasting bias) are composed from matmul
and add, as PyTorch does."""
from __future__ import annotations

import math

from ...autograd.node import apply
from ...ops import linear as L
from ...tensor.tensor import Tensor
from ...tensor import amp as _amp

__all__ = ["linear", "bilinear"]

_DT = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int"}


def _need_tensor(op: str, x, name: str, pos: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight^T + bias over the last dim of ``input`` (any number of leading dims).

    Shapes: input (*, in_features), weight (out_features, in_features), bias (out_features,)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("linear", linear, input, weight, bias)
    _need_tensor("linear", input, "input", 1)
    _need_tensor("linear", weight, "weight", 2)
    if bias is not None:
        _need_tensor("linear", bias, "bias", 3)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and "
                           f"{weight.ndim}D")
    if weight.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    if weight.ndim == 1:  # a vector weight: a dot product over the last dim
        out = input.matmul(weight)
        return out if bias is None else out + bias
    n_in = weight.shape[1]
    if input.shape[-1] != n_in:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{n_in}x{weight.shape[0]})")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_DT.get(input.dtype.name, input.dtype.name)} != "
                           f"{_DT.get(weight.dtype.name, weight.dtype.name)}")
    if input._data.dtype.kind == "b":
        raise RuntimeError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        out = linear(input, weight)  # a broadcasting bias: add it separately
        return out + _check_bias(bias, tuple(out.shape), input)
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {bias.dtype.scalar_name} and "
                           f"{input.dtype.scalar_name}")
    if input.ndim == 2:
        op = L.Linear if bias is not None else L.LinearMm
    elif input.ndim == 1:
        op = L.LinearView if bias is not None else L.LinearSqueeze
    else:
        op = L.LinearView if bias is not None else L.LinearUnsafeView
    return apply(op, input, weight, bias)


def _check_bias(bias: Tensor, shape: tuple, input: Tensor) -> Tensor:
    bs = tuple(bias.shape)
    ok = len(bs) <= len(shape) and all(b == s or b == 1 for b, s in zip(bs[::-1], shape[::-1]))
    if not ok:
        raise RuntimeError(f"The expanded size of the tensor ({shape[-1]}) must match the existing size "
                           f"({bs[-1]}) at non-singleton dimension {len(shape) - 1}.  Target sizes: "
                           f"{list(shape)}.  Tensor sizes: {list(bs)}")
    return bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = input1^T weight_k input2 + bias_k over the last dims.

    Shapes: input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out,)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("bilinear", bilinear, input1, input2, weight, bias)
    _need_tensor("bilinear", input1, "input1", 1)
    _need_tensor("bilinear", input2, "input2", 2)
    _need_tensor("bilinear", weight, "weight", 3)
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {weight.ndim}D")
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    n_out, n1, n2 = weight.shape
    if input1.shape[-1] != n1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {n1}")
    if input2.shape[-1] != n2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {n2}")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != n_out):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[-1] if bias.ndim else 1} but expected {n_out}")
    lead = tuple(input1.shape[:-1])
    # t[n, k, j] = sum_i x1[n, i] W[k, i, j]  (one GEMM), then y[n, k] = sum_j t[n, k, j] x2[n, j]
    w2 = weight.permute(1, 0, 2).reshape(n1, n_out * n2)
    t = input1.reshape(-1, n1).matmul(w2).reshape(-1, n_out, n2)
    y = (t * input2.reshape(-1, 1, n2)).sum(-1).reshape(*lead, n_out)
    return y if bias is None else y + bias
