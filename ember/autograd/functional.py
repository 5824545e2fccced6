"""``ember.autograd.backward`` and ``ember.autograd.grad`` (argument checking in front
of the engine), and ``ember.autograd.functional.jacobian`` / ``hessian`` built on them."""
from __future__ import annotations

from ..backend.device import array_module, is_array
from .engine import run_backward
from .node import _Tensor

__all__ = ["backward", "grad", "jacobian", "hessian"]


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
            if type(g._data) is not type(out._data):
                raise RuntimeError(f"invalid gradient at index {i} - expected device {out.device} but got {g.device}")
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


def _jacobian_inputs(inputs, create_graph: bool):
    """Inputs that require grad: detached copies, or (create_graph, for hessian) the
    inputs themselves when they already require grad, so the result stays connected."""
    Tensor = _Tensor[0]
    out = []
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"jacobian: inputs must be Tensors, got {type(x).__name__}")
        out.append(x if create_graph and x.requires_grad else x.detach().requires_grad_(True))
    return tuple(out)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """d func(inputs) / d inputs, one reverse pass per output element.

    Block (i, j) has shape ``outputs[i].shape + inputs[j].shape``; the nesting of the
    result follows whether ``inputs`` and the outputs are tuples, as in PyTorch."""
    import ember
    from .grad_mode import enable_grad
    in_tuple = isinstance(inputs, tuple)
    xs = _jacobian_inputs(inputs if in_tuple else (inputs,), create_graph)
    with enable_grad():
        out = func(*xs)
        out_tuple = isinstance(out, tuple)
        outs = out if out_tuple else (out,)
        blocks = []
        for o in outs:
            rows = [[] for _ in xs]
            flat = o.reshape(-1)
            for r in range(flat.numel()):
                gs = (grad(flat[r], xs, retain_graph=True, create_graph=create_graph, allow_unused=True)
                      if o.requires_grad else (None,) * len(xs))
                for j, (x, g) in enumerate(zip(xs, gs)):
                    rows[j].append(ember.zeros_like(x) if g is None else g)
            blocks.append(tuple(
                (ember.stack(rows[j]) if rows[j] else ember.zeros(0, *x.shape, dtype=x.dtype))
                .reshape(tuple(o.shape) + tuple(x.shape)) for j, x in enumerate(xs)))
    if not create_graph:
        blocks = [tuple(b.detach() for b in row) for row in blocks]
    if out_tuple:
        return tuple(row if in_tuple else row[0] for row in blocks)
    return blocks[0] if in_tuple else blocks[0][0]


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """Second derivatives of a scalar function: the jacobian of its gradient."""
    in_tuple = isinstance(inputs, tuple)

    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single element Tensor")
        return jacobian(func, xs if in_tuple else xs[0], create_graph=True)
    return jacobian(gradient, inputs, create_graph=create_graph)
