"""Reductions against PyTorch: values, dtypes, shapes, gradients and errors, over
dims (int, negative, tuple, empty), keepdim, float32/float64, non-contiguous, 0-d
and zero-size inputs, and inputs built with ties."""
from __future__ import annotations


import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from helpers import check, check_error, rand

RNG = np.random.default_rng(1234)
SHAPE = (3, 4, 5)
DIMS = [None, 0, -1, 1, (0, 2), (-1, 0), [1], (0, 1, 2)]
FLOATS = [np.float32, np.float64]


def ties(*shape, dtype=np.float32, levels=3):
    """Small integers as floats: many equal values (ties) in every slice."""
    return RNG.integers(0, levels, size=shape).astype(dtype)


def dim_kw(dim, keepdim):
    kw = {} if dim is None else {"dim": dim}
    if keepdim:
        kw["keepdim"] = True
    return kw


def grad_fn_name(t):
    return type(t.grad_fn).__name__ if isinstance(t, torch.Tensor) else t.grad_fn.name()


# ----------------------------------------------------------------------------- sum-like reductions over dim tuples
TUPLE_OPS = {
    "sum": lambda lib, x, kw: lib.sum(x, **kw),
    "mean": lambda lib, x, kw: x.mean(**kw),
    "nansum": lambda lib, x, kw: lib.nansum(x, **kw),
    "nanmean": lambda lib, x, kw: lib.nanmean(x, **kw),
    "amax": lambda lib, x, kw: lib.amax(x, **kw),
    "amin": lambda lib, x, kw: x.amin(**kw),
    "var": lambda lib, x, kw: lib.var(x, **kw),
    "std": lambda lib, x, kw: x.std(**kw),
    "logsumexp": lambda lib, x, kw: lib.logsumexp(x, **{"dim": (0, 1, 2), **kw}),
    "norm": lambda lib, x, kw: lib.norm(x, 2, **kw),
    "count_nonzero": lambda lib, x, kw: lib.count_nonzero(x, **{k: v for k, v in kw.items() if k == "dim"}),
    "all": lambda lib, x, kw: lib.all(x, **kw),
    "any": lambda lib, x, kw: x.any(**kw),
}


@pytest.mark.parametrize("name", sorted(TUPLE_OPS))
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", FLOATS)
def test_tuple_dim_reductions(name, dim, keepdim, dtype):
    fn = TUPLE_OPS[name]
    if name in ("sum", "mean") and dim is None and keepdim:
        dim = (0, 1, 2)  # PyTorch's sum/mean refuse keepdim without dim
    if name in ("all", "any") and isinstance(dim, (list, tuple)) and len(dim) > 1:
        dim = dim[0]  # PyTorch's all/any take one dim (tuples differ between versions)
    x = rand(*SHAPE, dtype=dtype)
    if name in ("all", "any"):
        x[0, 1] = 0  # some zeros, so some slices are not all-true
        x[2] = 0
    check(lambda lib, x: fn(lib, x, dim_kw(dim, keepdim)), x)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "var", "std", "norm", "logsumexp", "nansum"])
def test_non_contiguous(name):
    fn = TUPLE_OPS[name]
    x = rand(4, 6, 5)
    for kw in ({"dim": 1}, {"dim": (0, -1), "keepdim": True}, {"dim": (0, 1, 2)}):
        check(lambda lib, x: fn(lib, x.transpose(0, 2), kw), x)
        check(lambda lib, x: fn(lib, x.permute(1, 2, 0), kw), x)


def _strided_pair(base, key):
    """A strided (non-contiguous) ember leaf and its torch twin."""
    e = ember.Tensor._make(base[key]).requires_grad_()
    t = torch.tensor(base[key].copy(), requires_grad=True)
    assert not e.is_contiguous()
    return e, t


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.sum(1), lambda lib, x: x.mean(0), lambda lib, x: x.var(1), lambda lib, x: x.amax(-1),
    lambda lib, x: x.max(1).values, lambda lib, x: x.prod(0), lambda lib, x: x.cumsum(1),
    lambda lib, x: x.cumprod(0), lambda lib, x: lib.logsumexp(x, 1), lambda lib, x: x.norm(dim=0),
    lambda lib, x: x.median(1).values, lambda lib, x: x.std(), lambda lib, x: x.max()])
