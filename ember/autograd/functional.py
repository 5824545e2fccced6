"""``ember.autograd.backward`` and ``ember.autograd.grad``: argument checking in
front of the engine."""
from __future__ import annotations

from ..backend.device import array_module, is_array
from .engine import run_backward
from .node import _Tensor

__all__ = ["backward", "grad"]


def _seq(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(outputs, grad_outputs, create_graph, op):
    Tensor = _Tensor[0]
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = array_module(out._data).ones_like(out._data)
        else:
            if not isinstance(g, Tensor):
                raise TypeError(f"{op}: gradient must be a Tensor or None, got {type(g).__name__}")
            if tuple(g.shape) != tuple(out.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                                   f"output[{i}] has a shape of {out.shape}.")
            g = g if create_graph else g._data
        if create_graph and is_array(g):
            g = Tensor._make(g)
        if not create_graph and not is_array(g):
            g = g._data
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             grad_variables=None, inputs=None) -> None:
    """Compute the sum of gradients of ``tensors`` w.r.t. graph leaves into ``.grad``."""
    tensors = _seq(tensors)
    grad_tensors = _seq(grad_tensors if grad_tensors is not None else grad_variables)
    for t in tensors:
        if not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(tensors, grad_tensors, create_graph, "backward")
    if inputs is not None:
        ins = _seq(inputs)
        if not ins:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        got = run_backward(tensors, grads, retain_graph, create_graph, inputs=ins, accumulate=False)
        from .engine import _accumulate_leaf
        for t, g in zip(ins, got):
            if g is not None:
                if t._node is None:
                    _accumulate_leaf(t, g, create_graph)
                else:
                    Tensor = _Tensor[0]
                    gt = g if isinstance(g, Tensor) else Tensor._make(g.copy())
                    t._grad = gt if t._grad is None else t._grad + gt
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False):
    """Return d(outputs)/d(inputs) without touching ``.grad``."""
    Tensor = _Tensor[0]
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    for t in inputs:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for t in outputs:
        if not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(outputs, _seq(grad_outputs), create_graph, "grad")
    got = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, accumulate=False)
    result = []
    for t, g in zip(inputs, got):
        if g is None:
            if materialize_grads:
                result.append(Tensor._make(array_module(t._data).zeros_like(t._data)))
                continue
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else Tensor._make(g.copy() if g is not None else g))
    return tuple(result)
