"""Errors raised when a file cannot be loaded."""
import pickle

__all__ = ["LoadError", "UnsafeCheckpointError"]


class LoadError(RuntimeError):
    """The file is truncated, corrupted, or not a format ember reads."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A pickle inside a checkpoint asked for something other than tensors and plain
    containers (a global, a call): refused without executing anything."""
