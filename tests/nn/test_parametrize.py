"""nn.utils.parametrize (register/remove/is_parametrized/cached) and
nn.utils.parametrizations.weight_norm / spectral_norm against torch: class swap, state
dict keys, reprs, values, gradients, right_inverse assignment, errors."""
import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from _twins import assert_grads_equal, assert_state_equal, copy_state, run_both
from helpers import rand


def symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)
    return Symmetric()


def scaled(lib, k=2.0):
    class Scale(lib.nn.Module):
        def forward(self, x):
            return x * k

        def right_inverse(self, x):
            return x / k
    return Scale()


def build(lib, *parts):
    P = lib.nn.utils.parametrize
    lin = lib.nn.Linear(3, 3)
    for p in parts:
        P.register_parametrization(lin, "weight", p(lib))
    return lin


def twins(*parts):
    t, e = build(torch, *parts), build(ember, *parts)
    copy_state(e, t)
    return e, t


def test_register_parametrization_like_torch():
    e, t = twins(symmetric)
    assert type(e).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert isinstance(e, ember.nn.Linear)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    w = e.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)
    run_both(e, t, rand(4, 3))
    assert_grads_equal(e, t)
    P = ember.nn.utils.parametrize
    assert P.is_parametrized(e) and P.is_parametrized(e, "weight") and not P.is_parametrized(e, "bias")
    assert P.type_before_parametrizations(e) is ember.nn.Linear


def test_chained_parametrizations_and_right_inverse():
    e, t = twins(symmetric, scaled)
    assert repr(e) == repr(t)
    run_both(e, t, rand(2, 3))
    assert_grads_equal(e, t)
    x = rand(3, 3)
    for lib, m in ((ember, e), (torch, t)):
        with pytest.raises(RuntimeError, match="parametrization Symmetric does not implement right_inverse"):
            m.weight = lib.tensor(x)
    e, t = twins(scaled, lambda lib: scaled(lib, 0.5))
    e.weight, t.weight = ember.tensor(x), torch.tensor(x)  # assignment goes through right_inverse
    assert_state_equal(e, t)
    np.testing.assert_allclose(e.weight.detach().numpy(), x, rtol=1e-6)


def test_right_inverse_runs_at_registration():
    for lib in (ember, torch):
        lin = lib.nn.Linear(2, 2)
        w = lin.weight.detach().clone()
        lib.nn.utils.parametrize.register_parametrization(lin, "weight", scaled(lib, 4.0))
        np.testing.assert_allclose(lin.parametrizations.weight.original.detach().numpy(), w.numpy() / 4, rtol=1e-6)
        np.testing.assert_allclose(lin.weight.detach().numpy(), w.numpy(), rtol=1e-6)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    e, t = twins(symmetric, scaled)
    for lib, m in ((ember, e), (torch, t)):
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=leave)
    assert type(e) is ember.nn.Linear and not hasattr(e, "parametrizations")
    assert isinstance(e.weight, ember.nn.Parameter)
    assert_state_equal(e, t)
    assert repr(e) == repr(t)


def test_buffer_parametrization_and_cached():
    for lib in (ember, torch):
        bn = lib.nn.BatchNorm1d(3)
        lib.nn.utils.parametrize.register_parametrization(bn, "running_var", scaled(lib, 3.0))
        assert "parametrizations.running_var.original" in bn.state_dict()
        assert bn.running_var.dtype == lib.float32
    e, t = twins(symmetric)
    with ember.nn.utils.parametrize.cached():
        assert e.weight is e.weight
    assert e.weight is not e.weight


def test_parametrize_errors():
    for lib in (ember, torch):
        P = lib.nn.utils.parametrize
        lin = lib.nn.Linear(3, 2)

        class Shrink(lib.nn.Module):
            def forward(self, x):
                return x[:1]

        with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element "
                                             "with name 'nope'"):
            P.register_parametrization(lin, "nope", symmetric(lib))
        with pytest.raises(ValueError, match="may not change the shape of the tensor"):
            P.register_parametrization(lin, "weight", Shrink())
        P.register_parametrization(lin, "weight", Shrink(), unsafe=True)
        assert tuple(lin.weight.shape) == (1, 3)
        with pytest.raises(ValueError, match="does not have a parametrization on bias"):
            P.remove_parametrizations(lin, "bias")
        with pytest.raises(KeyError, match="attribute 'weight' already exists"):
            lin.weight = lib.nn.Parameter(lib.zeros(1, 3))
        with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only supported through "
                                               "state_dict"):
            pickle.dumps(lin)
        c = copy.deepcopy(lin)
        assert type(c).__name__ == "ParametrizedLinear" and c.weight.shape == lin.weight.shape
        with pytest.raises(ValueError, match="ParametrizationList requires one or more modules"):
            P.ParametrizationList([], lib.zeros(2))


