"""Saving and loading: ember's own format, PyTorch zip checkpoints, safetensors."""
from .api import save, load
from .errors import LoadError, UnsafeCheckpointError
from . import safetensors

__all__ = ["save", "load", "LoadError", "UnsafeCheckpointError", "safetensors"]
