"""ember.testing.assert_close / make_tensor against torch.testing: the same cases raise
the same exception types with the same messages (numbers included)."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember

NAN, INF = float("nan"), float("inf")

# each case: fn(lib) -> (actual, expected, kwargs)
CASES = {
    "float_mismatch": lambda L: (L.tensor([1., 2, 3]), L.tensor([1., 2.5, 3]), {}),
    "2d_mismatch": lambda L: (L.tensor([[1., 2], [3, 4]]), L.tensor([[1., 2.5], [3, 5]]), {}),
    "int_equal": lambda L: (L.tensor([1, 2, 3]), L.tensor([1, 2, 4]), {}),
    "int32_rel": lambda L: (L.tensor([1, 2, 3], dtype=L.int32), L.tensor([1, 2, 5], dtype=L.int32), {}),
    "uint8_no_wrap": lambda L: (L.tensor([1, 2], dtype=L.uint8), L.tensor([2, 0], dtype=L.uint8), {}),
    "bool": lambda L: (L.tensor([True, True]), L.tensor([False, True]), {}),
    "zero_d": lambda L: (L.tensor(1.), L.tensor(2.), {}),
    "zero_d_expected_zero": lambda L: (L.tensor(1e-3), L.tensor(0.), {}),
    "one_element": lambda L: (L.tensor([1.]), L.tensor([1.5]), {}),
    "float16": lambda L: (L.tensor([1., 2.], dtype=L.float16), L.tensor([1., 2.01], dtype=L.float16), {}),
    "float64": lambda L: (L.tensor([1., 2.], dtype=L.float64), L.tensor([1., 2 + 1e-6], dtype=L.float64), {}),
    "float64_within_default": lambda L: (L.tensor([1.], dtype=L.float64), L.tensor([1 + 1e-8], dtype=L.float64),
                                         {}),
    "float32_within_default": lambda L: (L.tensor([1000.]), L.tensor([1000.001]), {}),
    "dtype": lambda L: (L.tensor([1., 2]), L.tensor([1., 2], dtype=L.float64), {}),
    "dtype_unchecked_ok": lambda L: (L.tensor([1., 2]), L.tensor([1., 2], dtype=L.float64), {"check_dtype": False}),
    "dtype_unchecked_mixed": lambda L: (L.tensor([1, 2, 3]), L.tensor([1, 2, 4.]), {"check_dtype": False}),
    "shape": lambda L: (L.tensor([1., 2]), L.tensor([1., 2, 3]), {}),
    "stride": lambda L: (L.ones(2, 3), L.ones(3, 2).t(), {"check_stride": True}),
    "stride_unchecked": lambda L: (L.ones(2, 3), L.ones(3, 2).t(), {}),
    "nan": lambda L: (L.tensor([1., NAN]), L.tensor([1., NAN]), {}),
    "nan_equal": lambda L: (L.tensor([1., NAN]), L.tensor([1., NAN]), {"equal_nan": True}),
    "nan_vs_number": lambda L: (L.tensor([NAN, 2]), L.tensor([1., 3]), {}),
    "inf_equal": lambda L: (L.tensor([INF, 2]), L.tensor([INF, 2]), {}),
    "inf_signs": lambda L: (L.tensor([INF, 2]), L.tensor([-INF, 2]), {}),
    "inf_vs_finite": lambda L: (L.tensor([1., 2]), L.tensor([1., INF]), {}),
    "expected_zero": lambda L: (L.tensor([0., 1]), L.tensor([1., 0]), {}),
    "many": lambda L: (L.zeros(1000), L.ones(1000), {}),
    "custom_tol_pass": lambda L: (L.tensor([1., 2]), L.tensor([1., 2.1]), {"rtol": 0.1, "atol": 0.0}),
    "custom_tol_fail": lambda L: (L.tensor([1., 2]), L.tensor([1., 2.1]), {"rtol": 0, "atol": 0.01}),
    "int_with_tolerance": lambda L: (L.tensor([10, 20]), L.tensor([11, 20]), {"rtol": 0.1, "atol": 0}),
    "rtol_only": lambda L: (L.tensor([1.]), L.tensor([1.]), {"rtol": 1e-3}),
    "atol_only": lambda L: (L.tensor([1.]), L.tensor([1.]), {"atol": 1e-3}),
    "msg_str": lambda L: (L.tensor([1., 2]), L.tensor([1., 2.1]), {"msg": "custom"}),
    "msg_callable": lambda L: (L.tensor([1., 2]), L.tensor([1., 2.1]), {"msg": lambda m: "X" + m.upper()}),
    "empty": lambda L: (L.zeros(0, 3), L.zeros(0, 3), {}),
    "requires_grad": lambda L: (L.tensor([1., 2], requires_grad=True), L.tensor([1., 2]), {}),
    "float_scalars_close": lambda L: (1.0, 1.0 + 1e-9, {}),
    "float_scalars": lambda L: (1.0, 1.1, {}),
    "int_scalars": lambda L: (1, 2, {}),
    "scalar_types": lambda L: (1, 1.0, {}),
    "scalar_types_unchecked": lambda L: (2, 2.0, {"check_dtype": False}),
    "scalar_expected_zero": lambda L: (1e-3, 0.0, {}),
    "scalar_nan": lambda L: (NAN, NAN, {}),
    "scalar_nan_equal": lambda L: (NAN, NAN, {"equal_nan": True}),
    "booleans": lambda L: (True, False, {}),
    "list": lambda L: ([1., 2.], [1., 2.5], {}),
    "tuple_vs_list": lambda L: ((1, 2), [1, 2], {}),
    "nested": lambda L: ([[1., 2.], {"x": 3.}], [[1., 2.], {"x": 3.5}], {}),
    "nested_msg": lambda L: ([[1., 2.], {"x": 3.}], [[1., 2.], {"x": 3.5}], {"msg": lambda m: "<" + m + ">"}),
    "dict_tensors": lambda L: ({"a": L.tensor(1.), "b": L.ones(2)}, {"a": L.tensor(1.), "b": L.zeros(2)}, {}),
    "dict_keys": lambda L: ({"a": L.tensor(1.)}, {"b": L.tensor(1.)}, {}),
    "seq_length": lambda L: ([L.tensor(1.)], [L.tensor(1.), L.tensor(2.)], {}),
    "numpy_arrays": lambda L: (np.array([1., 2]), np.array([1., 2.1]), {}),
    "tensor_vs_list": lambda L: (L.tensor([1., 2]), [1., 2], {}),
    "tensor_vs_number": lambda L: (L.tensor(1.), 1.5, {}),
    "strings": lambda L: ("a", "a", {}),
    "none": lambda L: (None, None, {}),
    "none_vs_number": lambda L: (None, 1, {}),
    "number_vs_none": lambda L: (1, None, {}),
}


def _outcome(lib, case):
    actual, expected, kw = CASES[case](lib)
    try:
        lib.testing.assert_close(actual, expected, **kw)
    except Exception as e:  # noqa: BLE001 - the outcome is what is compared
        return type(e), str(e)
    return None, None


@pytest.mark.parametrize("case", sorted(CASES))
def test_assert_close_matches_torch(case):
    t_type, t_msg = _outcome(torch, case)
    e_type, e_msg = _outcome(ember, case)
    if t_type is None:
        assert e_type is None, f"ember raised {e_type.__name__}: {e_msg}"
        return
    assert e_type is not None, f"ember passed; torch raised {t_type.__name__}: {t_msg}"
    base = next(b for b in t_type.__mro__ if b.__module__ == "builtins")
    assert issubclass(e_type, base), (e_type, t_type)
    if base is TypeError:  # the messages name each library's classes
        assert "No comparison pair" in e_msg
    else:
        assert e_msg == t_msg


def test_assert_close_error_is_assertion_error():
    with pytest.raises(AssertionError, match=r"Greatest absolute difference: 0.5 at index \(1,\)"):
        ember.testing.assert_close(ember.tensor([1., 2, 3]), ember.tensor([1., 2.5, 3]))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"])
def test_make_tensor(dtype):
    dt = getattr(ember, dtype)
    t = ember.testing.make_tensor(3, 4, dtype=dt, device="cpu")
    ref = torch.testing.make_tensor(3, 4, dtype=getattr(torch, dtype), device="cpu")
    assert tuple(t.shape) == tuple(ref.shape) == (3, 4) and str(t.dtype) == str(ref.dtype)
    v = t.numpy().astype(np.float64)
    if dtype != "bool":
        assert v.min() >= (0 if dtype == "uint8" else -9) and v.max() <= 9
    nc = ember.testing.make_tensor((2, 5), dtype=dt, device="cpu", noncontiguous=True)
    assert tuple(nc.shape) == (2, 5) and not nc.is_contiguous()
    if dtype != "bool":
        nz = ember.testing.make_tensor(50, dtype=dt, device="cpu", low=-1, high=1, exclude_zero=True)
        assert (nz.numpy() != 0).all() and nz.numpy().min() >= -1 and nz.numpy().max() <= 1
    if dt.is_floating_point:
        g = ember.testing.make_tensor(2, dtype=dt, device="cpu", requires_grad=True)
        assert g.requires_grad and g.is_leaf


def test_import_under_the_torch_alias():
    code = ("import ember.cli.torch_alias as a; a.install()\n"
            "import torch, torch.testing\n"
            "from torch.testing import assert_close, make_tensor\n"
            "assert torch.testing.assert_close is assert_close and torch.__name__ == 'ember'\n"
            "assert_close(torch.ones(2), torch.ones(2))\n"
            "print(tuple(make_tensor(2, 3, dtype=torch.float32, device='cpu').shape))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "(2, 3)"
