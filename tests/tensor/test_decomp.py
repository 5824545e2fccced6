"""SVD and QR against PyTorch: values, the gradients of gauge-invariant functions of
the factors (singular vectors are defined up to sign), float64 gradcheck, the old
torch.svd / torch.qr, and errors."""
import numpy as np
import pytest
import torch

import ember
from tests.helpers import check, check_error, rand

SHAPES = [(4, 3), (3, 4), (3, 3), (2, 5, 3), (2, 3, 5), (1, 1)]


def _k(shape):
    return min(shape[-2:])


def _svd_parts(lib, A, full):
    """Gauge-invariant functions of each factor: U diag(S) Vh, U S^2 U^T, Vh^T S Vh, S."""
    U, S, Vh = lib.linalg.svd(A, full_matrices=full)
    k = S.shape[-1]
    U, Vh = U[..., :, :k], Vh[..., :k, :]
    rec = (U * S.unsqueeze(-2)) @ Vh
    left = (U * (S * S).unsqueeze(-2)) @ U.mT
    right = Vh.mT @ (S.unsqueeze(-1) * Vh)
    return rec, left, right, S


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("full", [True, False])
def test_svd_gauge_invariant_values_and_grads(shape, full):
    check(lambda lib, A: _svd_parts(lib, A, full), rand(*shape), atol=1e-4, rtol=1e-3)
    check(lambda lib, A: _svd_parts(lib, A, full), rand(*shape, dtype=np.float64))


@pytest.mark.parametrize("shape", SHAPES)
def test_svd_shapes_dtypes_and_orthogonality(shape):
    for full in (True, False):
        e = ember.linalg.svd(ember.tensor(rand(*shape)), full_matrices=full)
        t = torch.linalg.svd(torch.tensor(rand(*shape)), full_matrices=full)
        assert [tuple(x.shape) for x in e] == [tuple(x.shape) for x in t]
        assert [str(x.dtype) for x in e] == [str(x.dtype) for x in t]
        U = e.U.numpy()
        np.testing.assert_allclose(np.swapaxes(U, -1, -2) @ U, np.broadcast_to(np.eye(U.shape[-1]), U.shape[:-2] +
                                   (U.shape[-1],) * 2), atol=1e-5)


def test_svd_only_singular_values_grad():
    check(lambda lib, A: lib.linalg.svdvals(A), rand(2, 4, 3))
    check(lambda lib, A: lib.linalg.svd(A)[1], rand(3, 5, dtype=np.float64))
    # a rank-deficient input: differentiating S alone needs no division by S
    a = np.outer(rand(4), rand(3)).astype(np.float64)
    check(lambda lib, A: lib.linalg.svdvals(A)[0], a)


