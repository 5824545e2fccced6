"""``nn.Parameter``: a leaf tensor that a Module registers as one of its parameters."""
from __future__ import annotations

from ..tensor.tensor import Tensor

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "is_lazy"]


class Parameter(Tensor):
    """A Tensor that requires grad by default and is registered when assigned to a
    Module attribute.  It shares storage with the data it is made from."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..tensor.factory import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): expected a Tensor as data, got {type(data).__name__}")
        p = cls._make(data._data)
        p._version = data._version
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class Buffer(Tensor):
    """``nn.Buffer(data, persistent=True)``: assigning one to a Module attribute registers
    it as a buffer (stored as a plain Tensor, as PyTorch does)."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from ..tensor.factory import empty
            data = empty(0)
        b = cls._make(data._data)
        b._version = data._version
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent: bool = True) -> None:
        pass


class UninitializedParameter(Parameter):
    """The parameter of a Lazy module before its first forward: shape unknown."""

    def __new__(cls, requires_grad: bool = True):
        from ..tensor.factory import empty
        p = super().__new__(cls, empty(0), requires_grad)
        return p

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the parameter its shape (and fresh storage); the module then initialises it."""
        from ..tensor.factory import empty
        t = empty(*shape, device=device, dtype=dtype)
        self._data = t._data
        self.__class__ = Parameter

    def __repr__(self) -> str:
        return "<UninitializedParameter>"

    __str__ = __repr__


def is_lazy(p) -> bool:
    return isinstance(p, UninitializedParameter)
