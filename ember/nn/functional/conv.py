"""Convolutions: ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``, ``unfold`` and ``fold``.

These check arguments (with PyTorch's messages) and apply the primitives of
``ember/ops/conv.py`` (im2col + one GEMM forward, GEMMs + col2im backward)."""
from __future__ import annotations

from ...ops import conv as C
from ...tensor.tensor import Tensor
from ...tensor.wrap import apply
from ...tensor import amp as _amp

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]

_IntOr = "int | Sequence[int]"


def ntuple(v, n: int, what: str, op: str) -> tuple:
    """``v`` as an n-tuple of ints (an int is repeated), PyTorch's error otherwise."""
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"expected {what} to be a single integer value or a list of {n} values to match "
                               f"the convolution dimensions, but got {what}={list(v)}")
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _size(t) -> str:
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _batched(input: Tensor, nd: int, op: str, lo: int | None = None):
    """(input with a batch dim, whether one was added); RuntimeError on other ranks."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}() argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() == nd + 2:
        return input, False
    if input.dim() == nd + 1:
        return input.unsqueeze(0), True
    raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, "
                       f"but got input of size: {_size(input)}")


def _check_options(stride, padding, dilation, nd, op):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")


def _check_weight(x: Tensor, weight: Tensor, bias, groups: int, nd: int, transposed: bool):
    if not isinstance(weight, Tensor):
        raise TypeError(f"conv{nd}d(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    if weight.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input {_size(x)}, "
                           f"but got {weight.dim()}-dimensional weight of size {_size(weight)} instead")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if not transposed and weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{_size(weight)}] instead")
    cin = weight.shape[0] if transposed else weight.shape[1] * groups
    if x.shape[1] != cin:
        tr = f"transposed=1, " if transposed else f"groups={groups}, "
        raise RuntimeError(f"Given {tr}weight of size {_size(weight)}, expected input{_size(x)} to have "
                           f"{cin} channels, but got {x.shape[1]} channels instead")
    if transposed and weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{_size(weight)}] instead")
    cout = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != cout):
        raise RuntimeError(f"Given weight of size {_size(weight)}, expected bias to be 1-dimensional with {cout} "
                           f"elements, but got bias of size {_size(bias)} instead")
    if x.dtype != weight.dtype or (bias is not None and bias.dtype != x.dtype):
        other = weight.dtype if x.dtype != weight.dtype else bias.dtype
        raise RuntimeError(f"Input type ({x.dtype}) and weight type ({other}) should be the same")


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd: int) -> Tensor:
    op = f"conv{nd}d"
    x, added = _batched(input, nd, op)
    stride = ntuple(stride, nd, "stride", op)
    dilation = ntuple(dilation, nd, "dilation", op)
    _check_weight(x, weight, bias, groups, nd, False)
    k = tuple(weight.shape[2:])
    sp = tuple(x.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pad, out = (0,) * nd, None
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # total padding d (k - 1) per dim; any odd extra goes to the right (as PyTorch)
            pad, out = tuple(d * (kk - 1) // 2 for d, kk in zip(dilation, k)), sp
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pad, out = ntuple(padding, nd, "padding", op), None
    _check_options(stride, pad, dilation, nd, op)
    padded = tuple(s + 2 * p for s, p in zip(sp, pad))
    eff = tuple(d * (kk - 1) + 1 for d, kk in zip(dilation, k))
    if out is None:
        if any(e > p for e, p in zip(eff, padded)):
            raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                               f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                               f"actual input size")
        out = tuple(C.conv_out_size(s, kk, st, p, d) for s, kk, st, p, d in zip(sp, k, stride, pad, dilation))
    y = apply(C.Convolution, x, weight, bias, stride=stride, padding=pad, dilation=dilation, groups=groups,
              transposed=False, out=out)
    return y.squeeze(0) if added else y


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-d cross-correlation of (N, C, L) with weight (Oc, C/groups, k)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("conv1d", conv1d, input, weight, bias, stride, padding, dilation, groups)
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-d cross-correlation of (N, C, H, W) with weight (Oc, C/groups, kh, kw); ``padding`` may be
    an int, a tuple, 'valid' or 'same'."""
    if _amp.ON and _amp.T.on:
        return _amp.run("conv2d", conv2d, input, weight, bias, stride, padding, dilation, groups)
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-d cross-correlation of (N, C, D, H, W) with weight (Oc, C/groups, kd, kh, kw)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("conv3d", conv3d, input, weight, bias, stride, padding, dilation, groups)
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3)


