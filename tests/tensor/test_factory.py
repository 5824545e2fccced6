"""Creation functions against PyTorch: values, dtypes, shapes, flags and errors."""
import numpy as np
import pandas as pd
import pytest
import torch

import ember
from helpers import assert_close, check, check_error


def same(fn):
    """fn(lib) gives the same tensor (value, dtype, shape, requires_grad) in both."""
    e, t = fn(ember), fn(torch)
    assert_close(e, t)
    assert e.requires_grad == t.requires_grad
    return e


# ---------------------------------------------------------------- zeros / ones / full / empty
@pytest.mark.parametrize("fn", [
    lambda l: l.zeros(3, 2), lambda l: l.zeros(2, 3, 4), lambda l: l.zeros((2, 3, 4)), lambda l: l.zeros([4]),
    lambda l: l.zeros(l.Size([2, 3])), lambda l: l.zeros(size=(2, 3)), lambda l: l.zeros(()), lambda l: l.zeros(0, 3),
    lambda l: l.zeros(np.int64(2)), lambda l: l.zeros(l.tensor(2)), lambda l: l.zeros(1, requires_grad=True),
    lambda l: l.zeros(2, dtype=l.int32), lambda l: l.ones(2, 3, dtype=l.bool), lambda l: l.ones(4),
    lambda l: l.ones((2,), dtype=l.float64, requires_grad=True), lambda l: l.full((2,), 3),
    lambda l: l.full((2,), True), lambda l: l.full((2, 2), 3.5), lambda l: l.full([2], np.float64(2.0)),
    lambda l: l.full((2,), l.tensor(2)), lambda l: l.full((2,), 1.5, dtype=l.int64), lambda l: l.full((3,), -1, dtype=l.float16),
    lambda l: l.empty(2, 3).zero_(), lambda l: l.empty((0,)),
])
def test_size_factories(fn):
    same(fn)


def test_default_dtype_follows_setting():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        same(lambda l: l.zeros(2))
        same(lambda l: l.full((2,), 1.0))
        same(lambda l: l.arange(0.0, 1.0, 0.25))
        same(lambda l: l.tensor([1, 2.5]))
        same(lambda l: l.Tensor([1, 2]))
    finally:
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("fn", [
    lambda l: l.zeros(-1), lambda l: l.zeros(2.5), lambda l: l.zeros((2, 2.5)), lambda l: l.full(2, 1.0),
    lambda l: l.full((2,), "a"), lambda l: l.ones(2, dtype=l.int64, requires_grad=True), lambda l: l.empty(-2, 1),
])
def test_size_factory_errors(fn):
    check_error(fn)


# ---------------------------------------------------------------- ranges
@pytest.mark.parametrize("fn", [
    lambda l: l.arange(10), lambda l: l.arange(4.0), lambda l: l.arange(0, 1, 0.3), lambda l: l.arange(1, 2.5),
    lambda l: l.arange(10, dtype=l.float32), lambda l: l.arange(20, dtype=l.float32).reshape(5, 4),
    lambda l: l.arange(1, 4, dtype=l.float64, requires_grad=True), lambda l: l.arange(4.0, requires_grad=True),
    lambda l: l.arange(np.int64(3)), lambda l: l.arange(l.tensor(3)), lambda l: l.arange(l.tensor(3.0)),
    lambda l: l.arange(0, 1, 0.1), lambda l: l.arange(0.5, 3, dtype=l.int64), lambda l: l.arange(1, 10, 3.0),
    lambda l: l.arange(5, 0, -1), lambda l: l.arange(1.0, -1.0, -0.3), lambda l: l.arange(3, 3),
    lambda l: l.arange(-5, 5, 2, dtype=l.int32), lambda l: l.arange(0, 2, 0.5, dtype=l.float64),
    lambda l: l.arange(0, 2.2, 0.2), lambda l: l.arange(10, dtype=l.uint8),
])
def test_arange(fn):
    same(fn)


@pytest.mark.parametrize("fn", [
    lambda l: l.arange(5, 1), lambda l: l.arange(0, 5, 0), lambda l: l.arange(0, 5, -1),
    lambda l: l.arange(-1.0, 1.0, 0.5, dtype=l.int64), lambda l: l.arange(float("inf")),
    lambda l: l.arange(float("nan")), lambda l: l.arange(3, dtype=l.int64, requires_grad=True),
])
def test_arange_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("fn", [
    lambda l: l.linspace(0, 1, 5), lambda l: l.linspace(0, 10, 5, dtype=l.int64), lambda l: l.linspace(0, 1, 1),
    lambda l: l.linspace(0, 1, 0), lambda l: l.linspace(-1, 1, 4, requires_grad=True), lambda l: l.linspace(-3.5, 7.25, 101),
    lambda l: l.linspace(l.tensor(0.0), 1, 3), lambda l: l.linspace(2, -2, 7, dtype=l.float64), lambda l: l.linspace(0, 1, 2),
    lambda l: l.logspace(0, 2, 3), lambda l: l.logspace(0, 2, 3, base=2), lambda l: l.logspace(0, 1, 3, dtype=l.int64),
    lambda l: l.logspace(-2, 2, 9, dtype=l.float64), lambda l: l.eye(3), lambda l: l.eye(2, 3), lambda l: l.eye(3, 2, dtype=l.bool),
    lambda l: l.eye(2, dtype=l.int64), lambda l: l.eye(0), lambda l: l.eye(2, requires_grad=True),
])
def test_linspace_logspace_eye(fn):
    e, t = fn(ember), fn(torch)
    assert_close(e, t, atol=1e-6, rtol=1e-6)  # the last bit of linspace's step may differ
    assert e.requires_grad == t.requires_grad


