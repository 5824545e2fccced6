"""torch.numel, torch.finfo and torch.iinfo against PyTorch."""
import pytest
import torch

import ember
from tests.helpers import check_error, rand

FLOATS = ["float16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


def test_numel():
    assert ember.numel(ember.zeros(2, 3, 4)) == torch.numel(torch.zeros(2, 3, 4)) == 24
    assert ember.numel(ember.tensor(1.0)) == 1
    assert ember.numel(ember.zeros(0, 3)) == 0
    check_error(lambda lib: lib.numel([1, 2]))


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(e, attr) == getattr(t, attr), attr
        assert type(getattr(e, attr)) is type(getattr(t, attr)), attr
    assert repr(e) == repr(t)


def test_finfo_default_dtype_follows_set_default_dtype():
    assert ember.finfo().dtype == "float32"
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.finfo().eps == torch.finfo(torch.float64).eps
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.finfo(ember.float32) == ember.finfo()
    assert ember.finfo(ember.float32) != ember.finfo(ember.float64)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(e, attr) == getattr(t, attr), attr
        assert type(getattr(e, attr)) is type(getattr(t, attr)), attr
    assert repr(e) == repr(t)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.finfo(lib.int32), lambda lib: lib.finfo(lib.bool), lambda lib: lib.finfo("float32"),
    lambda lib: lib.finfo(3), lambda lib: lib.iinfo(lib.float32), lambda lib: lib.iinfo(lib.bool),
    lambda lib: lib.iinfo(), lambda lib: lib.iinfo("int32"),
])
def test_info_errors(fn):
    check_error(fn)


def test_finfo_used_as_clamp_bound():
    x = rand(5)
    e = ember.tensor(x).clamp(min=ember.finfo(ember.float32).tiny)
    t = torch.tensor(x).clamp(min=torch.finfo(torch.float32).tiny)
    assert (e.numpy() == t.numpy()).all()


@pytest.mark.parametrize("fn, dtype", [("frac", "int32"), ("frac", "int16"), ("bitwise_not", "float64"),
                                       ("bitwise_not", "float16")])
def test_missing_kernel_errors_name_the_dtype_as_torch(fn, dtype):
    """PyTorch names the dtype by its ScalarType (Int, Short, Double, Half), not its kind."""
    with pytest.raises(NotImplementedError) as want:
        getattr(torch, fn)(torch.ones(2, dtype=getattr(torch, dtype)))
    with pytest.raises(NotImplementedError) as got:
        getattr(ember, fn)(ember.ones(2, dtype=getattr(ember, dtype)))
    assert str(got.value) == str(want.value)
