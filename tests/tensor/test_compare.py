"""Comparisons, logic, bit operations and value tests against PyTorch."""
import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand as _rand


def rand(*shape, **kw):
    return np.asarray(_rand(*shape, **kw))


CMP = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"]
OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
       ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _ties(*shape, dtype=np.float32):
    """Small integers as floats, so that equal elements occur."""
    return np.asarray(np.random.default_rng(3).integers(-2, 3, size=shape).astype(dtype))


@pytest.mark.parametrize("name", CMP)
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (3,)), ((0, 2), (2,))])
def test_comparison_functions(name, sa, sb):
    x, y = _ties(*sa), _ties(*sb)
    check(lambda lib, a, b: getattr(lib, name)(a, b), x, y)
    check(lambda lib, a, b: getattr(a, name)(b), x, y)
    check(lambda lib, a: getattr(lib, name)(a, 1.0), x)
    check(lambda lib, a: getattr(lib, name)(a, 1), x.astype(np.int64))


@pytest.mark.parametrize("op", sorted(OPS))
def test_comparison_operators(op):
    f = OPS[op]
    x, y = _ties(3, 4), _ties(4)
    check(lambda lib, a, b: f(a, b), x, y)
    check(lambda lib, a: f(a, 0.5), x)
    check(lambda lib, a: f(0.5, a), x)
    check(lambda lib, a: f(a, 1), x.astype(np.int32))
    check(lambda lib, a, b: f(a, b), x.astype(np.int64), y)          # promoted: int64 vs float32
    check(lambda lib, a: f(a, 1.5), np.array([1, 2, 3]))               # compared in float32, as torch
    check(lambda lib, a: f(a, True), np.array([True, False]))
    check(lambda lib, a: f(a.t(), 0.0), x)                             # non-contiguous


def test_comparison_results_have_no_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    r = x > 1.5
    assert r.dtype == ember.bool and not r.requires_grad and r.grad_fn is None


def test_notes_examples():
    # the study notes: torch.lt(t, 141.83) on a float column, and `a.grad == d / a` giving tensor(True)
    data = rand(50, low=100, high=200)
    e, t = check(lambda lib, x: lib.lt(x, 141.83), data)
    assert e.dtype == ember.bool and int(e.sum()) == int(t.sum())
    assert bool(ember.tensor(2.0) == ember.tensor(4.0) / 2)
    check(lambda lib, x: (x <= 1) & (x > -1), rand(6))