@pytest.mark.parametrize("fn", [lambda l: l.linspace(0, 1, -1), lambda l: l.eye(-1), lambda l: l.eye(2, -3),
                                lambda l: l.linspace(0, 1, 2.5)])
def test_range_errors(fn):
    check_error(fn)


# ---------------------------------------------------------------- *_like and new_*
@pytest.mark.parametrize("fn", [
    lambda l, x: l.zeros_like(x), lambda l, x: l.ones_like(x), lambda l, x: l.full_like(x, 2.5),
    lambda l, x: l.zeros_like(x, dtype=l.int64), lambda l, x: l.ones_like(x, requires_grad=True),
    lambda l, x: l.full_like(x.long(), 2.7), lambda l, x: l.empty_like(x).shape, lambda l, x: l.full_like(x, True, dtype=l.bool),
    lambda l, x: x.new_zeros(4), lambda l, x: x.new_zeros((2, 1)), lambda l, x: x.int().new_ones((2, 1)),
    lambda l, x: x.new_full((2,), 3), lambda l, x: x.double().new_full((2,), 3), lambda l, x: x.new_empty(2, 3).shape,
    lambda l, x: x.double().new_tensor([1, 2]), lambda l, x: x.new_zeros(2, requires_grad=True),
    lambda l, x: x.new_ones(3, dtype=l.int64), lambda l, x: x.t().new_zeros(x.shape),
])
def test_like_and_new(fn):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    e, t = fn(ember, ember.tensor(x)), fn(torch, torch.tensor(x))
    assert_close(e, t)
    if isinstance(t, torch.Tensor):
        assert e.requires_grad == t.requires_grad


# ---------------------------------------------------------------- fill_ / zero_
def test_fill_and_zero():
    same(lambda l: l.zeros(2).fill_(l.tensor(1.5)))
    same(lambda l: l.zeros(2, dtype=l.int64).fill_(1.7))
    same(lambda l: l.ones(2, 3)[:, 1].fill_(4))
    same(lambda l: l.ones(2, 3).t().zero_())
    check_error(lambda l: l.zeros(2).fill_(l.ones(2)))
    check_error(lambda l: l.zeros(2, requires_grad=True).fill_(1))
    check_error(lambda l: l.zeros(2, requires_grad=True).zero_())


def test_fill_writes_through_views_and_bumps_version():
    x = ember.zeros(2, 3)
    v0 = x._version[0]
    x[0].fill_(7)
    assert x.tolist() == [[7, 7, 7], [0, 0, 0]]
    assert x._version[0] > v0


def test_fill_gradients():
    # FillBackward3: the value tensor gets the sum of the gradient; the old values nothing
    check(lambda lib, a, v: (a * 2).fill_(v) * lib.arange(3.0), np.ones(3, np.float32), np.array(5.0, np.float32))
    check(lambda lib, a: (a * 2).fill_(3) + a, np.ones(3, np.float32))
    y = ember.ones(2, requires_grad=True) * 2
    assert repr(y.fill_(3)) == "tensor([3., 3.], grad_fn=<FillBackward2>)"
    with ember.no_grad():
        w = ember.ones(2, requires_grad=True)
        w.fill_(0.5).zero_()
    assert w.tolist() == [0, 0] and w.requires_grad and w.grad_fn is None


