"""Distances: ``torch.cdist`` (pairwise p-norm distances between two sets of row
vectors, batched) and ``torch.dist`` (the p-norm of a difference).

``cdist`` checks its inputs with PyTorch's messages, broadcasts the batch axes
(``expand``, so their gradients are summed back) and applies ``ops.distance.Cdist``.
For p = 2 PyTorch switches to a matrix-product formula when either set has more
than 25 rows (``compute_mode='use_mm_for_euclid_dist_if_necessary'``, the default);
ember makes the same choice, so values agree to rounding and the grad_fn is the same
(``EuclideanDistBackward0`` / ``CdistBackward0``)."""
from __future__ import annotations

import numbers

from ..ops import distance as P
from .reduce import norm
from .tensor import Tensor
from .wrap import apply
from . import amp as _amp

__all__ = ["cdist", "dist"]

_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """d[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p for x1 (..., P, M) and
    x2 (..., R, M); batch axes broadcast.  p >= 0 (inf allowed).  Gradients are
    PyTorch's: zero where a distance is zero."""
    if _amp.ON and _amp.T.on:
        return _amp.run("cdist", cdist, x1, x2, p, compute_mode)
    for i, (name, t) in enumerate((("x1", x1), ("x2", x2))):
        if not isinstance(t, Tensor):
            raise TypeError(f"cdist(): argument '{name}' (position {i + 1}) must be Tensor, not {type(t).__name__}")
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"cdist(): argument 'p' (position 3) must be float, not {type(p).__name__}")
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
    for name, t in (("X1", x1), ("X2", x2)):
        if t.dtype.category != 2:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {t.dtype.scalar_name}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
                           f"{x2.shape[-1]}")
    p = float(p)
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {x1.dtype.scalar_name} but found {x2.dtype.scalar_name}")
    from .shape import broadcast_shapes
    batch = tuple(broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
    a = x1 if tuple(x1.shape[:-2]) == batch else x1.expand(*batch, *x1.shape[-2:])
    b = x2 if tuple(x2.shape[:-2]) == batch else x2.expand(*batch, *x2.shape[-2:])
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2.0 and (compute_mode == "use_mm_for_euclid_dist" or
                           (compute_mode == "use_mm_for_euclid_dist_if_necessary" and
                            (rows1 > 25 or rows2 > 25)))
    return apply(P.EuclideanDist if use_mm else P.Cdist, a, b, p, use_mm)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """||input - other||_p over all elements (the operands broadcast)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("dist", dist, input, other, p)
    if not isinstance(input, Tensor):
        raise TypeError(f"dist(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"dist(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"dist(): argument 'p' (position 3) must be Number, not {type(p).__name__}")
    d = input - other
    if not d.is_floating_point():
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{d.dtype.scalar_name} instead.")
    return norm(d, float(p))


Tensor.dist = dist
