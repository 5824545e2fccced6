"""backend/ufuncs.py: the CuPy fallbacks (scan-based accumulate, rank-rounds ufunc.at)
give NumPy's results.  A NumPy namespace that is not ``numpy`` itself forces the
fallback paths, so they are checked on every machine, GPU or not."""
import types

import numpy as np
import pytest

from ember.backend import ufuncs

FAKE_XP = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_accumulate_fallback(name, axis):
    a = np.random.default_rng(1).standard_normal((5, 11))
    a[2, 4] = np.nan
    np.testing.assert_array_equal(ufuncs.accumulate(FAKE_XP, name, a, axis),
                                  getattr(np, name).accumulate(a, axis=axis))
    ints = np.random.default_rng(2).integers(-9, 9, size=(3, 17))
    np.testing.assert_array_equal(ufuncs.accumulate(FAKE_XP, name, ints, axis),
                                  getattr(np, name).accumulate(ints, axis=axis))


@pytest.mark.parametrize("key,v", [
    ((np.array([0, 2, 0, 0, 4]),), "rows"),
    ((np.array([1, 1, 1, 2]), np.array([0, 0, 2, 2])), 2.5),
    ((slice(None), np.array([2, 2, 0])), "cols"),
    ((np.array([], dtype=np.int64),), 3.0),
])
@pytest.mark.parametrize("transposed", [False, True])
def test_multiply_at_fallback(key, v, transposed):
    rng = np.random.default_rng(3)
    t = rng.uniform(0.5, 2.0, size=(3, 5)).T if transposed else rng.uniform(0.5, 2.0, size=(5, 3))
    sel = t[key]
    if v == "rows" or v == "cols":
        v = rng.uniform(0.5, 2.0, size=sel.shape)
    expect = t.copy()
    np.multiply.at(expect, key, v)
    got = t.copy(order="K")
    ufuncs.ufunc_at(FAKE_XP, "multiply", got, key, v)
    np.testing.assert_allclose(got, expect)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_divmod_fallback_matches_numpy(dtype):
    rng = np.random.default_rng(4)
    a = np.concatenate([rng.uniform(-5, 5, 200), [-3.0, 3.0, -3.0, 0.0, -0.0, 1.0, 2.5]]).astype(dtype)
    b = np.concatenate([rng.uniform(-2, 2, 200), [-0.3, 0.3, 0.3, 0.7, -0.7, 0.0, -0.0]]).astype(dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(ufuncs.floor_divide(FAKE_XP, a, b), np.floor_divide(a, b))
        np.testing.assert_array_equal(ufuncs.remainder(FAKE_XP, a, b), np.remainder(a, b))
        np.testing.assert_array_equal(ufuncs.floor_divide(FAKE_XP, dtype(-3.0), b), np.floor_divide(dtype(-3.0), b))
        np.testing.assert_array_equal(ufuncs.remainder(FAKE_XP, a, -0.3), np.remainder(a, dtype(-0.3)))
