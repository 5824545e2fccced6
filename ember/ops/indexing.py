"""Indexing primitives: reading (``a[key]``), scattering back, writing (``a[key] = v``)
and accumulating (``index_put_(accumulate=True)``).

Every indexing function of ember (getitem, setitem, gather, scatter, index_select,
take, masked_* ...) is one of four primitives (``Slice``/``Index`` read,
``IndexAddAt`` scatters into zeros, ``SetItem`` writes, ``AddAt`` accumulates; the
named subclasses only give PyTorch's grad_fn names) with a key built by the wrapper
(``ember/tensor/indexing.py``); ``MaskedFill``, ``Copy`` and ``ScatterReduce`` are
the only others.  A key is split in two NumPy keys:

* ``pre``: a basic key (ints, slices, None) applied first, as PyTorch applies its
  selects and unsqueezes before any advanced index, or None;
* ``adv``: the key applied to ``a[pre]`` (slices, Ellipsis, integer and bool arrays).

``acc`` says whether ``adv`` holds integer arrays, i.e. whether positions may repeat
(then writes back must accumulate with ``xp.add.at``; bool masks never repeat).

The primitives are their own derivatives' building blocks: the backward of reading
is scattering into zeros, the backward of scattering is reading.  ``call`` runs
them on arrays, or on tensors when a backward is itself differentiated
(``create_graph=True``), so second derivatives work.
"""
from __future__ import annotations

from ..backend.device import is_array
from ..backend.parallel import fill
from ..backend.ufuncs import ufunc_at
from .base import Primitive, array_module, unbroadcast

__all__ = ["Slice", "Select", "Index", "IndexAddAt", "SetItem", "AddAt", "MaskedFill", "Copy", "call",
           "SetItemNumber", "Gather", "IndexSelect", "Take", "TakeAlongDim", "MaskedSelect", "Scatter", "ScatterValue",
           "ScatterAdd", "IndexAdd", "IndexCopy", "IndexFill", "Put", "MaskedScatter", "IndexPut",
           "IndexPutAcc", "MaskedFillValue", "PutAcc", "ScatterAddReduce", "ScatterMulReduce",
           "ScatterReduce"]


class _Scratch:
    """The ctx of a primitive run outside the graph: saves are dropped."""
    needs_input_grad = ()

    def save(self, *values) -> None:
        pass


def call(op, a, *args, **kwargs):
    """Run primitive ``op`` on ``a``: an array (plain forward) or, inside a backward
    being differentiated, a tensor (recorded in the graph through the tensor ``xp``)."""
    run = getattr(array_module(a), "apply_op", None)
    if run is None:
        return op.forward(_Scratch(), a, *args, **kwargs)
    return run(op, a, *args, **kwargs)


def _read(a, pre, adv):
    """a[pre][adv] as an array (NumPy gives scalars for full integer keys)."""
    t = a if pre is None else a[pre]
    out = t[adv]
    if type(out) is not type(a):
        out = array_module(a).asarray(out)
    return out


def _fit(g, shape):
    """Sum a gradient of the indexed region back to the written value's ``shape``
    (the value was broadcast; it may also carry extra leading 1-sized dims)."""
    if shape is None:  # the value was a Python number
        return None
    extra = len(shape) - g.ndim
    if extra > 0:
        g = array_module(g).reshape(g, (1,) * extra + tuple(g.shape))
    return unbroadcast(g, shape)


# ---------------------------------------------------------------------------- reading
class Slice(Primitive):
    """Basic indexing (ints, slices with positive steps, None, Ellipsis): a view."""
    name = "Slice"
    view = True

    @staticmethod
    def forward(ctx, a, key):
        ctx.spec = (a.shape, key)
        out = a[key]
        if type(out) is not type(a):  # a full integer key: NumPy returns a scalar, keep a 0-d view
            out = a[(key if type(key) is tuple else (key,)) + (Ellipsis,)]
        return out

    @staticmethod
    def backward(ctx, g):
        # d a[key] / d a: the gradient goes back to the selected positions, zeros elsewhere
        shape, key = ctx.spec
        return call(IndexAddAt, g, shape, None, key, False)


class Select(Slice):
    """``x[i]``: PyTorch calls this select."""
    name = "Select"


class Index(Primitive):
    """Advanced indexing ``a[pre][adv]``: a copy."""
    name = "Index"

    @staticmethod
    def forward(ctx, a, pre, adv, acc):
        ctx.spec = (a.shape, pre, adv, acc)
        return _read(a, pre, adv)

    @staticmethod
    def backward(ctx, g):
        # d a[idx] / d a: scatter-add the gradient into zeros (repeated indices accumulate)
        shape, pre, adv, acc = ctx.spec
        return call(IndexAddAt, g, shape, pre, adv, acc)


class Gather(Index):
    name = "Gather"


class IndexSelect(Index):
    name = "IndexSelect"


class Take(Index):
    name = "Take"


class TakeAlongDim(Index):
    name = "TakeAlongDim"


class MaskedSelect(Index):
    name = "MaskedSelect"


