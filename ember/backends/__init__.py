"""``ember.backends``: PyTorch's ``torch.backends`` switches, answered for ember.

Training scripts set ``torch.backends.cudnn.benchmark = True`` or ask
``torch.backends.mps.is_available()``.  ember has none of those kernel libraries:
its convolutions are its own (im2col + BLAS, on NumPy or CuPy), so the cuDNN switches
are accepted and remembered, with PyTorch's defaults, and change nothing (see
docs/differences.md); the availability questions get true answers (no cuDNN, no MPS)."""
from . import cuda, cudnn, mps  # noqa: F401

__all__ = ["cuda", "cudnn", "mps"]