def test_strided_slices(fn):
    base = rand(6, 8, dtype=np.float64)
    e, t = _strided_pair(base, (slice(None, None, 2), slice(1, None, 3)))
    eo, to = fn(ember, e), fn(torch, t)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(tuple(to.shape))
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- sum and mean specifics
def test_notes_spellings():
    A = np.arange(20, dtype=np.float32).reshape(5, 4)
    check(lambda lib, A: A.sum(axis=[0, 1]), A)
    check(lambda lib, A: A.sum(axis=1, keepdims=True), A)
    check(lambda lib, A: A / A.sum(axis=1, keepdims=True), A)
    check(lambda lib, A: A.mean(axis=0), A)
    check(lambda lib, A: A.cumsum(axis=0), A)
    check(lambda lib, A: lib.var(A, dim=0), A)
    check(lambda lib, A: A.max(dim=-1)[-1], A, grad=False)
    check(lambda lib, A: lib.argmax(A, -1), A, grad=False)
    check(lambda lib, A: lib.norm(A), A)
    check(lambda lib, A: A.norm(), A)


@pytest.mark.parametrize("fn, full, dimmed", [
    (lambda x, *d: x.sum(*d), "SumBackward0", "SumBackward1"),
    (lambda x, *d: x.mean(*d), "MeanBackward0", "MeanBackward1"),
    (lambda x, *d: x.prod(*d), "ProdBackward0", "ProdBackward1"),
    (lambda x, *d: x.max(*d)[0] if d else x.max(), "MaxBackward1", "MaxBackward0"),
    (lambda x, *d: x.min(*d)[0] if d else x.min(), "MinBackward1", "MinBackward0"),
    (lambda x, *d: x.median(*d)[0] if d else x.median(), "MedianBackward0", "MedianBackward1"),
    (lambda x, *d: x.amax(*d), "AmaxBackward0", "AmaxBackward0"),
    (lambda x, *d: x.var(*d), "VarBackward0", "VarBackward0"),
    (lambda x, *d: x.std(*d), "StdBackward0", "StdBackward0"),
    (lambda x, *d: x.norm(dim=d[0] if d else None), "LinalgVectorNormBackward0", "LinalgVectorNormBackward0"),
    (lambda x, *d: x.logsumexp(d[0] if d else (0, 1)), "LogsumexpBackward0", "LogsumexpBackward0"),
    (lambda x, *d: x.cumsum(d[0] if d else 0), "CumsumBackward0", "CumsumBackward0"),
    (lambda x, *d: x.cumprod(d[0] if d else 0), "CumprodBackward0", "CumprodBackward0"),
    (lambda x, *d: x.nansum(*d), "NansumBackward0", "NansumBackward0"),
    (lambda x, *d: x.nanmean(*d), "DivBackward0", "DivBackward0"),
])
def test_grad_fn_names(fn, full, dimmed):
    x = rand(3, 4)
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    assert grad_fn_name(fn(t)) == full and fn(e).grad_fn.name() == full
    assert grad_fn_name(fn(t, 1)) == dimmed and fn(e, 1).grad_fn.name() == dimmed
    assert ember.var_mean(e, 1)[0].grad_fn.name() == grad_fn_name(torch.var_mean(t, 1)[0])
    assert e.aminmax().max.grad_fn.name() == grad_fn_name(t.aminmax().max)


@pytest.mark.parametrize("np_dtype", [np.int64, np.int32, np.int8, np.uint8, np.bool_])
def test_integer_and_bool_dtypes(np_dtype):
    x = rand(3, 4, dtype=np_dtype, low=0, high=4)
    for fn in [lambda lib, x: x.sum(), lambda lib, x: x.sum(0), lambda lib, x: lib.sum(x, (0, 1), True),
               lambda lib, x: x.prod(), lambda lib, x: x.prod(1), lambda lib, x: x.cumsum(0),
               lambda lib, x: x.cumprod(1), lambda lib, x: lib.nansum(x), lambda lib, x: x.max(),
               lambda lib, x: x.max(1), lambda lib, x: x.amax(0), lambda lib, x: x.amin((0, 1)),
               lambda lib, x: x.aminmax(), lambda lib, x: x.all(), lambda lib, x: x.any(1),
               lambda lib, x: x.count_nonzero(0), lambda lib, x: lib.logsumexp(x, 1),
               lambda lib, x: x.sum(dtype=lib.float64), lambda lib, x: x.mean(dtype=lib.float32),
               lambda lib, x: x.cumsum(1, dtype=lib.float32), lambda lib, x: x.prod(dtype=lib.float64),
               lambda lib, x: x.min(0), lambda lib, x: x.cummax(0), lambda lib, x: x.all(0, keepdim=True)]:
        check(fn, x)
    if np_dtype is not np.bool_:
        for fn in [lambda lib, x: x.argmax(), lambda lib, x: x.argmin(1), lambda lib, x: x.median(),
                   lambda lib, x: x.median(0), lambda lib, x: x.mode(1)]:
            check(fn, x)


