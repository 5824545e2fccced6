"""An ``xp`` over tensors: the NumPy names that primitives' backward formulas use,
mapped to ember functions.  Tensors carry it as ``__xp__``, so a backward formula
run on tensors (``create_graph=True``) records its own graph and can be
differentiated again.  A formula calling a name missing here fails loudly."""
from __future__ import annotations

import sys

from .tensor import Tensor
from .wrap import apply, to_tensor


def apply_op(op, a, *args, **kwargs):
    """Run a primitive on tensors (used to replay view chains on gradients)."""
    from .wrap import view_apply
    return view_apply(op, a, *args, **kwargs) if getattr(op, "view", False) else apply(op, a, *args, **kwargs)


def _ember():
    return sys.modules["ember"]


def sum(a, axis=None, keepdims=False, dtype=None):
    a = to_tensor(a)
    if axis is None:
        r = _ember().sum(a)
        return r.reshape((1,) * a.ndim) if keepdims else r
    return _ember().sum(a, dim=axis, keepdim=keepdims)


def mean(a, axis=None, keepdims=False, dtype=None):
    a = to_tensor(a)
    if axis is None:
        r = _ember().mean(a)
        return r.reshape((1,) * a.ndim) if keepdims else r
    return _ember().mean(a, dim=axis, keepdim=keepdims)


def reshape(a, shape, **kw):
    return to_tensor(a).reshape(shape)


def broadcast_to(a, shape):
    return to_tensor(a).expand(*shape)


def transpose(a, axes=None):
    a = to_tensor(a)
    return a.permute(*(axes if axes is not None else range(a.ndim)[::-1]))


def swapaxes(a, i, j):
    return to_tensor(a).transpose(i, j)


def expand_dims(a, axis):
    a = to_tensor(a)
    if not isinstance(axis, (tuple, list)):
        return a.unsqueeze(axis)
    n = a.ndim + len(axis)
    for ax in sorted(x % n for x in axis):
        a = a.unsqueeze(ax)
    return a


# NumPy's spellings of the shape functions (NumPy argument names and meanings)
def concatenate(arrays, axis=0):
    return _ember().cat([to_tensor(x) for x in arrays], axis)


def stack(arrays, axis=0):
    return _ember().stack([to_tensor(x) for x in arrays], axis)


def split(a, indices_or_sections, axis=0):
    """np.split: n equal sections, or cut points (not PyTorch's piece sizes)."""
    a = to_tensor(a)
    if isinstance(indices_or_sections, int):
        size = a.shape[axis]
        if size % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
        return list(a.split(size // indices_or_sections, axis))
    return list(a.tensor_split(list(indices_or_sections), axis))


def flip(a, axis=None):
    a = to_tensor(a)
    axes = tuple(range(a.ndim)) if axis is None else (axis if isinstance(axis, (tuple, list)) else (axis,))
    return a.flip(axes)


def roll(a, shift, axis=None):
    return to_tensor(a).roll(shift, axis)


def moveaxis(a, source, destination):
    return to_tensor(a).movedim(source, destination)


def squeeze(a, axis=None):
    return to_tensor(a).squeeze(axis)


def tril(m, k=0):
    return to_tensor(m).tril(k)


def triu(m, k=0):
    return to_tensor(m).triu(k)


def diagonal(a, offset=0, axis1=0, axis2=1):
    return to_tensor(a).diagonal(offset, axis1, axis2)


def tile(a, reps):
    return to_tensor(a).tile(tuple(reps) if isinstance(reps, (tuple, list)) else (reps,))


def repeat(a, repeats, axis=None):
    """np.repeat is PyTorch's repeat_interleave."""
    r = repeats if isinstance(repeats, int) else to_tensor(repeats)
    return to_tensor(a).repeat_interleave(r, axis)


def where(cond, x, y):
    e = _ember()
    return e.where(to_tensor(cond), x, y)


def zeros_like(a, dtype=None):
    return _ember().zeros_like(to_tensor(a), dtype=dtype)


def ones_like(a, dtype=None):
    return _ember().ones_like(to_tensor(a), dtype=dtype)


def asarray(a, dtype=None):
    return to_tensor(a) if dtype is None else to_tensor(a).to(dtype)


def astype(a, dtype):
    return to_tensor(a).to(dtype)


def take_along_axis(a, indices, axis):
    """np.take_along_axis: torch.gather with the same-shaped index."""
    return _ember().gather(to_tensor(a), axis, to_tensor(indices))


def cross(a, b, axis=-1):
    """np.cross(a, b, axis=...): torch.linalg.cross(a, b, dim=...)."""
    return _ember().linalg.cross(to_tensor(a), to_tensor(b), dim=axis)


_ALIASES = {
    "multiply": "mul", "add": "add", "subtract": "sub", "divide": "div", "true_divide": "div",
    "negative": "neg", "power": "pow", "absolute": "abs", "arccos": "acos", "arcsin": "asin",
    "arctan": "atan", "amax": "amax", "amin": "amin", "square": "square",
    "logaddexp": "logaddexp", "clip": "clamp", "matmul": "matmul", "einsum": "einsum",
}


def __getattr__(name):
    e = _ember()
    target = _ALIASES.get(name, name)
    fn = getattr(e, target, None)
    if fn is None or name.startswith("_"):
        raise AttributeError(f"ember's tensor namespace has no '{name}': a backward formula used a "
                             f"NumPy function with no ember equivalent, so it cannot be differentiated "
                             f"twice (create_graph=True)")
    return fn


Tensor.__xp__ = sys.modules[__name__]
_ = Tensor
