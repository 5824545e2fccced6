"""Attention: ``F.scaled_dot_product_attention`` and ``F.multi_head_attention_forward``.

Both end in one fused primitive (``ember.ops.attention``): the score matrix, the
mask, the softmax, dropout and the product with the values are a single graph
node over contiguous float arrays, batched over every leading axis (heads and
batch together), so no Python loop runs over heads or samples.

Mask conventions are PyTorch's, and they differ between the two functions:

* ``scaled_dot_product_attention``: a bool ``attn_mask`` is True where a key
  *takes part*; a float mask is added to the scores.
* ``multi_head_attention_forward`` / ``nn.MultiheadAttention``: a bool mask
  (``attn_mask`` or ``key_padding_mask``) is True where a key is *masked out*; a
  float mask is added to the scores.

A query row whose keys are all masked gives 0 through SDPA (PyTorch's safe
softmax, also MHA's ``need_weights=False`` path) and nan through MHA's
``need_weights=True`` path, as in PyTorch.
"""
from __future__ import annotations

import math
import warnings

from ...autograd.node import apply
from ...backend.device import array_module
from ...backends.cuda import sdp_viable
from ...ops import attention as A
from ...tensor.tensor import Tensor
from .dropout import _keep_mask
from .linear import linear
from ...tensor import amp as _amp

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "_canonical_mask", "_none_or_dtype"]

_DT = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
       "bool": "bool", "uint8": "unsigned char", "int16": "short int", "int8": "signed char"}


def _cname(t: Tensor) -> str:
    return _DT.get(t.dtype.name, t.dtype.name)


def _need_tensor(op: str, x, name: str, pos: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _const(arr) -> Tensor:
    return Tensor._make(arr)


def _broadcast_batch(shapes: list[tuple]) -> tuple:
    """Broadcast the batch shapes of q, k, v (and the mask) as PyTorch does, with its
    RuntimeError naming the sizes and the dim that disagree."""
    nd = max(len(s) for s in shapes)
    out = [1] * nd
    for s in shapes:
        pad = (1,) * (nd - len(s)) + tuple(s)
        for i, (a, b) in enumerate(zip(out, pad)):
            if a != b and a != 1 and b != 1:
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                                   f"non-singleton dimension {i}")
            out[i] = b if a == 1 else a
    return tuple(out)


def _causal_mask(xp, L: int, S: int, dtype):
    """Additive upper-left causal mask: -inf where key j > query i."""
    return xp.triu(xp.full((L, S), -math.inf, dtype=dtype), 1)


def _attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, scale: float, dropout_p: float, safe: bool,
            weights: bool):
    """The fused primitive; ``mask`` additive (a tensor of q's dtype) or None."""
    keep = None
    if dropout_p > 0.0:
        batch = _broadcast_batch([tuple(x.shape[:-2]) for x in (q, k, v)])
        shape = batch + (q.shape[-2], k.shape[-2])
        if dropout_p >= 1.0:
            keep = array_module(q._data).zeros(shape, dtype=q._data.dtype)
        else:
            keep = _keep_mask(q, shape, dropout_p)
            keep *= 1.0 / (1.0 - dropout_p)
    return apply(A.ScaledDotProductAttention, q, k, v, mask, scale=float(scale), keep=keep, safe=safe,
                 weights=weights)