def test_float_dtype_arguments():
    x = rand(3, 4)
    check(lambda lib, x: x.sum(dtype=lib.float64), x)
    check(lambda lib, x: lib.sum(x, 0, False, dtype=lib.float64), x)
    check(lambda lib, x: x.mean((0,), True, dtype=lib.float64), x)
    check(lambda lib, x: x.prod(0, dtype=lib.float64), x)
    check(lambda lib, x: x.cumsum(0, dtype=lib.float64), x)
    check(lambda lib, x: x.cumprod(1, dtype=lib.float64), x)
    check(lambda lib, x: x.norm(dtype=lib.float64), x)
    check(lambda lib, x: lib.nansum(x, dtype=lib.float64), x)
    check(lambda lib, x: x.nanmean(dtype=lib.float64), x)
    check(lambda lib, x: x.sum(dtype=lib.int32), x, grad=False)
    check(lambda lib, x: x.cumsum(0, dtype=lib.int64), x, grad=False)
    h = rand(3, 4, dtype=np.float16)
    check(lambda lib, x: x.sum(), h, grad=False)
    check(lambda lib, x: x.mean(1), h, grad=False)


# ----------------------------------------------------------------------------- prod
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("zeros", [0, 1, 2, 3])
def test_prod_with_zeros(dtype, zeros):
    x = rand(4, 5, dtype=dtype)
    flat = x.reshape(-1)
    flat[RNG.choice(flat.size, zeros, replace=False)] = 0
    check(lambda lib, x: x.prod(), x)
    x2 = rand(4, 5, dtype=dtype)
    x2[1, :zeros] = 0  # row 1 holds `zeros` zeros, column 0..zeros-1 one each
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            check(lambda lib, x: x.prod(dim, keepdim), x2)


# ----------------------------------------------------------------------------- max / min family
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(), lambda lib, x: x.min(), lambda lib, x: lib.max(x, 1),
    lambda lib, x: lib.min(x, -1, True), lambda lib, x: x.max(dim=0, keepdim=True),
    lambda lib, x: x.amax(), lambda lib, x: x.amax((0, 1)), lambda lib, x: x.amin(-1, True),
    lambda lib, x: lib.aminmax(x), lambda lib, x: lib.aminmax(x, dim=1), lambda lib, x: x.aminmax(dim=-1, keepdim=True),
    lambda lib, x: x.median(), lambda lib, x: x.median(1), lambda lib, x: x.median(0, keepdim=True),
    lambda lib, x: x.nanmedian(), lambda lib, x: x.nanmedian(1), lambda lib, x: x.mode(1), lambda lib, x: x.mode(),
    lambda lib, x: x.mode(0, True), lambda lib, x: x.cummax(1), lambda lib, x: x.cummin(0),
    lambda lib, x: x.argmax(), lambda lib, x: x.argmin(1), lambda lib, x: x.argmax(0, keepdim=True),
    lambda lib, x: x.argmin(keepdim=True), lambda lib, x: x.norm(p=float("inf"), dim=1),
    lambda lib, x: x.norm(p=float("-inf")), lambda lib, x: x.norm(p=float("inf"))])
@pytest.mark.parametrize("data", ["random", "ties", "ties_negative"])
def test_max_family(fn, dtype, data):
    if data == "random":
        x = rand(6, 7, dtype=dtype)
    elif data == "ties":
        x = ties(6, 7, dtype=dtype)
    else:
        x = ties(6, 7, dtype=dtype) - 1
    check(fn, x)


