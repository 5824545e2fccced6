"""Convolution layers: ``Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d``, their lazy forms, and
``Unfold``/``Fold``.

Layers keep the weight (out, in/groups, *k) -- (in, out/groups, *k) when transposed --
and bias, and call ``nn.functional``.  Default initialisation is PyTorch's:
kaiming_uniform_(a=sqrt(5)) for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
the bias.  ``padding_mode`` other than 'zeros' pads explicitly, then convolves
without padding."""
from __future__ import annotations

import math

from ...autograd.grad_mode import no_grad
from ...ops import conv as C
from ...tensor.factory import empty
from ...tensor.tensor import Tensor
from ...tensor.wrap import apply
from .. import functional as F
from .. import init
from ..parameter import Parameter, UninitializedParameter
from .linear import LazyModuleMixin
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
           "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d", "Unfold", "Fold"]

_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, n: int) -> tuple:
    if isinstance(v, (list, tuple)):
        return tuple(v) if len(v) != 1 else tuple(v) * n
    return (v,) * n


class _ConvNd(Module):
    """What every convolution layer shares: options, parameters, init, repr."""

    _nd = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, device=None, dtype=None) -> None:
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, nd)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _MODES:
            raise ValueError(f"padding_mode must be one of {list(_MODES)}, but got padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, nd)
        self.stride = _ntuple(stride, nd)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, nd)
        self.dilation = _ntuple(dilation, nd)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        # (lo, hi) per spatial dim for the explicit padding of non-'zeros' modes
        if isinstance(self.padding, str):
            if padding == "same":
                pads = []
                for d, k in zip(self.dilation, self.kernel_size):
                    total = d * (k - 1)
                    pads.append((total // 2, total - total // 2))
                self._pads = tuple(pads)
            else:
                self._pads = ((0, 0),) * nd
        else:
            self._pads = tuple((p, p) for p in self.padding)
        self._reversed_padding_repeated_twice = tuple(v for lo, hi in reversed(self._pads) for v in (lo, hi))
        wshape = ((in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups))
        self.weight = Parameter(empty(wshape + self.kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.weight.shape[2:])
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         (0,) * self._nd, groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        conv = (F.conv1d, F.conv2d, F.conv3d)[self._nd - 1]
        if self.padding_mode != "zeros":
            batched = input.dim() == self._nd + 2
            x = input if batched else input.unsqueeze(0)
            x = apply(C.Pad, x, pads=self._pads, mode=self.padding_mode)
            y = conv(x, weight, bias, self.stride, 0, self.dilation, self.groups)
            return y if batched else y.squeeze(0)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-d convolution over (N, C_in, L): weight (C_out, C_in/groups, k)."""
    _nd = 1


class Conv2d(_Conv):
    """2-d convolution over (N, C_in, H, W): weight (C_out, C_in/groups, kh, kw)."""
    _nd = 2


class Conv3d(_Conv):
    """3-d convolution over (N, C_in, D, H, W)."""
    _nd = 3


class _ConvTranspose(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size, stride, padding, kernel_size, num_spatial_dims: int,
                        dilation=None):
        """output_padding that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        has_batch = input.dim() == num_spatial_dims + 2
        out = list(output_size)
        if len(out) in (num_spatial_dims + 1, num_spatial_dims + 2):
            out = out[-num_spatial_dims:]
        if len(out) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, output_size must have "
                             f"{num_spatial_dims} or {num_spatial_dims + (2 if has_batch else 1)} elements "
                             f"(got {len(output_size)})")
        dilation = dilation or (1,) * num_spatial_dims
        spatial = input.shape[input.dim() - num_spatial_dims:]
        lo = [(spatial[d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel_size[d] - 1) + 1
              for d in range(num_spatial_dims)]
        hi = [m + s - 1 for m, s in zip(lo, stride)]
        if any(not a <= o <= b for a, o, b in zip(lo, out, hi)):
            raise ValueError(f"requested an output size of {out}, but valid sizes range from {lo} to {hi} "
                             f"(for an input of {list(spatial)})")
        pads = [o - a for o, a in zip(out, lo)]
        return tuple(pads)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        nd = self._nd
        opad = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, nd,
                                    self.dilation)
        conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1]
        return conv(input, self.weight, self.bias, self.stride, self.padding, opad, self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-d convolution (the gradient of Conv1d w.r.t. its input): weight (C_in, C_out/groups, k)."""
    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-d convolution ("deconvolution"): weight (C_in, C_out/groups, kh, kw)."""
    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-d convolution."""
    _nd = 3


# ------------------------------------------------------------------ lazy forms
class _LazyConvMixin(LazyModuleMixin):
    """in_channels comes from the first input (dim 1, or dim 0 when unbatched)."""

    def _lazy_setup(self, bias: bool, device, dtype) -> None:
        self._factory = {"device": device, "dtype": dtype}
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters)
        self.weight = UninitializedParameter()
        if bias:
            self.bias = UninitializedParameter()

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            with no_grad():
                nd = len(self.kernel_size)
                self.in_channels = input.shape[0] if input.dim() == nd + 1 else input.shape[1]
                if self.in_channels % self.groups != 0:
                    raise ValueError("in_channels must be divisible by groups")
                if self.transposed:
                    shape = (self.in_channels, self.out_channels // self.groups)
                else:
                    shape = (self.out_channels, self.in_channels // self.groups)
                self.weight.materialize(shape + tuple(self.kernel_size), **self._factory)
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,), **self._factory)
                self.reset_parameters()


def _lazy_conv(base, nd):
    class Lazy(_LazyConvMixin, base):
        cls_to_become = base

        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                     bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
            # in_channels 0 until the first forward; groups are checked then
            base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, 1, False, padding_mode,
                          device=device, dtype=dtype)
            self.out_channels = out_channels
            self.groups = groups
            if out_channels % groups != 0:
                raise ValueError("out_channels must be divisible by groups")
            self._lazy_setup(bias, device, dtype)

    Lazy.__name__ = Lazy.__qualname__ = f"LazyConv{nd}d"
    Lazy.__doc__ = f"A Conv{nd}d whose in_channels is inferred from its first input."
    return Lazy


def _lazy_conv_transpose(base, nd):
    class Lazy(_LazyConvMixin, base):
        cls_to_become = base

        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0, groups: int = 1,
                     bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
            base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, 1, False, dilation,
                          padding_mode, device=device, dtype=dtype)
            self.out_channels = out_channels
            self.groups = groups
            if out_channels % groups != 0:
                raise ValueError("out_channels must be divisible by groups")
            self._lazy_setup(bias, device, dtype)

    Lazy.__name__ = Lazy.__qualname__ = f"LazyConvTranspose{nd}d"
    Lazy.__doc__ = f"A ConvTranspose{nd}d whose in_channels is inferred from its first input."
    return Lazy


LazyConv1d = _lazy_conv(Conv1d, 1)
LazyConv2d = _lazy_conv(Conv2d, 2)
LazyConv3d = _lazy_conv(Conv3d, 3)
LazyConvTranspose1d = _lazy_conv_transpose(ConvTranspose1d, 1)
LazyConvTranspose2d = _lazy_conv_transpose(ConvTranspose2d, 2)
LazyConvTranspose3d = _lazy_conv_transpose(ConvTranspose3d, 3)


# ------------------------------------------------------------------ im2col as layers
class Unfold(Module):
    """Extract sliding blocks: (N, C, H, W) -> (N, C*kh*kw, L) (``F.unfold``)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Sum sliding blocks back into an image: (N, C*kh*kw, L) -> (N, C, H, W) (``F.fold``)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
