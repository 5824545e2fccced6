"""The second round of torch.linalg functions against PyTorch: pinv, matrix_rank,
lstsq, cond, solve_triangular, matrix_power, matrix_exp, vander, diagonal, LU
(lu_factor(_ex), lu, lu_solve) and inv_ex / solve_ex / cholesky_ex: values, dtypes,
named results, gradients (gradcheck in float64) and errors."""
import numpy as np
import pytest
import torch

import ember
from tests.helpers import assert_close, check, check_error, rand

G = np.random.default_rng(11)


def well(*shape, dtype=np.float64):
    """Well-conditioned square (batches of) matrices."""
    n = shape[-1]
    return (G.standard_normal(shape) + n * np.eye(n)).astype(dtype)


def gradcheck(fn, *arrays):
    ts = [ember.tensor(a, requires_grad=True) for a in arrays]
    assert ember.autograd.gradcheck(fn, tuple(ts))


# ---------------------------------------------------------------- pinv, rank, lstsq, cond
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3), (4, 4)])
def test_pinv(shape):
    check(lambda lib, a: lib.linalg.pinv(a), G.standard_normal(shape))
    check(lambda lib, a: lib.linalg.pinv(a), G.standard_normal(shape).astype(np.float32), atol=1e-4, rtol=1e-3)
    gradcheck(ember.linalg.pinv, G.standard_normal(shape))


def test_pinv_tolerances_hermitian_and_rank_deficient():
    low = G.standard_normal((5, 2)) @ G.standard_normal((2, 4))            # rank 2
    check(lambda lib, a: lib.linalg.pinv(a), low)
    check(lambda lib, a: lib.linalg.pinv(a, rtol=0.3), G.standard_normal((4, 3)))
    check(lambda lib, a: lib.linalg.pinv(a, atol=0.5), G.standard_normal((4, 3)))
    check(lambda lib, a: lib.linalg.pinv(a, atol=0.5, rtol=0.1), G.standard_normal((2, 4, 3)))
    s = G.standard_normal((4, 4))
    check(lambda lib, a: lib.linalg.pinv(a + a.mT, hermitian=True), s)
    check(lambda lib, a: lib.linalg.pinv(a), np.zeros((0, 3)))
    check_error(lambda lib, a: lib.linalg.pinv(a), rand(3))
    check_error(lambda lib, a: lib.linalg.pinv(a.long()), rand(3, 3))


def test_matrix_rank():
    low = G.standard_normal((2, 5, 2)) @ G.standard_normal((2, 2, 4))
    for fn in (lambda lib, a: lib.linalg.matrix_rank(a), lambda lib, a: lib.linalg.matrix_rank(a, atol=1.0),
               lambda lib, a: lib.linalg.matrix_rank(a, rtol=0.5), lambda lib, a: lib.linalg.matrix_rank(a, 1.0),
               lambda lib, a: lib.linalg.matrix_rank(a @ a.mT, hermitian=True)):
        check(fn, low)
        check(fn, G.standard_normal((3, 4)).astype(np.float32))
    check_error(lambda lib, a: lib.linalg.matrix_rank(a), rand(3))


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
def test_lstsq(driver):
    tall, wide = G.standard_normal((5, 3)), G.standard_normal((3, 5))
    for a, b in ((tall, G.standard_normal((5, 2))), (wide, G.standard_normal((3, 2))),
                 (G.standard_normal((2, 5, 3)), G.standard_normal((2, 5, 4)))):
        if driver == "gels" and a.shape[-2] < a.shape[-1]:
            continue
        check(lambda lib, x, y: tuple(lib.linalg.lstsq(x, y, driver=driver)), a, b)
    check(lambda lib, x, y: tuple(lib.linalg.lstsq(x, y, driver=driver)), tall, G.standard_normal(5))
    r = ember.linalg.lstsq(ember.tensor(tall), ember.tensor(tall[:, :1]), driver=driver)
    assert type(r).__name__ == "linalg_lstsq" and r.solution.shape == (3, 1)


def test_lstsq_rank_deficient_gradcheck_and_errors():
    low = G.standard_normal((5, 2)) @ G.standard_normal((2, 3))
    check(lambda lib, x, y: tuple(lib.linalg.lstsq(x, y)), low, G.standard_normal((5, 2)))
    gradcheck(lambda x, y: ember.linalg.lstsq(x, y).solution, G.standard_normal((5, 3)), G.standard_normal((5, 2)))
    for fn in (lambda lib, x, y: lib.linalg.lstsq(x, y.double()), lambda lib, x, y: lib.linalg.lstsq(x, y[:3]),
               lambda lib, x, y: lib.linalg.lstsq(x, y, driver="foo"), lambda lib, x, y: lib.linalg.lstsq(x[0], y)):
        check_error(fn, rand(5, 3), rand(5, 2))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", float("inf"), -float("inf"), 1, -1])