def test_median_ties_match_torch_indices():
    for n in (1, 2, 5, 8, 33):
        x = ties(4, n, levels=3)
        check(lambda lib, x: x.median(1), x)
        check(lambda lib, x: x.t().median(0), x)
        check(lambda lib, x: x.nanmedian(1), x)


def test_nan_handling():
    x = rand(4, 5)
    x[1, 2] = np.nan
    x[3, 0] = np.nan
    x[3, 4] = np.nan
    for fn in [lambda lib, x: x.max(), lambda lib, x: x.max(1), lambda lib, x: x.min(0),
               lambda lib, x: x.amax(1), lambda lib, x: x.argmax(1), lambda lib, x: x.median(),
               lambda lib, x: x.median(1), lambda lib, x: x.nanmedian(), lambda lib, x: x.nanmedian(1),
               lambda lib, x: lib.nansum(x), lambda lib, x: lib.nansum(x, 1), lambda lib, x: lib.nanmean(x, 0),
               lambda lib, x: x.cummax(1), lambda lib, x: x.cummin(1), lambda lib, x: x.sum(1)]:
        check(fn, x, grad=False)
    for fn in [lambda lib, x: lib.nansum(x, 1), lambda lib, x: lib.nanmean(x), lambda lib, x: x.max(1),
               lambda lib, x: x.nanmedian(1), lambda lib, x: x.nanmedian()]:
        check(fn, x)
    allnan = np.full((2, 3), np.nan, dtype=np.float32)
    check(lambda lib, x: x.nanmedian(1), allnan, grad=False)
    check(lambda lib, x: x.nanmedian(), allnan, grad=False)


def test_max_binary_form():
    a, b = rand(3, 4), rand(4)
    check(lambda lib, a, b: lib.max(a, b), a, b)
    check(lambda lib, a, b: a.min(b), a, b)
    check(lambda lib, a, b: lib.max(a, other=b), a, b)


def test_return_types():
    x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], dtype=np.float32)
    e, t = ember.tensor(x).max(1), torch.tensor(x).max(1)
    assert repr(e) == repr(t) and str(e) == str(t)
    assert repr(ember.tensor(x).aminmax()) == repr(torch.tensor(x).aminmax())
    assert type(e).__name__ == "max" and isinstance(e, tuple) and len(e) == 2
    v, i = e
    assert v is e.values is e[0] and i is e.indices is e[-1]
    assert e[:1] == (v,)
    with pytest.raises(AttributeError):
        e.values = v
    assert repr(ember.return_types.max((1, 2))) == repr(torch.return_types.max((1, 2)))
    assert ember.return_types.aminmax((1, 2)).max == 2
    import pickle
    r = pickle.loads(pickle.dumps(ember.return_types.median((1, 2))))
    assert type(r) is ember.return_types.median and r.indices == 2
    assert e.indices.dtype == ember.int64 and not e.indices.requires_grad


def test_indices_have_no_grad():
    e = ember.tensor(rand(3, 4), requires_grad=True)
    for r in (e.max(1), e.min(0), e.median(1), e.mode(1), e.cummax(1)):
        assert r.values.requires_grad and not r.indices.requires_grad and r.indices.grad_fn is None
    assert not e.argmax().requires_grad and not e.all().requires_grad and not e.count_nonzero().requires_grad


# ----------------------------------------------------------------------------- var / std
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.var(), lambda lib, x: x.var(unbiased=False), lambda lib, x: x.var(0, True),
    lambda lib, x: x.var(0, False, True), lambda lib, x: x.var(correction=0), lambda lib, x: x.var(1, correction=2),
    lambda lib, x: lib.var(x, 1, keepdim=True), lambda lib, x: x.var(False), lambda lib, x: x.std(True),
    lambda lib, x: lib.std(x, (0, 1), unbiased=False), lambda lib, x: x.std(-1, keepdim=True, correction=0),
    lambda lib, x: lib.var_mean(x), lambda lib, x: lib.var_mean(x, 1), lambda lib, x: lib.var_mean(x, 0, False, True),
    lambda lib, x: lib.std_mean(x, dim=(0, 1), correction=0), lambda lib, x: lib.std_mean(x, 1, keepdim=True),
    lambda lib, x: lib.var_mean(x, False), lambda lib, x: x.var(None, False), lambda lib, x: x.var(0, correction=0.5)])
