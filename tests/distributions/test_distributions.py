"""ember.distributions against torch.distributions: log_prob, entropy, moments,
gradients, sample shapes, validation errors, and sample statistics."""
import numpy as np
import pytest
import torch
import torch.distributions as TD

import ember
import ember.distributions as ED
from helpers import assert_close

RNG = np.random.default_rng(3)


def both(arr, grad=False):
    return (ember.tensor(arr, requires_grad=grad), torch.tensor(arr, requires_grad=grad))


def compare(make, value=None, grad_of=(), atol=1e-5):
    """make(lib_distributions, tensors...) in both; compare log_prob(value), entropy,
    mean, variance, and the gradient of log_prob(value).sum() + entropy().sum()."""
    e_params = [ember.tensor(a, requires_grad=True) for a in grad_of]
    t_params = [torch.tensor(a, requires_grad=True) for a in grad_of]
    e, t = make(ED, *e_params), make(TD, *t_params)
    assert tuple(e.batch_shape) == tuple(t.batch_shape)
    assert tuple(e.event_shape) == tuple(t.event_shape)
    assert repr(e) == repr(t)
    for attr in ("mean", "variance", "stddev"):
        try:
            tv = getattr(t, attr)
        except NotImplementedError:
            continue
        _close_nan(getattr(e, attr), tv)
    loss_e = e.entropy().sum()
    loss_t = t.entropy().sum()
    assert_close(e.entropy(), t.entropy(), atol=atol)
    if value is not None:
        ev, tv = ember.tensor(value), torch.tensor(value)
        assert_close(e.log_prob(ev), t.log_prob(tv), atol=atol)
        loss_e = loss_e + e.log_prob(ev).sum()
        loss_t = loss_t + t.log_prob(tv).sum()
    if grad_of:
        loss_e.backward()
        loss_t.backward()
        for pe, pt in zip(e_params, t_params):
            assert_close(pe.grad, pt.grad, atol=1e-4, rtol=1e-3)
    return e, t


def _close_nan(e, t):
    en, tn = np.asarray(e.detach()._data, np.float64), t.detach().numpy().astype(np.float64)
    assert en.shape == tn.shape and str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(en, tn, rtol=1e-5, atol=1e-6, equal_nan=True)


# ---------------------------------------------------------------- Normal
def test_normal_scalars():
    compare(lambda D: D.Normal(0.0, 1.0), value=np.array([0.5, -1.0, 2.0], np.float32))
    compare(lambda D: D.Normal(1.5, 0.3), value=np.array(1.0, np.float32))


def test_normal_tensors_and_grads():
    loc = RNG.standard_normal((2, 3)).astype(np.float32)
    scale = RNG.uniform(0.5, 2, (2, 3)).astype(np.float32)
    value = RNG.standard_normal((4, 2, 3)).astype(np.float32)
    compare(lambda D, l, s: D.Normal(l, s), value=value, grad_of=(loc, scale))
    compare(lambda D, l: D.Normal(l, 2.0), value=value[0], grad_of=(loc.astype(np.float64),))


def test_normal_cdf_icdf_and_rsample_grad():
    e = ED.Normal(ember.tensor([0.0, 1.0]), ember.tensor([1.0, 2.0]))
    t = TD.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    assert_close(e.cdf(ember.tensor([0.3, 0.5])), t.cdf(torch.tensor([0.3, 0.5])))
    assert_close(e.icdf(ember.tensor([0.3, 0.9])), t.icdf(torch.tensor([0.3, 0.9])))
    loc = ember.zeros(3, requires_grad=True)
    scale = ember.ones(3, requires_grad=True)
    x = ED.Normal(loc, scale).rsample((5,))
    assert x.shape == (5, 3)
    x.sum().backward()
    assert loc.grad.tolist() == [5.0, 5.0, 5.0] and scale.grad is not None
    assert not ED.Normal(loc, scale).sample((2,)).requires_grad


# ---------------------------------------------------------------- Uniform
def test_uniform():
    compare(lambda D: D.Uniform(0.0, 2.0), value=np.array([0.5, 1.9], np.float32))
    low = np.array([0.0, -1.0], np.float32)
    high = np.array([1.0, 3.0], np.float32)
    compare(lambda D, lo, hi: D.Uniform(lo, hi), value=np.array([[0.5, 2.0], [0.1, -0.5]], np.float32),
            grad_of=(low, high))
    e = ED.Uniform(ember.tensor(low), ember.tensor(high))
    assert_close(e.cdf(ember.tensor([0.25, 0.0])), TD.Uniform(torch.tensor(low), torch.tensor(high)).cdf(
        torch.tensor([0.25, 0.0])))
    s = e.sample((1000,))
    assert s.shape == (1000, 2)
    a = s._data
    assert np.all((a >= low) & (a < high))


# ---------------------------------------------------------------- Bernoulli
def test_bernoulli():
    p = np.array([0.1, 0.5, 0.9], np.float32)
    compare(lambda D, q: D.Bernoulli(probs=q), value=np.array([1.0, 0.0, 1.0], np.float32), grad_of=(p,))
    logits = np.array([-2.0, 0.3, 30.0], np.float32)
    compare(lambda D, q: D.Bernoulli(logits=q), value=np.array([0.0, 1.0, 1.0], np.float32), grad_of=(logits,))
    compare(lambda D: D.Bernoulli(0.3), value=np.array(1.0, np.float32))
    e = ED.Bernoulli(probs=ember.tensor(p))
    s = e.sample((20000,))
    assert s.shape == (20000, 3) and set(np.unique(s._data)) <= {0.0, 1.0}
    assert np.allclose(s._data.mean(0), p, atol=0.02)
    assert e.enumerate_support().tolist() == TD.Bernoulli(probs=torch.tensor(p)).enumerate_support().tolist()


