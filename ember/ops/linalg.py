"""Linear-algebra primitives: matrix products, einsum, and the ``linalg`` decompositions.

Products run in the operands' own dtype (float32 stays float32, as PyTorch: no
promotion in matmul) on BLAS through ``xp.matmul``.  Every backward of a product is
itself a pair of products, written with ``xp.matmul``/``@`` and ``swapaxes`` so it
runs on tensors too (second derivatives).  Shapes and dtypes are validated by the
wrappers (``ember/tensor/linalg.py``, ``ember/linalg.py``) before these run.
"""
from __future__ import annotations

import numpy as np

from ..backend.blas import matmul as _gemm
from .base import Primitive, array_module, unbroadcast
from .reduce import expand_reduced

__all__ = ["LinAlgError", "Mm", "Mv", "Dot", "Vdot", "Bmm", "Matmul", "MatmulSqueeze", "MatmulClone",
           "MatmulView", "Addmm", "Addmv", "Baddbmm", "Addbmm", "Trace", "Cross", "Inv", "Solve",
           "Det", "Slogdet", "Logdet", "Cholesky", "Eigh", "MatrixNormSum", "MatrixNormSumMin", "SpectralNorm", "blas_ready"]


class LinAlgError(RuntimeError):
    """A matrix the algorithm cannot handle (singular, not positive-definite):
    PyTorch's ``torch.linalg.LinAlgError``, also a RuntimeError."""


def _mat(x):
    """x with two trailing axes of size 1 (a per-matrix scalar ready to broadcast)."""
    return x.reshape(tuple(x.shape) + (1, 1))


def _mT(x):
    """Transpose of the last two axes (a view)."""
    return array_module(x).swapaxes(x, -1, -2)


def blas_ready(a):
    """``a`` as an array BLAS takes directly: C- or Fortran-contiguous matrices pass
    as they are (a transpose is free), anything else is copied once.  Without this,
    NumPy's matmul falls back to a slow loop for strided operands."""
    flags = getattr(a, "flags", None)
    if flags is None or a.ndim < 2 or flags.c_contiguous or (a.ndim == 2 and flags.f_contiguous):
        return a
    return array_module(a).ascontiguousarray(a)


# ---------------------------------------------------------------- matrix products
class Mm(Primitive):
    """(n, m) @ (m, p)."""
    name = "Mm"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        # backend/blas.py: OpenBLAS on one thread, large products split over ember's threads
        return _gemm(blas_ready(a), blas_ready(b))

    @staticmethod
    def backward(ctx, g):
        # y = a b:  da = g b^T ; db = a^T g   (two GEMMs)
        a, b = ctx.saved
        ga = _gemm(g, blas_ready(b).T) if ctx.needs_input_grad[0] else None
        gb = _gemm(blas_ready(a).T, g) if ctx.needs_input_grad[1] else None
        return ga, gb


class Mv(Primitive):
    """(n, m) @ (m,)."""
    name = "Mv"

    @staticmethod
    def forward(ctx, a, v):
        ctx.save(a, v)
        return blas_ready(a) @ v

    @staticmethod
    def backward(ctx, g):
        # y = A v:  dA = g v^T (outer product) ; dv = A^T g
        a, v = ctx.saved
        ga = g.reshape((-1, 1)) * v.reshape((1, -1)) if ctx.needs_input_grad[0] else None
        gv = a.T @ g if ctx.needs_input_grad[1] else None
        return ga, gv


class Dot(Primitive):
    """Inner product of two 1-D arrays (a 0-d result)."""
    name = "Dot"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return array_module(a).dot(a, b)

    @staticmethod
    def backward(ctx, g):
        # y = sum_i a_i b_i:  da = g b ; db = g a
        a, b = ctx.saved
        ga = g * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        return ga, gb


class Vdot(Dot):
    """``vdot``: the dot product with the first operand conjugated (real here)."""
    name = "Vdot"