def test_var_std(fn, dtype):
    check(fn, rand(4, 5, dtype=dtype))


def test_std_of_constant_slices():
    x = np.ones((3, 4), dtype=np.float64)
    x[0] = rand(4, dtype=np.float64)
    check(lambda lib, x: x.std(1), x)
    check(lambda lib, x: lib.std_mean(x, 1), x)
    check(lambda lib, x: x.std(), np.zeros((2, 2)))


# ----------------------------------------------------------------------------- logsumexp, norm
@pytest.mark.parametrize("dtype", FLOATS)
def test_logsumexp(dtype):
    x = rand(3, 4, 5, dtype=dtype)
    for dim in (0, -1, (0, 2), [1]):
        for keepdim in (False, True):
            check(lambda lib, x: lib.logsumexp(x, dim, keepdim), x)
    big = (rand(3, 4, dtype=dtype) * 400 + 1000).astype(dtype)  # exp overflows without the max shift
    check(lambda lib, x: x.logsumexp(1), big)
    check(lambda lib, x: x.logsumexp(0), -big)
    inf = rand(2, 3, dtype=dtype)
    inf[0] = -np.inf
    check(lambda lib, x: x.logsumexp(1), inf, grad=False)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", [2, 1, float("inf"), float("-inf"), "fro", 3, 1.5, 0.5, -1, 0, None])
def test_norm(p, dtype):
    x = rand(3, 4, 5, dtype=dtype)
    check(lambda lib, x: lib.norm(x, p), x)
    check(lambda lib, x: x.norm(p, 1), x)
    check(lambda lib, x: lib.norm(x, p, (0, 2), True), x)
    check(lambda lib, x: x.norm(p=p, dim=-1, keepdim=True), x)
    with_zero = x.copy()
    with_zero[1] = 0
    with_zero[0, 0, 0] = 0
    check(lambda lib, x: x.norm(p, -1), with_zero)


def test_norm_special_cases():
    x = rand(3, 4)
    check(lambda lib, x: lib.norm(x, "nuc"), x.astype(np.float64))
    check(lambda lib, x: lib.norm(x, "nuc", (0, 2), keepdim=True), rand(3, 2, 4, dtype=np.float64))
    check(lambda lib, x: lib.norm(x, "fro", (0, 1)), x)
    check(lambda lib, x: lib.norm(x, 2, 1, True), x)
    check(lambda lib, x: x.norm(dim=()), x)
    z = np.zeros((2, 3), dtype=np.float32)
    check(lambda lib, x: x.norm(), z)  # subgradient 0 at the zero vector
    check(lambda lib, x: x.norm(dim=1), z)
    check(lambda lib, x: x.norm(p=0.5), z)
    check(lambda lib, x: x.norm(p=3), z)
    e = ember.tensor(rand(3), requires_grad=True)
    e.norm(p=0).backward()
    assert e.grad is None  # PyTorch leaves it undefined: the count of nonzeros is flat


# ----------------------------------------------------------------------------- scans
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_cumsum_cumprod(dtype, dim):
    x = rand(4, 5, dtype=dtype)
    check(lambda lib, x: x.cumsum(dim), x)
    check(lambda lib, x: lib.cumsum(x, dim=dim), x)
    check(lambda lib, x: lib.cumprod(x, dim), x)
    z = x.copy()
    z[1, 2] = 0           # one zero
    z[3, 3] = z[3, 1] = 0  # two zeros in one row
    z[0, 0] = 0
    check(lambda lib, x: x.cumprod(dim), z)
    check(lambda lib, x: x.transpose(0, 1).cumprod(dim), z)


def test_inplace_scans():
    x = rand(3, 4)
    check(lambda lib, x: (x * 1).cumsum_(1), x)
    check(lambda lib, x: (x * 1).cumprod_(0), x)