# ---------------------------------------------------------------- Categorical
def test_categorical():
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.0, 0.4]], np.float32)
    compare(lambda D, q: D.Categorical(probs=q), value=np.array([[2, 0], [1, 2]]), grad_of=(probs,))
    logits = RNG.standard_normal((2, 4)).astype(np.float32)
    compare(lambda D, q: D.Categorical(logits=q), value=np.array([3, 0]), grad_of=(logits,))
    compare(lambda D: D.Categorical(torch.tensor([1.0, 3.0]) if D is TD else ember.tensor([1.0, 3.0])),
            value=np.array(1))
    e = ED.Categorical(probs=ember.tensor(probs))
    s = e.sample((30000,))
    assert s.shape == (30000, 2) and s.dtype is ember.int64
    assert 1 not in set(s._data[:, 1].tolist())
    freq = np.bincount(s._data[:, 0], minlength=3) / 30000
    assert np.allclose(freq, [0.2, 0.3, 0.5], atol=0.015)
    assert e.enumerate_support().tolist() == TD.Categorical(probs=torch.tensor(probs)).enumerate_support().tolist()


# ---------------------------------------------------------------- Multinomial
def test_multinomial_seed_example():
    """000:L391-397: ten rolls of a fair die."""
    from ember.distributions import multinomial
    fair_probs = ember.ones([6]) / 6
    for _ in range(20):
        counts = multinomial.Multinomial(10, fair_probs).sample()
        assert counts.shape == (6,) and counts.dtype is ember.float32
        assert counts.sum().item() == 10 and np.all(counts._data == np.round(counts._data))
    big = multinomial.Multinomial(1000, fair_probs).sample((500,))
    assert big.shape == (500, 6)
    assert np.allclose(big._data.mean(0) / 1000, 1 / 6, atol=0.005)


def test_multinomial_against_torch():
    probs = np.array([[0.2, 0.3, 0.5], [0.5, 0.0, 0.5]], np.float32)
    value = np.array([[2.0, 3.0, 5.0], [4.0, 0.0, 6.0]], np.float32)
    compare(lambda D, q: D.Multinomial(10, probs=q), value=value, grad_of=(probs,), atol=1e-4)
    logits = RNG.standard_normal(4).astype(np.float32)
    compare(lambda D, q: D.Multinomial(7, logits=q), value=np.array([1.0, 2.0, 0.0, 4.0], np.float32),
            grad_of=(logits,), atol=1e-4)
    s = ED.Multinomial(5, probs=ember.tensor(probs)).sample((3,))
    assert s.shape == (3, 2, 3) and np.all(s._data.sum(-1) == 5) and np.all(s._data[..., 1, 1] == 0)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("make", [
    lambda D, l: D.Normal(0.0, -1.0), lambda D, l: D.Normal(l.tensor([0.0]), l.tensor([0.0])),
    lambda D, l: D.Bernoulli(probs=l.tensor([1.5])), lambda D, l: D.Bernoulli(), lambda D, l: D.Categorical(l.tensor(1.0)),
    lambda D, l: D.Categorical(probs=l.tensor([0.5, 0.5]), logits=l.tensor([0.0, 0.0])),
    lambda D, l: D.Categorical(l.tensor([-1.0, 2.0])), lambda D, l: D.Uniform(1.0, 0.0),
    lambda D, l: D.Categorical(l.tensor([0.5, 0.5])).log_prob(l.tensor(3)),
    lambda D, l: D.Normal(0.0, 1.0).log_prob(1.0), lambda D, l: D.Bernoulli(0.5).log_prob(l.tensor(0.5)),
    lambda D, l: D.Uniform(0.0, 1.0).log_prob(l.tensor(2.0)),
    lambda D, l: D.Multinomial(3, l.tensor([0.5, 0.5])).log_prob(l.tensor([1.0, 1.0, 1.0])),
    lambda D, l: D.Normal(l.zeros(2), 1.0).log_prob(l.zeros(3)),
])
def test_validation_errors_match_torch(make):
    with pytest.raises(Exception) as te:
        make(TD, torch)
    with pytest.raises(Exception) as ee:
        make(ED, ember)
    base = next(b for b in type(te.value).__mro__ if b.__module__ == "builtins")
    assert isinstance(ee.value, base), (ee.value, te.value)


def test_validation_message_and_switch():
    with pytest.raises(ValueError) as ee:
        ED.Normal(0.0, -1.0)
    with pytest.raises(ValueError) as te:
        TD.Normal(0.0, -1.0)
    assert str(ee.value) == str(te.value)
    d = ED.Normal(0.0, -1.0, validate_args=False)
    assert d.scale.item() == -1.0
    ED.Distribution.set_default_validate_args(False)
    try:
        assert ED.Uniform(0.0, 1.0).log_prob(ember.tensor(2.0)).item() == float("-inf")
    finally:
        ED.Distribution.set_default_validate_args(True)


def test_rsample_support():
    assert ED.Normal(0.0, 1.0).has_rsample and not ED.Categorical(ember.ones(2)).has_rsample
    with pytest.raises(NotImplementedError):
        ED.Categorical(ember.ones(2)).rsample()
