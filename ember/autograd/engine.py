"""The backward engine: one iterative topological pass over the recorded graph.

1. Nodes wait in a heap keyed by creation order (``Node.seq``), newest first: a
   node's consumers are always newer than it, so when it is popped every gradient
   for it has arrived (no recursion, no pre-pass).  Incoming gradients for one
   output are summed out of place (backward may hand the same array to two inputs).
2. Each leaf's gradients are summed, then delivered once: hooks, then ``.grad``.
3. Saved values are freed as each node finishes unless ``retain_graph``.  With
   ``create_graph`` gradients are tensors and each primitive's backward formula is
   itself recorded.
"""
from __future__ import annotations

import heapq

import numpy as np

from ..backend.device import is_array
from .grad_mode import GRAD
from .node import FREED, Node, _Tensor

__all__ = ["run_backward"]

_ndarray = np.ndarray

_SECOND = ("Trying to backward through the graph a second time (or directly access saved tensors "
           "after they have already been freed). Saved intermediate values of the graph are freed "
           "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
           "backward through the graph a second time or if you need to access saved tensors after "
           "calling backward.")


def _producer_name(node) -> str:
    """A grad_fn's name as PyTorch's version-check error prints it (``Exp``, ``Mul``)."""
    name = node.name()
    if name.startswith("CopySlices"):
        return "torch::autograd::CopySlices"
    stem = name.rstrip("0123456789")
    return stem[:-8] if stem.endswith("Backward") and len(stem) > 8 and name != stem else stem


def _check_versions(node: Node) -> None:
    """Raise PyTorch's error when a saved tensor was modified in place after saving."""
    for k, i, box, ver, tensor in node.refs:
        if box is not None and box[0] != ver:
            Tensor = _Tensor[0]
            arr = node.saved[k]
            if i < 0:
                which = f", which is output {-1 - i} of {_producer_name(node)},"
            elif tensor is not None and tensor._node is not None:
                which = f", which is output {tensor._oidx} of {_producer_name(tensor._node)},"
            else:
                which = ""
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{Tensor._make(arr).type()} {list(arr.shape)}]{which} is at version "
                f"{box[0]}; expected version {ver} instead. Hint: the backtrace further above can point to "
                "the operation that failed to compute its gradient.")


def _tensor_saved(node: Node):
    """Saved values as tensors wired into the graph, for differentiating a backward."""
    Tensor = _Tensor[0]
    saved = list(node.saved)
    done = set()
    for k, i, _box, _ver, t in node.refs or ():
        arr = saved[k]
        if t is not None and t._data is arr:
            saved[k] = t  # the input itself, with its history
        elif i >= 0:
            e = node.edges[i]
            if e is None:
                saved[k] = Tensor._make(arr)
            elif type(e) is tuple:
                saved[k] = Tensor._make(arr, e[0], e[1])
            else:
                saved[k] = e if e._data is arr else Tensor._make(arr)
        else:
            saved[k] = Tensor._make(arr, node, -1 - i)
        done.add(k)
    for k, v in enumerate(saved):
        if k not in done and is_array(v):
            saved[k] = Tensor._make(v)
    return tuple(saved)


def _as_tensor_grad(g):
    Tensor = _Tensor[0]
    return g if isinstance(g, Tensor) else Tensor._make(g)


def _run_hooks(hooks, g, create_graph):
    """Call tensor hooks in order; a returned tensor replaces the gradient."""
    t = _as_tensor_grad(g)
    for h in list(hooks):
        r = h(t)
        if r is not None:
            t = r
    return t if create_graph else t._data


def _accumulate_leaf(leaf, g, create_graph: bool) -> None:
    """Add ``g`` (hooks already applied) into ``leaf.grad``."""
    Tensor = _Tensor[0]
    if tuple(g.shape) != tuple(leaf._data.shape):
        raise RuntimeError(f"backward: gradient of shape {tuple(g.shape)} does not match the leaf's "
                           f"shape {tuple(leaf._data.shape)}")
    cur = leaf._grad
    if create_graph:
        g = _as_tensor_grad(g)
        if g.dtype is not leaf.dtype:
            g = g.to(leaf.dtype)
        leaf._grad = g if cur is None else cur + g
        return
    if g.dtype != leaf._data.dtype:
        g = g.astype(leaf._data.dtype)
    if cur is None:
        # the engine's arrays may be shared (add's backward hands g to both inputs): own a copy
        leaf._grad = Tensor._make(g.copy())
    elif cur._node is not None:  # a grad with history (from create_graph) is replaced out of place
        leaf._grad = Tensor._make(cur._data + g)
    else:
        cur._data += g
        cur._version[0] += 1


def _sum(a, b):
    """a + b out of place; NumPy turns the sum of two 0-d arrays into a scalar: undo that."""
    r = a + b
    if not is_array(r) and not isinstance(r, _Tensor[0]):
        from ..backend.device import array_module
        r = array_module(r).asarray(r)
    return r