def test_cond(p):
    # PyTorch 2.13's backward fails for the matrix-norm orders (an inv_ex output it modifies in place)
    grad = p in (None, 2, -2, "nuc")
    check(lambda lib, a: lib.linalg.cond(a, p), well(2, 3, 3), grad=grad)
    if not grad:
        gradcheck(lambda t: ember.linalg.cond(t, p), well(2, 3, 3))
    check(lambda lib, a: lib.linalg.cond(a, p), well(3, 3, dtype=np.float32), atol=1e-3, rtol=1e-3, grad=grad)


def test_cond_singular_rectangular_and_errors():
    check(lambda lib, a: lib.linalg.cond(a, 1), np.float64([[1, 2], [2, 4]]), grad=False)
    check(lambda lib, a: lib.linalg.cond(a), G.standard_normal((3, 5)))
    check_error(lambda lib, a: lib.linalg.cond(a, 1), rand(3, 4))
    check_error(lambda lib, a: lib.linalg.cond(a, 3), rand(3, 3))


# ---------------------------------------------------------------- triangular solves, powers, exp, vander
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    a = well(3, 3)
    b = G.standard_normal((3, 2) if left else (2, 3))
    check(lambda lib, x, y: lib.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit), a, b)
    check(lambda lib, x, y: lib.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit),
          well(2, 1, 3, 3), G.standard_normal((2, 3, 3)))
    tri = (lambda t: t.triu(1 if unit else 0)) if upper else (lambda t: t.tril(-1 if unit else 0))
    gradcheck(lambda x, y: ember.linalg.solve_triangular(tri(x), y, upper=upper, left=left, unitriangular=unit),
              a, b)


def test_solve_triangular_promotes_and_singular():
    check(lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True), well(3, 3, dtype=np.float32),
          G.standard_normal((3, 2)), grad=False)
    a = np.eye(3)
    a[1, 1] = 0
    check(lambda lib, x, y: lib.linalg.solve_triangular(x, y, upper=True), a, np.ones((3, 1)), grad=False)


def test_solve_triangular_errors():
    for fn in (lambda lib, a, b: lib.linalg.solve_triangular(a, b[:2], upper=True),
               lambda lib, a, b: lib.linalg.solve_triangular(a[:, :2], b, upper=True),
               lambda lib, a, b: lib.linalg.solve_triangular(a, b[:, 0], upper=True)):
        check_error(fn, rand(3, 3), rand(3, 2))


@pytest.mark.parametrize("n", [-2, 0, 1, 4])
def test_linalg_matrix_power(n):
    check(lambda lib, a: lib.linalg.matrix_power(a, n), well(2, 3, 3))


@pytest.mark.parametrize("scale", [0.01, 1.0, 8.0])
def test_matrix_exp(scale):
    a = G.standard_normal((2, 4, 4)) * scale
    check(lambda lib, x: lib.linalg.matrix_exp(x), a, rtol=1e-8 * max(1, scale ** 2))
    check(lambda lib, x: x.matrix_exp(), a[0].astype(np.float32), atol=1e-4, rtol=1e-4)
    check(lambda lib, x: lib.matrix_exp(x), a[:, :1, :1])


def test_matrix_exp_gradients_and_errors():
    gradcheck(ember.linalg.matrix_exp, G.standard_normal((3, 3)))
    x = ember.tensor(G.standard_normal((2, 2)), requires_grad=True)
    assert ember.autograd.gradgradcheck(ember.linalg.matrix_exp, (x,))
    check(lambda lib, x: lib.linalg.matrix_exp(x), np.zeros((0, 0)))
    check_error(lambda lib, x: lib.linalg.matrix_exp(x), rand(2, 3))
    check_error(lambda lib, x: lib.linalg.matrix_exp(x.long()), rand(2, 2))


