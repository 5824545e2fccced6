"""Batch normalization layers: ``BatchNorm1d/2d/3d`` and their lazy forms.

Buffers ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked``
(int64) as PyTorch's, with its state_dict keys.  In training the batch statistics
normalize and the running ones are updated (``momentum=None``: a cumulative average,
momentum 1 / num_batches_tracked); in eval the running statistics normalize."""
from __future__ import annotations

from ...autograd.grad_mode import no_grad
from ...backend import dtypes
from ...tensor.creation import tensor as _tensor
from ...tensor.factory import empty, zeros, ones
from ...tensor.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter, UninitializedParameter
from .linear import LazyModuleMixin
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "SyncBatchNorm"]


def affine_parameters(module: Module, shape, affine: bool, bias: bool, **fk) -> None:
    """Register a normalization layer's ``weight`` and ``bias`` of ``shape`` (or None, as
    PyTorch registers them when ``affine`` / ``bias`` is off); values are set by
    ``reset_affine``."""
    if affine:
        module.weight = Parameter(empty(shape, **fk))
        if bias:
            module.bias = Parameter(empty(shape, **fk))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def reset_affine(module: Module) -> None:
    """weight ones, bias zeros (PyTorch's start for every normalization layer)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """Parameters (weight ones, bias zeros), running buffers and repr shared by batch and instance norm."""

    _version = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        fk = {"device": device, "dtype": dtype}
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        affine_parameters(self, num_features, affine, bias, **fk)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, **fk))
            self.register_buffer("running_var", ones(num_features, **fk))
            self.register_buffer("num_batches_tracked", _long_zero(device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        reset_affine(self)

    def _check_input_dim(self, input: Tensor) -> None:
        pass

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, strict, missing, unexpected, errors, assign=False):
        # checkpoints from before num_batches_tracked existed load with the current count
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and key not in state_dict and self.num_batches_tracked is not None:
            state_dict[key] = self.num_batches_tracked.clone() \
                if not isinstance(self.num_batches_tracked, UninitializedParameter) else _long_zero(None)
        super()._load_from_state_dict(state_dict, prefix, strict, missing, unexpected, errors, assign)


def _long_zero(device) -> Tensor:
    return _tensor(0, dtype=dtypes.int64, device=device)


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            # momentum None: cumulative moving average over the batches seen so far
            factor = 1.0 / float(self.num_batches_tracked.item()) if self.momentum is None else self.momentum
        training = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, training, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs, per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) inputs, per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class SyncBatchNorm(_BatchNorm):
    """Batch norm; on one process (ember's only setting without MPI) it is BatchNorm."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")


class UninitializedBuffer(UninitializedParameter):
    """A buffer of a lazy module before its first forward (becomes a plain Tensor)."""

    def __new__(cls, requires_grad: bool = False):
        return super().__new__(cls, requires_grad=False)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the buffer storage; lazy modules then swap in a plain Tensor (a Tensor
        object cannot take this object's layout, so it becomes a Tensor subclass)."""
        t = empty(*shape, device=device, dtype=dtype)
        self._data = t._data
        self.__class__ = _MaterializedBuffer

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"


class _MaterializedBuffer(Tensor):
    """A materialized UninitializedBuffer: an ordinary tensor."""


def _materialize_buffers(module, shape) -> None:
    """Replace a lazy module's uninitialized running buffers by plain tensors."""
    for name in ("running_mean", "running_var"):
        b = module._buffers.get(name)
        if isinstance(b, UninitializedBuffer) or type(b) is _MaterializedBuffer:
            module._buffers[name] = empty(*shape, **module._factory)


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """num_features comes from dim 1 of the first input."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self._factory = {"device": device, "dtype": dtype}
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter()
            if bias:
                self.bias = UninitializedParameter()
        if track_running_stats:
            self.register_buffer("running_mean", UninitializedBuffer())
            self.register_buffer("running_var", UninitializedBuffer())
            self.register_buffer("num_batches_tracked", _long_zero(device))

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args) -> None:
        if self.has_uninitialized_params():
            with no_grad():
                self.num_features = input.shape[1]
                shape = (self.num_features,)
                if self.affine:
                    self.weight.materialize(shape, **self._factory)
                    if self.bias is not None:
                        self.bias.materialize(shape, **self._factory)
                if self.track_running_stats:
                    _materialize_buffers(self, shape)
                self.reset_parameters()

    def _load_from_state_dict(self, state_dict, prefix, strict, missing, unexpected, errors, assign=False):
        key = prefix + "running_mean"
        if self.track_running_stats and isinstance(self._buffers.get("running_mean"), UninitializedBuffer) \
                and key in state_dict:
            _materialize_buffers(self, tuple(state_dict[key].shape))
        super()._load_from_state_dict(state_dict, prefix, strict, missing, unexpected, errors, assign)


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """A BatchNorm1d whose num_features is inferred from its first input."""
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """A BatchNorm2d whose num_features is inferred from its first input."""
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """A BatchNorm3d whose num_features is inferred from its first input."""
    cls_to_become = BatchNorm3d
