"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against torch."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember


class Scale:
    """A one-parameter module factory for either framework."""

    @staticmethod
    def make(lib, v):
        class S(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.s = lib.nn.Parameter(lib.tensor([float(v)]))

            def forward(self, x):
                return x * self.s
        return S()


def both(fn):
    return fn(ember), fn(torch)


def test_sequential_forward_index_slice_len():
    e, t = both(lambda lib: lib.nn.Sequential(*[Scale.make(lib, v) for v in (2, 3, 4)]))
    assert float(e(ember.tensor([1.0]))) == float(t(torch.tensor([1.0]))) == 24.0
    assert len(e) == len(t) == 3
    assert float(e[-1].s) == 4.0
    assert [n for n, _ in e[1:].named_parameters()] == [n for n, _ in t[1:].named_parameters()]
    assert type(e[1:]).__name__ == "Sequential"
    with pytest.raises(IndexError):
        e[3]
    e.append(Scale.make(ember, 5))
    t.append(Scale.make(torch, 5))
    assert list(e.state_dict()) == list(t.state_dict())
    del e[0]
    del t[0]
    assert list(e.state_dict()) == list(t.state_dict())
    e.insert(1, Scale.make(ember, 7))
    t.insert(1, Scale.make(torch, 7))
    assert list(e.state_dict()) == list(t.state_dict())
    assert [float(m.s) for m in e] == [float(m.s) for m in t]


def test_sequential_ordereddict():
    e, t = both(lambda lib: lib.nn.Sequential(OrderedDict([("a", Scale.make(lib, 2)), ("b", Scale.make(lib, 3))])))
    assert list(e.state_dict()) == list(t.state_dict()) == ["a.s", "b.s"]
    assert repr(e).replace("S()", "") == repr(t).replace("S()", "")


def test_modulelist_and_repr_grouping():
    e, t = both(lambda lib: lib.nn.ModuleList([lib.nn.Module() for _ in range(3)] + [lib.nn.Sequential()]))
    assert repr(e) == repr(t)
    e2, t2 = both(lambda lib: lib.nn.ModuleList([Scale.make(lib, i) for i in range(3)]))
    e2 += [Scale.make(ember, 9)]
    t2 += [Scale.make(torch, 9)]
    assert list(e2.state_dict()) == list(t2.state_dict())
    assert float(e2[-1].s) == 9.0


def test_moduledict():
    e, t = both(lambda lib: lib.nn.ModuleDict({"x": Scale.make(lib, 1), "y": Scale.make(lib, 2)}))
    assert list(e.keys()) == list(t.keys())
    assert list(e.state_dict()) == list(t.state_dict())
    assert "x" in e and len(e) == 2
    e.pop("x")
    assert list(e) == ["y"]


def test_parameter_list_and_dict():
    e, t = both(lambda lib: lib.nn.ParameterList([lib.nn.Parameter(lib.tensor(np.ones((2, 3), np.float32))),
                                                   lib.tensor([1.0])]))
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(e[1], ember.nn.Parameter)
    assert repr(e) == repr(t)
    ed, td = both(lambda lib: lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.tensor([1.0]))}))
    assert [n for n, _ in ed.named_parameters()] == [n for n, _ in td.named_parameters()]
    assert repr(ed) == repr(td)
