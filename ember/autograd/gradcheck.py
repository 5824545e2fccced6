"""``gradcheck`` and ``gradgradcheck``: analytical gradients against finite differences.

Run them in float64.  Column ``c`` of the numerical Jacobian is the central difference
(f(x + eps e_c) - f(x - eps e_c)) / (2 eps), perturbing one element of one input in
place (so strided, non-contiguous and cuda inputs work as they are).  Row ``r`` of the
analytical Jacobian is the vector-Jacobian product with the one-hot output e_r, from
``autograd.grad``.  ``gradgradcheck`` runs ``gradcheck`` on the function that returns
the first derivatives (computed with ``create_graph=True``), which checks every
backward formula's own backward.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..backend.device import array_module
from .functional import grad as _grad
from .node import _Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs) -> list:
    Tensor = _Tensor[0]
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _host(t) -> np.ndarray:
    # a copy: an output may be a view of the input that is perturbed next
    return np.array(t.detach().__array__(), dtype=np.float64).reshape(-1)


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _numerical(func, inputs, i: int, n_outs: list, eps: float) -> list:
    """Numerical Jacobian blocks d out_k / d input_i, one (numel_k, numel_i) array per output."""
    data = inputs[i]._data  # perturbed element by element, in place
    cols = [np.zeros((n, data.size)) for n in n_outs]
    for c, idx in enumerate(np.ndindex(*data.shape)):
        orig = data[idx].item()
        data[idx] = orig + eps
        plus = [_host(o) for o in _outputs(func, inputs)]
        data[idx] = orig - eps
        minus = [_host(o) for o in _outputs(func, inputs)]
        data[idx] = orig
        for k, (p, m) in enumerate(zip(plus, minus)):
            cols[k][:, c] = (p - m) / (2 * eps)
    return cols


def _analytical(outs, inputs, diff) -> dict:
    """Analytical Jacobian blocks {(k, i): (numel_k, numel_i)} from one-hot VJPs."""
    Tensor = _Tensor[0]
    blocks = {(k, i): np.zeros((o.numel(), inputs[i].numel())) for k, o in enumerate(outs) for i in diff}
    xs = [inputs[i] for i in diff]
    for k, o in enumerate(outs):
        if not o.requires_grad:
            continue
        xp = array_module(o._data)
        for r in range(o.numel()):
            onehot = xp.zeros(o._data.size, dtype=o._data.dtype)
            onehot[r] = 1
            gs = _grad(o, xs, Tensor._make(onehot.reshape(o._data.shape)), retain_graph=True,
                       allow_unused=True)
            for i, g in zip(diff, gs):
                if g is not None:
                    if tuple(g.shape) != tuple(inputs[i].shape):
                        raise GradcheckError(f"Gradient of input {i} has shape {tuple(g.shape)}, expected "
                                             f"{tuple(inputs[i].shape)}")
                    blocks[(k, i)][r] = _host(g)
    return blocks


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """True if ``func``'s gradients with respect to every input that requires grad
    match central finite differences, for every tensor output; otherwise raises
    GradcheckError (or returns False with ``raise_exception=False``).

    The ``check_*``/``fast_mode`` options of PyTorch are accepted; ember always runs
    the full (slow-mode) backward check."""
    Tensor = _Tensor[0]
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the "
                         "them have requires_grad=True.")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point.")
    outs = _outputs(func, inputs)
    blocks = _analytical(outs, inputs, diff)
    n_outs = [o.numel() for o in outs]
    for i in diff:
        numerical = _numerical(func, inputs, i, n_outs, eps)
        for k in range(len(outs)):
            a, n = blocks[(k, i)], numerical[k]
            if not np.allclose(a, n, atol=atol, rtol=rtol):
                return _fail(f"Jacobian mismatch for output {k} with respect to input {i},\n"
                             f"numerical:{n}\nanalytical:{a}\n", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """Check second derivatives: gradcheck of ``(inputs, v) -> vjp(func, inputs, v)``.

    ``grad_outputs`` (the v) default to random float64 tensors that require grad, so
    the derivative with respect to v is checked too."""
    Tensor = _Tensor[0]
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = []
        for o in _outputs(func, inputs):
            if not o.requires_grad:
                continue
            xp = array_module(o._data)
            v = xp.asarray(rng.standard_normal(o._data.shape).astype(o._data.dtype))
            if gen_non_contig_grad_outputs and v.ndim:
                v = xp.repeat(v, 2, axis=-1)[..., ::2]
            grad_outputs.append(Tensor._make(v).requires_grad_(True))
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivatives(*args):
        xs, vs = args[:n_in], args[n_in:]
        outs = [o for o in _outputs(func, xs) if o.requires_grad]
        gs = _grad(outs, [xs[i] for i in diff], list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
