"""The graph node and ``apply``, the one door through which every primitive runs.

``apply(Op, *args)`` unwraps tensors to arrays, runs ``Op.forward``, and, only when
grad mode is on and some input requires grad, records a ``Node`` (the output's
``grad_fn``).  A node holds the primitive, an edge per argument (``None``, a leaf
tensor, or ``(node, output_index)``), and what forward saved.  It does not hold its
inputs: arrays that backward does not read are freed as soon as forward returns.
"""
from __future__ import annotations

import itertools

from ..backend.device import array_module, is_array, device_of
from .grad_mode import GRAD

__all__ = ["Node", "apply", "NULL_CTX", "FREED"]

FREED = ("<freed>",)  # node.saved after backward without retain_graph
_next_seq = itertools.count().__next__


class Node:
    """A recorded call of a primitive (PyTorch's grad_fn).  Also the ``ctx`` that
    the primitive's forward and backward receive."""

    __slots__ = ("op", "edges", "needs_input_grad", "saved", "refs", "n_out", "seq", "__dict__",
                 "__weakref__")

    def __init__(self, op, edges, needs) -> None:
        self.op = op
        self.edges = edges
        self.needs_input_grad = needs
        self.saved = ()
        self.refs = None
        self.n_out = 1
        # creation order: a node's consumers are always created after it, so the engine
        # runs nodes from the highest seq down (PyTorch's sequence_nr does the same)
        self.seq = _next_seq()

    materialize = True  # multi-output backward gets zeros for outputs that got no gradient

    def save(self, *values) -> None:
        """Keep ``values`` (arrays or anything) for backward; read them as ``ctx.saved``."""
        self.saved = values

    def name(self) -> str:
        op = self.op
        stem = getattr(op, "name", "") or op.__name__
        return f"{stem}Backward{getattr(op, 'version', 0)}"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        """((node or leaf accumulator, output index), ...) as PyTorch shows them."""
        out = []
        for e in self.edges:
            if e is None:
                out.append((None, 0))
            elif type(e) is tuple:
                out.append(e)
            else:
                out.append((AccumulateGrad(e), 0))
        return tuple(out)

    def register_hook(self, fn):
        """Hook called with (grad_inputs, grad_outputs) after this node's backward."""
        self.__dict__.setdefault("post_hooks", []).append(fn)
        return _Handle(self.__dict__["post_hooks"], fn)


class AccumulateGrad:
    """What PyTorch shows for a leaf in ``next_functions``."""

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    next_functions = ()


class _Handle:
    """A removable handle, as returned by register_hook."""

    def __init__(self, container, item) -> None:
        self.container, self.item = container, item

    def remove(self) -> None:
        try:
            self.container.remove(self.item)
        except ValueError:
            pass


class _NullCtx:
    """The ctx forward gets when nothing is recorded: saves are dropped."""

    needs_input_grad = ()

    def save(self, *values) -> None:
        pass


NULL_CTX = _NullCtx()

_Tensor = []  # filled by ember.tensor once Tensor exists (the class, for isinstance)


def _device_error(op, arrays) -> RuntimeError:
    devs = sorted({str(device_of(a)) for a in arrays if is_array(a)})
    name = getattr(op, "name", "") or op.__name__
    return RuntimeError(f"{name.lower()}: Expected all tensors to be on the same device, but found at "
                        f"least two devices, {' and '.join(devs)}!")


def apply(op, *args, **kwargs):
    """Run primitive ``op`` on ``args`` (tensors and plain values) and return tensor(s)."""
    Tensor = _Tensor[0]
    arrays = []
    grad = False
    kind = None
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            if kind is None:
                kind = type(d)
            elif type(d) is not kind:
                if d.ndim == 0 and is_array(d):  # a cpu 0-d tensor may join a cuda op as a scalar
                    d = d.item()
                else:
                    raise _device_error(op, [x._data for x in args if isinstance(x, Tensor)])
            arrays.append(d)
            if a._rg:
                grad = True
        else:
            arrays.append(a)
    make = Tensor._make
    if not (grad and GRAD[0]):
        # nothing to record: no node, no edges, saves dropped by NULL_CTX
        out = op.forward(NULL_CTX, *arrays, **kwargs)
        if type(out) is kind:
            return make(out)
        if type(out) is tuple:
            return tuple(make(_as_array(o, arrays)) for o in out)
        return make(_as_array(out, arrays))
    edges = []
    needs = []
    for a in args:
        if isinstance(a, Tensor) and a._rg:
            node = a._node
            edges.append(a if node is None else (node, a._oidx))
            needs.append(True)
        else:
            edges.append(None)
            needs.append(False)
    node = Node(op, edges, tuple(needs))
    out = op.forward(node, *arrays, **kwargs)
    if type(out) is tuple:
        node.n_out = len(out)
        outs = tuple(_make_output(make, _as_array(o, arrays), node, i) for i, o in enumerate(out))
        node.out_meta = [(o._data.shape, o._data.dtype, array_module(o._data)) for o in outs]
        if node.saved:
            _record_refs(node, args, outs)
        return outs
    if type(out) is not kind:
        out = _as_array(out, arrays)
    if out.dtype.kind not in "fc":  # integer and bool results never require grad
        return make(out)
    res = make(out, node, 0)
    if node.saved:
        _record_refs(node, args, (res,))
    return res


def _make_output(make, arr, node, i):
    """Output ``i`` of a recorded multi-output op (indices and masks get no history)."""
    return make(arr, node, i) if arr.dtype.kind in "fc" else make(arr)


def _as_array(o, arrays):
    """NumPy full reductions return NumPy scalars; ops hand back arrays always."""
    if is_array(o):
        return o
    if hasattr(o, "dtype"):  # numpy scalar
        return array_module(o).asarray(o)
    raise TypeError(f"primitive returned {type(o).__name__}, expected an array")


def _record_refs(node, args, outs):
    """Remember which saved arrays are an input's or output's storage: the version
    check (in-place modification after saving) and create_graph both need it.

    Entries are (saved index, input index i or output -1-j, version box, version when
    saved, the input tensor or None).  Holding the input tensor costs no memory (the
    array is saved anyway); it names the tensor's current grad_fn in the error, as
    PyTorch does.  Outputs are not held (that would be a reference cycle)."""
    Tensor = _Tensor[0]
    refs = []
    for k, v in enumerate(node.saved):
        if not is_array(v):
            continue
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and v is a._data:
                refs.append((k, i, a._version, a._version[0], a))
                break
        else:
            for j, o in enumerate(outs):
                if v is o._data:
                    refs.append((k, -1 - j, o._version, o._version[0], None))
                    break
    node.refs = refs