def transposed_out_size(sp, k, stride, padding, dilation, output_padding):
    return tuple((s - 1) * st - 2 * p + d * (kk - 1) + op + 1
                 for s, kk, st, p, d, op in zip(sp, k, stride, padding, dilation, output_padding))


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, nd: int) -> Tensor:
    op = f"conv_transpose{nd}d"
    x, added = _batched(input, nd, op)
    stride = ntuple(stride, nd, "stride", op)
    dilation = ntuple(dilation, nd, "dilation", op)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    pad = ntuple(padding, nd, "padding", op)
    opad = ntuple(output_padding, nd, "output_padding", op)
    _check_weight(x, weight, bias, groups, nd, True)
    _check_options(stride, pad, dilation, nd, op)
    if any(o >= s and o >= d for o, s, d in zip(opad, stride, dilation)) or any(o < 0 for o in opad):
        names = ("depth", "height", "width")[3 - nd:] if nd > 1 else ("width",)
        parts = " ".join(f"output_padding_{n}: {o}" for n, o in zip(names, opad)) + " " + \
            " ".join(f"stride_{n}: {s}" for n, s in zip(names, stride)) + " " + \
            " ".join(f"dilation_{n}: {d}" for n, d in zip(names, dilation))
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got {parts}")
    k = tuple(weight.shape[2:])
    out = transposed_out_size(x.shape[2:], k, stride, pad, dilation, opad)
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated "
                           f"output size per channel: ({' x '.join(map(str, out))}). Output size is too small")
    y = apply(C.Convolution, x, weight, bias, stride=stride, padding=pad, dilation=dilation, groups=groups,
              transposed=True, out=out)
    return y.squeeze(0) if added else y


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 1-d convolution (the input-gradient of conv1d); weight (Cin, Cout/groups, k)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("conv_transpose1d", conv_transpose1d, input, weight, bias, stride, padding, output_padding,
                        groups, dilation)
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 2-d convolution (the input-gradient of conv2d); weight (Cin, Cout/groups, kh, kw)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("conv_transpose2d", conv_transpose2d, input, weight, bias, stride, padding, output_padding,
                        groups, dilation)
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 3-d convolution; weight (Cin, Cout/groups, kd, kh, kw)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("conv_transpose3d", conv_transpose3d, input, weight, bias, stride, padding, output_padding,
                        groups, dilation)
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)


def _pair(v, what):
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return (int(v[0]),) * 2
        if len(v) != 2:
            raise RuntimeError(f"{what} must be an int or a tuple of two ints, got {tuple(v)}")
        return tuple(int(a) for a in v)
    return (int(v),) * 2


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding blocks of (N, C, H, W) as columns (N, C*kh*kw, L) (im2col, PyTorch's layout)."""
    if input.dim() < 3:  # PyTorch reads the size of a missing dim here
        raise IndexError(f"unfold: Dimension out of range (expected a 3D or 4D input, but got {input.dim()}D "
                         f"input of size {list(input.shape)})")
    if input.dim() > 4:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    x, added = (input.unsqueeze(0), True) if input.dim() == 3 else (input, False)
    k, d, p, s = (_pair(kernel_size, "kernel_size"), _pair(dilation, "dilation"), _pair(padding, "padding"),
                  _pair(stride, "stride"))
    _check_fold_args(k, d, p, s)
    sp = tuple(x.shape[2:])
    out = tuple(C.conv_out_size(a, kk, st, pp, dd) for a, kk, st, pp, dd in zip(sp, k, s, p, d))
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input with spatial size ({sp[0]}, {sp[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({out[0]}, {out[1]}), but its components must be at least one.")
    y = apply(C.Unfold, x, ksize=k, stride=s, padding=p, dilation=d, out=out)
    return y.squeeze(0) if added else y


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns (N, C*kh*kw, L) back into (N, C, H, W) (col2im; the adjoint of ``unfold``)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    x, added = (input.unsqueeze(0), True) if input.dim() == 2 else (input, False)
    osz = _pair(output_size, "output_size")
    k, d, p, s = (_pair(kernel_size, "kernel_size"), _pair(dilation, "dilation"), _pair(padding, "padding"),
                  _pair(stride, "stride"))
    _check_fold_args(k, d, p, s)
    kp = k[0] * k[1]
    if x.shape[1] % kp:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={x.shape[1]} and kernel_size=({k[0]}, {k[1]})")
    out = tuple(C.conv_out_size(a, kk, st, pp, dd) for a, kk, st, pp, dd in zip(osz, k, s, p, d))
    if x.shape[2] != out[0] * out[1]:
        raise RuntimeError(f"Given output_size=({osz[0]}, {osz[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected "
                           f"size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{out[0]} * {out[1]} = {out[0] * out[1]}, but got input.size(2)={x.shape[2]}.")
    y = apply(C.Fold, x, osize=osz, ksize=k, stride=s, padding=p, dilation=d, out=out)
    return y.squeeze(0) if added else y


def _check_fold_args(k, d, p, s):
    if any(a <= 0 for a in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
                           f"kernel_width: {k[1]}")
    if any(a <= 0 for a in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if any(a <= 0 for a in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                           f"dilation_width: {d[1]}")
    if any(a < 0 for a in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