class IndexAddAt(Primitive):
    """zeros(shape) with ``g`` added at [pre][adv]: the backward of reading."""
    name = "IndexAddAt"

    @staticmethod
    def forward(ctx, g, shape, pre, adv, acc):
        ctx.spec = (pre, adv, acc)
        xp = array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        t = out if pre is None else out[pre]
        if acc:
            xp.add.at(t, adv, g)
        else:
            t[adv] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        # the adjoint of scattering is reading the same positions
        pre, adv, acc = ctx.spec
        if pre is None and not acc and _basic(adv):
            return call(Slice, gg, adv)
        return call(Index, gg, pre, adv, acc)


def _basic(key) -> bool:
    if type(key) is not tuple:
        key = (key,)
    return all(k is None or k is Ellipsis or type(k) in (int, slice) for k in key)


# ---------------------------------------------------------------------------- writing
class SetItem(Primitive):
    """out = a with out[pre][adv] = v (v an array broadcast to the region, or a number).

    d/da = grad with the written region zeroed; d/dv = grad[pre][adv] summed back to v's shape."""
    name = "CopySlices"

    @staticmethod
    def forward(ctx, a, v, pre, adv, acc=False):
        ctx.spec = (pre, adv, acc, getattr(v, "shape", None))
        out = a.copy()
        SetItem.write(out if pre is None else out[pre], adv, v, acc)
        return out

    @staticmethod
    def write(t, adv, v, acc):
        """t[adv] = v, in place (also used for direct writes when nothing is recorded)."""
        t[adv] = v

    @staticmethod
    def backward(ctx, g):
        pre, adv, acc, vshape = ctx.spec
        need = ctx.needs_input_grad
        ga = call(SetItem, g, 0, pre, adv, acc) if need[0] else None
        gv = None
        if need[1] and vshape is not None:
            gv = _fit(call(Index, g, pre, adv, acc), vshape)
        return ga, gv


class SetItemNumber(SetItem):
    """SetItem of a Python number into a basic key's region (a view), e.g. ``x[10:900] = 1``.

    The direct write fills the view (``ndarray.fill``, on several threads when large):
    NumPy's ``t[key] = number`` converts the number to an array and runs a general
    broadcasting copy, about twice as slow; ``fill`` converts the number the same way
    and raises the same errors (tests/backend/test_parallel.py)."""

    @staticmethod
    def write(t, adv, v, acc):
        region = t[adv]
        if is_array(region):
            fill(region, v)
        else:  # every axis indexed by an int: one element, NumPy gave a scalar
            t[adv] = v


class IndexPut(SetItem):
    name = "IndexPut"


class Scatter(SetItem):
    name = "Scatter"


class ScatterValue(SetItem):
    name = "Scatter"
    version = 1


class IndexCopy(SetItem):
    name = "IndexCopy"


class IndexFill(SetItem):
    name = "IndexFill"


class Put(SetItem):
    name = "Put"


class MaskedScatter(SetItem):
    name = "MaskedScatter"


class AddAt(Primitive):
    """out = a with v added at [pre][adv], repeated positions accumulating.

    d/da = grad; d/dv = grad[pre][adv] summed back to v's shape."""
    name = "IndexPut"

    @staticmethod
    def forward(ctx, a, v, pre, adv, acc=True):
        ctx.spec = (pre, adv, acc, getattr(v, "shape", None))
        out = a.copy()
        AddAt.write(out if pre is None else out[pre], adv, v, acc)
        return out

    @staticmethod
    def write(t, adv, v, acc):
        """t[adv] += v in place, repeated positions accumulating when ``acc``."""
        if acc:
            array_module(t).add.at(t, adv, v)
        else:
            t[adv] += v

    @staticmethod
    def backward(ctx, g):
        pre, adv, acc, vshape = ctx.spec
        gv = None
        if ctx.needs_input_grad[1] and vshape is not None:
            gv = _fit(call(Index, g, pre, adv, acc), vshape)
        return g, gv


class IndexPutAcc(AddAt):
    name = "IndexPut"


class PutAcc(AddAt):
    name = "Put"


class ScatterAdd(AddAt):
    name = "ScatterAdd"


class IndexAdd(AddAt):
    name = "IndexAdd"


