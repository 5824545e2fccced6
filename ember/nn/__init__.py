"""``ember.nn``: modules, parameters, layers, losses, init and utilities (PyTorch's torch.nn)."""
from .parameter import Parameter, Buffer, UninitializedParameter
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from . import init, utils, functional, attention  # noqa: F401

__all__ = ["Parameter", "Buffer", "UninitializedParameter"] + list(_modules_all)
