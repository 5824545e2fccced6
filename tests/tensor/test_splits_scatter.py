"""hsplit/vsplit/dsplit, split_with_sizes, sum_to_size, select/slice/diagonal_scatter,
index_reduce(_) and fill_diagonal_ against PyTorch (values, gradients, errors)."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import check, check_error, rand


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.hsplit(x, 2), lambda lib, x: lib.hsplit(x, [1, 3]), lambda lib, x: x.vsplit(3),
    lambda lib, x: lib.vsplit(x, [1]), lambda lib, x: lib.hsplit(x[0], 2), lambda lib, x: lib.hsplit(x[0], [1, 5]),
    lambda lib, x: lib.dsplit(x.reshape(1, 3, 4), 2), lambda lib, x: x.reshape(3, 2, 2).dsplit([1]),
    lambda lib, x: lib.hsplit(x.t(), 3),
])
def test_np_splits(fn):
    check(fn, rand(3, 4))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.hsplit(x, 3), lambda lib, x: lib.vsplit(x[0], 3), lambda lib, x: lib.dsplit(x, 3),
    lambda lib, x: lib.hsplit(x[0, 0], 1), lambda lib, x: lib.vsplit(x, 2), lambda lib, x: lib.hsplit(x, 0),
])
def test_np_split_errors(fn):
    check_error(fn, rand(3, 4))


def test_split_with_sizes_and_sum_to_size():
    check(lambda lib, x: x.split_with_sizes([1, 2]), rand(3, 4))
    check(lambda lib, x: lib.split_with_sizes(x, [2, 0, 2], 1), rand(3, 4))
    check(lambda lib, x: x.split_with_sizes([2, 2], dim=-1), rand(3, 4))
    check_error(lambda lib, x: x.split_with_sizes([1, 1]), rand(3, 4))
    for size in ((1, 4), (4,), (3, 1), (1,), (1, 1), (3, 4)):
        check(lambda lib, x: x.sum_to_size(*size), rand(3, 4))
    check(lambda lib, x: x.sum_to_size((3, 1)), rand(3, 4))
    check(lambda lib, x: x.sum_to_size(1, 4), rand(3, 4, dtype=np.int64))
    for size in ((2, 4), (1, 1, 4), (5,), ()):
        check_error(lambda lib, x: x.sum_to_size(*size), rand(3, 4))


def test_embedding_scatters():
    check(lambda lib, x, s: lib.select_scatter(x, s, 0, 1), rand(3, 4), rand(4))
    check(lambda lib, x, s: x.select_scatter(s, -1, -2), rand(3, 4), rand(3))
    check(lambda lib, x, s: lib.select_scatter(x, s, 0, 1), rand(3, 4), rand(4, dtype=np.float64))
    check(lambda lib, x, s: lib.slice_scatter(x, s, 1, 0, 4, 2), rand(3, 4), rand(3, 2))
    check(lambda lib, x, s: lib.slice_scatter(x, s, start=2), rand(3, 4), rand(1, 4))
    check(lambda lib, x, s: x.slice_scatter(s, 0, -1, None), rand(3, 4), rand(1, 4))
    check(lambda lib, x, s: lib.slice_scatter(x, s, 1, 1, -1), rand(3, 4), rand(3, 2))
    check(lambda lib, x, s: lib.diagonal_scatter(x, s), rand(3, 4), rand(3))
    check(lambda lib, x, s: x.diagonal_scatter(s, 1), rand(3, 4), rand(3))
    check(lambda lib, x, s: lib.diagonal_scatter(x, s, -1, 1, 0), rand(3, 4), rand(3))
    check(lambda lib, x, s: lib.diagonal_scatter(x, s, 0, 0, 2), rand(2, 3, 4), rand(3, 2))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.select_scatter(x, lib.ones(3), 0, 1), lambda lib, x: lib.select_scatter(x, lib.ones(4), 0, 5),
    lambda lib, x: lib.slice_scatter(x, lib.ones(3, 2), 1), lambda lib, x: lib.diagonal_scatter(x, lib.ones(2)),
    lambda lib, x: lib.diagonal_scatter(x, lib.ones(4), 0, 1, 0),
])
def test_embedding_scatter_errors(fn):
    check_error(fn, rand(3, 4))


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(reduce, include_self):
    idx = np.int64([0, 4, 2, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x, i, s: x.index_reduce(0, i, s, reduce, include_self=include_self), rand(5, 3), idx,
              rand(4, 3))
        check(lambda lib, x, i, s: lib.index_reduce(x, 1, i, s, reduce, include_self=include_self), rand(2, 5),
              idx, rand(2, 4))
        # int32 indices: forward only (PyTorch's backward rejects them)
        check(lambda lib, x, i, s: lib.index_reduce(x, 1, i, s, reduce, include_self=include_self), rand(2, 5),
              idx.astype(np.int32), rand(2, 4), grad=False)
        check(lambda lib, x, i, s: x.clone().index_reduce_(0, i, s, reduce, include_self=include_self),
              rand(5, 3), idx, rand(4, 3))
        check(lambda lib, x, i, s: x.index_reduce(0, i, s, reduce), rand(5, 3, dtype=np.int64), idx,
              rand(4, 3, dtype=np.int64))


@pytest.mark.parametrize("fn", [
    lambda lib, x, i, s: x.index_reduce(0, i, s, "sum"), lambda lib, x, i, s: x.index_reduce(0, i.float(), s, "amax"),
    lambda lib, x, i, s: x.index_reduce(0, i + 9, s, "amax"), lambda lib, x, i, s: x.index_reduce(1, i, s, "amax"),
    lambda lib, x, i, s: x.index_reduce(0, i, s.double(), "amax"),
])
def test_index_reduce_errors(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(fn, rand(5, 3), np.int64([0, 4, 2, 0]), rand(4, 3))


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 3), False), ((5, 3), True), ((7, 3), True),
                                        ((3, 5), True), ((3, 3, 3), False), ((1, 4), False)])
def test_fill_diagonal(shape, wrap):
    check(lambda lib, x: x.clone().fill_diagonal_(2.5, wrap=wrap), rand(*shape))
    check(lambda lib, x: x.clone().fill_diagonal_(2.5, wrap), rand(*shape, dtype=np.int64))
    for fn in (lambda lib, x: x.fill_diagonal_(1), lambda lib, x: x.reshape(2, 2, 3).fill_diagonal_(1)):
        check_error(fn, rand(12))
    x = ember.zeros(3, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.fill_diagonal_(1)
