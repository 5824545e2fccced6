"""backend/blas.py: matmul with OpenBLAS on one thread and rows/batches over ember's
threads equals NumPy's matmul; the OpenBLAS thread count is restored after each call."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.backend import blas

RNG = np.random.default_rng(3)


@pytest.fixture(params=[1, 2])
def threads(request):
    old = ember.get_num_threads()
    ember.set_num_threads(request.param)
    yield request.param
    ember.set_num_threads(old)


SHAPES = [((256, 400), (400, 120)),      # split by rows
          ((6, 25), (25, 20000)),        # few rows: one call
          ((3, 4), (4, 5)),              # tiny
          ((64, 6, 25), (64, 25, 300)),  # batch split
          ((7, 300, 50), (50, 64)),      # broadcast batch: one call
          ((1000, 700), (700, 9))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_equals_numpy(threads, sa, sb, dtype):
    a = RNG.standard_normal(sa).astype(dtype)
    b = RNG.standard_normal(sb).astype(dtype)
    want = a @ b
    got = blas.matmul(a, b)
    assert got.shape == want.shape and got.dtype == want.dtype and got.flags.c_contiguous
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())


def test_transposed_operands_and_out(threads):
    a = np.asfortranarray(RNG.standard_normal((300, 200)).astype(np.float32))
    out = np.empty((200, 200), np.float32)
    r = blas.matmul(a.T, a, out=out)
    assert r is out
    np.testing.assert_allclose(out, a.T @ a, rtol=1e-5, atol=1e-3)


def test_non_float_and_non_numpy_take_plain_path():
    a = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(blas.matmul(a, a.T), a @ a.T)
    t = ember.tensor(np.ones((2, 2), np.float32))
    assert isinstance(blas.matmul(t, t), ember.Tensor)


@pytest.mark.skipif(not blas.blas_threads_controllable(), reason="NumPy's BLAS is not an OpenBLAS ember can control")
def test_openblas_threads_restored(threads):
    get, set_ = blas._control()
    old = get()
    try:
        set_(2)
        a = RNG.standard_normal((512, 512)).astype(np.float32)
        with blas.single_threaded_blas():
            assert get() == 1
        blas.matmul(a, a)
        assert get() == 2
    finally:
        set_(old)


def test_worker_error_is_raised(threads):
    a = RNG.standard_normal((256, 400)).astype(np.float32)
    with pytest.raises(ValueError):
        blas.matmul(a, RNG.standard_normal((300, 10)).astype(np.float32))


@pytest.mark.parametrize("load, busy", [(0.3, False), (1.9, False), (50.0, True)])
def test_single_threaded_blas_when_busy_follows_the_load(monkeypatch, load, busy):
    monkeypatch.setattr(blas.os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(blas.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(blas, "_busy", [0.0, None])  # forget the cached answer
    assert blas.machine_busy() is busy
    if not blas.blas_threads_controllable():
        return  # no OpenBLAS thread control here: both blocks change nothing
    get, set_ = blas._control()
    old = get()
    set_(2)
    try:
        with blas.single_threaded_blas_when_busy():
            inside = get()
        assert inside == (1 if busy else 2) and get() == 2
    finally:
        set_(old)
