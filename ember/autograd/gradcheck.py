"""``gradcheck``: compare analytical gradients with central finite differences.

Run it in float64: d f / d x_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), one
column of the Jacobian per perturbed element, against the Jacobian assembled from
vector-Jacobian products (one backward per output element)."""
from __future__ import annotations

import numpy as np

from .grad_mode import no_grad
from .node import _Tensor

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _flat_outputs(out):
    Tensor = _Tensor[0]
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor)]


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """True if ``func``'s backward matches finite differences for every input that
    requires grad; raises GradcheckError (or returns False) otherwise."""
    Tensor = _Tensor[0]
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in diff:
        if inputs[i].dtype.name != "float64":
            import warnings
            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64; the check may fail "
                          "for precision reasons")
    outs = _flat_outputs(func(*inputs))
    out_sizes = [o.numel() for o in outs]
    # analytical Jacobian: rows = output elements, cols = input elements
    analytical = {i: np.zeros((sum(out_sizes), inputs[i].numel())) for i in diff}
    row = 0
    for k, o in enumerate(outs):
        if not o.requires_grad:
            row += out_sizes[k]
            continue
        for j in range(out_sizes[k]):
            for x in inputs:
                if isinstance(x, Tensor):
                    x._grad = None
            fresh = _flat_outputs(func(*inputs))[k]
            g = np.zeros(out_sizes[k], dtype=np.asarray(fresh.detach().__array__()).dtype)
            g[j] = 1
            gt = Tensor._make(g.reshape(tuple(fresh.shape)))
            if fresh.device.type != "cpu":
                gt = gt.to(fresh.device)
            fresh.backward(gt)
            for i in diff:
                gr = inputs[i].grad
                if gr is not None:
                    analytical[i][row + j] = np.asarray(gr.__array__()).reshape(-1)
            for x in inputs:
                if isinstance(x, Tensor):
                    x._grad = None
        row += out_sizes[k]
    ok = True
    for i in diff:
        x = inputs[i]
        data = x._data  # perturbed element by element, in place (works for strided arrays)
        numerical = np.zeros_like(analytical[i])
        for c, idx in enumerate(np.ndindex(*data.shape)):
            orig = data[idx].item()
            with no_grad():
                data[idx] = orig + eps
                plus = [np.asarray(o.__array__(), dtype=np.float64).reshape(-1).copy()
                        for o in _flat_outputs(func(*inputs))]
                data[idx] = orig - eps
                minus = [np.asarray(o.__array__(), dtype=np.float64).reshape(-1).copy()
                         for o in _flat_outputs(func(*inputs))]
                data[idx] = orig
            col = np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]) if plus else np.zeros(0)
            numerical[:, c] = col
        a = analytical[i]
        if not np.allclose(a, numerical, atol=atol, rtol=rtol):
            ok = False
            if raise_exception:
                raise GradcheckError(
                    f"Jacobian mismatch for output 0 with respect to input {i},\n"
                    f"numerical:{numerical}\nanalytical:{a}\n")
    return ok
