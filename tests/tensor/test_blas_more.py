"""addr, diagflat, the in-place addmm_/addmv_/baddbmm_/addbmm_/addr_, matrix_power,
pinverse, cholesky_solve and cholesky_inverse against PyTorch (values, gradients,
gradcheck in float64, errors)."""
import numpy as np
import pytest

import ember
from tests.helpers import check, check_error, rand


def spd(n, batch=(), dtype=np.float32, seed=0):
    g = np.random.default_rng(seed)
    a = g.standard_normal(batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def test_addr():
    check(lambda lib, m, v, w: lib.addr(m, v, w), rand(3, 4), rand(3), rand(4))
    check(lambda lib, m, v, w: m.addr(v, w, beta=2, alpha=-0.5), rand(4), rand(3), rand(4))
    check(lambda lib, m, v, w: lib.addr(m, v, w, beta=0), rand(3, 4) * np.nan, rand(3), rand(4))
    check(lambda lib, m, v, w: lib.addr(m, v, w, alpha=2), rand(3, 4, dtype=np.int64), rand(3, dtype=np.int64),
          rand(4, dtype=np.int64))
    check(lambda lib, m, v, w: lib.addr(m, v, w), rand(3, 4, dtype=np.bool_), rand(3, dtype=np.bool_),
          rand(4, dtype=np.bool_))
    check(lambda lib, m, v, w: lib.addr(m, v, w), rand(3, 4), rand(3, dtype=np.float64), rand(4), grad=False)
    check(lambda lib, m, v, w: m.clone().addr_(v, w, alpha=3), rand(3, 4), rand(3), rand(4))


@pytest.mark.parametrize("fn", [
    lambda lib, m, v, w: lib.addr(m, v[None], w), lambda lib, m, v, w: lib.addr(m, v, w[:2]),
    lambda lib, m, v, w: lib.addr(m.long(), v.long(), w.long(), alpha=2.5), lambda lib, m, v, w: m[0].addr_(v, w),
])
def test_addr_errors(fn):
    check_error(fn, rand(3, 4), rand(3), rand(4))


def test_inplace_products():
    check(lambda lib, m, a, b: m.clone().addmm_(a, b, beta=0.5, alpha=2), rand(3, 4), rand(3, 5), rand(5, 4))
    check(lambda lib, m, a, v: m.clone().addmv_(a, v), rand(3), rand(3, 5), rand(5))
    check(lambda lib, m, a, b: m.clone().baddbmm_(a, b, alpha=0.5), rand(2, 3, 4), rand(2, 3, 5), rand(2, 5, 4))
    check(lambda lib, m, a, b: m.clone().addbmm_(a, b, beta=2), rand(3, 4), rand(2, 3, 5), rand(2, 5, 4))
    check_error(lambda lib, m, a, b: m[0].addmm_(a, b), rand(3, 4), rand(3, 5), rand(5, 4))
    x = ember.ones(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.addmm_(ember.ones(3, 2), ember.ones(2, 4))


def test_diagflat():
    check(lambda lib, x: lib.diagflat(x), rand(2, 3))
    check(lambda lib, x: x.diagflat(1), rand(3))
    check(lambda lib, x: lib.diagflat(x, -2), rand(3, dtype=np.int64))
    check(lambda lib, x: lib.diagflat(x), rand())
    check(lambda lib, x: lib.diagflat(x.t()), rand(2, 3))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, -1, -3])
def test_matrix_power(n):
    a = (np.eye(3) + 0.3 * rand(3, 3)).astype(np.float32)
    check(lambda lib, x: lib.matrix_power(x, n), a, atol=1e-4, rtol=1e-4)
    check(lambda lib, x: x.matrix_power(n), np.stack([a, a.T]).astype(np.float64))


def test_matrix_power_ints_gradcheck_and_errors():
    check(lambda lib, x: lib.matrix_power(x, 3), rand(3, 3, dtype=np.int64))
    check(lambda lib, x: lib.matrix_power(x, 0), rand(3, 3, dtype=np.int64))
    x = ember.tensor(np.eye(3) + 0.2 * np.random.default_rng(0).standard_normal((3, 3)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ember.matrix_power(t, 5), (x,))
    assert ember.autograd.gradcheck(lambda t: ember.matrix_power(t, -2), (x,))
    for fn in (lambda lib, x: lib.matrix_power(x[:, :2], 2), lambda lib, x: lib.matrix_power(x[0], 2),
               lambda lib, x: lib.matrix_power(x.long(), -1)):
        check_error(fn, rand(3, 3))


def test_pinverse():
    check(lambda lib, x: lib.pinverse(x), rand(4, 3), atol=1e-4, rtol=1e-3)
    check(lambda lib, x: x.pinverse(), rand(2, 3, 5, dtype=np.float64))
    check(lambda lib, x: lib.pinverse(x, 0.5), rand(4, 3, dtype=np.float64))
    check_error(lambda lib, x: lib.pinverse(x), rand(3))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    a = spd(3, dtype=np.float64)
    L = np.linalg.cholesky(a)
    f = L.T.copy() if upper else L
    check(lambda lib, b, l: lib.cholesky_solve(b, l, upper), rand(3, 2, dtype=np.float64), f)
    check(lambda lib, b, l: b.cholesky_solve(l, upper=upper), rand(2, 3, 2, dtype=np.float64), f)
    check(lambda lib, l: lib.cholesky_inverse(l, upper), f)
    check(lambda lib, l: l.cholesky_inverse(upper=upper), f.astype(np.float32), atol=1e-4, rtol=1e-4)
    lb = np.linalg.cholesky(spd(3, (2,), seed=1)).astype(np.float64)
    lb = np.swapaxes(lb, -1, -2).copy() if upper else lb
    check(lambda lib, l: lib.cholesky_inverse(l, upper), lb)
    b = ember.tensor(np.random.default_rng(4).standard_normal((3, 2)), requires_grad=True)
    lt = ember.tensor(f, requires_grad=True)
    # the factor's other triangle is never read: check through tril/triu (PyTorch's formula is
    # the derivative on the read triangle, and the same expression elsewhere)
    tri = (lambda y: y.triu()) if upper else (lambda y: y.tril())
    assert ember.autograd.gradcheck(lambda x, y: ember.cholesky_solve(x, tri(y), upper), (b, lt))
    assert ember.autograd.gradcheck(lambda y: ember.cholesky_inverse(tri(y), upper), (lt,))


@pytest.mark.parametrize("fn", [
    lambda lib, b, l: lib.cholesky_solve(b[:, 0], l), lambda lib, b, l: lib.cholesky_solve(b[:2], l),
    lambda lib, b, l: lib.cholesky_solve(b.double(), l), lambda lib, b, l: lib.cholesky_solve(b.long(), l.long()),
    lambda lib, b, l: lib.cholesky_inverse(l[0]), lambda lib, b, l: lib.cholesky_inverse(l[:, :2]),
])
def test_cholesky_errors(fn):
    check_error(fn, rand(3, 2), np.linalg.cholesky(spd(3)).astype(np.float32))
