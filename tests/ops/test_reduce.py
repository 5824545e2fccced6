"""The reduction primitives' backward formulas: finite-difference gradchecks in
float64, second derivatives (create_graph=True) against PyTorch, the zero cases of
prod/cumprod, and the shape helpers on raw arrays."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember.autograd import gradcheck
from ember.ops import reduce as R

RNG = np.random.default_rng(77)


def f64(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape)


def leaf(a):
    return ember.tensor(a, dtype=ember.float64, requires_grad=True)


# ----------------------------------------------------------------------------- helpers on arrays
def test_restore_and_expand_reduced():
    g = np.arange(3.0)
    assert R.restore(g, (3, 4), (1,), False).shape == (3, 1)
    assert R.restore(g.reshape(3, 1), (3, 4), (1,), True).shape == (3, 1)
    assert R.restore(np.float64(2.0) * np.ones(()), (2, 3), None, False).shape == (1, 1)
    e = R.expand_reduced(g, (3, 4), (1,), False)
    assert e.shape == (3, 4) and np.array_equal(e[:, 2], g)
    assert R.expand_reduced(np.ones(()), (), None, False).shape == ()


def test_grad_only_computed_when_wanted():
    """Without a recording node, forward skips the masks that only backward reads."""
    from ember.autograd.node import NULL_CTX
    a = f64(3, 4)
    out = R.Amax.forward(NULL_CTX, a, axis=(1,), keepdim=False)
    assert np.allclose(out, a.max(1))
    vals, idx = R.MaxDim.forward(NULL_CTX, a, 1, False)
    assert np.array_equal(idx, a.argmax(1)) and idx.dtype == np.int64


# ----------------------------------------------------------------------------- gradcheck (float64)
GRADCHECK = {
    "sum": lambda x: x.sum(), "sum dims": lambda x: x.sum((0, 2), keepdim=True),
    "mean": lambda x: x.mean(-1), "nansum": lambda x: ember.nansum(x, 1), "nanmean": lambda x: x.nanmean(0),
    "prod": lambda x: x.prod(), "prod dim": lambda x: x.prod(1),
    "max": lambda x: x.max(), "min dim": lambda x: x.min(1).values, "max keepdim": lambda x: x.max(0, True)[0],
    "amax": lambda x: x.amax((0, 1)), "amin": lambda x: x.amin(-1), "aminmax": lambda x: x.aminmax(dim=1),
    "median": lambda x: x.median(), "median dim": lambda x: x.median(2).values, "mode": lambda x: x.mode(1).values,
    "nanmedian": lambda x: x.nanmedian(0).values,
    "var": lambda x: x.var(1), "var biased": lambda x: x.var(unbiased=False), "std": lambda x: x.std((0, 2)),
    "var_mean": lambda x: ember.var_mean(x, 1), "std_mean": lambda x: ember.std_mean(x, correction=0),
    "logsumexp": lambda x: x.logsumexp((1, 2)), "norm": lambda x: x.norm(), "norm 1": lambda x: x.norm(1, 0),
    "norm 3": lambda x: x.norm(3, (0, 1)), "norm 0.5": lambda x: x.norm(0.5), "norm 1.5": lambda x: x.norm(1.5, -1),
    "norm -1": lambda x: x.norm(-1, 1), "norm inf": lambda x: x.norm(float("inf"), 2),
    "norm -inf": lambda x: x.norm(float("-inf")), "cumsum": lambda x: x.cumsum(1), "cumprod": lambda x: x.cumprod(2),
    "cummax": lambda x: x.cummax(0).values, "cummin": lambda x: x.cummin(2).values,
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck(name):
    x = leaf(f64(2, 3, 4))
    assert gradcheck(GRADCHECK[name], (x,), eps=1e-6, atol=1e-5, rtol=1e-4)


def test_gradcheck_nuclear_norm():
    assert gradcheck(lambda x: ember.norm(x, "nuc"), (leaf(f64(3, 4)),))
    assert gradcheck(lambda x: ember.norm(x, "nuc", (0, 2)), (leaf(f64(3, 2, 4)),))


@pytest.mark.parametrize("zeros", [[(1, 2)], [(0, 0), (0, 3)], [(1, 0), (1, 1), (1, 2)]])
def test_gradcheck_zeros(zeros):
    """prod and cumprod have exact gradients where the input has one or several zeros."""
    a = f64(2, 4)
    for z in zeros:
        a[z] = 0.0
    x = leaf(a)
    assert gradcheck(lambda x: x.prod(1), (x,))
    assert gradcheck(lambda x: x.prod(), (x,))
    assert gradcheck(lambda x: x.prod(0, keepdim=True), (x,))
    assert gradcheck(lambda x: x.cumprod(1), (x,))
    assert gradcheck(lambda x: x.cumprod(0), (x,))


def test_ties_share_the_gradient_evenly():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    for fn, expected in [(lambda x: x.max(), [[0, .5, .5], [0, 0, 0]]),
                         (lambda x: x.amax(1).sum(), [[0, .5, .5], [1 / 3, 1 / 3, 1 / 3]]),
                         (lambda x: x.min(), [[1, 0, 0], [0, 0, 0]]),
                         (lambda x: x.max(1).values.sum(), [[0, 1, 0], [1, 0, 0]]),
                         (lambda x: x.norm(float("inf")), [[0, .5, .5], [0, 0, 0]])]:
        x = leaf(a)
        fn(x).backward()
        np.testing.assert_allclose(x.grad.numpy(), expected)


# ----------------------------------------------------------------------------- second derivatives vs torch
SECOND = {
    "sum": lambda lib, x: (x * x).sum(1),
    "sum full": lambda lib, x: (x * x * x).sum(),
    "mean": lambda lib, x: (x * x).mean((0, 1)),
    "prod": lambda lib, x: x.prod(1),
    "prod full": lambda lib, x: x.prod(),
    "var": lambda lib, x: x.var(0),
    "var biased": lambda lib, x: x.var(1, unbiased=False, keepdim=True),
    "std": lambda lib, x: x.std(1),
    "var_mean": lambda lib, x: lib.var_mean(x, 1)[0] * lib.var_mean(x, 1)[1],
    "logsumexp": lambda lib, x: lib.logsumexp(x, 1),
    "logsumexp full": lambda lib, x: lib.logsumexp(x, (0, 1)),
    "norm": lambda lib, x: x.norm(),
    "norm dim": lambda lib, x: lib.norm(x, 2, 1, True),
    "cumsum": lambda lib, x: (x * x).cumsum(1),
    "cumprod": lambda lib, x: x.cumprod(1),
    "amax": lambda lib, x: (x * x).amax(1),
    "max dim": lambda lib, x: (x * x).max(0).values,
}


def _second(lib, fn, a, v, w):
    x = lib.tensor(a, requires_grad=True)
    y = fn(lib, x)
    g, = lib.autograd.grad(y, x, lib.tensor(v.reshape(tuple(y.shape))), create_graph=True)
    (g * lib.tensor(w)).sum().backward()
    return g.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", sorted(SECOND))
@pytest.mark.parametrize("data", ["random", "with a zero", "two zeros"])
def test_second_derivative(name, data):
    a = f64(3, 4)
    if data == "two zeros":
        a[1, 1] = a[1, 3] = a[2, 0] = 0.0
    if data == "with a zero":
        if name.startswith("norm") or name.startswith("std"):
            a[1] = 0.0  # a zero slice: the subgradient 0 must also hold under create_graph
        else:
            a[1, 2] = 0.0
    fn = SECOND[name]
    with torch.no_grad():
        out_shape = tuple(fn(torch, torch.tensor(a)).shape)
    v = RNG.standard_normal(out_shape)
    w = RNG.standard_normal(a.shape)
    tg, tgg = _second(torch, fn, a, v, w)
    eg, egg = _second(ember, fn, a, v, w)
    np.testing.assert_allclose(eg, tg, rtol=1e-9, atol=1e-10)
    if name == "norm dim" and data == "with a zero":
        # PyTorch's second derivative is NaN at the zero vector; ember keeps the subgradient 0
        assert np.isnan(tgg).any() and np.all(egg[np.isnan(tgg)] == 0)
        tgg = np.where(np.isnan(tgg), 0.0, tgg)
    np.testing.assert_allclose(egg, tgg, rtol=1e-9, atol=1e-10)


def test_second_derivative_creates_graph_of_reductions():
    x = ember.tensor(f64(3, 4), requires_grad=True)
    g, = ember.autograd.grad(x.prod(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
