"""Type promotion of binary ops against PyTorch: every pair of dtypes, tensor with
tensor, with a 0-d tensor, and with Python numbers."""
import itertools

import numpy as np
import pytest
import torch

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
OPS = {"add": lambda lib, a, b: lib.add(a, b), "mul": lambda lib, a, b: lib.mul(a, b),
       "div": lambda lib, a, b: lib.div(a, b), "eq": lambda lib, a, b: lib.eq(a, b),
       "radd": lambda lib, a, b: b + a, "lt": lambda lib, a, b: a < b, "maximum": None}


def _make(lib, name, shape):
    data = np.ones(shape, dtype=np.float64) * (2 if name != "bool" else 1)
    return lib.tensor(data.astype(np.dtype(name)))


def _dtype_or_error(fn):
    try:
        return str(fn().dtype)
    except Exception as e:  # noqa: BLE001 - the test compares exception types
        return type(e).__name__


@pytest.mark.parametrize("op", ["add", "mul", "div", "eq", "radd", "lt"])
@pytest.mark.parametrize("shape_b", [(3,), ()], ids=["tensor", "0d"])
def test_tensor_tensor_matrix(op, shape_b):
    fn = OPS[op]
    mismatches = []
    for na, nb in itertools.product(NAMES, NAMES):
        e = _dtype_or_error(lambda: fn(ember, _make(ember, na, (3,)), _make(ember, nb, shape_b)))
        t = _dtype_or_error(lambda: fn(torch, _make(torch, na, (3,)), _make(torch, nb, shape_b)))
        if e != t:
            mismatches.append((na, nb, e, t))
    assert not mismatches, mismatches


@pytest.mark.parametrize("op", ["add", "mul", "div", "eq", "radd", "lt"])
def test_zero_dim_with_zero_dim(op):
    fn = OPS[op]
    for na, nb in itertools.product(NAMES, NAMES):
        e = _dtype_or_error(lambda: fn(ember, _make(ember, na, ()), _make(ember, nb, ())))
        t = _dtype_or_error(lambda: fn(torch, _make(torch, na, ()), _make(torch, nb, ())))
        assert e == t, (na, nb, e, t)


@pytest.mark.parametrize("op", ["add", "mul", "div", "eq", "radd", "lt"])
@pytest.mark.parametrize("scalar", [2, 2.5, True, -3, 0], ids=["int", "float", "bool", "negint", "zero"])
@pytest.mark.parametrize("shape", [(3,), ()], ids=["tensor", "0d"])
def test_tensor_python_number(op, scalar, shape):
    fn = OPS[op]
    for na in NAMES:
        e = _dtype_or_error(lambda: fn(ember, _make(ember, na, shape), scalar))
        t = _dtype_or_error(lambda: fn(torch, _make(torch, na, shape), scalar))
        assert e == t, (na, scalar, e, t)


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_default_dtype_governs_int_and_python_float(default):
    ember.set_default_dtype(getattr(ember, default))
    torch.set_default_dtype(getattr(torch, default))
    try:
        for na in NAMES:
            for fn in (lambda lib, a: a * 2.5, lambda lib, a: a / 2, lambda lib, a: lib.exp(a),
                       lambda lib, a: a < 1.5):
                e = _dtype_or_error(lambda: fn(ember, _make(ember, na, (2,))))
                t = _dtype_or_error(lambda: fn(torch, _make(torch, na, (2,))))
                assert e == t, (default, na, e, t)
    finally:
        torch.set_default_dtype(torch.float32)


def test_values_in_the_result_dtype():
    # float32 * python float stays float32 and is computed in float32 (no float64 round trip)
    x = ember.tensor([1.1, 2.2, 3.3])
    tx = torch.tensor([1.1, 2.2, 3.3])
    for fn in (lambda a: a * 0.1, lambda a: a + 1e-8, lambda a: a / 3.0, lambda a: 0.7 - a):
        r = fn(x)
        assert r.dtype == ember.float32
        np.testing.assert_array_equal(r.numpy(), fn(tx).numpy())
    assert (ember.arange(4) / 2).dtype == ember.float32
    assert (ember.tensor([1, 2], dtype=ember.int8) * 2).dtype == ember.int8
    assert (ember.tensor([1, 2], dtype=ember.uint8) + ember.tensor(1000)).dtype == ember.uint8


def test_promotion_keeps_gradients():
    a = ember.tensor([1.0, 2.0], dtype=ember.float32, requires_grad=True)
    b = ember.tensor([3.0, 4.0], dtype=ember.float64, requires_grad=True)
    r = a * b
    assert r.dtype == ember.float64
    r.sum().backward()
    assert a.grad.dtype == ember.float32 and b.grad.dtype == ember.float64
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


def test_result_type_and_promote_types():
    for na, nb in itertools.product(NAMES, NAMES):
        assert str(ember.promote_types(getattr(ember, na), getattr(ember, nb))) == str(
            torch.promote_types(getattr(torch, na), getattr(torch, nb)))
        e = ember.result_type(_make(ember, na, (2,)), _make(ember, nb, ()))
        t = torch.result_type(_make(torch, na, (2,)), _make(torch, nb, ()))
        assert str(e) == str(t)
    for s in (1, 1.5, True):
        for na in NAMES:
            assert str(ember.result_type(_make(ember, na, (2,)), s)) == str(torch.result_type(_make(torch, na, (2,)), s))