def run_backward(roots, grads, retain_graph: bool = False, create_graph: bool = False,
                 inputs=None, accumulate: bool = True):
    """Backpropagate ``grads`` (arrays, or tensors when create_graph) from ``roots``.

    With ``inputs`` given, returns the gradient reaching each of them (for
    ``autograd.grad``) and accumulates into ``.grad`` only if ``accumulate``."""
    captured = None
    want_leaf = want_node = None
    if inputs is not None:
        captured = [None] * len(inputs)
        want_leaf, want_node = {}, {}
        for j, t in enumerate(inputs):
            if t._node is None:
                want_leaf.setdefault(id(t), []).append(j)
            else:
                want_node.setdefault((id(t._node), t._oidx), []).append(j)

    buffers: dict = {}     # node -> [grad per output], summed as its consumers finish
    leaf_grads: dict = {}  # id(leaf) -> [leaf, summed grad]: each leaf is delivered once, as
    heap: list = []        # PyTorch's AccumulateGrad node (hooks see the total gradient)
    push, pop = heapq.heappush, heapq.heappop
    for r, g in zip(roots, grads):
        node = r._node
        if node is None:
            _add_leaf(leaf_grads, r, g)
            continue
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.n_out
            push(heap, (-node.seq, node))
        i = r._oidx
        buf[i] = g if buf[i] is None else _sum(buf[i], g)

    # Nodes run from the newest down: every consumer of a node was created after it,
    # so when a node is popped all gradients for it have arrived.  No recursion, no
    # pre-pass; nodes that receive no gradient are never visited.
    prev = GRAD[0]
    GRAD[0] = bool(create_graph)
    try:
        while heap:
            node = pop(heap)[1]
            buf = buffers.pop(node)
            out_grads = _run_node(node, buf, create_graph, retain_graph, captured, want_node)
            for g, e in zip(out_grads, node.edges):
                if g is None or e is None:
                    continue
                if type(e) is tuple:
                    child, oi = e
                    cb = buffers.get(child)
                    if cb is None:
                        cb = buffers[child] = [None] * child.n_out
                        push(heap, (-child.seq, child))
                    cb[oi] = g if cb[oi] is None else _sum(cb[oi], g)
                else:
                    _add_leaf(leaf_grads, e, g)
        # leaves: hooks, capture for autograd.grad, then .grad
        for leaf, g in leaf_grads.values():
            _deliver_leaf(leaf, g, create_graph, captured, want_leaf, accumulate)
    finally:
        GRAD[0] = prev
    return captured


def _add_leaf(leaf_grads, leaf, g) -> None:
    slot = leaf_grads.get(id(leaf))
    if slot is None:
        leaf_grads[id(leaf)] = [leaf, g]
    else:
        s = slot[1] + g
        slot[1] = np.asarray(s) if isinstance(s, np.generic) else s  # 0-d array sums are NumPy scalars


def _deliver_leaf(leaf, g, create_graph, captured, want_leaf, accumulate):
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, create_graph)
    if captured is not None:
        js = want_leaf.get(id(leaf))
        if js:
            for j in js:
                captured[j] = g if captured[j] is None else _sum(captured[j], g)
        if not accumulate:
            return
    _accumulate_leaf(leaf, g, create_graph)


def _run_node(node: Node, buf, create_graph, retain_graph, captured, want_node):
    """Run one node's backward on its summed output gradients ``buf``."""
    extra = node.__dict__
    if extra:
        hooks = extra.get("hooks")
        if hooks:
            for i, hs in hooks.items():
                if buf[i] is not None and hs:
                    buf[i] = _run_hooks(hs, buf[i], create_graph)
        retain = extra.get("retain")
        if retain:  # retain_grad's hook runs after the others, as in PyTorch
            for i, keep in retain.items():
                if buf[i] is not None:
                    keep(_as_tensor_grad(buf[i]))
    if captured is not None:
        for i, g in enumerate(buf):
            js = want_node.get((id(node), i))
            if js and g is not None:
                for j in js:
                    captured[j] = g if captured[j] is None else _sum(captured[j], g)
    saved = node.saved
    if saved is FREED:
        raise RuntimeError(_SECOND)
    if node.refs:
        _check_versions(node)
    if node.n_out == 1:
        g_in = buf[0]
    else:
        g_in = tuple(g if g is not None else (_zeros_for(node, i, create_graph) if node.materialize else None)
                     for i, g in enumerate(buf))
    if create_graph:
        node.saved = _tensor_saved(node)
        try:
            out = node.op.backward(node, g_in)
        finally:
            node.saved = saved
    else:
        out = node.op.backward(node, g_in)
    if type(out) is not tuple:
        out = (out,)
    n = len(node.edges)
    if len(out) != n:
        out = out[:n] if len(out) > n else out + (None,) * (n - len(out))
    if create_graph:
        out = tuple(None if o is None else _as_tensor_grad(o) for o in out)
    else:
        for o in out:
            if o is not None and type(o) is not _ndarray:  # a tensor, scalar or cupy array
                out = tuple(_unwrap(o) for o in out)
                break
    post = extra.get("post_hooks") if extra else None
    if post:
        wrap = _as_tensor_grad
        gin = tuple(None if o is None else wrap(o) for o in out)
        gout = tuple(None if b is None else wrap(b) for b in buf)
        for h in post:
            r = h(gin, gout)
            if r is not None:
                gin = tuple(r)
        out = gin if create_graph else tuple(_unwrap(o) for o in gin)
    if not retain_graph and saved:
        node.saved = FREED
        node.refs = None
    return out


def _unwrap(o):
    if o is None or is_array(o):
        return o
    data = getattr(o, "_data", None)
    if data is not None:
        return data
    from ..backend.device import array_module
    return array_module(o).asarray(o)


def _zeros_for(node, i, create_graph):
    shape, dtype, xp = node.out_meta[i]
    z = xp.zeros(shape, dtype)
    return _Tensor[0]._make(z) if create_graph else z
