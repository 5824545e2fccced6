"""Tensor queries and legacy methods against PyTorch: get_device, is_signed,
is_nonzero, is_same_size, is_inference, storage_offset, pin_memory/is_pinned, new,
resize_ and resize_as_."""
import numpy as np
import pytest
import torch

import ember
from tests.helpers import check_error


def pair(a):
    return ember.tensor(a), torch.tensor(a)


def test_queries():
    for dt in (np.float32, np.float64, np.int64, np.int8, np.uint8, np.bool_):
        e, t = pair(np.ones(3, dt))
        assert e.is_signed() == t.is_signed() and ember.is_signed(e) == torch.is_signed(t)
        assert e.get_device() == t.get_device() == ember.get_device(e)
        assert e.is_inference() == t.is_inference() == ember.is_inference(e)
        assert e.is_pinned() == t.is_pinned()
    for v in ([0.0], [[2]], [float("nan")], 0, [True], [False]):
        e, t = pair(v)
        assert e.is_nonzero() == t.is_nonzero() == ember.is_nonzero(e)
    e, t = pair(np.ones((2, 3)))
    assert e.is_same_size(e.t()) == t.is_same_size(t.t()) and ember.is_same_size(e, e + 1)


@pytest.mark.parametrize("shape", [(2, 3), (0,)])
def test_is_nonzero_errors(shape):
    check_error(lambda lib, x: x.is_nonzero(), np.ones(shape, np.float32))


def test_storage_offset():
    e, t = pair(np.arange(12.0).reshape(3, 4))
    for f in (lambda x: x, lambda x: x[1:, 2:], lambda x: x.t()[1], lambda x: x[2], lambda x: x.view(-1)[5:],
              lambda x: x.diagonal(1), lambda x: x[1].unsqueeze(0), lambda x: x + 1, lambda x: x[1:].detach()):
        assert f(e).storage_offset() == f(t).storage_offset()


def test_pin_memory_without_an_accelerator():
    if ember.cuda.is_available():
        x = ember.ones(3)
        assert x.pin_memory().tolist() == [1.0] * 3
    else:
        check_error(lambda lib, x: x.pin_memory(), np.ones(3, np.float32))


def test_new():
    e, t = pair(np.ones(2, np.int32))
    for args in ((2, 3), ([1, 2],), (torch.Size([2, 1]),), ()):
        eargs = tuple(ember.Size(a) if isinstance(a, torch.Size) else a for a in args)
        r, s = e.new(*eargs), t.new(*args)
        assert r.dtype == ember.int32 and tuple(r.shape) == tuple(s.shape)
    assert e.new([1, 2]).tolist() == [1, 2]
    check_error(lambda lib, x: x.new(3.5), np.ones(2, np.float32))


def test_resize():
    for shape in ((2, 2), (6,), (3, 4), (0,), (1, 1, 6)):
        e, t = pair(np.arange(6.0))
        e.resize_(*shape)
        t.resize_(*shape)
        n = min(6, int(np.prod(shape)))
        assert tuple(e.shape) == tuple(t.shape)
        assert e.reshape(-1)[:n].tolist() == t.reshape(-1)[:n].tolist()
    e = ember.arange(6.0)
    v = e.resize_((2, 3))
    assert v is e and e.shape == (2, 3)
    r = ember.arange(6.0).resize_as_(ember.ones(3, 2))
    assert r.shape == (3, 2)
    check_error(lambda lib, x: x.resize_(-1), np.ones(3, np.float32))
    w = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        w.resize_(2)
    shared = ember.arange(6.0)
    small = shared.resize_(2, 2)
    small[0, 0] = 7.0
    assert small.tolist() == [[7.0, 1.0], [2.0, 3.0]]