# ---------------------------------------------------------------- parametrizations.weight_norm
@pytest.mark.parametrize("make,kw,xshape", [
    (lambda nn: nn.Linear(5, 4), {}, (3, 5)),
    (lambda nn: nn.Linear(5, 4), {"dim": None}, (3, 5)),
    (lambda nn: nn.Conv1d(3, 4, 3), {"dim": 1}, (2, 3, 7)),
])
def test_parametrized_weight_norm(make, kw, xshape):
    t = torch.nn.utils.parametrizations.weight_norm(make(torch.nn), **kw)
    e = ember.nn.utils.parametrizations.weight_norm(make(ember.nn), **kw)
    copy_state(e, t)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    run_both(e, t, rand(*xshape))
    assert_grads_equal(e, t)
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        ember.nn.utils.parametrize.remove_parametrizations(e, "weight", leave_parametrized=False)
    ember.nn.utils.parametrize.remove_parametrizations(e, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    assert_state_equal(e, t)


def test_parametrized_weight_norm_loads_an_old_weight_norm_state_dict():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = ember.nn.utils.weight_norm(ember.nn.Linear(3, 2))
    new = ember.nn.utils.parametrizations.weight_norm(ember.nn.Linear(3, 2))
    new.load_state_dict(old.state_dict())
    np.testing.assert_allclose(new.weight.detach().numpy(), old.weight.detach().numpy(), rtol=1e-6)


# ---------------------------------------------------------------- parametrizations.spectral_norm
def sn_twins(make, **kw):
    t = torch.nn.utils.parametrizations.spectral_norm(make(torch.nn), **kw)
    e = ember.nn.utils.parametrizations.spectral_norm(make(ember.nn), **kw)
    copy_state(e, t)  # includes parametrizations.weight.0._u / _v: the same start for the power iteration
    return e, t


@pytest.mark.parametrize("make,kw,xshape", [
    (lambda nn: nn.Linear(5, 4), {}, (3, 5)),
    (lambda nn: nn.Conv2d(2, 4, 3), {"n_power_iterations": 2}, (2, 2, 5, 5)),
    (lambda nn: nn.ConvTranspose1d(3, 2, 3), {}, (2, 3, 4)),
    (lambda nn: nn.Conv2d(2, 4, 3), {"dim": -1}, (2, 2, 5, 5)),
])
def test_parametrized_spectral_norm_matches_torch(make, kw, xshape):
    e, t = sn_twins(make, **kw)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    for _ in range(3):
        e.zero_grad(), t.zero_grad()
        run_both(e, t, rand(*xshape))
        assert_state_equal(e, t, rtol=1e-4, atol=1e-5)
        assert_grads_equal(e, t)
    e.eval(), t.eval()
    u0 = e.parametrizations.weight[0]._u.numpy().copy()
    run_both(e, t, rand(*xshape))
    np.testing.assert_array_equal(e.parametrizations.weight[0]._u.numpy(), u0)


def test_parametrized_spectral_norm_gan_training():
    def disc(nn):
        sn = nn.utils.parametrizations.spectral_norm
        return nn.Sequential(sn(nn.Linear(6, 8)), nn.LeakyReLU(0.2), sn(nn.Linear(8, 1)))
    t, e = disc(torch.nn), disc(ember.nn)
    copy_state(e, t)
    to, eo = torch.optim.Adam(t.parameters(), lr=1e-2), ember.optim.Adam(e.parameters(), lr=1e-2)
    x, y = rand(10, 6), (rand(10, 1) > 0).astype(np.float32)
    for _ in range(5):
        eo.zero_grad(), to.zero_grad()
        ember.nn.functional.binary_cross_entropy_with_logits(e(ember.tensor(x)), ember.tensor(y)).backward()
        torch.nn.functional.binary_cross_entropy_with_logits(t(torch.tensor(x)), torch.tensor(y)).backward()
        eo.step(), to.step()
    assert_state_equal(e, t, rtol=1e-3, atol=1e-5)


def test_parametrized_spectral_norm_1d_and_errors():
    for lib in (ember, torch):
        lin = lib.nn.Linear(3, 4)
        lib.nn.utils.parametrizations.spectral_norm(lin, "bias")
        np.testing.assert_allclose(np.linalg.norm(lin.bias.detach().numpy()), 1.0, rtol=1e-6)
        with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
            lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), "nope")
        with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but "
                                             r"got 2\)"):
            lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), dim=2)
        with pytest.raises(ValueError, match="n_power_iterations=0"):
            lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)
