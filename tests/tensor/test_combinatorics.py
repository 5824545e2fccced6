"""meshgrid, cartesian_prod and combinations against PyTorch."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.helpers import check, check_error, rand


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    check(lambda lib, a, b, c: lib.meshgrid(a, b, c, indexing=indexing), rand(2), rand(3), rand(4))
    check(lambda lib, a, b: lib.meshgrid([a, b], indexing=indexing), rand(2), rand())
    check(lambda lib, a: lib.meshgrid(a, indexing=indexing), rand(3))
    check(lambda lib, a, b: lib.meshgrid(a, b, indexing=indexing), rand(3, dtype=np.int64),
          rand(0, dtype=np.int64))


def test_meshgrid_without_indexing_warns_and_uses_ij():
    a, b = rand(2), rand(3)
    with pytest.warns(UserWarning, match="indexing"):
        e = ember.meshgrid(ember.tensor(a), ember.tensor(b))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        t = torch.meshgrid(torch.tensor(a), torch.tensor(b))
    assert any("indexing" in str(x.message) for x in w)
    assert [tuple(x.shape) for x in e] == [tuple(x.shape) for x in t] == [(2, 3), (2, 3)]
    for x, y in zip(e, t):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


@pytest.mark.parametrize("fn", [
    lambda lib, a: lib.meshgrid(a, a.reshape(1, -1), indexing="ij"),
    lambda lib, a: lib.meshgrid(a, a.long(), indexing="ij"),
    lambda lib, a: lib.meshgrid(a, a, indexing="xx"),
    lambda lib, a: lib.meshgrid(indexing="ij"),
])
def test_meshgrid_errors(fn):
    check_error(fn, rand(3))


def test_cartesian_prod():
    check(lambda lib, a, b, c: lib.cartesian_prod(a, b, c), rand(2), rand(3), rand(2))
    check(lambda lib, a: lib.cartesian_prod(a), rand(3))
    check(lambda lib, a, b: lib.cartesian_prod(a, b), rand(3, dtype=np.int64), rand(2, dtype=np.int64))
    check_error(lambda lib, a: lib.cartesian_prod(a), rand(2, 2))
    check_error(lambda lib, a: lib.cartesian_prod(a, a.long()), rand(2))
    check_error(lambda lib: lib.cartesian_prod())


@pytest.mark.parametrize("r", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations(r, with_replacement):
    check(lambda lib, a: lib.combinations(a, r=r, with_replacement=with_replacement), rand(4))
    check(lambda lib, a: lib.combinations(a, r, with_replacement), rand(3, dtype=np.int64))


def test_combinations_edge_cases():
    check(lambda lib, a: lib.combinations(a), rand(0))
    check(lambda lib, a: lib.combinations(a[::2]), rand(6))
    check_error(lambda lib, a: lib.combinations(a), rand(2, 2))
    check_error(lambda lib, a: lib.combinations(a, r=-1), rand(3))