def test_svd_gradcheck_float64():
    A = ember.tensor(rand(4, 3, dtype=np.float64), requires_grad=True)
    for full in (True, False):
        assert ember.autograd.gradcheck(lambda a: _svd_parts(ember, a, full), (A,))
    B = ember.tensor(rand(2, 3, 4, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: _svd_parts(ember, a, False), (B,))


def test_svd_zero_size_and_noncontiguous():
    check(lambda lib, A: lib.linalg.svd(A), rand(0, 3), grad=False)
    check(lambda lib, A: lib.linalg.svd(A, full_matrices=False), rand(3, 0), grad=False)
    check(lambda lib, A: _svd_parts(lib, A.mT[:, ::2], False), rand(6, 4))


def test_old_svd():
    def parts(lib, A, some):
        U, S, V = lib.svd(A, some=some)
        k = S.shape[-1]
        return (U[..., :k] * S.unsqueeze(-2)) @ V[..., :k].mT, V[..., :k] @ V[..., :k].mT
    check(lambda lib, A: parts(lib, A, True), rand(4, 3))
    check(lambda lib, A: parts(lib, A, False), rand(2, 3, 5))
    check(lambda lib, A: A.svd(compute_uv=False), rand(4, 3))
    e, t = ember.tensor(rand(3, 4)).svd(some=False), torch.tensor(rand(3, 4)).svd(some=False)
    assert [tuple(x.shape) for x in e] == [tuple(x.shape) for x in t]
    assert type(e).__name__ == "svd" and hasattr(e, "V")


@pytest.mark.parametrize("fn", [
    lambda lib, A: lib.linalg.svd(A[0]), lambda lib, A: lib.linalg.svd(A.long()),
    lambda lib, A: lib.linalg.svdvals(A[0]), lambda lib, A: lib.svd(A.long()),
    lambda lib, A: lib.linalg.svd(A * float("nan")), lambda lib, A: lib.linalg.svd([[1.0]]),
])
def test_svd_errors(fn):
    check_error(fn, rand(3, 3))


def test_svd_nan_input_raises_linalg_error():
    with pytest.raises(ember.linalg.LinAlgError, match="non-finite"):
        ember.linalg.svd(ember.tensor([[float("nan"), 1.0], [1.0, 1.0]]))


# ---------------------------------------------------------------- QR
@pytest.mark.parametrize("shape", SHAPES + [(2, 1, 4), (5, 1)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr_values_and_grads(shape, mode):
    differentiable = mode == "reduced" or shape[-2] <= shape[-1]
    # the same LAPACK routines (geqrf, orgqr) in both: Q and R match, signs included
    check(lambda lib, A: tuple(lib.linalg.qr(A, mode=mode)), rand(*shape), grad=differentiable,
          atol=1e-4, rtol=1e-3)
    check(lambda lib, A: tuple(lib.linalg.qr(A, mode=mode)), rand(*shape, dtype=np.float64),
          grad=differentiable)


def test_qr_one_output_used_and_gradcheck():
    check(lambda lib, A: lib.linalg.qr(A).Q, rand(4, 3, dtype=np.float64))
    check(lambda lib, A: lib.linalg.qr(A).R, rand(3, 5, dtype=np.float64))
    check(lambda lib, A: lib.linalg.qr(A).Q, rand(3, 5, dtype=np.float64))
    for shape in [(4, 3), (3, 3), (3, 5), (2, 3, 4)]:
        A = ember.tensor(rand(*shape, dtype=np.float64), requires_grad=True)
        assert ember.autograd.gradcheck(lambda a: tuple(ember.linalg.qr(a)), (A,))


def test_qr_mode_r_and_old_qr():
    check(lambda lib, A: tuple(lib.linalg.qr(A, mode="r")), rand(4, 3), grad=False)
    check(lambda lib, A: tuple(lib.qr(A)), rand(4, 3))
    check(lambda lib, A: tuple(A.qr(some=False)), rand(3, 4))
    check(lambda lib, A: tuple(lib.qr(A, some=False)), rand(4, 3), grad=False)
    check(lambda lib, A: tuple(lib.linalg.qr(A)), rand(0, 3), grad=False)
    check(lambda lib, A: tuple(lib.linalg.qr(A, mode="complete")), rand(3, 0), grad=False)
    check(lambda lib, A: tuple(lib.linalg.qr(A.mT[::2])), rand(3, 6))
    assert type(ember.linalg.qr(ember.ones(2, 2))).__name__ == "linalg_qr"
    assert type(ember.qr(ember.ones(2, 2))).__name__ == "qr"


@pytest.mark.parametrize("fn", [
    lambda lib, A: lib.linalg.qr(A, mode="x"), lambda lib, A: lib.linalg.qr(A[0]),
    lambda lib, A: lib.linalg.qr(A.long()),
    lambda lib, A: lib.linalg.qr(A.requires_grad_(), mode="r")[1].sum().backward(),
    lambda lib, A: lib.linalg.qr(A.requires_grad_(), mode="complete")[0].sum().backward(),
])
def test_qr_errors(fn):
    check_error(fn, rand(4, 3))


def test_second_derivatives_match_torch():
    """The backward formulas run on tensors (create_graph=True)."""
    a = rand(4, 3, dtype=np.float64)
    hs = []
    for lib in (ember, torch):
        A = lib.tensor(a, requires_grad=True)
        U, S, Vh = lib.linalg.svd(A, full_matrices=False)
        Q, R = lib.linalg.qr(A)
        f = ((U * S.unsqueeze(-2)) @ Vh).pow(3).sum() + S.pow(3).sum() + Q.pow(3).sum() + R.pow(3).sum()
        g, = lib.autograd.grad(f, A, create_graph=True)
        h, = lib.autograd.grad(g.pow(2).sum(), A)
        hs.append(h.detach().numpy())
    np.testing.assert_allclose(hs[0], hs[1], rtol=1e-8, atol=1e-8)


def test_old_qr_warns_deprecation_once():
    import importlib
    dm = importlib.import_module("ember.tensor.decomp")
    dm._warned.clear()
    with pytest.warns(UserWarning, match="torch.qr is deprecated in favor of torch.linalg.qr"):
        ember.qr(ember.ones(2, 2))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.qr(ember.ones(2, 2))
