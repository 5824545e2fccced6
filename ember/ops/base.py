"""What every primitive shares: the ``Primitive`` contract and undoing broadcasting.

A primitive is a class with two static methods on raw arrays (NumPy or CuPy, or
ember tensors when a backward is itself being differentiated):

    forward(ctx, *args, **options) -> array (or a tuple of arrays)
    backward(ctx, grad)            -> one gradient per positional arg (None where none)

``ctx`` is the graph node: ``ctx.save(*values)`` keeps what backward reads (read back
as ``ctx.saved``), ``ctx.needs_input_grad[i]`` says which gradients are wanted, and
any other attribute may be set on it.  Math is written against ``xp``, the module
of the arrays received (``array_module``), never against numpy directly.
"""
from __future__ import annotations

from ..backend.device import array_module
from ..backend.sums import fast_sum

__all__ = ["Primitive", "unbroadcast", "array_module", "normalize_axis", "OpError"]


class Primitive:
    """Base class of differentiable primitives; ``name`` is the grad_fn name stem
    (``Add`` gives ``AddBackward0``)."""

    name: str = ""
    version: int = 0  # PyTorch's overload suffix: SumBackward0 (full) vs SumBackward1 (dim)

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - abstract
        raise NotImplementedError


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``.

    d(broadcast_to(x, S))/dx sums the incoming gradient over every broadcast axis."""
    gshape = grad.shape
    if tuple(gshape) == tuple(shape):
        return grad
    xp = array_module(grad)
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if axes:
        s = fast_sum(grad, axes, False)  # None unless a large NumPy float array summed over trailing axes
        grad = xp.sum(grad, axis=axes, keepdims=False) if s is None else s
    return xp.reshape(grad, tuple(shape))


class OpError(Exception):
    """Marker base for nothing; ops raise RuntimeError/IndexError/ValueError/TypeError as PyTorch does."""


def normalize_axis(dim: int, ndim: int, op: str = "") -> int:
    """A dim in [-ndim, ndim) made non-negative; IndexError as PyTorch's otherwise.

    A 0-d tensor accepts dims -1 and 0 (PyTorch treats it as having one dim here)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op + ': ' if op else ''}Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n
