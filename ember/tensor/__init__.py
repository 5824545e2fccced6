"""The Tensor and the functions over it (the ``autograd + Tensor`` layer's front).

Each wrapper module attaches its Tensor methods on import and lists its public
functions in ``__all__`` (re-exported by ``ember``)."""
from .tensor import Tensor
from .size import Size
from .creation import tensor, as_tensor, from_numpy
from . import (math, compare, reduce, shape, indexing, linalg, sort, factory, random,  # noqa: F401
               namespace)

__all__ = ["Tensor", "Size", "tensor", "as_tensor", "from_numpy"]
