"""rot90, diff and block_diag against PyTorch (values, dtypes, gradients, errors)."""
import numpy as np
import pytest

from tests.helpers import check, check_error, rand


@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4, 7])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (0, 2), (-1, -3), (2, 1)])
def test_rot90(k, dims):
    check(lambda lib, x: lib.rot90(x, k, dims), rand(2, 3, 4))


def test_rot90_method_default_and_noncontiguous():
    check(lambda lib, x: x.rot90(), rand(3, 5))
    check(lambda lib, x: lib.rot90(x.t()[:, ::2], 1, [0, 1]), rand(4, 6))
    check(lambda lib, x: lib.rot90(x, 1), rand(3, 2, dtype=np.int64))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.rot90(x, 1, [0]), lambda lib, x: lib.rot90(x, 1, [0, 0]),
    lambda lib, x: lib.rot90(x, 1, [0, 2]), lambda lib, x: lib.rot90(x[0], 1),
    lambda lib, x: lib.rot90(x, 1, [0, -2]),
])
def test_rot90_errors(fn):
    check_error(fn, rand(2, 3))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_diff(n, dim):
    check(lambda lib, x: lib.diff(x, n=n, dim=dim), rand(4, 5))


def test_diff_prepend_append_and_dtypes():
    check(lambda lib, x, p, a: lib.diff(x, dim=0, prepend=p, append=a), rand(3, 4), rand(2, 4), rand(1, 4))
    check(lambda lib, x, a: x.diff(n=2, append=a), rand(3, 4), rand(3, 2))
    check(lambda lib, x, p: lib.diff(x, prepend=p), rand(5), rand(1, dtype=np.int64))   # promotes
    check(lambda lib, x: lib.diff(x, n=2), rand(6, dtype=np.int64))
    check(lambda lib, x: lib.diff(x), rand(6, dtype=np.uint8))   # wraps around
    check(lambda lib, x: lib.diff(x), rand(3, 6, dtype=np.bool_))   # xor
    check(lambda lib, x: lib.diff(x), rand(0, 3))
    check(lambda lib, x: lib.diff(x[:, ::2], dim=0), rand(4, 6))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.diff(x, n=-1), lambda lib, x: lib.diff(x[0, 0]), lambda lib, x: lib.diff(x, dim=2),
    lambda lib, x: lib.diff(x, prepend=lib.ones(2)), lambda lib, x: lib.diff(x, prepend=1),
    lambda lib, x: lib.diff(x, append=lib.ones(3, 1)),
])
def test_diff_errors(fn):
    check_error(fn, rand(2, 3))


def test_block_diag():
    check(lambda lib, a, b, c: lib.block_diag(a, b, c), rand(2, 3), rand(3), rand(1, 2))
    check(lambda lib, a, b: lib.block_diag(a, b), rand(), rand(2, 1, dtype=np.float64))
    check(lambda lib, a, b: lib.block_diag(a, b), rand(2, 2, dtype=np.int64), rand(0, 3))
    check(lambda lib: lib.block_diag())
    check(lambda lib, a: lib.block_diag(a.t()), rand(2, 3))


def test_block_diag_errors():
    check_error(lambda lib, a: lib.block_diag(a), rand(1, 1, 1))
    check_error(lambda lib, a: lib.block_diag(a, 3), rand(1, 1))