class MaskedFill(Primitive):
    """where(mask, value, a), in a's dtype, broadcast to the shape of both; ``value`` a
    number or a 0-d array of a's dtype.

    d/da = grad where not mask (summed back to a's shape); d/dvalue = sum of grad where mask."""
    name = "MaskedFill"

    @staticmethod
    def forward(ctx, a, value, mask):
        ctx.spec = (a.shape, mask, getattr(value, "shape", None))
        xp = array_module(a)
        out = xp.where(mask, value, a)
        if out.dtype != a.dtype:
            out = out.astype(a.dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, mask, vshape = ctx.spec
        need = ctx.needs_input_grad
        ga = unbroadcast(call(MaskedFill, g, 0, mask), shape) if need[0] else None
        gv = None
        if need[1] and vshape is not None:
            xp = array_module(g)
            gv = xp.sum(call(MaskedFill, g, 0, ~mask))
        return ga, gv


class MaskedFillValue(MaskedFill):
    name = "MaskedFill"
    version = 1


class Copy(Primitive):
    """``self.copy_(src)``: src broadcast to self's shape (self's old values are overwritten).

    d/dself = 0 (every value is replaced); d/dsrc = grad summed back to src's shape."""
    name = "Copy"

    @staticmethod
    def forward(ctx, a, src):
        ctx.spec = src.shape
        return array_module(src).broadcast_to(src, a.shape)

    @staticmethod
    def backward(ctx, g):
        ga = array_module(g).zeros_like(g) if ctx.needs_input_grad[0] else None
        return ga, unbroadcast(g, ctx.spec)


# ---------------------------------------------------------------------------- scatter with reduce
class ScatterAddReduce(AddAt):
    """``scatter(..., reduce='add')``: PyTorch defines no derivative for it."""
    name = "Scatter"
    version = 2

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::scatter is not implemented")


class ScatterMulReduce(ScatterAddReduce):
    """``scatter(..., reduce='multiply')``: positions are multiplied by the scattered values."""

    @staticmethod
    def forward(ctx, a, v, pre, adv, acc=True):
        out = a.copy()
        ScatterMulReduce.write(out if pre is None else out[pre], adv, v, acc)
        return out

    @staticmethod
    def write(t, adv, v, acc):
        ufunc_at(array_module(t), "multiply", t, adv, v)


class ScatterReduce(Primitive):
    """``scatter_reduce``: the values scattered to one position (and the input's own value
    there when ``include_self``) reduced by sum, prod, mean, amax or amin.

    The gradient of each contributor c to a position p is grad[p] * w_c, with w_c
    computed in forward: sum 1; mean 1/count(p); amax/amin 1/(number of contributors
    equal to the result) for those equal, 0 else; prod the product of the other
    contributors.  The input gets 0 where it did not contribute (include_self=False)."""
    name = "ScatterReduce"

    @staticmethod
    def forward(ctx, a, src, key, reduce, include_self):
        xp = array_module(a)
        out = a.copy()
        if not include_self:
            out[key] = _identity(xp, reduce, a.dtype)
        ufunc = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}[reduce]
        ufunc_at(xp, ufunc, out, key, src)
        counts = None
        if reduce == "mean":
            counts = xp.ones(a.shape, a.dtype) if include_self else xp.zeros(a.shape, a.dtype)
            xp.add.at(counts, key, 1)
            counts[counts == 0] = 1
            out = out / counts if a.dtype.kind == "f" else out // counts
        if any(ctx.needs_input_grad) and a.dtype.kind == "f":
            ctx.spec = (key,) + _reduce_weights(xp, a, src, out, key, reduce, include_self, counts)
        return out

    @staticmethod
    def backward(ctx, g):
        key, w_self, w_src = ctx.spec
        # d out[p] / d contributor c = w_c (see the class docstring)
        ga = g * w_self if ctx.needs_input_grad[0] else None
        gs = call(Index, g, None, key, True) * w_src if ctx.needs_input_grad[1] else None
        return ga, gs


def _identity(xp, reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -xp.inf if reduce == "amax" else xp.inf
    info = xp.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:  # bool
        return reduce == "amin"
    return info.min if reduce == "amax" else info.max


def _reduce_weights(xp, a, src, out, key, reduce, include_self, counts):
    """(w_self, w_src) of ScatterReduce's backward, on arrays."""
    touched = xp.zeros(a.shape, dtype=bool)
    touched[key] = True
    dt = a.dtype
    if reduce == "sum":
        w_self, w_src = xp.ones(a.shape, dt), xp.ones(src.shape, dt)
    elif reduce == "mean":
        w_self = 1 / counts
        w_src = w_self[key]
    elif reduce in ("amax", "amin"):
        self_hit = (a == out).astype(dt)
        if not include_self:
            self_hit[touched] = 0
        src_hit = (src == out[key]).astype(dt)
        n = self_hit.copy()
        xp.add.at(n, key, src_hit)
        n[n == 0] = 1
        w_self = self_hit / n
        w_src = src_hit / n[key]
    else:  # prod: product of the other contributors, exact with zeros
        zeros = ((a == 0) & include_self).astype(xp.int64)
        xp.add.at(zeros, key, (src == 0).astype(xp.int64))
        nz = xp.where(a == 0, 1, a) if include_self else xp.ones(a.shape, dt)
        ufunc_at(xp, "multiply", nz, key, xp.where(src == 0, 1, src))

        def others(x, z, p):
            return xp.where(x == 0, xp.where(z == 1, p, 0), xp.where(z == 0, p / xp.where(x == 0, 1, x), 0))
        w_self = others(a, zeros, nz).astype(dt)
        w_src = others(src, zeros[key], nz[key]).astype(dt)
    if not include_self:  # the input only passes through where nothing was scattered
        w_self = (~touched).astype(dt)
    return w_self, w_src
