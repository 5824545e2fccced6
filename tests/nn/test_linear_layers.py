"""Linear layers against torch: F.linear / F.bilinear (values, gradients, grad_fn
names, errors), Linear / Bilinear / LazyLinear / Identity / Flatten / Unflatten
modules (parameters copied from torch), default-init statistics and reprs."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF
from tests.helpers import assert_close, check, check_error, rand


def copy_params(e_mod, t_mod):
    e_mod.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})


def run_module(e_mod, t_mod, *arrays, atol=None, rtol=None):
    """Same inputs through both modules; compare outputs, input and parameter gradients."""
    e_in = [ember.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    eo, to = e_mod(*e_in), t_mod(*t_in)
    assert_close(eo, to, atol, rtol, "output")
    g = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype(arrays[0].dtype)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(e_in, t_in)):
        assert_close(a.grad, b.grad, atol, rtol, f"input grad {i}")
    ep, tp = dict(e_mod.named_parameters()), dict(t_mod.named_parameters())
    assert list(ep) == list(tp)
    for k in tp:
        assert_close(ep[k].grad, tp[k].grad, atol, rtol, f"grad of {k}")
    return eo, to


# ---------------------------------------------------------------------- F.linear
@pytest.mark.parametrize("xshape", [(4, 3), (3,), (2, 4, 3), (2, 2, 4, 3), (0, 3), (5, 1, 3)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_functional(xshape, bias, dtype):
    args = [rand(*xshape, dtype=dtype), rand(5, 3, dtype=dtype)] + ([rand(5, dtype=dtype)] if bias else [])
    check(lambda lib, *a: lib.nn.functional.linear(*a), *args)


@pytest.mark.parametrize("xshape,bias", [((4, 3), True), ((4, 3), False), ((3,), True), ((3,), False),
                                         ((2, 4, 3), True), ((2, 4, 3), False)])
def test_linear_grad_fn_names(xshape, bias):
    names = []
    for lib in (ember, torch):
        x = lib.tensor(rand(*xshape), requires_grad=True)
        w = lib.tensor(rand(5, 3), requires_grad=True)
        b = lib.tensor(rand(5), requires_grad=True) if bias else None
        names.append(repr(lib.nn.functional.linear(x, w, b).grad_fn).split(" ")[0])
    assert names[0] == names[1]


def test_linear_non_contiguous_and_broadcast_bias():
    x, w = rand(3, 6), rand(4, 3)
    check(lambda lib, a, b: lib.nn.functional.linear(a.t(), b), x, w)
    check(lambda lib, a, b: lib.nn.functional.linear(a[:, ::2].t(), b), rand(3, 12), w)
    check(lambda lib, a, b, c: lib.nn.functional.linear(a, b, c), rand(6, 3), w, rand(6, 4))
    check(lambda lib, a, b, c: lib.nn.functional.linear(a, b, c), rand(6, 3), w, rand(1))
    check(lambda lib, a, b, c: lib.nn.functional.linear(a, b, c), rand(6, 3), w, np.array(0.5, np.float32))
    check(lambda lib, a, b: lib.nn.functional.linear(a, b), rand(6, 3), rand(3))  # vector weight


def test_linear_gradcheck_and_gradgradcheck():
    x = ember.tensor(rand(2, 4, 3, dtype=np.float64), requires_grad=True)
    w = ember.tensor(rand(5, 3, dtype=np.float64), requires_grad=True)
    b = ember.tensor(rand(5, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(EF.linear, (x, w, b))
    assert ember.autograd.gradgradcheck(EF.linear, (x, w, b))
    assert ember.autograd.gradcheck(lambda a, c: EF.linear(a, c), (x[0], w))


def test_linear_errors():
    m = check_error(lambda lib, a, b: lib.nn.functional.linear(a, b), rand(4, 3), rand(2, 5))
    assert "mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)" in str(m)
    m = check_error(lambda lib, a, b: lib.nn.functional.linear(a, b), rand(2, 4, 3), rand(2, 5))
    assert "(8x3 and 5x2)" in str(m)
    check_error(lambda lib, a, b, c: lib.nn.functional.linear(a, b, c), rand(4, 3), rand(5, 3), rand(4))
    check_error(lambda lib, a, b: lib.nn.functional.linear(a, b), np.array(1.0, np.float32), rand(5, 3))
    check_error(lambda lib, a, b: lib.nn.functional.linear(a, b), rand(4, 3), rand(5, 3, 2))
    check_error(lambda lib, a, b: lib.nn.functional.linear(a, b), rand(4, 3, dtype=np.float64), rand(5, 3))
    check_error(lambda lib, a, b, c: lib.nn.functional.linear(a, b, c), rand(4, 3), rand(5, 3),
                rand(5, dtype=np.float64))
    check_error(lambda lib, b: lib.nn.functional.linear([1.0, 2.0, 3.0], b), rand(5, 3))


def test_linear_integer():
    check(lambda lib, a, b: lib.nn.functional.linear(a, b), rand(4, 3, dtype=np.int64), rand(5, 3, dtype=np.int64),
          grad=False)


# ---------------------------------------------------------------------- F.bilinear
@pytest.mark.parametrize("lead", [(4,), (2, 3), ()])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_functional(lead, bias):
    args = [rand(*lead, 3), rand(*lead, 2), rand(6, 3, 2)] + ([rand(6)] if bias else [])
    check(lambda lib, *a: lib.nn.functional.bilinear(*a), *args)


def test_bilinear_gradcheck_and_errors():
    a = ember.tensor(rand(4, 3, dtype=np.float64), requires_grad=True)
    b = ember.tensor(rand(4, 2, dtype=np.float64), requires_grad=True)
    w = ember.tensor(rand(5, 3, 2, dtype=np.float64), requires_grad=True)
    bias = ember.tensor(rand(5, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(EF.bilinear, (a, b, w, bias))
    check_error(lambda lib, *t: lib.nn.functional.bilinear(*t), rand(4, 3), rand(4, 2), rand(6, 3, 3), rand(6))
    check_error(lambda lib, *t: lib.nn.functional.bilinear(*t), rand(4, 3), rand(5, 2), rand(6, 3, 2), rand(6))
    check_error(lambda lib, *t: lib.nn.functional.bilinear(*t), rand(4, 3), rand(4, 2), rand(6, 3, 2), rand(5))


# ---------------------------------------------------------------------- modules
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xshape", [(8, 5), (2, 3, 5), (5,)])
def test_linear_module(bias, xshape):
    t = torch.nn.Linear(5, 4, bias=bias)
    e = enn.Linear(5, 4, bias=bias)
    copy_params(e, t)
    run_module(e, t, rand(*xshape))
    assert e.in_features == 5 and e.out_features == 4
    assert (e.bias is None) == (not bias)
    assert list(e.state_dict()) == list(t.state_dict())


def test_linear_float64_module():
    t = torch.nn.Linear(5, 4).double()
    e = enn.Linear(5, 4, dtype=ember.float64)
    assert e.weight.dtype == ember.float64
    copy_params(e, t)
    run_module(e, t, rand(3, 5, dtype=np.float64))
    e2 = enn.Linear(5, 4).double()
    assert e2.weight.dtype == ember.float64 and e2.bias.dtype == ember.float64


def test_linear_wrong_in_features():
    e = enn.Linear(5, 2)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 5x2\)"):
        e(ember.randn(4, 3))


def test_bilinear_module():
    t = torch.nn.Bilinear(3, 2, 4)
    e = enn.Bilinear(3, 2, 4)
    copy_params(e, t)
    run_module(e, t, rand(6, 3), rand(6, 2))
    t2, e2 = torch.nn.Bilinear(3, 2, 4, bias=False), enn.Bilinear(3, 2, 4, bias=False)
    copy_params(e2, t2)
    run_module(e2, t2, rand(2, 5, 3), rand(2, 5, 2))


def test_identity_flatten_unflatten():
    x = rand(2, 3, 4, 5)
    for em, tm in [(enn.Identity(), torch.nn.Identity()), (enn.Identity(3, k=1), torch.nn.Identity(3, k=1)),
                   (enn.Flatten(), torch.nn.Flatten()), (enn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
                   (enn.Flatten(-2), torch.nn.Flatten(-2)), (enn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1))),
                   (enn.Unflatten(-1, (5, -1)), torch.nn.Unflatten(-1, (5, -1))),
                   (enn.Unflatten(2, [2, 2]), torch.nn.Unflatten(2, [2, 2]))]:
        run_module(em, tm, x)
        assert repr(em) == repr(tm)
    xi = ember.tensor(x)
    assert enn.Identity()(xi) is xi
    with pytest.raises(TypeError):
        enn.Unflatten(1, ((2, 3),))
    with pytest.raises(TypeError):
        enn.Unflatten("features", (2, 3))


def test_lazy_linear():
    e = enn.LazyLinear(4)
    assert repr(e) == repr(torch.nn.LazyLinear(4)) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    assert isinstance(e.weight, enn.UninitializedParameter)
    assert repr(e.weight) == "<UninitializedParameter>" and str(e.weight) == "<UninitializedParameter>"
    y = e(ember.randn(3, 7))
    assert type(e) is enn.Linear and not isinstance(e.weight, enn.UninitializedParameter)
    assert tuple(e.weight.shape) == (4, 7) and tuple(y.shape) == (3, 4) and e.in_features == 7
    assert repr(e) == "Linear(in_features=7, out_features=4, bias=True)"
    bound = 1 / math.sqrt(7)
    assert float(e.weight.abs().max()) <= bound and float(e.bias.abs().max()) <= bound
    y.sum().backward()
    assert e.weight.grad is not None
    # a second call works like any Linear
    assert tuple(e(ember.randn(2, 7)).shape) == (2, 4)
    nb = enn.LazyLinear(3, bias=False)
    nb(ember.randn(2, 5))
    assert nb.bias is None and tuple(nb.weight.shape) == (3, 5)


def test_lazy_linear_load_state_dict_and_optimizer():
    t = torch.nn.Linear(6, 3)
    e = enn.LazyLinear(3)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = rand(2, 6)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    m = enn.Sequential(enn.LazyLinear(8), enn.ReLU(), enn.LazyLinear(2))
    m(ember.randn(4, 5))
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    loss = m(ember.randn(4, 5)).pow(2).sum()
    loss.backward()
    opt.step()
    assert [tuple(p.shape) for p in m.parameters()] == [(8, 5), (8,), (2, 8), (2,)]


def _stats(a):
    a = np.asarray(a, np.float64).ravel()
    return a.mean(), a.std(), a.min(), a.max()


def test_default_init_distributions():
    for (emod, tmod) in [(enn.Linear(400, 300), torch.nn.Linear(400, 300)),
                         (enn.Bilinear(30, 20, 200), torch.nn.Bilinear(30, 20, 200))]:
        for name in ("weight", "bias"):
            ev = getattr(emod, name).detach().numpy()
            tv = getattr(tmod, name).detach().numpy()
            em, es, emin, emax = _stats(ev)
            tm, ts, tmin, tmax = _stats(tv)
            bound = max(abs(tmin), abs(tmax))
            n = ev.size
            assert abs(em - tm) < 6 * ts / math.sqrt(n) + 1e-9, (name, em, tm)
            assert abs(es - ts) / ts < 0.06 if n > 1000 else abs(es - ts) / ts < 0.3
            assert max(abs(emin), abs(emax)) <= bound * 1.01 + 1e-7
            assert max(abs(emin), abs(emax)) > bound * 0.9
    # exact bound: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    e = enn.Linear(100, 50)
    assert float(e.weight.abs().max()) <= 0.1 and float(e.bias.abs().max()) <= 0.1


def test_reprs():
    pairs = [(enn.Linear(3, 4), torch.nn.Linear(3, 4)), (enn.Linear(3, 4, bias=False), torch.nn.Linear(3, 4, False)),
             (enn.Bilinear(2, 3, 4), torch.nn.Bilinear(2, 3, 4)),
             (enn.Bilinear(2, 3, 4, bias=False), torch.nn.Bilinear(2, 3, 4, bias=False)),
             (enn.Flatten(), torch.nn.Flatten()), (enn.Unflatten(1, (2, 5)), torch.nn.Unflatten(1, (2, 5))),
             (enn.Identity(), torch.nn.Identity())]
    for e, t in pairs:
        assert repr(e) == repr(t)
    seq_e = enn.Sequential(enn.Flatten(), enn.Linear(784, 256), enn.ReLU(), enn.Linear(256, 10))
    seq_t = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    assert repr(seq_e) == repr(seq_t)


def test_linear_is_one_fused_node():
    """A Linear records one node (no transpose/add nodes), whose inputs are the
    input's node and the two parameters (a guard on the fused fast path)."""
    e = enn.Linear(6, 3)
    x = ember.randn(4, 6, requires_grad=True)
    h = x * 2
    y = e(h)
    fns = y.grad_fn.next_functions
    assert len(fns) == 3
    assert repr(fns[0][0]).startswith("<MulBackward0")
    assert all(repr(f[0]).startswith("<AccumulateGrad") for f in fns[1:])
