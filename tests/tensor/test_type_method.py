"""Tensor.type(): the type name without an argument, a cast with a dtype, a legacy
tensor-type class (torch.LongTensor) or its name, as in PyTorch."""
import numpy as np
import pytest
import torch

import ember
from tests.helpers import check, check_error, rand

LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
          "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_type_with_legacy_class_and_name(name):
    check(lambda lib, x: x.type(getattr(lib, name)), rand(2, 3), grad=name in ("FloatTensor", "DoubleTensor"))
    check(lambda lib, x: x.type("torch." + name), rand(2, 3), grad=False)
    e, t = ember.tensor(rand(2)).type(getattr(ember, name)), torch.tensor(rand(2)).type(getattr(torch, name))
    assert e.type() == t.type()
    assert isinstance(e, getattr(ember, name))


def test_type_without_argument_and_with_dtype():
    for dt in ("float32", "float64", "int64", "uint8", "bool"):
        x = rand(3, dtype=getattr(np, dt) if dt != "bool" else np.bool_)
        assert ember.tensor(x).type() == torch.tensor(x).type()
    check(lambda lib, x: x.type(lib.float64), rand(3))
    check(lambda lib, x: x.type(lib.Tensor), rand(3, dtype=np.int64))
    check(lambda lib, x: x.type("torch.Tensor"), rand(3, dtype=np.int64))


@pytest.mark.parametrize("arg", ["torch.FooTensor", "float", "torch.float64", int])
def test_type_invalid(arg):
    check_error(lambda lib, x: x.type(arg), rand(2))