def test_vander_and_diagonal():
    check(lambda lib, x: lib.linalg.vander(x), rand(4))
    check(lambda lib, x: lib.linalg.vander(x, N=6), rand(2, 3, dtype=np.float64))
    check(lambda lib, x: lib.linalg.vander(x), np.int64([1, 2, 3]))
    for fn in (lambda lib, x: lib.linalg.vander(x[0]), lambda lib, x: lib.linalg.vander(x, N=1)):
        check_error(fn, rand(3))
    check(lambda lib, a: lib.linalg.diagonal(a), rand(2, 3, 4))
    check(lambda lib, a: lib.linalg.diagonal(a, offset=1, dim1=0, dim2=2), rand(2, 3, 4))


# ---------------------------------------------------------------- LU
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (5, 3), (3, 5), (1, 1)])
def test_lu_factor_and_lu(shape):
    a = G.standard_normal(shape)
    check(lambda lib, x: tuple(lib.linalg.lu_factor(x)), a)
    check(lambda lib, x: tuple(lib.linalg.lu_factor_ex(x)), a.astype(np.float32))
    check(lambda lib, x: tuple(lib.linalg.lu(x)), a)
    gradcheck(lambda x: ember.linalg.lu_factor(x).LU, a)
    gradcheck(lambda x: ember.linalg.lu(x)[1:], a)


def test_lu_singular_and_errors():
    s = np.float64([[1, 2], [2, 4]])
    check(lambda lib, x: tuple(lib.linalg.lu_factor_ex(x)), s)
    check(lambda lib, x: tuple(lib.linalg.lu(x)), s, grad=False)
    check_error(lambda lib, x: lib.linalg.lu_factor(x), s)
    check_error(lambda lib, x: lib.linalg.lu_factor(x), np.zeros((2, 3, 3)))
    check_error(lambda lib, x: lib.linalg.lu_factor(x, pivot=False), rand(2, 2))
    check_error(lambda lib, x: lib.linalg.lu(x.long()), rand(2, 2))
    r = ember.linalg.lu_factor_ex(ember.tensor(s))
    assert type(r).__name__ == "linalg_lu_factor_ex" and r.info.dtype is ember.int32


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve(left, adjoint):
    a = G.standard_normal((2, 4, 4))
    b = G.standard_normal((2, 4, 3) if left else (2, 3, 4))
    check(lambda lib, x, y: lib.linalg.lu_solve(*lib.linalg.lu_factor(x), y, left=left, adjoint=adjoint), a, b)
    gradcheck(lambda x, y: ember.linalg.lu_solve(*ember.linalg.lu_factor(x), y, left=left, adjoint=adjoint),
              a[0], b[0])


def test_lu_solve_errors():
    for fn in (lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b[:, 0]),
               lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, left=False),
               lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b.double())):
        check_error(fn, rand(3, 3) + 3 * np.eye(3, dtype=np.float32), rand(3, 2))


# ---------------------------------------------------------------- the _ex forms
def test_inv_solve_cholesky_ex():
    a = well(2, 3, 3)
    spd = a @ np.swapaxes(a, -1, -2)
    check(lambda lib, x: tuple(lib.linalg.inv_ex(x)), a)
    check(lambda lib, x, y: tuple(lib.linalg.solve_ex(x, y)), a, G.standard_normal((2, 3, 2)))
    check(lambda lib, x, y: tuple(lib.linalg.solve_ex(x, y, left=False)), a, G.standard_normal((2, 2, 3)))
    check(lambda lib, x, y: tuple(lib.linalg.solve_ex(x, y)), a[0], G.standard_normal(3))
    check(lambda lib, x: tuple(lib.linalg.cholesky_ex(x)), spd)
    check(lambda lib, x: tuple(lib.linalg.cholesky_ex(x, upper=True)), spd[0])


def test_ex_forms_report_instead_of_raising():
    s = np.float64([[1, 2], [2, 4]])
    for name, args in (("inv_ex", ()), ("solve_ex", (np.ones(2),))):
        e = getattr(ember.linalg, name)(ember.tensor(s), *[ember.tensor(x) for x in args])
        t = getattr(torch.linalg, name)(torch.tensor(s), *[torch.tensor(x) for x in args])
        assert_close(e[1], t[1])
        assert not np.isfinite(e[0].numpy()).all()
        check_error(lambda lib, x: getattr(lib.linalg, name)(x, *[lib.tensor(v) for v in args], check_errors=True), s)
    for m in (s, -np.eye(3), np.stack([np.eye(2), s])):
        e, t = ember.linalg.cholesky_ex(ember.tensor(m)), torch.linalg.cholesky_ex(torch.tensor(m))
        assert_close(e.info, t.info)
    check_error(lambda lib, x: lib.linalg.cholesky_ex(x, check_errors=True), -np.eye(3))
