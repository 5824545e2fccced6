"""The Tensor: an array (NumPy or CuPy), its autograd state, and its conversions.

Arithmetic, math, reductions, shape and indexing methods are attached by the
wrapper modules beside this one (``math.py``, ``reduce.py``, ``shape.py``, ...),
each a thin layer over the primitives in ``ember.ops``.  This file holds what is
the tensor's own: attributes, grad bookkeeping, conversions, and the single
mechanism every in-place operation goes through (``_commit_inplace``).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..backend import dtypes as D
from ..backend.device import CPU, array_module, device_module, device_of, is_array, to_device
from ..autograd.grad_mode import GRAD
from ..autograd.node import Node, apply, _Tensor
from .size import Size

__all__ = ["Tensor"]


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    Slots: ``_data`` the array; ``_node``/``_oidx`` the grad_fn and which of its outputs
    this is; ``_rg`` requires_grad; ``_grad``; ``_version`` a one-item list shared with
    views (PyTorch's version counter); ``_base``/``_view_chain`` for views, so that an
    in-place write through a view updates the base's history."""

    __slots__ = ("_data", "_node", "_oidx", "_rg", "_grad", "_version", "_base", "_view_chain",
                 "_hooks", "_retain", "__weakref__")
    __array_priority__ = 1000

    # ------------------------------------------------------------------ construction
    def __new__(cls, *args, device=None, dtype=None):
        """``Tensor(2, 3)`` (sizes), ``Tensor([1, 2])`` (data), ``Tensor()`` (empty): see
        ``factory.legacy_new``."""
        from .factory import legacy_new
        return legacy_new(cls, args, device, dtype)

    def __init__(self, *args, **kwargs) -> None:
        pass

    @classmethod
    def _make(cls, data, node: Node | None = None, oidx: int = 0) -> "Tensor":
        """Wrap an array without copying (the fast constructor every op uses)."""
        t = object.__new__(cls)
        t._data = data
        t._node = node
        t._oidx = oidx
        t._rg = node is not None
        t._grad = None
        t._version = [0]
        t._base = None
        t._view_chain = None
        t._hooks = None
        t._retain = False
        return t

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        from ..ops.base import normalize_axis
        if self._data.ndim == 0:
            normalize_axis(dim, 0, "size")
            raise IndexError("size(): dimension specified as 0 but tensor has no dimensions")
        return self._data.shape[normalize_axis(dim, self._data.ndim, "size")]

    @property
    def dtype(self) -> D.dtype:
        return D.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        """Strides in elements (NumPy's are in bytes)."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        if dim is None:
            return st
        from ..ops.base import normalize_axis
        return st[normalize_axis(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> int:
        d = self._data
        return d.__array_interface__["data"][0] if type(d) is np.ndarray else d.data.ptr

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def layout(self):
        return "torch.strided"

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        requires_grad = bool(requires_grad)
        if self._node is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                                   "to use a computed variable in a subgraph that doesn't require "
                                   "differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind not in "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = requires_grad
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError(f"assigned grad has data of a different size: expected "
                                   f"{list(self.shape)}, got {list(value.shape)}")
            if value.dtype is not self.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: expected {self.dtype}, "
                                   f"got {value.dtype}")
            if value.device != self.device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def grad_fn(self):
        return self._node

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def retains_grad(self) -> bool:
        return self._retain

    @property
    def data(self) -> "Tensor":
        """The same storage, detached from the graph, with its own version counter
        (so edits through ``.data`` are invisible to autograd, as in PyTorch)."""
        t = Tensor._make(self._data)
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    def detach(self) -> "Tensor":
        """A tensor sharing storage and version counter, with no history."""
        t = Tensor._make(self._data)
        t._version = self._version
        return t

    def detach_(self) -> "Tensor":
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._node = None
        self._rg = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self._node is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retain:
            return
        self._retain = True
        import weakref
        ref = weakref.ref(self)
        node, idx = self._node, self._oidx

        def keep(g):  # run by the engine after this output's other hooks
            t = ref()
            if t is not None and t._node is node:
                g = g.detach()
                t._grad = Tensor._make(g._data.copy()) if t._grad is None else t._grad + g
        node.__dict__.setdefault("retain", {})[idx] = keep

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned
        tensor replaces the gradient.  Returns a handle with ``remove()``."""
        from ..autograd.node import _Handle
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return _Handle(self._hooks, hook)
        lst = self._node.__dict__.setdefault("hooks", {}).setdefault(self._oidx, [])
        lst.append(hook)
        return _Handle(lst, hook)

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        from ..autograd.functional import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------------ conversions
    def numpy(self, force: bool = False) -> np.ndarray:
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if type(self._data) is not np.ndarray:
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                                "to copy the tensor to host memory first.")
            return self._data.get()
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self._data if type(self._data) is np.ndarray else self._data.get()
        return a if dtype is None else a.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item() if is_array(self._data) else self._data.item()

    def tolist(self):
        d = self._data if type(self._data) is np.ndarray else self._data.get()
        return d.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec) if spec else repr(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from .printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        from .creation import _rebuild
        return (_rebuild, (type(self), np.asarray(self.__array__()), self._rg, str(self.device)))

    def __deepcopy__(self, memo):
        if self._node is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.")
        t = type(self)._make(self._data.copy()) if type(self) is Tensor else _copy_subclass(self)
        t._rg = self._rg
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = t
        return t

    # ------------------------------------------------------------------ dtype and device
    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        """Without arguments, the type name (``torch.FloatTensor``); with one, a cast."""
        if dtype is None:
            prefix = "torch.cuda." if self.is_cuda else "torch."
            return prefix + self.dtype.scalar_name + "Tensor"
        if isinstance(dtype, str):  # only tensor-type names: "torch.LongTensor", "torch.cuda.FloatTensor"
            rev = {"Float": D.float32, "Double": D.float64, "Half": D.float16, "Long": D.int64, "Int": D.int32,
                   "Short": D.int16, "Char": D.int8, "Byte": D.uint8, "Bool": D.bool_}
            key = dtype.rsplit(".", 1)[-1][:-6] if dtype.endswith("Tensor") else None
            if key not in rev and dtype != "torch.Tensor":
                raise ValueError(f"invalid type: '{dtype}'")
            t = self.to(rev.get(key, D.get_default_dtype()))
            return t.cuda() if ".cuda." in dtype else t
        if isinstance(dtype, D.dtype):
            return self.to(dtype)
        if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), D.dtype):
            return self.to(dtype.dtype)  # a legacy class: x.type(torch.LongTensor)
        if isinstance(dtype, type) and issubclass(dtype, Tensor):
            return self.to(D.get_default_dtype())  # torch.Tensor is the default tensor type
        raise ValueError(f"invalid type: '{getattr(dtype, '__name__', dtype)}'")

    def to(self, *args, **kwargs) -> "Tensor":
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; returns self
        when nothing changes, else a differentiable copy."""
        dev = kwargs.pop("device", None)
        dt = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dev, dt = a.device, a.dtype
            elif isinstance(a, D.dtype):
                dt = a
            elif isinstance(a, (str, int)) or type(a).__name__ == "device":
                dev = a
            elif isinstance(a, bool):
                pass
            elif a is None:
                pass
            else:
                try:
                    dt = D.to_dtype(a)
                except TypeError:
                    raise TypeError(f"to() received an invalid combination of arguments: {a!r}") from None
        t = self
        if dt is not None:
            dt = D.to_dtype(dt)
            if dt.np != t._data.dtype:
                from ..ops.elementwise import Cast
                t = apply(Cast, t, dtype=dt.np)
        if dev is not None:
            dev = to_device(dev)
            if dev != t.device and not (dev.index is None and dev.type == t.device.type):
                from ..ops.elementwise import ToDevice
                device_module(dev)  # raises a clear error when cuda is unavailable
                t = apply(ToDevice, t, device=dev)
        if copy and t is self:
            t = self.clone()
        return t

    def cpu(self) -> "Tensor":
        return self.to(CPU)

    def cuda(self, device=None, non_blocking: bool = False) -> "Tensor":
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def long(self):
        return self.to(D.int64)

    def int(self):
        return self.to(D.int32)

    def short(self):
        return self.to(D.int16)

    def char(self):
        return self.to(D.int8)

    def byte(self):
        return self.to(D.uint8)

    def bool(self):
        return self.to(D.bool_)

    def astype(self, dtype, copy: bool = True) -> "Tensor":
        """NumPy's spelling of a cast, so primitives' backward formulas run on tensors too."""
        return self.to(D.to_dtype(dtype))

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False):
        from .creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    # ------------------------------------------------------------------ in-place machinery
    def _commit_inplace(self, result: "Tensor", op: str = "") -> "Tensor":
        """Write ``result`` (computed out of place) into this tensor's storage and give
        this tensor the result's history.  Every in-place operation ends here.

        Checks PyTorch's rules: no in-place on a leaf (or a view of a leaf) that requires
        grad while grad mode is on; the result must keep this tensor's shape and be
        castable to its dtype.  A write through a view also rewrites the base's history
        (``CopySlices``), so gradients through the base see the change."""
        name = op or "in-place operation"
        tracking = GRAD[0] and (result._rg or self._rg)
        if tracking:
            self._check_inplace_allowed()
        rdata = result._data
        if rdata.shape != self._data.shape:
            if rdata.ndim <= self._data.ndim and _broadcastable(rdata.shape, self._data.shape):
                pass  # a smaller result (e.g. a scalar from fill_) is broadcast into self
            else:
                raise RuntimeError(f"{name}: output with shape {list(self._data.shape)} doesn't match the "
                                   f"broadcast shape {list(rdata.shape)}")
        sdt = D.from_numpy_dtype(self._data.dtype)
        rdt = D.from_numpy_dtype(rdata.dtype)
        if not D.can_cast(rdt, sdt):
            raise RuntimeError(f"{name}: result type {rdt.name.capitalize()} can't be cast to the desired "
                               f"output type {sdt.name.capitalize()}")
        node = result._node if tracking else None
        if node is not None and node.saved:
            # forward may have saved this tensor's current array; keep a private copy of it
            own = self._data
            if any(v is own for v in node.saved):
                old = node.saved
                node.saved = tuple(v.copy() if v is own else v for v in old)
                if node.refs:  # only the copied values stop following this tensor's version
                    node.refs = [(k, i, None if old[k] is own else box, ver, t)
                                 for k, i, box, ver, t in node.refs]
        try:
            self._data[...] = rdata
        except ValueError as e:
            raise RuntimeError(f"{name}: unsupported operation: more than one element of the written-to "
                               f"tensor refers to a single memory location. Please clone() the tensor "
                               f"before performing the operation. ({e})") from None
        self._version[0] += 1
        if node is not None:
            self._rebase_history(node, result._oidx)
        return self

    def _rebase_history(self, node: Node, oidx: int) -> None:
        """Make output ``oidx`` of ``node`` this tensor's history after an in-place write;
        through a view, the base gets a ``CopySlices`` node too."""
        self._node, self._oidx, self._rg = node, oidx, True
        base = self._base
        if base is not None:
            from ..ops.views import CopySlices
            edges = [base if base._node is None and base._rg else
                     ((base._node, base._oidx) if base._rg else None), (node, oidx)]
            cs = Node(CopySlices, edges, (base._rg, True))
            cs.chain = self._view_chain
            cs.shape = base._data.shape
            base._node, base._oidx, base._rg = cs, 0, True

    def _check_inplace_allowed(self) -> None:
        if self._node is None and self._rg:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        b = self._base
        if b is not None and b._node is None and b._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        for op, _args, kw in self._view_chain or ():
            multi = getattr(op, "multi_output", None)
            if multi:  # an output of split/chunk/unbind (or a view of one)
                raise RuntimeError(f"Output {kw.get('output', 0)} of {multi} is a view and is being modified "
                                   "inplace. This view is the output of a function that returns multiple views. "
                                   "Such functions do not allow the output views to be modified inplace. You "
                                   "should replace the inplace operation by an out-of-place one.")


def _broadcastable(src, dst) -> bool:
    for s, d in zip(reversed(src), reversed(dst)):
        if s != 1 and s != d:
            return False
    return True


def _copy_subclass(t):
    new = object.__new__(type(t))
    for k in Tensor.__slots__:
        if k != "__weakref__":
            setattr(new, k, getattr(t, k))
    new._data = t._data.copy()
    new._version = [0]
    new._node = None
    new._grad = None
    new._hooks = None
    if hasattr(t, "__dict__"):
        new.__dict__.update(t.__dict__)
    return new


_Tensor.append(Tensor)
_ = array_module
