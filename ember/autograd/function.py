"""User-defined differentiable operations: ``ember.autograd.Function``, as PyTorch's.

    class MyExp(Function):
        @staticmethod
        def forward(ctx, x):              # tensors in, tensors out; runs under no_grad
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):             # one grad per forward output
            y, = ctx.saved_tensors
            return g * y                  # one grad per forward input (None for non-tensors)

    y = MyExp.apply(x)                    # y.grad_fn prints as <MyExpBackward>

The ctx is the graph node (a ``Node`` subclass), so the engine runs it like any
primitive: it frees what ``save_for_backward`` kept after backward, checks saved
tensors' versions, and, with ``create_graph=True``, runs ``backward`` with grad mode on
so that the formula records its own graph.
"""
from __future__ import annotations

import functools

from ..backend.device import array_module
from ..backend.dtypes import from_numpy_dtype
from .grad_mode import GRAD
from .engine import _tensor_saved
from .node import FREED, Node, _Tensor, _record_refs

__all__ = ["Function", "FunctionCtx", "once_differentiable", "BackwardCFunction"]

_FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved tensors after "
              "they have already been freed). Saved intermediate values of the graph are freed when you "
              "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
              "through the graph a second time or if you need to access saved tensors after calling "
              "backward.")


class FunctionCtx(Node):
    """The ``ctx`` of a user Function, and afterwards its outputs' ``grad_fn``."""

    __slots__ = ()

    def __init__(self, fn_cls, edges, needs) -> None:
        Node.__init__(self, _FunctionOp, edges, needs)
        self.__dict__["_fn"] = fn_cls
        self.__dict__["_dirty"] = ()
        self.__dict__["_non_diff"] = ()

    # ------------------------------------------------------------------ what forward may call
    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (or None) for backward; read them back as ``ctx.saved_tensors``."""
        Tensor = _Tensor[0]
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {len(self.saved)} "
                                f"is of type {type(t).__name__}")
        self.saved = tuple(None if t is None else t._data for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward`` (raises once backward has freed them)."""
        s = self.saved
        if s is FREED:
            raise RuntimeError(_FREED_MSG)
        Tensor = _Tensor[0]
        if s and not isinstance(next((v for v in s if v is not None), None), Tensor):
            s = _tensor_saved(self)  # inputs come back as themselves, as in PyTorch
        return s

    saved_variables = saved_tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that forward modified in place (and returns)."""
        self.__dict__["_dirty"] = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that get no gradient (indices, masks): requires_grad=False."""
        self.__dict__["_non_diff"] = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize = bool(value)

    # ------------------------------------------------------------------ as a grad_fn
    @property
    def next_functions(self):
        """One entry per tensor argument of forward (other arguments have no edge)."""
        nf = Node.next_functions.fget(self)
        return tuple(f for f, m in zip(nf, self.__dict__.get("_in_meta", ())) if m is not None)

    def name(self) -> str:
        return f"{self.__dict__['_fn'].__name__}Backward"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


BackwardCFunction = FunctionCtx  # PyTorch's name for the class of a Function's grad_fn


class _FunctionOp:
    """The ``op`` of every FunctionCtx node: adapts the engine's calling convention
    (arrays, or tensors under create_graph) to the user's ``backward(ctx, *grads)``."""

    name = "Function"
    version = 0

    @staticmethod
    def backward(ctx: FunctionCtx, g_in):
        Tensor = _Tensor[0]
        d = ctx.__dict__
        grads = g_in if ctx.n_out > 1 else (g_in,)
        grads = [g if g is None or isinstance(g, Tensor) else Tensor._make(g) for g in grads]
        if ctx.materialize:
            grads = [_zeros(m) if g is None else g for g, m in zip(grads, d["_meta"])]
        # non-tensor outputs take a None slot, as in PyTorch
        full = [None] * d["_n_results"]
        for slot, g in zip(d["_slots"], grads):
            full[slot] = g
        out = d["_fn"].backward(ctx, *full)
        if type(out) is not tuple:
            out = (out,)
        n_in = len(ctx.edges)
        if len(out) != n_in:
            if len(out) > n_in and all(o is None for o in out[n_in:]):
                out = out[:n_in]
            else:
                raise RuntimeError(f"function {ctx.name()} returned an incorrect number of gradients "
                                   f"(expected {n_in}, got {len(out)})")
        return tuple(_fit_grad(ctx, i, g) for i, g in enumerate(out))


def _zeros(meta):
    shape, dtype, xp = meta
    return _Tensor[0]._make(xp.zeros(shape, dtype))


