"""Padding layers (nn.ConstantPad*/ZeroPad*/ReflectionPad*/ReplicationPad*/CircularPad*)
against torch.nn: outputs, gradients, int/tuple padding, reprs, attributes, errors."""
import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand

KINDS = ["Constant", "Zero", "Reflection", "Replication", "Circular"]


def make(nn, kind, nd, padding, value=1.5):
    cls = getattr(nn, f"{kind}Pad{nd}d")
    return cls(padding, value) if kind == "Constant" else cls(padding)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("nd,padding", [(1, 2), (1, (1, 2)), (2, 1), (2, (1, 0, 2, 1)), (3, 1),
                                        (3, (1, 0, 0, 2, 1, 1))])
@pytest.mark.parametrize("batched", [True, False])
def test_padding_values_and_grads(kind, nd, padding, batched):
    shape = (2, 3) + (4,) * nd if batched else (3,) + (4,) * nd
    check(lambda lib, x: make(lib.nn, kind, nd, padding)(x), rand(*shape))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("nd,padding", [(1, 3), (2, [1, 2, 3, 4]), (3, (1, 2, 3, 4, 5, 6))])
def test_padding_attributes_and_repr(kind, nd, padding):
    e, t = make(ember.nn, kind, nd, padding), make(torch.nn, kind, nd, padding)
    assert e.padding == t.padding and isinstance(e.padding, tuple)
    assert repr(e) == repr(t)
    if kind in ("Constant", "Zero"):
        assert e.value == t.value
    assert isinstance(e, ember.nn.Module) and not list(e.parameters())


def test_zero_pad_is_constant_pad():
    assert issubclass(ember.nn.ZeroPad2d, ember.nn.ConstantPad2d)
    assert repr(ember.nn.ConstantPad1d(2, 0.0)) == repr(torch.nn.ConstantPad1d(2, 0.0))


def test_negative_padding_crops():
    check(lambda lib, x: lib.nn.ZeroPad2d((-1, 1, 0, -2))(x), rand(1, 2, 5, 5))
    check(lambda lib, x: lib.nn.ConstantPad1d((-1, 2), 3)(x), rand(2, 5))


def test_constant_pad_int_dtypes():
    check(lambda lib, x: lib.nn.ConstantPad2d(1, 7)(x), rand(2, 3, 3, dtype=np.int64), grad=False)
    check(lambda lib, x: lib.nn.ZeroPad1d(2)(x), rand(2, 3, dtype=np.float64))


def test_reflection_on_double_and_noncontiguous():
    check(lambda lib, x: lib.nn.ReflectionPad2d((2, 1, 1, 2))(x.transpose(-1, -2)), rand(2, 3, 4, 5))
    check(lambda lib, x: lib.nn.ReplicationPad3d(2)(x), rand(1, 2, 3, 2, 3, dtype=np.float64))


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("ndim", [1, 6])
def test_circular_wrong_dims_raise_value_error(nd, ndim):
    x = rand(*(3,) * ndim)
    err = check_error(lambda lib, x: getattr(lib.nn, f"CircularPad{nd}d")(1)(x), x)
    assert isinstance(err, ValueError)
    assert str(err) == f"expected {nd + 1}D or {nd + 2}D input (got {ndim}D input)"


def test_errors_follow_f_pad():
    # reflection padding as large as the input
    check_error(lambda lib, x: lib.nn.ReflectionPad1d(4)(x), rand(1, 2, 4))
    # wrapping around more than once
    check_error(lambda lib, x: lib.nn.CircularPad1d(5)(x), rand(1, 2, 4))
    # a padding tuple of the wrong length for the input
    check_error(lambda lib, x: lib.nn.ReplicationPad2d((1, 1, 1))(x), rand(1, 2, 4, 4))


def test_padding_in_a_sequential_trains():
    for lib in (ember, torch):
        lib.manual_seed(0)
    e = ember.nn.Sequential(ember.nn.ReflectionPad2d(1), ember.nn.Conv2d(2, 3, 3))
    t = torch.nn.Sequential(torch.nn.ReflectionPad2d(1), torch.nn.Conv2d(2, 3, 3))
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = rand(2, 2, 5, 5)
    eo, to = e(ember.tensor(x)), t(torch.tensor(x))
    assert tuple(eo.shape) == (2, 3, 5, 5)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert repr(e) == repr(t)
