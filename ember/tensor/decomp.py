"""SVD and QR: ``torch.linalg.svd`` / ``svdvals`` / ``qr`` (re-exported by
``ember.linalg`` under those names) and the older ``torch.svd`` / ``torch.qr`` with
their Tensor methods.  Inputs are checked here with PyTorch's messages; the
factorizations and their backward live in ``ember.ops.decomp``."""
from __future__ import annotations

import warnings

from .. import return_types
from ..ops import decomp as P
from .linalg import check_matrix
from .tensor import Tensor
from .wrap import apply

__all__ = ["svd", "qr"]

_QR_MODES = ("reduced", "complete", "r")


def _matrix(op: str, A) -> Tensor:
    """A float tensor with at least two axes."""
    return check_matrix(op, A, floating=True, position=1)


def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending; ``full_matrices`` gives square
    U and Vh.  Singular vectors are defined up to sign, so differentiate functions that
    do not depend on it (PyTorch's rule)."""
    u, s, vh = apply(P.Svd, _matrix("linalg.svd", A), bool(full_matrices))
    return return_types.linalg_svd((u, s, vh))


def linalg_svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """The singular values of A, descending (gradient U diag(gS) Vh)."""
    return apply(P.Svd, _matrix("linalg.svdvals", A), False)[1]


def linalg_qr(A: Tensor, mode: str = "reduced", *, out=None):
    """(Q, R) with A = Q R, Q with orthonormal columns, R upper triangular; ``mode``
    'reduced', 'complete' (square Q) or 'r' (Q empty, not differentiable)."""
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           f"'r', or 'complete'")
    q, r = apply(P.Qr, _matrix("linalg.qr", A), mode)
    return return_types.linalg_qr((q, r))


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """The old ``torch.svd``: (U, S, V) with V = Vh^T (not Vh); ``some=False`` gives
    square U and V; ``compute_uv=False`` gives zero U (m, m) and V (n, n)."""
    A = _matrix("linalg.svd", input)
    u, s, vh = apply(P.Svd, A, not some)
    if not compute_uv:
        from .factory import zeros
        shape = tuple(A.shape)
        lead, m, n = shape[:-2], shape[-2], shape[-1]
        u = zeros(*lead, m, m, dtype=A.dtype, device=A.device)
        return return_types.svd((u, s, zeros(*lead, n, n, dtype=A.dtype, device=A.device)))
    return return_types.svd((u, s, vh.mT))


_QR_DEPRECATION = ("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
                    "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
                    "Q, R = torch.qr(A, some)\nshould be replaced with\n"
                    "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')")
_warned = []


def qr(input: Tensor, some: bool = True, *, out=None):
    """The old ``torch.qr``: ``some=False`` is mode 'complete'.  Warns once that it is
    deprecated, as PyTorch does."""
    if not _warned:
        _warned.append(True)
        warnings.warn(_QR_DEPRECATION, UserWarning, stacklevel=2)
    return return_types.qr(tuple(linalg_qr(input, "reduced" if some else "complete")))


Tensor.svd = svd
Tensor.qr = qr