# ------------------------------------------------------------------ scaled_dot_product_attention
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, with dropout on the weights.

    Shapes: query (N, ..., Hq, L, E), key (N, ..., H, S, E), value (N, ..., H, S, Ev)
    -> (N, ..., Hq, L, Ev); batch axes broadcast.  ``attn_mask``: bool (True = take
    part) or float (added), broadcastable to (N, ..., Hq, L, S).  ``is_causal``: the
    upper-left causal mask (query i sees keys j <= i); an error together with a
    mask.  ``scale`` defaults to 1/sqrt(E).  ``enable_gqa``: grouped-query attention,
    each key/value head serving Hq/H consecutive query heads.  Dropout with
    probability ``dropout_p`` is always applied (pass 0.0 out of training)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("scaled_dot_product_attention", scaled_dot_product_attention, query, key, value, attn_mask,
                        dropout_p, is_causal, scale=scale, enable_gqa=enable_gqa)
    op = "scaled_dot_product_attention"
    for i, (x, n) in enumerate(((query, "query"), (key, "key"), (value, "value"))):
        _need_tensor(op, x, n, i + 1)
    if attn_mask is not None:
        _need_tensor(op, attn_mask, "attn_mask", 4)
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_cname(query)} key.dtype: {_cname(key)} and value.dtype: {_cname(value)} instead.")
    if query._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected query, key and value of a floating point dtype, but got "
                           f"{query.dtype}")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if not sdp_viable(query.device.type):  # every kernel switched off (torch.nn.attention.sdpa_kernel)
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is likely due to "
                           "turning off both the math kernel and the fused kernels.")
    E, L, S = query.shape[-1], query.shape[-2], key.shape[-2]
    if key.shape[-1] != E:
        bq = math.prod(query.shape[:-2])
        raise RuntimeError(f"{op}: query and key must have the same last dim: Expected size for first two "
                           f"dimensions of batch2 tensor to be: [{bq}, {E}] but got: [{bq}, {key.shape[-1]}].")
    if value.shape[-2] != S:
        bq = math.prod(query.shape[:-2])
        raise RuntimeError(f"{op}: key and value must have the same sequence length: Expected size for first two "
                           f"dimensions of batch2 tensor to be: [{bq}, {S}] but got: [{bq}, {value.shape[-2]}].")
    q, k, v = query, key, value
    kb, vb = tuple(k.shape[:-2]), tuple(v.shape[:-2])
    if enable_gqa:
        _check_gqa(q, k, v)
        kb, vb = kb[:-1] + (q.shape[-3],), vb[:-1] + (q.shape[-3],)
    batch = _broadcast_batch([tuple(q.shape[:-2]), kb, vb])
    mask = None
    xp = array_module(query._data)
    dt = query._data.dtype
    if is_causal:
        mask = _const(_causal_mask(xp, L, S, dt))
    elif attn_mask is not None:
        mask = _sdpa_mask(attn_mask, query, batch, L, S)
    if enable_gqa:
        q, k, v = _grouped(q, k, v)
        if mask is not None and mask.ndim >= 3:
            mask = _grouped_mask(mask, query.shape[-3], key.shape[-3])
    s = float(scale) if scale is not None else (1.0 / math.sqrt(E) if E > 0 else 1.0)
    out = _attend(q, k, v, mask, s, float(dropout_p), True, False)
    if enable_gqa and q is not query:  # (..., H, Hq/H, L, Ev) -> (..., Hq, L, Ev)
        out = out.reshape(*out.shape[:-4], query.shape[-3], out.shape[-2], out.shape[-1])
    return out


def _sdpa_mask(attn_mask: Tensor, query: Tensor, batch: tuple, L: int, S: int) -> Tensor:
    """SDPA's mask as an additive tensor of query's dtype, checked against (batch, L, S)."""
    kind = attn_mask._data.dtype.kind
    if kind not in "bf" or (kind == "f" and attn_mask.dtype != query.dtype and attn_mask.dtype.name != "float32"):
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_cname(attn_mask)} and  query.dtype: {_cname(query)} instead.")
    if attn_mask.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(attn_mask.ndim, 1)}, "
                         f"{max(attn_mask.ndim, 1) - 1}], but got -2)")
    target = tuple(batch) + (L, S)
    ms = tuple(attn_mask.shape)
    full = _broadcast_batch([target, ms])
    if full != target:
        raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {list(ms)} does not broadcast to the "
                           f"attention weights' shape {list(target)}: output with shape {list(target)} doesn't match "
                           f"the broadcast shape {list(full)}")
    if kind == "b":
        xp = array_module(attn_mask._data)
        return _const(xp.where(attn_mask._data, 0.0, -math.inf).astype(query._data.dtype))
    return attn_mask if attn_mask.dtype == query.dtype else attn_mask.to(query.dtype)


def _check_gqa(q: Tensor, k: Tensor, v: Tensor) -> None:
    if q.ndim < 3 or k.ndim < 3 or v.ndim < 3:
        raise RuntimeError("scaled_dot_product_attention: enable_gqa needs query, key and value with a heads "
                           f"dim (-3), but got {q.ndim}-D, {k.ndim}-D and {v.ndim}-D tensors")
    hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
    if hk != hv or hk == 0 or hq % hk:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in query")


def _grouped(q: Tensor, k: Tensor, v: Tensor):
    """GQA: view query heads (..., Hq, L, E) as (..., H, Hq/H, L, E) and key/value heads
    as (..., H, 1, S, E); broadcasting then serves each key head to its group of query
    heads, which is ``repeat_interleave(Hq // H, -3)`` without the copy."""
    hq, hk = q.shape[-3], k.shape[-3]
    if hq == hk:
        return q, k, v
    g = hq // hk
    q = q.reshape(*q.shape[:-3], hk, g, q.shape[-2], q.shape[-1])
    k = k.unsqueeze(-3)
    v = v.unsqueeze(-3)
    return q, k, v