# ----------------------------------------------------------------------------- logical reductions and counts
def test_all_any_count():
    x = rand(3, 4, dtype=np.float32)
    x[0, 1] = 0
    for fn in [lambda lib, x: x.all(), lambda lib, x: x.any(), lambda lib, x: lib.all(x, 1),
               lambda lib, x: lib.any(x, -1, True), lambda lib, x: x.all(dim=0, keepdim=True),
               lambda lib, x: x.any(dim=()), lambda lib, x: x.all(axis=0),
               lambda lib, x: lib.count_nonzero(x), lambda lib, x: x.count_nonzero(1),
               lambda lib, x: x.count_nonzero((0, 1)), lambda lib, x: x.count_nonzero(dim=[-1])]:
        check(fn, x)
    u = np.array([[1, 0], [2, 3]], dtype=np.uint8)
    check(lambda lib, x: x.all(), u)
    check(lambda lib, x: x.any(0), u)
    check(lambda lib, x: x.all(1, True), u)


# ----------------------------------------------------------------------------- 0-d and zero-size inputs
ZERO_D = [
    lambda lib, x: x.sum(), lambda lib, x: x.sum(0), lambda lib, x: x.sum(-1, True), lambda lib, x: x.mean((0,)),
    lambda lib, x: x.prod(0), lambda lib, x: x.max(), lambda lib, x: x.max(0), lambda lib, x: x.min(-1, True),
    lambda lib, x: x.amax(0), lambda lib, x: x.argmax(0), lambda lib, x: x.argmax(), lambda lib, x: x.argmin(keepdim=True),
    lambda lib, x: x.median(), lambda lib, x: x.median(0), lambda lib, x: x.mode(), lambda lib, x: x.cummax(0),
    lambda lib, x: x.var(), lambda lib, x: x.std(0), lambda lib, x: x.var(0, correction=0),
    lambda lib, x: x.logsumexp(0), lambda lib, x: x.logsumexp(()), lambda lib, x: x.norm(), lambda lib, x: x.norm(dim=0),
    lambda lib, x: x.norm(p=1), lambda lib, x: x.cumsum(0), lambda lib, x: x.cumsum(-1), lambda lib, x: x.cumprod(0),
    lambda lib, x: x.all(0), lambda lib, x: x.any(), lambda lib, x: x.count_nonzero(0), lambda lib, x: x.aminmax(dim=0),
    lambda lib, x: lib.var_mean(x, 0), lambda lib, x: x.nansum(0), lambda lib, x: x.amax(())]


@pytest.mark.parametrize("fn", ZERO_D)
def test_zero_dim(fn):
    check(fn, np.array(2.5, dtype=np.float32))
    check(fn, np.array(-1.5, dtype=np.float64))


ZERO_SIZE = [
    lambda lib, x: x.sum(), lambda lib, x: x.sum(0), lambda lib, x: x.sum(1, True), lambda lib, x: x.mean(),
    lambda lib, x: x.mean(0), lambda lib, x: x.prod(), lambda lib, x: x.prod(0), lambda lib, x: x.prod(1),
    lambda lib, x: x.max(1), lambda lib, x: x.amax(1), lambda lib, x: x.argmax(1), lambda lib, x: x.var(),
    lambda lib, x: x.std(0), lambda lib, x: x.median(), lambda lib, x: x.median(1), lambda lib, x: x.logsumexp(0),
    lambda lib, x: x.logsumexp(1), lambda lib, x: x.logsumexp((0, 1)), lambda lib, x: x.norm(), lambda lib, x: x.norm(p=0),
    lambda lib, x: x.norm(p=float("inf"), dim=1), lambda lib, x: x.cumsum(0), lambda lib, x: x.cumprod(1),
    lambda lib, x: x.all(), lambda lib, x: x.any(), lambda lib, x: x.any(1), lambda lib, x: x.count_nonzero(),
    lambda lib, x: x.count_nonzero(0), lambda lib, x: x.aminmax(dim=1), lambda lib, x: x.nanmean(),
    lambda lib, x: x.cummax(0), lambda lib, x: x.mode(1), lambda lib, x: lib.nansum(x, 1)]


@pytest.mark.parametrize("fn", ZERO_SIZE)
def test_zero_size(fn):
    check(fn, np.zeros((0, 3), dtype=np.float32))


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(), lambda lib, x: x.min(), lambda lib, x: x.max(0), lambda lib, x: x.amax(),
    lambda lib, x: x.amax(0), lambda lib, x: x.amin((0, 1)), lambda lib, x: x.argmax(), lambda lib, x: x.argmin(0),
    lambda lib, x: x.aminmax(), lambda lib, x: x.aminmax(dim=0), lambda lib, x: x.median(0),
    lambda lib, x: x.mode(0), lambda lib, x: x.norm(p=float("inf")), lambda lib, x: x.norm(p=float("-inf"), dim=0)])