class Bmm(Primitive):
    """(B, n, m) @ (B, m, p), one GEMM per batch element."""
    name = "Bmm"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return array_module(a).matmul(blas_ready(a), blas_ready(b))

    @staticmethod
    def backward(ctx, g):
        # y_k = a_k b_k:  da_k = g_k b_k^T ; db_k = a_k^T g_k
        a, b = ctx.saved
        xp = array_module(g)
        ga = xp.matmul(g, _mT(b)) if ctx.needs_input_grad[0] else None
        gb = xp.matmul(_mT(a), g) if ctx.needs_input_grad[1] else None
        return ga, gb


class Matmul(Primitive):
    """``matmul`` in the general case: 1-D operands promoted to matrices (the added
    axis removed again), batch axes broadcast.  (..., n, m) @ (m, p) folds the batch
    into one GEMM, as PyTorch does."""
    name = "UnsafeView"

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        ctx.save(a, b)
        if b.ndim == 2 and a.ndim >= 3:  # fold batch into rows: one large GEMM
            a2 = blas_ready(a).reshape((-1, a.shape[-1]))
            return _gemm(a2, blas_ready(b)).reshape(a.shape[:-1] + (b.shape[-1],))
        return xp.matmul(blas_ready(a), blas_ready(b))

    @staticmethod
    def backward(ctx, g):
        # y = a b with 1-D operands as (1, m) / (m, 1) and batch broadcasting:
        # da = g b^T, db = a^T g, each summed over the batch axes it was broadcast along
        a, b = ctx.saved
        xp = array_module(g)
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        if a.ndim == 1:
            g = xp.expand_dims(g, -2)
        if b.ndim == 1:
            g = xp.expand_dims(g, -1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            if b2.ndim == 2:
                ga = g @ b2.T
            else:
                ga = xp.matmul(g, _mT(b2))
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            if b2.ndim == 2 and g.ndim > 2:  # fold the batch: one GEMM (k, B*n) @ (B*n, p)
                k = a2.shape[-1]
                ag = xp.broadcast_to(a2, g.shape[:-1] + (k,)).reshape((-1, k))
                gb = ag.T @ g.reshape((-1, g.shape[-1]))
            else:
                gb = unbroadcast(xp.matmul(_mT(a2), g), b2.shape)
            gb = gb.reshape(b.shape)
        return ga, gb


class MatmulSqueeze(Matmul):
    """1-D @ 2-D (PyTorch records SqueezeBackward4)."""
    name = "Squeeze"
    version = 4


class MatmulClone(Matmul):
    """2-D @ N-D (PyTorch records CloneBackward0)."""
    name = "Clone"


class MatmulView(Matmul):
    """``inner`` and other products PyTorch finishes with a view."""
    name = "View"


def _scaled(x, s):
    """x * s, skipping the multiply when s == 1."""
    return x if s == 1 else x * s


class Addmm(Primitive):
    """beta * input + alpha * (m1 @ m2), input broadcast to (n, p)."""
    name = "Addmm"

    @staticmethod
    def forward(ctx, inp, m1, m2, beta=1, alpha=1):
        ctx.save(m1, m2)
        ctx.shape, ctx.beta, ctx.alpha = inp.shape, beta, alpha
        y = _gemm(blas_ready(m1), blas_ready(m2))
        if alpha != 1:
            y *= alpha
        if beta != 0:
            y = y + _scaled(inp, beta)
        return y

    @staticmethod
    def backward(ctx, g):
        # d input = beta g (summed to its shape) ; d m1 = alpha g m2^T ; d m2 = alpha m1^T g
        m1, m2 = ctx.saved
        gi = unbroadcast(_scaled(g, ctx.beta), ctx.shape) if ctx.needs_input_grad[0] else None
        g1 = _scaled(_gemm(g, blas_ready(m2).T), ctx.alpha) if ctx.needs_input_grad[1] else None
        g2 = _scaled(_gemm(blas_ready(m1).T, g), ctx.alpha) if ctx.needs_input_grad[2] else None
        return gi, g1, g2


class Addmv(Primitive):
    """beta * input + alpha * (mat @ vec)."""
    name = "Addmv"

    @staticmethod
    def forward(ctx, inp, mat, vec, beta=1, alpha=1):
        ctx.save(mat, vec)
        ctx.shape, ctx.beta, ctx.alpha = inp.shape, beta, alpha
        y = blas_ready(mat) @ vec
        if alpha != 1:
            y = y * alpha
        if beta != 0:
            y = y + _scaled(inp, beta)
        return y

    @staticmethod
    def backward(ctx, g):
        # d input = beta g ; d mat = alpha g vec^T ; d vec = alpha mat^T g
        mat, vec = ctx.saved
        gi = unbroadcast(_scaled(g, ctx.beta), ctx.shape) if ctx.needs_input_grad[0] else None
        gm = _scaled(g.reshape((-1, 1)) * vec.reshape((1, -1)), ctx.alpha) if ctx.needs_input_grad[1] else None
        gv = _scaled(mat.T @ g, ctx.alpha) if ctx.needs_input_grad[2] else None
        return gi, gm, gv


class Baddbmm(Primitive):
    """beta * input + alpha * (b1 @ b2), batched; input broadcast to (B, n, p)."""
    name = "Baddbmm"

    @staticmethod
    def forward(ctx, inp, b1, b2, beta=1, alpha=1):
        xp = array_module(b1)
        ctx.save(b1, b2)
        ctx.shape, ctx.beta, ctx.alpha = inp.shape, beta, alpha
        y = xp.matmul(blas_ready(b1), blas_ready(b2))
        if alpha != 1:
            y *= alpha
        if beta != 0:
            y = y + _scaled(inp, beta)
        return y

    @staticmethod
    def backward(ctx, g):
        # d input = beta g ; d b1_k = alpha g_k b2_k^T ; d b2_k = alpha b1_k^T g_k
        b1, b2 = ctx.saved
        xp = array_module(g)
        gi = unbroadcast(_scaled(g, ctx.beta), ctx.shape) if ctx.needs_input_grad[0] else None
        g1 = _scaled(xp.matmul(g, _mT(b2)), ctx.alpha) if ctx.needs_input_grad[1] else None
        g2 = _scaled(xp.matmul(_mT(b1), g), ctx.alpha) if ctx.needs_input_grad[2] else None
        return gi, g1, g2


class Addbmm(Baddbmm):
    """beta * input + alpha * sum_k b1_k @ b2_k (the batch reduced)."""
    name = "Addbmm"

    @staticmethod
    def forward(ctx, inp, b1, b2, beta=1, alpha=1):
        xp = array_module(b1)
        ctx.save(b1, b2)
        ctx.shape, ctx.beta, ctx.alpha = inp.shape, beta, alpha
        # sum_k b1_k b2_k = [b1_1 ... b1_B] (n, B*m) @ [b2_1; ...; b2_B] (B*m, p): one GEMM
        n, p = b1.shape[1], b2.shape[2]
        left = xp.ascontiguousarray(xp.transpose(b1, (1, 0, 2))).reshape((n, -1))
        y = left @ blas_ready(b2).reshape((-1, p))
        if alpha != 1:
            y = y * alpha
        if beta != 0:
            y = y + _scaled(inp, beta)
        return y

    # backward is Baddbmm's: d b1_k = alpha g b2_k^T and d b2_k = alpha b1_k^T g, with g (n, p)
    # broadcast over the batch by matmul


class Trace(Primitive):
    """Sum of the main diagonal of a matrix."""
    name = "Trace"

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.shape = a.shape
        return array_module(a).trace(a, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        # d trace(A) / dA = I (the rectangular identity)
        n, m = ctx.shape
        return g * array_module(g).eye(n, m, dtype=g.dtype)


class Cross(Primitive):
    """Cross product of 3-vectors along ``axis`` (operands already broadcast)."""
    name = "LinalgCross"

    @staticmethod
    def forward(ctx, a, b, axis):
        ctx.save(a, b)
        ctx.axis = axis
        return array_module(a).cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, g):
        # y = a x b:  da = b x g ; db = g x a
        a, b = ctx.saved
        xp = array_module(g)
        ga = xp.cross(b, g, axis=ctx.axis) if ctx.needs_input_grad[0] else None
        gb = xp.cross(g, a, axis=ctx.axis) if ctx.needs_input_grad[1] else None
        return ga, gb


# ---------------------------------------------------------------- linalg
def _singular_batches(xp, a):
    """Indices of the batch elements of ``a`` whose LU factorization hits a zero pivot."""
    flat = a.reshape((-1,) + a.shape[-2:])
    bad = []
    for k in range(flat.shape[0]):
        try:
            xp.linalg.inv(flat[k])
        except Exception:
            bad.append(k)
    return bad


def _raise_singular(xp, a, op, what):
    bad = _singular_batches(xp, a) or [0]
    where = f"(Batch element {bad[0]}): " if a.ndim > 2 else ""
    raise LinAlgError(f"{op}: {where}{what}") from None


class Inv(Primitive):
    name = "LinalgInvEx"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        try:
            y = xp.linalg.inv(a)
        except Exception as e:
            if type(e).__name__ != "LinAlgError":
                raise
            _raise_singular(xp, a, "linalg.inv", "The input matrix is singular, the inversion could not "
                                                  "be completed.")
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # Y = A^-1:  dA = -Y^T g Y^T
        y, = ctx.saved
        xp = array_module(g)
        yt = _mT(y)
        return -xp.matmul(xp.matmul(yt, g), yt)


class Solve(Primitive):
    """X with A X = B; B is a (batch of) matrices (vectors are made (n, 1) by the wrapper)."""
    name = "LinalgSolveEx"

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        ctx.shapes = (a.shape, b.shape)
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])  # CuPy does not broadcast batch dims
        a, b = xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:])
        try:
            x = xp.linalg.solve(a, b)
        except Exception as e:
            if type(e).__name__ != "LinAlgError":
                raise
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                              "singular.") from None
        ctx.save(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        # X = A^-1 B:  dB = A^-T g ; dA = -dB X^T  (each summed over broadcast batch axes)
        a, x = ctx.saved
        xp = array_module(g)
        gb = xp.linalg.solve(_mT(a), g)
        ga = -xp.matmul(gb, _mT(x)) if ctx.needs_input_grad[0] else None
        sa, sb = ctx.shapes
        return (unbroadcast(ga, sa) if ga is not None else None,
                unbroadcast(gb, sb) if ctx.needs_input_grad[1] else None)


class Det(Primitive):
    name = "LinalgDet"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        d = xp.linalg.det(a)
        ctx.save(a, d)
        singular = d == 0
        # exactly singular matrices get a zero gradient, as in PyTorch; they are swapped for
        # the identity in backward so that the others can still be inverted
        ctx.singular = xp.reshape(singular, singular.shape + (1, 1)) if xp.any(singular) else None
        return d

    @staticmethod
    def backward(ctx, g):
        # d det(A) / dA = det(A) A^-T  (0 where det(A) == 0)
        a, d = ctx.saved
        xp = array_module(g)
        if a.shape[-1] == 0:
            return _mat(g) * a
        if ctx.singular is not None:
            a = xp.where(ctx.singular, xp.eye(a.shape[-1], dtype=a.dtype), a)
        return _mat(g * d) * _mT(xp.linalg.inv(a))


class Slogdet(Primitive):
    """(sign, log|det|)."""
    name = "LinalgSlogdet"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        sign, logabs = xp.linalg.slogdet(a)
        ctx.save(a)
        return sign, logabs

    @staticmethod
    def backward(ctx, grads):
        # d log|det A| / dA = A^-T ; the sign is piecewise constant (no gradient)
        _, gl = grads
        a, = ctx.saved
        xp = array_module(gl)
        return _mat(gl) * _mT(xp.linalg.inv(a))


class Logdet(Primitive):
    """log det(A) (nan for a negative determinant)."""
    name = "Logdet"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        sign, logabs = xp.linalg.slogdet(a)
        ctx.save(a)
        return xp.where(sign < 0, xp.asarray(float("nan"), dtype=a.dtype), logabs).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        # d log det(A) / dA = A^-T
        a, = ctx.saved
        return _mat(g) * _mT(array_module(g).linalg.inv(a))


class Cholesky(Primitive):
    """Lower-triangular L with A = L L^T."""
    name = "LinalgCholeskyEx"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        try:
            L = xp.linalg.cholesky(a)
        except Exception as e:
            if type(e).__name__ != "LinAlgError":
                raise
            raise LinAlgError("linalg.cholesky: The factorization could not be completed because the "
                              "input is not positive-definite.") from None
        ctx.save(L)
        return L

    @staticmethod
    def backward(ctx, g):
        # With P = tril(L^T gL) and S = (P + tril(P, -1)^T) / 2:  dA = L^-T S L^-1
        L, = ctx.saved
        xp = array_module(g)
        p = xp.tril(xp.matmul(_mT(L), g))
        s = (p + _mT(xp.tril(p, -1))) * 0.5
        lt = _mT(L)
        x = xp.linalg.solve(lt, s)                      # L^-T S
        return _mT(xp.linalg.solve(lt, _mT(x)))         # (L^-T (L^-T S)^T)^T = L^-T S L^-1


class Eigh(Primitive):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix, read
    from its ``uplo`` triangle."""
    name = "LinalgEigh"

    @staticmethod
    def forward(ctx, a, uplo):
        xp = array_module(a)
        w, v = xp.linalg.eigh(a, UPLO=uplo)
        ctx.save(w, v)
        return w, v

    @staticmethod
    def backward(ctx, grads):
        # A = V diag(w) V^T:  dA = V (diag(dw) + S / E) V^T, with S the skew part of V^T dV
        # and E_ij = w_j - w_i (distinct eigenvalues; the diagonal of S / E is 0)
        gw, gv = grads
        w, v = ctx.saved
        xp = array_module(gw)
        n = w.shape[-1]
        vt = _mT(v)
        s = xp.matmul(vt, gv)
        s = (s - _mT(s)) * 0.5
        lead = tuple(w.shape[:-1])
        eye = xp.eye(n, dtype=w.dtype)
        e = w.reshape(lead + (1, n)) - w.reshape(lead + (n, 1)) + eye
        inner = s / e + gw.reshape(lead + (1, n)) * eye
        return xp.matmul(xp.matmul(v, inner), vt)


class MatrixNormSum(Primitive):
    """Matrix norms ord = 1, -1 (max/min column sum of |A|) and inf, -inf (row sums):
    ``sum_axis`` is the axis summed, ``pick_axis`` the one maximised or minimised."""
    name = "Amax"

    @staticmethod
    def forward(ctx, a, sum_axis, pick_axis, largest, keepdim):
        xp = array_module(a)
        s = xp.sum(xp.abs(a), axis=sum_axis, keepdims=True)
        m = (xp.max if largest else xp.min)(s, axis=pick_axis, keepdims=True)
        if ctx.needs_input_grad:
            # which column (row) was picked, shared evenly among ties: piecewise constant in a
            hit = (s == m).astype(a.dtype)
            ctx.save(a, hit / xp.sum(hit, axis=pick_axis, keepdims=True))
            ctx.axes, ctx.keepdim = tuple(sorted((sum_axis, pick_axis))), keepdim
        return m if keepdim else xp.squeeze(m, axis=(sum_axis, pick_axis))

    @staticmethod
    def backward(ctx, g):
        # d/dA_ij = sign(A_ij) * weight of the picked column (row)
        a, weight = ctx.saved
        xp = array_module(g)
        return expand_reduced(g, a.shape, ctx.axes, ctx.keepdim) * xp.sign(a) * weight


class MatrixNormSumMin(MatrixNormSum):
    """ord = -1 / -inf (PyTorch records AminBackward0)."""
    name = "Amin"


class SpectralNorm(Primitive):
    """The largest (ord 2) or smallest (ord -2) singular value of the last two axes.
    (The nuclear norm, their sum, is ``ops.reduce.NuclearNorm``.)"""
    name = "LinalgSvd"

    @staticmethod
    def forward(ctx, a, ord):
        xp = array_module(a)
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        if ord == 2:
            ctx.save(xp.matmul(u[..., :, :1], vh[..., :1, :]))
            return s[..., 0]
        ctx.save(xp.matmul(u[..., :, -1:], vh[..., -1:, :]))
        return s[..., -1]

    @staticmethod
    def backward(ctx, g):
        # d sigma_k / dA = u_k v_k^T  (for a distinct singular value)
        uv, = ctx.saved
        return _mat(g) * uv
