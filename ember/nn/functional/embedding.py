"""``F.embedding`` (row lookup, with padding_idx, max_norm and scale_grad_by_freq),
``F.embedding_bag`` and ``F.one_hot``."""
from __future__ import annotations

import numbers

from ...autograd.grad_mode import no_grad
from ...autograd.node import apply
from ...backend.device import array_module
from ...ops import embedding as EM
from ...tensor.tensor import Tensor

__all__ = ["embedding", "embedding_bag", "one_hot"]

_TYPE = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "bool": "BoolTensor",
         "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor", "int64": "LongTensor",
         "int32": "IntTensor"}

SPARSE_MESSAGE = ("sparse=True is not supported: ember has no sparse tensors, so embedding gradients are "
                  "always dense. Use sparse=False (with any optimizer).")


def _indices(op: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{_TYPE.get(input.dtype.name, input.dtype.name)} instead "
                           f"(while checking arguments for {op})")


def _padding_idx(padding_idx, num: int):
    """padding_idx made non-negative; AssertionError outside [-num, num) as PyTorch."""
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < num, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
        padding_idx = num + padding_idx
    return int(padding_idx)


def _check_range(idx_data, num: int) -> None:
    if idx_data.size:
        lo, hi = int(idx_data.min()), int(idx_data.max())
        if lo < 0 or hi >= num:
            raise IndexError(f"index out of range in self (embedding: indices must lie in [0, {num - 1}], got "
                             f"{lo if lo < 0 else hi})")


def embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Rescale, in place, the rows of ``weight`` that ``input`` looks up and whose
    ``norm_type``-norm exceeds ``max_norm``, to norm max_norm (PyTorch's
    embedding_renorm_: scale = max_norm / (norm + 1e-7))."""
    xp = array_module(weight._data)
    rows = xp.unique(input._data.reshape(-1))
    w = weight._data
    sel = w[rows]
    if norm_type == float("inf"):
        norms = xp.abs(sel).max(axis=1)
    else:
        norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if bool(big.any()):
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sel[big] * scale[:, None]
        weight._version[0] += 1
    return weight


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer ``input``;
    output shape input.shape + (embedding_dim,).

    ``padding_idx``: that row gets no gradient.  ``max_norm``: looked-up rows with a
    larger norm are renormalised in place first.  ``scale_grad_by_freq``: gradients are
    divided by each index's frequency in the batch."""
    _indices("embedding", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"embedding(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise RuntimeError(SPARSE_MESSAGE)
    num = weight.shape[0]
    padding_idx = _padding_idx(padding_idx, num)
    _check_range(input._data, num)
    if max_norm is not None:
        with no_grad():
            embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    idx = input._data.astype("int64", copy=False)
    return apply(EM.Embedding, weight, idx, padding_idx, bool(scale_grad_by_freq))


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxes of bags of embeddings: a 2-D ``input`` is one bag per row;
    a 1-D ``input`` is cut into bags at ``offsets``.  Entries equal to padding_idx are
    left out of their bag (an empty bag gives zeros)."""
    _indices("embedding_bag", input)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  f"on GitHub.")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        n, length = input.shape
        bounds = [(i * length, (i + 1) * length) for i in range(n)]
        flat = input.reshape(-1)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = [int(o) for o in offsets.tolist()]
        ends = offs[1:] + ([] if include_last_offset else [input.shape[0]])
        bounds = list(zip(offs[:len(ends)], ends))
        flat, psw = input, per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    num = weight.shape[0]
    pad = _padding_idx(padding_idx, num)
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    if psw is not None:
        rows = rows * psw.reshape(-1, 1)
    keep = None if pad is None else (flat != pad)
    from ...tensor.factory import zeros
    from ...tensor.shape import stack
    outs = []
    for s, e in bounds:
        r = rows[s:e]
        if keep is not None:
            r = r[keep[s:e]]
        if r.shape[0] == 0:
            outs.append(zeros(weight.shape[1], dtype=weight.dtype, device=weight.device))
        elif mode == "sum":
            outs.append(r.sum(0))
        elif mode == "mean":
            outs.append(r.mean(0))
        else:
            outs.append(r.max(0).values)
    if not outs:
        return zeros(0, weight.shape[1], dtype=weight.dtype, device=weight.device)
    return stack(outs)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: shape tensor.shape + (num_classes,) (-1: max value + 1)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot(): argument 'input' (position 1) must be Tensor, not {type(tensor).__name__}")
    if tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"one_hot(): argument 'num_classes' must be int, not {type(num_classes).__name__}")
    d = tensor._data
    xp = array_module(d)
    if d.size == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        if num_classes < 0:
            raise RuntimeError("Class values must be smaller than num_classes.")
        return Tensor._make(xp.zeros(d.shape + (int(num_classes),), dtype=xp.int64))
    lo, hi = int(d.min()), int(d.max())
    if lo < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = hi + 1
    elif hi >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (d[..., None] == xp.arange(int(num_classes), dtype=xp.int64)).astype(xp.int64)
    return Tensor._make(out)
