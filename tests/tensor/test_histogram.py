"""histc, histogram and bincount against PyTorch: counts (incl. values on bin edges),
ranges, weights, density, dtypes and errors."""
import numpy as np
import pytest
import torch

import ember
from tests.helpers import assert_close, check, check_error, rand


def both(fn, *arrays):
    e = fn(ember, *[ember.tensor(a) for a in arrays])
    t = fn(torch, *[torch.tensor(a) for a in arrays])
    assert_close(e, t)
    return e, t


@pytest.mark.parametrize("bins", [1, 4, 7, 100])
@pytest.mark.parametrize("lo,hi", [(0, 0), (-1, 1), (-0.5, 0.25), (3, 3)])
def test_histc(bins, lo, hi):
    both(lambda lib, x: lib.histc(x, bins, lo, hi), rand(5, 40))
    both(lambda lib, x: x.histc(bins=bins, min=lo, max=hi), rand(33, dtype=np.float64))


def test_histc_edges_and_special_inputs():
    # values exactly on the (float32) edges, and the right end in the last bin
    both(lambda lib, x: lib.histc(x, 10, 0, 1), np.linspace(0, 1, 101, dtype=np.float32))
    both(lambda lib, x: lib.histc(x, 3, 0, 0.3), np.array([0.1, 0.2, 0.3, 0.30000001], dtype=np.float32))
    both(lambda lib, x: lib.histc(x, 5), np.ones(3, np.float32))          # one value: range +-1
    both(lambda lib, x: lib.histc(x, 5), np.zeros(0, np.float32))
    both(lambda lib, x: lib.histc(x, 4, 0, 2), np.array([1.0, np.nan, 3.0, -1.0], np.float32))
    both(lambda lib, x: lib.histc(x, 6), rand(4, 4, dtype=np.float16))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.histc(x, -1), lambda lib, x: lib.histc(x, 5, 1, 0),
    lambda lib, x: lib.histc(x.long(), 5), lambda lib, x: lib.histc(x, 5, 0, float("inf")),
    lambda lib, x: lib.histc(x * float("nan"), 5),
])
def test_histc_errors(fn):
    check_error(fn, rand(3, 4))


@pytest.mark.parametrize("bins", [1, 3, 10, 64])
def test_histogram_int_bins(bins):
    both(lambda lib, x: tuple(lib.histogram(x, bins)), rand(7, 9))
    both(lambda lib, x: tuple(x.histogram(bins, range=(-1.0, 1.5))), rand(50, dtype=np.float64))
    both(lambda lib, x: tuple(lib.histogram(x, bins, density=True)), rand(40))


def test_histogram_edges_weights_density_and_named_result():
    x = np.linspace(-1, 1, 201, dtype=np.float32)
    both(lambda lib, x: tuple(lib.histogram(x, 7)), x)                   # many values near edges
    both(lambda lib, x: tuple(lib.histogram(x, 3, range=(0.0, 0.3))), np.float32([0.1, 0.2, 0.3]))
    both(lambda lib, x, b: tuple(lib.histogram(x, b)), rand(30), np.float32([-1, 0, 0.5, 2]))
    both(lambda lib, x, b, w: tuple(lib.histogram(x, b, weight=w, density=True)), rand(30),
         np.float32([-1, 0, 0.5, 2]), rand(30, low=0, high=1))
    both(lambda lib, x, w: tuple(lib.histogram(x, 5, weight=w)), rand(4, 5), rand(4, 5))
    both(lambda lib, x: tuple(lib.histogram(x, 4, range=(1.0, 1.0))), rand(10))
    both(lambda lib, x: tuple(lib.histogram(x, 4)), np.zeros(0, np.float32))
    both(lambda lib, x: tuple(lib.histogram(x, 4, density=True)), np.zeros(0, np.float32))
    both(lambda lib, x: tuple(lib.histogram(x, 4, range=(0.0, 2.0))), np.float32([np.nan, 1.0]))
    r = ember.histogram(ember.tensor([0.0, 1.0, 1.0]), 2)
    assert type(r).__name__ == "histogram" and r.hist.tolist() == [1.0, 2.0]
    assert r.bin_edges.tolist() == [0.0, 0.5, 1.0]


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.histogram(x, 0), lambda lib, x: lib.histogram(x, lib.tensor([0.0, 1.0]).double()),
    lambda lib, x: lib.histogram(x, lib.tensor([[0.0, 1.0]])), lambda lib, x: lib.histogram(x, lib.tensor([])),
    lambda lib, x: lib.histogram(x, 4, range=(1.0, 0.0)), lambda lib, x: lib.histogram(x, 4, range=(0.0, float("inf"))),
    lambda lib, x: lib.histogram(x, 4, weight=lib.ones(3)), lambda lib, x: lib.histogram(x, 4, weight=lib.ones(3, 4).double()),
    lambda lib, x: lib.histogram(x.long(), 4), lambda lib, x: lib.histogram(x * float("nan"), 4),
    lambda lib, x: lib.histogram(x, bins=3.5),
])
def test_histogram_errors(fn):
    check_error(fn, rand(3, 4))


def test_bincount():
    x = np.array([1, 3, 3, 0, 7], np.int64)
    both(lambda lib, x: lib.bincount(x), x)
    both(lambda lib, x: x.bincount(minlength=10), x)
    both(lambda lib, x, w: lib.bincount(x, w), x, rand(5))
    both(lambda lib, x, w: lib.bincount(x, w), x, rand(5, dtype=np.float64))
    both(lambda lib, x, w: lib.bincount(x, w, 9), x, rand(5, dtype=np.int64))
    both(lambda lib, x, w: lib.bincount(x, w), x, rand(5, dtype=np.float16))
    both(lambda lib, x: lib.bincount(x), np.zeros(0, np.int64))
    both(lambda lib, x: lib.bincount(x), np.array([1, 2, 2], np.uint8))
    both(lambda lib, x: lib.bincount(x), np.array([4, 2, 2], np.int32))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.bincount(x - 5), lambda lib, x: lib.bincount(x.float()),
    lambda lib, x: lib.bincount(x.reshape(1, -1)), lambda lib, x: lib.bincount(x, lib.ones(3)),
    lambda lib, x: lib.bincount(x, minlength=-1), lambda lib, x: lib.bincount(x.bool()),
])
def test_bincount_errors(fn):
    check_error(fn, np.array([1, 3, 3, 0], np.int64))


def test_no_gradients():
    x = ember.rand(10, requires_grad=True)
    assert not ember.histc(x).requires_grad
    assert not ember.histogram(x, 3).hist.requires_grad