def _fit_grad(ctx: FunctionCtx, i: int, g):
    """Check one returned gradient against its input, summing a broadcast one back."""
    if g is None or not ctx.needs_input_grad[i]:
        return None
    Tensor = _Tensor[0]
    if not isinstance(g, Tensor):
        raise TypeError(f"function {ctx.name()} returned a gradient of type {type(g).__name__} at index {i}, "
                        "expected a Tensor or None")
    shape, dtype = ctx.__dict__["_in_meta"][i]
    gs = tuple(g.shape)
    if gs != shape:
        lead = len(gs) - len(shape)
        ok = lead >= 0 and all(s == 1 or s == d for s, d in zip(shape, gs[lead:]))
        if not ok:
            raise RuntimeError(f"Function {ctx.name()} returned an invalid gradient at index {i} - got "
                               f"{list(gs)} but expected shape compatible with {list(shape)}")
        axes = tuple(range(lead)) + tuple(lead + k for k, s in enumerate(shape) if s == 1 and gs[lead + k] != 1)
        g = g.sum(dim=axes) if axes else g
        g = g.reshape(shape)
    if g._data.dtype != dtype:
        g = g.to(from_numpy_dtype(dtype))
    return g


class Function:
    """Base class of user-defined differentiable operations; call ``Fn.apply(*args)``.

    Subclasses define ``forward(ctx, *args, **kwargs)`` (or ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grad_outputs)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    setup_context = None  # PyTorch's alternative style: forward(*args) then setup_context(ctx, inputs, output)

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` under no_grad and, when some input requires grad, record
        one graph node whose backward is this class's ``backward``."""
        Tensor = _Tensor[0]
        needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        record = GRAD[0] and any(needs)
        edges = []
        if record:
            for a, n in zip(args, needs):
                if n:
                    edges.append(a if a._node is None else (a._node, a._oidx))
                else:
                    edges.append(None)
        ctx = FunctionCtx(cls, edges, needs)
        prev = GRAD[0]
        GRAD[0] = False
        try:
            if cls.setup_context is not None:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            GRAD[0] = prev
        single = not isinstance(output, tuple)
        results = (output,) if single else output
        if not record:
            return output
        return _wire_outputs(ctx, args, results, single)


def _wire_outputs(ctx: FunctionCtx, args, results, single: bool):
    """Give the forward's tensor outputs ``ctx`` as grad_fn (as PyTorch does)."""
    Tensor = _Tensor[0]
    d = ctx.__dict__
    dirty = d["_dirty"]
    non_diff = d["_non_diff"]
    for t in dirty:
        if t._node is None and t._rg:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
    slots, outs, meta = [], [], []
    final = list(results)
    for k, o in enumerate(results):
        if not isinstance(o, Tensor):
            continue
        idx = len(outs)
        slots.append(k)
        if any(o is t for t in non_diff):
            meta.append((o._data.shape, o._data.dtype, array_module(o._data)))  # gets zeros in backward
            outs.append(o)
            continue
        if any(o is t for t in dirty):
            o._version[0] += 1  # PyTorch counts mark_dirty as a write too
            o._rebase_history(ctx, idx)
            new = o
        elif any(o is a for a in args):
            # an input returned unchanged becomes an alias of it with this node's history
            new = Tensor._make(o._data, ctx, idx)
            new._version = o._version
            new._base = o if o._base is None else o._base
            new._view_chain = o._view_chain or ()
        else:
            new = o
            new._node, new._oidx, new._rg = ctx, idx, True
        if new._data.dtype.kind not in "fc":
            raise RuntimeError(f"{ctx.name()}: output {k} is of dtype {new.dtype}, which cannot require "
                               "gradients; mark it with ctx.mark_non_differentiable()")
        final[k] = new
        outs.append(new)
        meta.append((new._data.shape, new._data.dtype, array_module(new._data)))
    ctx.n_out = max(len(outs), 1)
    d["_slots"] = slots
    d["_meta"] = meta
    d["_n_results"] = len(results)
    d["_in_meta"] = [(tuple(a._data.shape), a._data.dtype) if isinstance(a, Tensor) else None for a in args]
    ctx.out_meta = meta
    if ctx.saved:
        _record_refs(ctx, args, tuple(outs))
    return final[0] if single else tuple(final)


class _OnceDifferentiable:
    """The node put on a ``once_differentiable`` backward's results under create_graph:
    differentiating it again is an error, as in PyTorch."""

    name = "DelayedError"
    version = 0

    @staticmethod
    def forward(ctx, g, *others):
        return g

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def once_differentiable(fn):
    """Decorate a Function's ``backward`` that cannot itself be differentiated: it runs
    under no_grad, and a double backward through it raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .node import apply
        Tensor = _Tensor[0]
        prev = GRAD[0]
        GRAD[0] = False
        try:
            out = fn(ctx, *args)
        finally:
            GRAD[0] = prev
        if not prev:
            return out
        needing = [a for a in args if isinstance(a, Tensor) and a._rg]
        if not needing:
            return out
        single = not isinstance(out, tuple)
        res = tuple(apply(_OnceDifferentiable, o.detach(), *needing) if isinstance(o, Tensor) else o
                    for o in ((out,) if single else out))
        return res[0] if single else res
    return wrapper

