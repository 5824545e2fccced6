"""backend/parallel.py (threaded ufuncs) and backend/sums.py (fast sums).

Threaded results must equal NumPy's single-threaded ones exactly (value, dtype,
shape, memory layout); sums must stay as accurate as PyTorch's against a float64
reference.  The thread pool must survive errors, np.errstate, other threads and fork.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from ember.backend import parallel as P
from ember.backend import sums as S

RNG = np.random.default_rng(7)
BIG = (512, 300)  # 153,600 elements: above P.MIN_ELEMENTS


@pytest.fixture(autouse=True)
def two_threads():
    """Run every test with 2 threads (the machine may have one core), then restore."""
    old = ember.get_num_threads()
    ember.set_num_threads(2)
    yield
    ember.set_num_threads(old)


def _same(got, want):
    assert type(got) is type(want)
    assert got.dtype == want.dtype and got.shape == want.shape and got.strides == want.strides
    np.testing.assert_array_equal(got, want)


def _layouts(a):
    """The same values as ``a`` in several layouts: contiguous, strided, flipped, transposed."""
    wide = np.empty((a.shape[0], 2 * a.shape[1]), a.dtype)
    wide[:, ::2] = a
    return {"contiguous": a, "strided": wide[:, ::2], "flipped": a[::-1].copy()[::-1],
            "transposed": np.ascontiguousarray(a.T).T}


# ---------------------------------------------------------------------------------- par: exact equality
@pytest.mark.parametrize("layout", ["contiguous", "strided", "flipped", "transposed"])
@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.true_divide, np.maximum])
def test_binary_equals_numpy(ufunc, layout):
    a = _layouts(RNG.standard_normal(BIG).astype(np.float32))[layout]
    b = RNG.standard_normal(BIG).astype(np.float32) + 3
    _same(P.par(ufunc, a, b), ufunc(a, b))
    _same(P.par(ufunc, b, a), ufunc(b, a))


@pytest.mark.parametrize("ufunc", [np.exp, np.log, np.tanh, np.negative, np.sqrt])
def test_unary_equals_numpy(ufunc):
    for a in _layouts(np.abs(RNG.standard_normal(BIG)).astype(np.float32) + 0.1).values():
        _same(P.par(ufunc, a), ufunc(a))


@pytest.mark.parametrize("shapes", [(BIG, (300,)), (BIG, (512, 1)), ((512, 1), (1, 300)), ((300,), BIG),
                                    ((2, 256, 300), (256, 1)), ((4, 1, 300, 128), (5, 1, 128))])
def test_broadcasting_equals_numpy(shapes):
    a, b = (RNG.standard_normal(s).astype(np.float32) for s in shapes)
    _same(P.par(np.multiply, a, b), a * b)
    _same(P.par(np.add, b, a), b + a)


@pytest.mark.parametrize("dtype, scalar", [(np.float32, 2), (np.float32, 2.5), (np.float64, 3), (np.float16, 0.5),
                                           (np.int32, 3), (np.int32, 2.5), (np.int64, -7), (np.uint8, 3)])
def test_dtype_follows_numpy_weak_scalars(dtype, scalar):
    a = (RNG.standard_normal(BIG) * 10).astype(dtype)
    _same(P.par(np.multiply, a, scalar), a * scalar)
    _same(P.par(np.add, scalar, a), scalar + a)
    _same(P.par(np.multiply, a, np.float64(2.0)), a * np.float64(2.0))  # NumPy scalars are strong
    b = (RNG.standard_normal(BIG) * 10).astype(np.float64)
    _same(P.par(np.add, a, b), a + b)  # mixed dtypes promote as NumPy does


def test_out_and_in_place():
    a = RNG.standard_normal(BIG).astype(np.float32)
    want = np.exp(a)
    out = np.empty_like(a)
    assert P.par(np.exp, a, out=out) is out
    _same(out, want)
    b = a.copy()
    P.par(np.exp, b, out=b)
    _same(b, want)


def test_small_and_non_numpy_operands_take_the_plain_path():
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    _same(P.par(np.add, a, a), a + a)
    assert P.par(np.add, 2.0, 3.0) == 5.0
    t = ember.tensor(RNG.standard_normal(BIG).astype(np.float32), requires_grad=True)
    y = P.par(np.multiply, t, 2.0)  # an ember tensor: ember's own mul, recorded for autograd
    assert isinstance(y, ember.Tensor) and y.grad_fn is not None
    np.testing.assert_array_equal(y.detach().numpy(), t.detach().numpy() * 2)


def test_one_thread_is_the_plain_call():
    ember.set_num_threads(1)
    a = RNG.standard_normal(BIG).astype(np.float32)
    _same(P.par(np.exp, a), np.exp(a))
    assert ember.get_num_threads() == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=4), st.integers(0, 3), st.booleans(),
       st.sampled_from([np.float32, np.float64, np.int64]))
def test_property_broadcast_equals_numpy(dims, cut, flip, dtype):
    """Random shapes (scaled up so their product passes the threshold) and broadcasts."""
    shape = list(dims)
    shape[0] *= (P.MIN_ELEMENTS // int(np.prod(shape))) + 1
    a = (RNG.standard_normal(shape) * 5).astype(dtype)
    if flip:
        a = a[::-1]
    bshape = [1 if i < cut else s for i, s in enumerate(shape)][min(cut, len(shape) - 1):]
    b = (RNG.standard_normal(bshape) * 5).astype(dtype)
    _same(P.par(np.add, a, b), a + b)
    _same(P.par(np.maximum, b, a), np.maximum(b, a))


# ---------------------------------------------------------------------------------- par: errors, context
def test_errstate_applies_in_the_worker_threads():
    a = np.full(BIG, 100.0, dtype=np.float32)
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            P.par(np.exp, a)
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(P.par(np.exp, a)).all()
    assert np.isfinite(P.par(np.exp, np.zeros(BIG, np.float32))).all()  # the pool still works


def test_exceptions_reach_the_caller_and_the_pool_survives():
    def kernel(out, a):
        raise ValueError("boom")
    out = np.empty(BIG, np.float32)
    with pytest.raises(ValueError, match="boom"):
        P.par_chunks(kernel, out, np.ones(BIG, np.float32))
    _same(P.par(np.add, out, 1.0), out + 1.0)


def test_par_chunks_runs_a_composite_kernel():
    a = RNG.standard_normal(BIG).astype(np.float32)

    def kernel(o, x):
        np.multiply(x, 2, out=o)
        o += 1
    out = np.empty_like(a)
    assert P.par_chunks(kernel, out, a)
    _same(out, a * 2 + 1)
    assert not P.par_chunks(kernel, np.empty((3, 3), np.float32), a[:3, :3])  # small: caller's job


def test_many_threads_calling_at_once():
    a = RNG.standard_normal(BIG).astype(np.float32)
    want = np.exp(a)
    bad = []

    def user():
        for _ in range(20):
            if not np.array_equal(P.par(np.exp, a), want):
                bad.append(1)
    threads = [threading.Thread(target=user) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_fork_child_gets_a_fresh_pool():
    a = RNG.standard_normal(BIG).astype(np.float32)
    P.par(np.exp, a)  # the parent's workers exist
    pid = os.fork()
    if pid == 0:  # child: the parent's threads are gone; a new pool must be made
        ok = np.array_equal(P.par(np.exp, a), np.exp(a)) and np.array_equal(P.par(np.add, a, a), a + a)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


# ---------------------------------------------------------------------------------- thread count
def test_set_and_get_num_threads_like_torch():
    ember.set_num_threads(3)
    assert ember.get_num_threads() == 3
    a = RNG.standard_normal(BIG).astype(np.float32)
    _same(P.par(np.add, a, a), a + a)
    for bad in [0, -1, 1.5, True]:
        with pytest.raises(RuntimeError):
            torch.set_num_threads(bad)
        with pytest.raises(RuntimeError, match="set_num_threads expects"):
            ember.set_num_threads(bad)
    assert ember.get_num_threads() == 3


@pytest.mark.parametrize("env, want", [("3", "3"), ("1", "1"), ("", str(len(os.sched_getaffinity(0))))])
def test_environment_variable(env, want):
    code = "import ember; print(ember.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "EMBER_NUM_THREADS": env}, check=True)
    assert out.stdout.strip() == want


# ---------------------------------------------------------------------------------- fill
@pytest.mark.parametrize("dtype, value", [(np.float32, 1.0), (np.float32, -3), (np.int32, 1.7), (np.uint8, 255),
                                          (np.bool_, 2), (np.float64, float("nan"))])
def test_fill_equals_setitem(dtype, value):
    a = np.zeros((1000, 300), dtype)
    b = a.copy()
    P.fill(a[10:900], value)
    b[10:900] = value
    _same(a, b)


@pytest.mark.parametrize("dtype, value, exc", [(np.int8, 300, OverflowError), (np.int64, float("nan"), ValueError)])
def test_fill_raises_as_setitem(dtype, value, exc):
    a = np.zeros((1000, 300), dtype)
    with pytest.raises(exc):
        P.fill(a[10:900], value)
    assert not a.any()


# ---------------------------------------------------------------------------------- sums
def _err(x, ref, scale):
    """The largest error relative to the sum of magnitudes (the condition of a sum)."""
    return float(np.max(np.abs(np.asarray(x, np.float64) - ref) / scale))


DATA = {
    "normal": lambda s: RNG.standard_normal(s),
    "offset": lambda s: RNG.standard_normal(s) + 3,         # error grows with the running sum
    "large": lambda s: RNG.standard_normal(s) * 1e4 + 1e6,   # large magnitudes
    "uniform": lambda s: RNG.uniform(0, 1, s),
}


@pytest.mark.parametrize("kind", list(DATA))
@pytest.mark.parametrize("shape, axis", [((1000, 1000), (1,)), ((1000, 1000), None), ((256, 4096), (1,)),
                                         ((1_000_003,), None), ((8, 150_001), (1,)), ((64, 32, 32), (1, 2))])
def test_sum_as_accurate_as_torch(kind, shape, axis):
    """The error (relative to the sum of magnitudes) is at most twice PyTorch's, or
    NumPy's pairwise sum's, plus the rounding of the float32 result.  A full sum is one
    number, so its error is luck; it is averaged over several arrays."""
    eps = float(np.finfo(np.float32).eps)
    ours, torch_err, numpy_err, rounding = [], [], [], []
    for _ in range(6 if axis is None else 1):
        a = DATA[kind](shape).astype(np.float32)
        got = S.fast_sum(a, axis, False)
        assert got is not None
        want = a.sum(axis=axis)
        assert got.dtype == want.dtype and np.shape(got) == np.shape(want)
        ref = a.astype(np.float64).sum(axis=axis)
        scale = np.abs(a.astype(np.float64)).sum(axis=axis)
        t = torch.from_numpy(a)
        ours.append(_err(got, ref, scale))
        torch_err.append(_err((t.sum(dim=axis) if axis else t.sum()).numpy(), ref, scale))
        numpy_err.append(_err(want, ref, scale))
        rounding.append(eps * float(np.max(np.abs(ref) / scale)))
    ours, theirs = np.mean(ours), max(np.mean(torch_err), np.mean(numpy_err))
    assert ours <= 2 * theirs + np.mean(rounding), (ours, np.mean(torch_err), np.mean(numpy_err))


@pytest.mark.parametrize("shape, axis, keepdims", [((400, 300), (1,), True), ((400, 300), None, True),
                                                   ((2, 200, 300), (1, 2), True), ((2, 200, 300), (2,), False),
                                                   ((200, 300), (0, 1), False)])
def test_sum_shapes_and_float64(shape, axis, keepdims):
    for dt in (np.float32, np.float64):
        a = RNG.standard_normal(shape).astype(dt)
        got = S.fast_sum(a, axis, keepdims)
        want = a.sum(axis=axis, keepdims=keepdims)
        assert type(got) is type(want) and got.dtype == want.dtype and np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4 if dt == np.float32 else 1e-10)


def test_sum_special_values_and_declines():
    a = RNG.standard_normal((400, 300)).astype(np.float32)
    a[3, 5], a[7, 1], a[9, 2], a[9, 3] = np.inf, np.nan, np.inf, -np.inf
    got, want = S.fast_sum(a, (1,), False), a.sum(axis=1)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    assert S.fast_sum(a[:, ::2], (1,), False) is None            # not contiguous
    assert S.fast_sum(np.ones((400, 300), np.int64), (1,), False) is None  # not floating
    assert S.fast_sum(a[:10], (1,), False) is None                # small
    assert S.fast_sum(a.reshape(20, 20, 300), (0, 2), False) is None  # axes not adjacent
    assert S.fast_sum(a, (0,), False) is None                     # leading axes: NumPy's own sum


def test_ember_sum_and_mean_use_it():
    a = (RNG.standard_normal((500, 700)) + 3).astype(np.float32)
    ref = a.astype(np.float64)
    x = ember.tensor(a, requires_grad=True)
    np.testing.assert_allclose(x.sum(1).detach().numpy(), ref.sum(1), rtol=2e-6)
    np.testing.assert_allclose(x.mean(dim=1).detach().numpy(), ref.mean(1), rtol=2e-6)
    np.testing.assert_allclose(x.sum().item(), ref.sum(), rtol=2e-6)
    np.testing.assert_allclose(ember.logsumexp(x, 1).detach().numpy(),
                               torch.logsumexp(torch.from_numpy(a), 1).numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------------- erf in parts
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_functions_in_parts_equal_whole(name, dtype):
    """ops/special.py computes large arrays in cache-sized parts on the threads: same values."""
    from ember.ops import special
    a = RNG.standard_normal((300, 401)) * (0.5 if name == "erfinv" else 3)
    a.flat[:6] = [np.nan, np.inf, -np.inf, 0.0, 1.0, -1.0]
    a = a.astype(dtype)
    for x in (a, a.T):  # a non-contiguous input too
        got, want = getattr(special, name)(x), getattr(special, "_" + name)(x)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    t = torch.from_numpy(a)
    np.testing.assert_allclose(getattr(special, name)(a), getattr(torch, name)(t).numpy(), rtol=2e-6 if dtype ==
                               np.float32 else 1e-12, atol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("axis", [None, (1,)])
def test_threaded_sum_equals_one_thread(axis):
    """Above THREAD_MIN the rows are split over the threads; every row (and every
    block of a long row) is still summed by the same einsum, so the result is the
    single-threaded one bit for bit."""
    a = RNG.standard_normal((S.THREAD_MIN // 1000 + 8, 1000)).astype(np.float32)
    old = P.get_num_threads()
    try:
        P.set_num_threads(2)
        threaded = S.fast_sum(a, axis, False)
        P.set_num_threads(1)
        single = S.fast_sum(a, axis, False)
    finally:
        P.set_num_threads(old)
    np.testing.assert_array_equal(threaded, single)