# ---------------------------------------------------------------- tensor / as_tensor / from_numpy
@pytest.mark.parametrize("fn", [
    lambda l: l.tensor([[1, 2.0], [True, 3]]), lambda l: l.tensor([1, True]), lambda l: l.tensor([]),
    lambda l: l.tensor([[], []]), lambda l: l.tensor([np.float64(1.0), 2]), lambda l: l.tensor([np.float32(1.0), 2.0]),
    lambda l: l.tensor([np.int32(1), 2]), lambda l: l.tensor([np.int32(1)]), lambda l: l.tensor(np.float32(1.0)),
    lambda l: l.tensor([l.tensor(1.5, dtype=l.float64), 2]), lambda l: l.tensor([l.tensor(1), l.tensor(2.0)]),
    lambda l: l.tensor([l.tensor([1.0])]), lambda l: l.tensor([[l.tensor(1.0)], [l.tensor(2.0)]]),
    lambda l: l.tensor([np.array([1, 2]), np.array([3, 4])]), lambda l: l.tensor(((1, 2), (3, 4))), lambda l: l.tensor(3.5),
    lambda l: l.tensor(True), lambda l: l.tensor(range(3)), lambda l: l.tensor([[np.float64(1)]]),
    lambda l: l.tensor(np.array([1, 2], np.int32), dtype=l.float64), lambda l: l.tensor([1.7, -1.7], dtype=l.int64),
    lambda l: l.tensor(np.arange(6).reshape(2, 3)[:, ::2]), lambda l: l.tensor(np.array(5.0)),
    lambda l: l.tensor([[1.0, 2], [3, 4]], dtype=l.float64, requires_grad=True), lambda l: l.as_tensor([1, 2], dtype=l.float32),
    lambda l: l.tensor(np.arange(4.0)), lambda l: l.from_numpy(np.arange(3)), lambda l: l.tensor([0.1, 1e-8, 3e38]),
])
def test_tensor_inference(fn):
    same(fn)


@pytest.mark.parametrize("fn", [
    lambda l: l.tensor([l.tensor([1, 2]), l.tensor([3, 4])]), lambda l: l.tensor([[1, 2], [3]]),
    lambda l: l.tensor(np.array([1, 2.5], dtype=object)), lambda l: l.tensor("a"), lambda l: l.tensor(None),
    lambda l: l.tensor([1, None]), lambda l: l.tensor([1, "a"]), lambda l: l.tensor(2 ** 70), lambda l: l.tensor({1: 2}),
    lambda l: l.tensor([[1], [2, 3]]), lambda l: l.tensor([[1, 2], [3, [4]]]), lambda l: l.from_numpy([1]),
    lambda l: l.from_numpy(np.arange(3.0)[::-1]), lambda l: l.tensor([1, 2], requires_grad=True),
])
def test_tensor_errors(fn):
    check_error(fn)


def test_pandas_values():
    """002:L63-68: numeric frames convert; mixed (object) ones fail as in PyTorch."""
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [2.0, 4.0, 6.0]})
    same(lambda l: l.tensor(df.values))
    mixed = pd.DataFrame({"a": [1.0, np.nan], "b": ["x", "y"]})
    err = check_error(lambda l: l.tensor(mixed.values))
    assert "to_numpy(dtype=float)" in str(err)
    dummies = pd.get_dummies(pd.DataFrame({"n": [1.0, np.nan], "c": ["a", None]}), dummy_na=True)
    same(lambda l: l.tensor(dummies.to_numpy(dtype=float)))


def test_memory_sharing():
    a = np.zeros(3, np.float32)
    t = ember.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    assert ember.as_tensor(a)._data is a
    c = ember.tensor(a)
    a[1] = 7
    assert c[1].item() == 0
    x = ember.ones(2)
    assert ember.as_tensor(x) is x
    assert ember.as_tensor(x, dtype=ember.float64).dtype is ember.float64


def test_read_only_numpy_is_copied():
    a = np.arange(3.0)
    a.setflags(write=False)
    t = ember.tensor(a)
    t.fill_(1)
    assert a.tolist() == [0.0, 1.0, 2.0]


# ---------------------------------------------------------------- legacy constructors
@pytest.mark.parametrize("fn", [
    lambda l: l.Tensor(), lambda l: l.Tensor(2, 3).shape, lambda l: l.Tensor((2, 3)), lambda l: l.Tensor([1, 2]),
    lambda l: l.Tensor(l.Size([2, 3])).shape, lambda l: l.Tensor(np.array([1, 2])), lambda l: l.Tensor([True]),
    lambda l: l.Tensor(l.tensor([1, 2])), lambda l: l.FloatTensor([1, 2]), lambda l: l.LongTensor([1.5, 2]),
    lambda l: l.LongTensor(3).shape, lambda l: l.DoubleTensor(2, 2).shape, lambda l: l.BoolTensor([1, 0]),
    lambda l: l.ByteTensor([1, 2]), lambda l: l.IntTensor([[1], [2]]),
])
def test_legacy_constructors(fn):
    e, t = fn(ember), fn(torch)
    assert_close(e, t)


def test_legacy_errors_and_isinstance():
    check_error(lambda l: l.Tensor(2.5))
    assert isinstance(ember.zeros(2), ember.FloatTensor)
    assert not isinstance(ember.zeros(2), ember.LongTensor)
    assert isinstance(ember.arange(3), ember.LongTensor)
    assert ember.zeros(2).type() == "torch.FloatTensor"