def test_zero_size_errors(fn):
    check_error(fn, np.zeros((0, 3), dtype=np.float32))


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn, match", [
    (lambda lib, x: x.sum(2), r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda lib, x: x.mean(-3), r"Dimension out of range"),
    (lambda lib, x: x.sum((0, 0)), r"dim 0 appears multiple times in the list of dims"),
    (lambda lib, x: x.amax((0, -2)), r"appears multiple times"),
    (lambda lib, x: x.var((1, -1)), r"appears multiple times"),
    (lambda lib, x: lib.max(x, 5), r"Dimension out of range"),
    (lambda lib, x: x.argmax(-3), r"Dimension out of range"),
    (lambda lib, x: x.cumsum(2), r"Dimension out of range"),
    (lambda lib, x: x.median(5), r"Dimension out of range"),
    (lambda lib, x: lib.logsumexp(x, 5), r"Dimension out of range"),
    (lambda lib, x: x.norm(dim=5), r"Dimension out of range"),
    (lambda lib, x: x.count_nonzero((0, 0)), r"appears multiple times"),
    (lambda lib, x: x.all(5), r"Dimension out of range"),
    (lambda lib, x: lib.sum(x, 1.5), r"dim"),
    (lambda lib, x: lib.sum(x, "a"), r"dim"),
    (lambda lib, x: x.sum(True), r"bool"),
    (lambda lib, x: lib.sum(x, [0, 1.0]), r"float"),
    (lambda lib, x: lib.sum([1, 2]), r"must be Tensor, not list"),
    (lambda lib, x: lib.mean("a"), r"must be Tensor"),
    (lambda lib, x: x.sum(0, 1), r"keepdim"),
    (lambda lib, x: x.amax(0, 1), r"keepdim"),
    (lambda lib, x: x.max(dim=(0, 1)), r"int"),
    (lambda lib, x: x.argmax(dim=(0,)), r"int"),
    (lambda lib, x: lib.prod(x, (0, 1)), r"int"),
    (lambda lib, x: x.cumsum(), r"dim"),
    (lambda lib, x: x.logsumexp(), r"dim"),
    (lambda lib, x: lib.median(x, dim=None), r"dim"),
    (lambda lib, x: lib.max(x, 1.0), r""),
    (lambda lib, x: x.max(None), r""),
    (lambda lib, x: x.var(0, 1), r"unbiased"),
    (lambda lib, x: x.var(0, unbiased=True, correction=1), r""),
    (lambda lib, x: lib.norm(x, 2, 0, 1), r"keepdim"),
    (lambda lib, x: x.sum(dim=0, axis=1), r""),
    (lambda lib, x: x.sum(foo=1), r"foo"),
    (lambda lib, x: x.mean(dtype=lib.int64), r"Optional dtype must be either a floating point"),
    (lambda lib, x: x.norm(dtype=lib.int64), r"floating point"),
    (lambda lib, x: x.norm(p="abc"), r"Order abc not supported"),
    (lambda lib, x: x.logsumexp(dim=[]), r""),
])
def test_errors(fn, match):
    check_error(fn, rand(3, 4), match=match)


def test_dtype_errors():
    i = np.array([[1, 2], [3, 4]], dtype=np.int64)
    check_error(lambda lib, x: x.mean(), i, match="mean\\(\\): could not infer output dtype. Input dtype must be "
                "either a floating point or complex dtype. Got: Long")
    check_error(lambda lib, x: lib.nanmean(x), i, match="Long")
    check_error(lambda lib, x: x.var(), i, match="floating point")
    check_error(lambda lib, x: x.std(0), i, match="floating point")
    check_error(lambda lib, x: lib.var_mean(x), i, match="var_mean")
    check_error(lambda lib, x: x.norm(), i, match="Got Long")
    check_error(lambda lib, x: x.norm(dtype=lib.float32), i)
    check_error(lambda lib, x: x.argmax(), np.array([True, False]), match="bool")
    with pytest.raises(RuntimeError):  # PyTorch raises NotImplementedError, a RuntimeError subclass
        ember.tensor([True, False]).median()
    e = ember.tensor(rand(3), requires_grad=True)
    t = torch.tensor(rand(3), requires_grad=True)
    with pytest.raises(RuntimeError):
        t.sum(dtype=torch.int32)
    with pytest.raises(RuntimeError, match="Autograd not support dtype: Int"):
        e.sum(dtype=ember.int32)