def _grouped_mask(mask: Tensor, hq: int, hk: int) -> Tensor:
    """The mask's heads dim (-3) split as the grouped query heads."""
    if hq == hk:
        return mask
    g = hq // hk
    if mask.shape[-3] == 1:
        return mask.unsqueeze(-3)
    return mask.reshape(*mask.shape[:-3], hk, g, mask.shape[-2], mask.shape[-1])


# ------------------------------------------------------------------ masks, as PyTorch canonicalises them
def _none_or_dtype(input: Tensor | None):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask: Tensor | None, mask_name: str, other_type, other_name: str, target_type,
                    check_other: bool = True) -> Tensor | None:
    """A bool mask becomes a float mask of ``target_type`` (-inf where True, 0 else);
    a float mask is kept; other dtypes are an AssertionError.  Warns, as PyTorch,
    when the two masks of one call have different dtypes."""
    if mask is None:
        return None
    kind = mask._data.dtype.kind
    if kind not in "bf":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      f"instead.", stacklevel=3)
    if kind == "b":
        xp = array_module(mask._data)
        np_dt = target_type.np if hasattr(target_type, "np") else target_type
        return _const(xp.where(mask._data, -math.inf, 0.0).astype(np_dt))
    return mask


# ------------------------------------------------------------------ multi-head attention
def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.ndim}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 f"found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                     f"but found {attn_mask.ndim}-D tensor instead")
            if attn_mask.ndim == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query "
                         f"tensor")


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
                                 bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
                                 key_padding_mask: Tensor | None = None, need_weights: bool = True,
                                 attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
                                 q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
                                 v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
                                 static_v: Tensor | None = None, average_attn_weights: bool = True,
                                 is_causal: bool = False):
    """The computation of ``nn.MultiheadAttention`` (sequence-first layout).

    query (L, N, E) or (L, E); key/value (S, N, Ek/Ev) or (S, Ek/Ev);
    key_padding_mask (N, S) or (S,); attn_mask (L, S) or (N*num_heads, L, S).  Bool
    masks are True where attention is *not* allowed.  Returns (output (L, N, E),
    weights (N, L, S) averaged over heads, (N, num_heads, L, S), or None)."""
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
                add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
                attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k,
                static_v, average_attn_weights, is_causal, batch_first=False)