def test_equality_with_other_types_is_false():
    x = ember.tensor([1.0, 2.0])
    assert (x == None) is False  # noqa: E711
    assert (x == "a") is False
    assert (x != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        x < "a"
    check_error(lambda lib, a: lib.eq(a, "a"), rand(2))


def test_comparison_broadcast_error():
    e = check_error(lambda lib, a, b: a < b, rand(2, 3), rand(2, 4))
    assert "must match the size of tensor b (4) at non-singleton dimension 1" in str(e)


def test_inplace_comparisons_keep_dtype():
    check(lambda lib, a: a.clone().eq_(1.0), _ties(5))
    check(lambda lib, a: a.clone().lt_(0.5), np.array([3, -7, 0]))
    check(lambda lib, a, b: a.clone().ge_(b), _ties(3, 4), _ties(4))


# ---------------------------------------------------------------------------- logic
LOGIC = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", LOGIC)
@pytest.mark.parametrize("dta,dtb", [(bool, bool), (np.float32, np.int64), (np.int32, bool)])
def test_logical(name, dta, dtb):
    x = _ties(3, 4).astype(dta)
    y = _ties(4).astype(dtb)
    check(lambda lib, a, b: getattr(lib, name)(a, b), x, y)
    check(lambda lib, a, b: getattr(a, name)(b), x, y)
    check(lambda lib, a, b: getattr(a.clone(), name + "_")(b), x, y)
    check_error(lambda lib, a: getattr(lib, name)(a, 2), x)


def test_logical_not():
    for dt in (bool, np.float32, np.int64):
        x = _ties(5).astype(dt)
        check(lambda lib, a: lib.logical_not(a), x)
        check(lambda lib, a: a.clone().logical_not_(), x)


# ---------------------------------------------------------------------------- bits
BITS = {"bitwise_and": lambda a, b: a & b, "bitwise_or": lambda a, b: a | b, "bitwise_xor": lambda a, b: a ^ b}


@pytest.mark.parametrize("name", sorted(BITS))
def test_bitwise(name):
    i = np.array([[3, -7, 12], [0, 5, -1]])
    j = np.array([6, 3, -2])
    b = np.array([True, False, True])
    check(lambda lib, x, y: getattr(lib, name)(x, y), i, j)
    check(lambda lib, x, y: BITS[name](x, y), i, j)
    check(lambda lib, x, y: BITS[name](x, y), b, b[::-1].copy())
    check(lambda lib, x: BITS[name](x, True), b)
    check(lambda lib, x: BITS[name](x, 1), b)
    check(lambda lib, x: BITS[name](True, x), b)
    check(lambda lib, x: BITS[name](x, 5), i.astype(np.uint8))
    check(lambda lib, x: BITS[name](x, 3), i.astype(np.int16))
    check_error(lambda lib, x: BITS[name](x, x), rand(3))
    check_error(lambda lib, x: BITS[name](x, 2.5), i)


def test_bitwise_not_and_invert():
    check(lambda lib, x: ~x, np.array([3, -7, 0]))
    check(lambda lib, x: ~x, np.array([True, False]))
    check(lambda lib, x: lib.bitwise_not(x), np.array([3, 200], dtype=np.uint8))
    check_error(lambda lib, x: ~x, rand(3))
    check_error(lambda lib, x: lib.bitwise_not(x), rand(3))


def test_shifts():
    i = np.array([3, -7, 12, 1, -1])
    check(lambda lib, x: x << 1, i)
    check(lambda lib, x: x >> 1, i)
    check(lambda lib, x, y: x << y, i, np.array([1, 2, 0, 63, 3]))
    check(lambda lib, x, y: x >> y, i, np.array([1, 2, 0, 63, 3]))
    check(lambda lib, x: x << -1, i)
    check(lambda lib, x: x >> -1, i)
    check(lambda lib, x: x << 64, i)
    check(lambda lib, x: x >> 70, i)
    check(lambda lib, x: x << 9, i.astype(np.int8))
    check(lambda lib, x: x >> 1, np.array([200, 3], dtype=np.uint8))
    check(lambda lib, x: x << 1, np.array([True, False]))
    check(lambda lib, x: lib.bitwise_left_shift(3, x), np.array([0, 1, 2]))
    check(lambda lib, x: 3 >> x, np.array([0, 1, 2]))
    check_error(lambda lib, x: x << 1, rand(3))


# ---------------------------------------------------------------------------- tests of values
SPECIAL = np.array([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan], dtype=np.float32)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit"])
def test_value_tests(name):
    check(lambda lib, x: getattr(lib, name)(x), SPECIAL)
    check(lambda lib, x: getattr(x, name)(), SPECIAL.astype(np.float64))
    check(lambda lib, x: getattr(lib, name)(x), np.array([3, -7, 0]))
    check(lambda lib, x: getattr(lib, name)(x), np.array([True, False]))
    check(lambda lib, x: getattr(lib, name)(x), rand(0, 3))


def test_isclose_allclose_equal():
    a = rand(3, 4)
    b = (a + np.random.default_rng(5).normal(0, 1e-5, a.shape)).astype(np.float32)
    check(lambda lib, x, y: lib.isclose(x, y), a, b)
    check(lambda lib, x, y: lib.isclose(x, y, rtol=0, atol=1e-6), a, b)
    check(lambda lib, x, y: lib.isclose(x, y, equal_nan=True), SPECIAL, SPECIAL.copy())
    check(lambda lib, x, y: lib.isclose(x, y), SPECIAL, SPECIAL.copy())
    check(lambda lib, x, y: lib.isclose(x, y, rtol=0.1), np.array([3, 10, 100]), np.array([3, 11, 120]))
    check(lambda lib, x, y: lib.isclose(x, y), np.array([True, False]), np.array([True, True]))
    for kw in ({}, {"rtol": 0.0, "atol": 1e-6}, {"atol": 0.0, "rtol": 0.0}):
        assert ember.allclose(ember.tensor(a), ember.tensor(b), **kw) == torch.allclose(
            torch.tensor(a), torch.tensor(b), **kw)
    assert ember.allclose(ember.tensor(SPECIAL), ember.tensor(SPECIAL), equal_nan=True)
    assert not ember.allclose(ember.tensor(SPECIAL), ember.tensor(SPECIAL))
    check_error(lambda lib, x: lib.isclose(x, x.double()), a, match="did not match")
    check_error(lambda lib, x: lib.isclose(x, 1.0), a)
    check_error(lambda lib, x: lib.allclose(x, x.long()), a)
    i = np.array([1, 2, 3])
    for x, y in ((i, i), (i, i.astype(np.float32)), (i, i[:2]), (i, i + 1), (SPECIAL, SPECIAL),
                 (rand(2, 3), rand(3, 2))):
        assert ember.equal(ember.tensor(x), ember.tensor(y)) == torch.equal(torch.tensor(x), torch.tensor(y))