def test_nuc_needs_two_dims():
    check_error(lambda lib, x: lib.norm(x, "nuc"), rand(2, 3, 4), match="dim must be a 2-tuple")
    check_error(lambda lib, x: lib.norm(x, dim=(0, 1, 2)), rand(2, 3, 4), match="dim must be a 2-tuple")
    check(lambda lib, x: lib.norm(x, 2, (0, 1, 2)), rand(2, 3, 4))


# ----------------------------------------------------------------------------- property test over shapes and dims
PROPERTY_OPS = {
    "sum": lambda lib, x, d, k: x.sum(d, k) if d is not None else x.sum(),
    "mean": lambda lib, x, d, k: x.mean(d, k) if d is not None else x.mean(),
    "amax": lambda lib, x, d, k: x.amax(d if d is not None else (), k),
    "var": lambda lib, x, d, k: x.var(d, keepdim=k),
    "std": lambda lib, x, d, k: x.std(d, keepdim=k, correction=0),
    "logsumexp": lambda lib, x, d, k: lib.logsumexp(x, d if d is not None else tuple(range(x.ndim)), k),
    "norm": lambda lib, x, d, k: lib.norm(x, 2, d, k),
    "norm1": lambda lib, x, d, k: lib.norm(x, 1, d, k),
    "count_nonzero": lambda lib, x, d, k: x.count_nonzero(d),
    "prod": lambda lib, x, d, k: x.prod(d[0], k) if d else x.prod(),
    "max": lambda lib, x, d, k: x.max(d[0], k) if d else x.max(),
    "median": lambda lib, x, d, k: x.median(d[0], k) if d else x.median(),
    "argmin": lambda lib, x, d, k: x.argmin(d[0] if d else None, k),
    "cumsum": lambda lib, x, d, k: x.cumsum(d[0] if d else 0),
    "cumprod": lambda lib, x, d, k: x.cumprod(d[0] if d else 0),
}


@st.composite
def _case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3)))
    name = draw(st.sampled_from(sorted(PROPERTY_OPS)))
    nd = len(shape)
    if nd and draw(st.booleans()):
        picks = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique_by=lambda d: d % nd))
        dim = tuple(picks)
    else:
        dim = None
    if nd == 0 and draw(st.booleans()):
        dim = (draw(st.sampled_from([0, -1])),)
    keepdim = draw(st.booleans())
    dtype = draw(st.sampled_from(FLOATS))
    return name, shape, dim, keepdim, dtype


@settings(max_examples=80, deadline=None)
@given(_case(), st.integers(0, 2 ** 31 - 1))
def test_property_shapes_and_dims(case, seed):
    """Random shapes (0-d to 3-d), dims (negative, tuples, in any order), keepdim and dtype."""
    name, shape, dim, keepdim, dtype = case
    x = rand(*shape, dtype=dtype, rng=np.random.default_rng(seed))
    fn = PROPERTY_OPS[name]
    if dim is not None and name in ("prod", "max", "median", "argmin", "cumsum", "cumprod"):
        dim = dim[:1]
    check(lambda lib, x: fn(lib, x, dim, keepdim), x)


# ----------------------------------------------------------------------------- the notes' scenario and speed
def test_dynamic_graph_with_norm_and_sum():
    """``while b.norm() < 1000: b = b * 2`` then ``if b.sum() > 0`` (d2l's control-flow example)."""
    def f(lib, a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        c = b if b.sum() > 0 else 100 * b
        return c
    check(f, rand(5, low=0.1, high=1.0))


def test_float32_sum_accuracy():
    """A float32 sum stays float32 and as accurate as PyTorch's (pairwise accumulation)."""
    a = (RNG.standard_normal(1_000_003) + 3).astype(np.float32)
    e = ember.tensor(a).sum()
    assert e.dtype == ember.float32
    exact = a.astype(np.float64).sum()
    t = torch.tensor(a).sum().item()
    assert abs(e.item() - exact) <= max(2 * abs(t - exact), 1e-6 * abs(exact))
