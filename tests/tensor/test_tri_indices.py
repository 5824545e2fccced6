"""tril_indices / triu_indices and asarray against PyTorch."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.helpers import assert_close, check_error


@pytest.mark.parametrize("shape", [(0, 0), (1, 1), (3, 3), (3, 5), (5, 2), (0, 4)])
@pytest.mark.parametrize("offset", [-7, -2, -1, 0, 1, 3, 9])
def test_tri_indices(shape, offset):
    for name in ("tril_indices", "triu_indices"):
        assert_close(getattr(ember, name)(*shape, offset), getattr(torch, name)(*shape, offset))
    assert_close(ember.tril_indices(*shape, offset, dtype=ember.int32),
                 torch.tril_indices(*shape, offset, dtype=torch.int32))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.tril_indices(-1, 3), lambda lib: lib.triu_indices(3, -2),
    lambda lib: lib.tril_indices(3, 3, dtype=lib.float32), lambda lib: lib.triu_indices(3, 3, dtype=lib.uint8),
    lambda lib: lib.tril_indices(3.0, 3), lambda lib: lib.triu_indices(3, 3, 1.5),
])
def test_tri_indices_errors(fn):
    e = check_error(fn)
    if "non-negative" in str(e):
        assert str(e) in ("row must be non-negative, got-1", "col must be non-negative, got-2")


def test_asarray_tensors_share_and_keep_history():
    t = ember.ones(3, requires_grad=True)
    with pytest.warns(UserWarning, match="unspecified requires_grad"):
        assert ember.asarray(t) is t
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.asarray(t, requires_grad=True) is t
        d = ember.asarray(t, requires_grad=False)
        assert not d.requires_grad and d.data_ptr() == t.data_ptr()
    c = ember.asarray(t, copy=True, requires_grad=True)
    assert c.data_ptr() != t.data_ptr() and c.grad_fn.name() == "CloneBackward0"
    b = ember.asarray(t, dtype=ember.float64, requires_grad=True)
    assert b.dtype is ember.float64 and b.grad_fn is not None
    plain = ember.zeros(2)
    assert ember.asarray(plain) is plain
    with pytest.raises(ValueError, match="can't alias tensor with dtype 'Float' into dtype 'Double'"):
        ember.asarray(plain, dtype=ember.float64, copy=False)


def test_asarray_numpy_scalars_sequences_and_buffers():
    n = np.ones(3, np.float32)
    a = ember.asarray(n)
    n[0] = 5
    assert a.tolist() == [5.0, 1.0, 1.0] and a.dtype is ember.float32
    assert ember.asarray(n, copy=True).data_ptr() != a.data_ptr()
    assert ember.asarray(np.ones(2), dtype=ember.float32).dtype is ember.float32
    with pytest.raises(ValueError):
        ember.asarray(n, dtype=ember.float64, copy=False)
    for obj in ([1, 2.5], [1, 2], 3, 2.5, True, np.float64(3), np.int32(2), [[1, 2], [3, 4]]):
        assert_close(ember.asarray(obj), torch.asarray(obj))
    assert_close(ember.asarray([1, 2], dtype=ember.float64), torch.asarray([1, 2], dtype=torch.float64))
    with pytest.raises(ValueError, match="can't alias arbitrary sequence"):
        ember.asarray([1, 2], copy=False)
    buf = bytearray(np.arange(4, dtype=np.float32).tobytes())
    assert_close(ember.asarray(buf), torch.asarray(buf))
    assert_close(ember.asarray(buf, dtype=ember.int16), torch.asarray(buf, dtype=torch.int16))
    x = ember.asarray([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf
