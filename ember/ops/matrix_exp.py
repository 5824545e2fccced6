"""The matrix exponential (``linalg.matrix_exp``) with PyTorch's backward.

Forward: scaling and squaring with the degree-13 Padé approximant (Higham 2005), in
float64, each batch element scaled by its own power of two.  Backward (PyTorch's
``linalg_matrix_exp_differential``): the gradient is the upper-right block of
exp([[A^T, G], [0, A^T]]), computed by this same primitive, so it can be
differentiated again."""
from __future__ import annotations


from .base import Primitive, array_module
from .shape import run

__all__ = ["MatrixExp", "expm_array"]

_B = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
      10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm_array(a):
    """exp(A) of a (..., n, n) array, in A's dtype."""
    xp = array_module(a)
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    A = a.astype(xp.float64)
    norm1 = xp.max(xp.sum(xp.abs(A), axis=-2), axis=-1)               # the 1-norm of each matrix
    with_norm = xp.where(norm1 > _THETA13, norm1 / _THETA13, 1.0)
    s = xp.maximum(0, xp.ceil(xp.log2(with_norm))).astype(xp.int64)
    s = xp.where(xp.isfinite(norm1), s, 0)
    A = A / (2.0 ** s)[..., None, None]
    eye = xp.broadcast_to(xp.eye(n, dtype=xp.float64), A.shape)
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    u = A6 @ (_B[13] * A6 + _B[11] * A4 + _B[9] * A2) + _B[7] * A6 + _B[5] * A4 + _B[3] * A2 + _B[1] * eye
    U = A @ u
    V = A6 @ (_B[12] * A6 + _B[10] * A4 + _B[8] * A2) + _B[6] * A6 + _B[4] * A4 + _B[2] * A2 + _B[0] * eye
    R = xp.linalg.solve(V - U, V + U)
    top = int(s.max()) if s.size else 0
    for i in range(top):
        R = xp.where((i < s)[..., None, None], R @ R, R)
    return R.astype(a.dtype, copy=False)


class MatrixExp(Primitive):
    name = "LinalgMatrixExp"

    @staticmethod
    def forward(ctx, a):
        ctx.save(a)
        return expm_array(a)

    @staticmethod
    def backward(ctx, g):
        # d exp(A)^T-adjoint: gA = [exp([[A^T, g], [0, A^T]])]_{12}
        a, = ctx.saved
        xp = array_module(g)
        n = a.shape[-1]
        at = xp.swapaxes(a, -1, -2)
        top = xp.concatenate([at, g], axis=-1)
        bottom = xp.concatenate([xp.zeros_like(at), at], axis=-1)
        big = run(MatrixExp, xp.concatenate([top, bottom], axis=-2))
        return big[..., :n, n:]


