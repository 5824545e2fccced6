"""Sorting, selection and searching against torch: values, indices, dtypes, gradients."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from ember.autograd import gradcheck
from helpers import check, check_error, rand

NAN = float("nan")


def distinct(*shape, dtype=np.float32, seed=0):
    """Values without ties (a shuffled range), so indices are comparable with torch."""
    n = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    return (rng.permutation(n).astype(np.float64) - n / 2).reshape(shape).astype(dtype) / 3


@pytest.mark.parametrize("dim", [-1, 0, 1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_indices_grad(dim, descending):
    check(lambda lib, a: lib.sort(a, dim=dim, descending=descending), distinct(3, 4))
    check(lambda lib, a: a.sort(dim, descending), distinct(2, 3, 4))


def test_sort_ties_nan_and_kinds():
    x = np.array([3.0, NAN, 1.0, 2.0, 1.0, NAN, 2.0], np.float32)
    check(lambda lib, a: lib.sort(a), x)
    check(lambda lib, a: lib.sort(a, descending=True), x)
    check(lambda lib, a: lib.sort(a, stable=True, descending=True), x)
    ints = np.array([[2, 1, 2, 1, 0], [5, 5, 5, 1, 1]], np.int64)
    check(lambda lib, a: lib.sort(a, dim=1), ints)
    check(lambda lib, a: lib.sort(a, dim=1, descending=True), ints)
    check(lambda lib, a: lib.sort(a), np.array([True, False, True]))
    check(lambda lib, a: lib.sort(a), rand(dtype=np.float32))       # 0-d
    check(lambda lib, a: lib.sort(a), rand(0, 3))
    check(lambda lib, a: lib.sort(a.t(), 0), distinct(3, 4))         # non-contiguous
    check(lambda lib, a: lib.sort(a, 0), rand(4, 3, dtype=np.float64))


def test_sort_result_type():
    r = ember.sort(ember.tensor([3.0, 1.0, 2.0]))
    assert type(r).__name__ == "sort" and isinstance(r, tuple)
    assert r.values.tolist() == [1.0, 2.0, 3.0] and r.indices.tolist() == [1, 2, 0]
    assert r.indices.dtype is ember.int64 and not r.indices.requires_grad
    v, i = r
    assert v is r[0]
    assert repr(r).startswith("torch.return_types.sort(")


def test_argsort_msort():
    x = np.array([[2, 1, 2, 1], [0, 3, 3, 0]], np.int64)
    check(lambda lib, a: lib.argsort(a), x)
    check(lambda lib, a: lib.argsort(a, dim=0, descending=True), x)
    check(lambda lib, a: a.argsort(descending=True, stable=True), x)
    check(lambda lib, a: lib.argsort(a), rand())
    check(lambda lib, a: lib.msort(a), distinct(4, 3))
    check(lambda lib, a: a.msort(), distinct(4, 3))


@pytest.mark.parametrize("k", [0, 1, 3, 6])
@pytest.mark.parametrize("largest", [True, False])
def test_topk(k, largest):
    check(lambda lib, a: lib.topk(a, k, largest=largest), distinct(2, 6))
    check(lambda lib, a: a.topk(min(k, 2), dim=0, largest=largest), distinct(2, 6))


def test_topk_large_uses_partition():
    x = distinct(3, 500, seed=1)
    check(lambda lib, a: lib.topk(a, 7), x)
    check(lambda lib, a: lib.topk(a, 7, largest=False), x)
    check(lambda lib, a: lib.topk(a, 3, dim=0), distinct(300, 4, seed=2))


def test_topk_ties_compare_values():
    # with ties PyTorch's index order is an implementation detail: compare the values only
    x = np.array([1.0, 3.0, 3.0, 2.0, 3.0, NAN], np.float32)
    for largest in (True, False):
        e = ember.topk(ember.tensor(x), 4, largest=largest)
        t = torch.topk(torch.tensor(x), 4, largest=largest)
        np.testing.assert_array_equal(e.values.numpy(), t.values.numpy())
        # the indices point at the right values
        np.testing.assert_array_equal(x[e.indices.numpy()], t.values.numpy())


def test_topk_unsorted_and_0d():
    e = ember.topk(ember.tensor([1.0, 5, 3, 4, 2]), 3, sorted=False)
    assert sorted(e.values.tolist()) == [3.0, 4.0, 5.0]
    check(lambda lib, a: lib.topk(a, 1), rand())


def test_kthvalue():
    check(lambda lib, a: lib.kthvalue(a, 2), distinct(5))
    check(lambda lib, a: lib.kthvalue(a, 3, dim=0), distinct(4, 3))
    check(lambda lib, a: lib.kthvalue(a, 1, dim=1, keepdim=True), distinct(4, 3))
    check(lambda lib, a: a.kthvalue(3), distinct(2, 3))
    check(lambda lib, a: lib.kthvalue(a, 1), rand())


@pytest.mark.parametrize("fn", [
    lambda a: ember.sort(a, 1)[0],
    lambda a: ember.sort(a, 0, descending=True).values,
    lambda a: ember.topk(a, 2).values,
    lambda a: ember.topk(a, 2, dim=0, largest=False).values,
    lambda a: ember.kthvalue(a, 2, dim=1).values,
    lambda a: ember.msort(a),
])
def test_sort_gradcheck(fn):
    assert gradcheck(fn, (ember.tensor(distinct(3, 4, dtype=np.float64), requires_grad=True),))


def test_sort_double_backward():
    x = ember.tensor(distinct(5, dtype=np.float64), requires_grad=True)
    y = ember.sort(x, descending=True).values
    g, = ember.autograd.grad((y * y * ember.arange(5.0, dtype=ember.float64)).sum(), x, create_graph=True)
    g.sum().backward()
    xt = torch.tensor(distinct(5, dtype=np.float64), requires_grad=True)
    yt = torch.sort(xt, descending=True).values
    gt, = torch.autograd.grad((yt * yt * torch.arange(5.0, dtype=torch.float64)).sum(), xt, create_graph=True)
    gt.sum().backward()
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_sort_errors():
    check_error(lambda lib, a: lib.sort(a, dim=2), rand(3, 2))
    check_error(lambda lib, a: lib.sort(a, dim=1), rand(3))
    check_error(lambda lib, a: lib.topk(a, 4), rand(3), match="k out of range")
    check_error(lambda lib, a: lib.topk(a, -1), rand(3), match="k out of range")
    check_error(lambda lib, a: lib.kthvalue(a, 0), rand(5), match="out of range")
    check_error(lambda lib, a: lib.kthvalue(a, 6), rand(5), match="out of range")


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), data=st.data())
def test_sort_property(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    desc = data.draw(st.booleans())
    x = np.random.default_rng(len(shape)).integers(-3, 4, size=shape).astype(np.float32)  # many ties
    check(lambda lib, a: lib.sort(a, dim=dim, descending=desc, stable=True), x)


# ---------------------------------------------------------------- unique and searches
def test_unique():
    u = np.array([3, 1, 2, 3, 1, 5], np.int64)
    check(lambda lib, a: lib.unique(a), u)
    check(lambda lib, a: lib.unique(a, sorted=False), u)
    check(lambda lib, a: lib.unique(a, return_inverse=True, return_counts=True), u)
    check(lambda lib, a: a.unique(return_counts=True), u)
    check(lambda lib, a: lib.unique(a, return_inverse=True), u.reshape(2, 3))
    rows = np.array([[1, 2], [1, 2], [0, 5], [-1, 7]], np.int64)
    check(lambda lib, a: lib.unique(a, dim=0, return_inverse=True, return_counts=True), rows)
    check(lambda lib, a: lib.unique(a, dim=1), rows)
    check(lambda lib, a: lib.unique(a, dim=1, return_inverse=True, return_counts=True),
          np.array([[1, 1, 0], [2, 2, -3]], np.int64))
    f = np.array([3.0, NAN, 1.0, 2.0, 1.0, NAN, -0.5], np.float32)
    check(lambda lib, a: lib.unique(a), f, grad=False)
    check(lambda lib, a: lib.unique(a, return_counts=True), np.array([True, False, True]))
    check(lambda lib, a: lib.unique(a, return_inverse=True, return_counts=True), np.zeros(0, np.int64))
    check(lambda lib, a: lib.unique(a, dim=0), rand(3, 2, dtype=np.float64), grad=False)


def test_unique_consecutive():
    x = np.array([1, 1, 2, 2, 3, 1, 1, 2], np.int64)
    check(lambda lib, a: lib.unique_consecutive(a), x)
    check(lambda lib, a: lib.unique_consecutive(a, return_inverse=True, return_counts=True), x)
    check(lambda lib, a: a.unique_consecutive(return_counts=True), x)
    rows = np.array([[1, 2], [1, 2], [0, 5], [1, 2]], np.int64)
    check(lambda lib, a: lib.unique_consecutive(a, dim=0, return_inverse=True, return_counts=True), rows)


def test_searchsorted_and_bucketize():
    seq = np.array([1, 3, 5, 7], np.int64)
    vals = np.array([3, 6, 9, 0], np.int64)
    check(lambda lib, s, v: lib.searchsorted(s, v), seq, vals)
    check(lambda lib, s, v: lib.searchsorted(s, v, right=True), seq, vals)
    check(lambda lib, s, v: lib.searchsorted(s, v, side="right"), seq, vals)
    check(lambda lib, s, v: lib.searchsorted(s, v, out_int32=True), seq, vals)
    check(lambda lib, s: lib.searchsorted(s, 3), seq)
    check(lambda lib, s, v: lib.searchsorted(s, v), seq.astype(np.float32), vals)
    check(lambda lib, s, v: lib.searchsorted(s, v), seq, vals.reshape(2, 2))
    check(lambda lib, s, v: lib.searchsorted(s, v),
          np.array([[1, 3, 5, 7], [2, 4, 6, 8]], np.int64), np.array([[3, 6, 9], [3, 6, 9]], np.int64))
    check(lambda lib, s, v, o: lib.searchsorted(s, v, sorter=o),
          np.array([7, 1, 5, 3], np.int64), vals, np.array([1, 3, 2, 0], np.int64))
    check(lambda lib, v, b: lib.bucketize(v, b), np.array([[3, 6], [9, 1]], np.int64), seq)
    check(lambda lib, v, b: lib.bucketize(v, b, right=True), np.array([[3, 6], [9, 1]], np.int64), seq)
    check(lambda lib, b: lib.bucketize(4, b), seq)
    check(lambda lib, v, b: lib.bucketize(v, b), rand(5), np.array([-1.0, 0.0, 1.0], np.float32), grad=False)


def test_search_errors():
    seq2 = np.array([[1, 3, 5, 7], [2, 4, 6, 8]], np.int64)
    check_error(lambda lib, s, v: lib.searchsorted(s, v), seq2, np.array([[3, 6, 9]], np.int64),
                match="boundaries tensor should be 1 dimension")
    check_error(lambda lib, s, v: lib.searchsorted(s, v, side="left", right=True),
                np.array([1, 2], np.int64), np.array([1], np.int64), match="opposites")
    check_error(lambda lib, v, b: lib.bucketize(v, b), np.array([1], np.int64), seq2, match="1 dimension")