def _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
         add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
         attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
         average_attn_weights, is_causal, batch_first: bool):
    """multi_head_attention_forward for either layout: ``batch_first`` inputs (N, L, E)
    are projected where they lie (no transposed copy), the heads are split into one
    (N, H, L, head_dim) view each of q, k and v, and one fused attention runs."""
    for i, (x, n) in enumerate(((query, "query"), (key, "key"), (value, "value"))):
        _need_tensor("multi_head_attention_forward", x, n, i + 1)
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        batch_first = False
        same_kv, same_qk = key is value, query is key
        query = query.unsqueeze(1)
        key = query if same_qk else key.unsqueeze(1)
        value = key if same_kv else value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    if batch_first:
        bsz, tgt_len, embed_dim = query.shape
        src_len = key.shape[1]
    else:
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]

    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask",
                                       query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint stands for the mask: SDPA builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False

    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    kshape = tuple(key.shape) if not batch_first else (key.shape[1], key.shape[0], key.shape[2])
    vshape = tuple(value.shape) if not batch_first else (value.shape[1], value.shape[0], value.shape[2])
    if use_separate_proj_weight:
        if kshape[:2] != vshape[:2]:
            raise AssertionError(f"key's sequence and batch dims {kshape[:2]} do not match value's {vshape[:2]}")
    elif kshape != vshape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    q, k, v = _in_projection(query, key, value, embed_dim, num_heads, head_dim, in_proj_weight, in_proj_bias,
                             use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, batch_first)

    # attention mask: (L, S) broadcasts over batch and heads; (N*H, L, S) becomes (N, H, L, S)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
            attn_mask = attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = _append_key(k, bias_k.reshape(1, num_heads, 1, head_dim).expand(bsz, num_heads, 1, head_dim))
        v = _append_key(v, bias_v.reshape(1, num_heads, 1, head_dim).expand(bsz, num_heads, 1, head_dim))
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    else:
        if bias_k is not None:
            raise AssertionError("bias_k is set but bias_v is None")
        if bias_v is not None:
            raise AssertionError("bias_v is set but bias_k is None")

    if static_k is not None:
        k = _static(static_k, "static_k", bsz, num_heads, head_dim)
    if static_v is not None:
        v = _static(static_v, "static_v", bsz, num_heads, head_dim)

    if add_zero_attn:
        xp = array_module(k._data)
        k = _append_key(k, _const(xp.zeros((bsz, num_heads, 1, head_dim), dtype=k._data.dtype)))
        v = _append_key(v, _const(xp.zeros((bsz, num_heads, 1, head_dim), dtype=v._data.dtype)))
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)

    src_len = k.shape[2]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0
    if attn_mask is not None and attn_mask.dtype != q.dtype:
        attn_mask = attn_mask.to(q.dtype)
    if is_causal and attn_mask is None:
        attn_mask = _const(_causal_mask(array_module(q._data), tgt_len, src_len, q._data.dtype))
    scale = 1.0 / math.sqrt(head_dim)
    if need_weights:
        out, weights = _attend(q, k, v, attn_mask, scale, float(dropout_p), False, True)
    else:
        out, weights = _attend(q, k, v, attn_mask, scale, float(dropout_p), True, False), None

    # (N, H, L, hd) -> (L, N, E) or (N, L, E), then the output projection
    if batch_first:
        out = out.permute(0, 2, 1, 3).reshape(bsz, tgt_len, embed_dim)
    else:
        out = out.permute(2, 0, 1, 3).reshape(tgt_len, bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        out = out.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights


def _heads(x: Tensor, n: int, num_heads: int, head_dim: int, batch_first: bool) -> Tensor:
    """(L, N, E) or (N, L, E) -> (N, H, L, head_dim) (a view)."""
    if batch_first:
        return x.reshape(n, x.shape[1], num_heads, head_dim).permute(0, 2, 1, 3)
    return x.reshape(x.shape[0], n, num_heads, head_dim).permute(1, 2, 0, 3)


def _in_projection(query, key, value, E, num_heads, head_dim, w, b, separate, wq, wk, wv, batch_first):
    """q, k, v projected and split into heads, each (N, H, len, head_dim).  Self-attention
    (query is key is value) runs one GEMM for all three, as PyTorch's packed path."""
    n = query.shape[0] if batch_first else query.shape[1]
    if not separate:
        if w is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        if key is value and query is key:
            proj = linear(query, w, b)  # (.., 3E)
            if batch_first:
                p5 = proj.reshape(n, proj.shape[1], 3, num_heads, head_dim).permute(2, 0, 3, 1, 4)
            else:
                p5 = proj.reshape(proj.shape[0], n, 3, num_heads, head_dim).permute(2, 1, 3, 0, 4)
            return p5.unbind(0)
        if key is value:
            w_q, w_kv = w[:E], w[E:]
            b_q, b_kv = (None, None) if b is None else (b[:E], b[E:])
            q = _heads(linear(query, w_q, b_q), n, num_heads, head_dim, batch_first)
            kv = linear(key, w_kv, b_kv)
            if batch_first:
                kv5 = kv.reshape(n, kv.shape[1], 2, num_heads, head_dim).permute(2, 0, 3, 1, 4)
            else:
                kv5 = kv.reshape(kv.shape[0], n, 2, num_heads, head_dim).permute(2, 1, 3, 0, 4)
            k, v = kv5.unbind(0)
            return q, k, v
        wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
    else:
        for t, name in ((wq, "q"), (wk, "k"), (wv, "v")):
            if t is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
        for t, x, name in ((wq, query, "query"), (wk, key, "key"), (wv, value, "value")):
            if tuple(t.shape) != (E, x.shape[-1]):
                raise AssertionError(f"expecting {name} weights shape of {(E, x.shape[-1])}, but got {t.shape}")
    bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
    return tuple(_heads(linear(x, wt, bt), n, num_heads, head_dim, batch_first)
                 for x, wt, bt in ((query, wq, bq), (key, wk, bk), (value, wv, bv)))


def _append_key(k: Tensor, extra: Tensor) -> Tensor:
    from ...tensor.joining import cat
    return cat([k, extra], dim=2)


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more key position that every query may attend (a 0 column at the end)."""
    if mask is None:
        return None
    from ...tensor.joining import cat
    xp = array_module(mask._data)
    zero = _const(xp.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask._data.dtype))
    return cat([mask, zero], dim=-1)


def _static(t: Tensor, name: str, bsz: int, num_heads: int, head_dim: int) -> Tensor:
    if t.shape[0] != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got {t.shape[0]}")
    if t.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {t.shape[2]}")
    return t.reshape(bsz, num_heads, t.shape[1], head_dim)
