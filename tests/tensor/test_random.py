"""Random sampling: reproducibility, generators and their state, shapes/dtypes/flags
against PyTorch, statistical correctness (n = 100k), and PyTorch's errors."""
import numpy as np
import pytest
import torch

import ember
from helpers import check_error

N = 100_000


def meta(t):
    return tuple(t.shape), str(t.dtype), t.requires_grad


# ---------------------------------------------------------------- shapes, dtypes, flags vs torch
@pytest.mark.parametrize("fn", [
    lambda l: l.rand(3, 4), lambda l: l.rand((2, 3)), lambda l: l.rand(size=(2,)), lambda l: l.rand(1, 1, requires_grad=True),
    lambda l: l.rand(2, dtype=l.float64), lambda l: l.rand(2, dtype=l.float16), lambda l: l.randn(3, 4), lambda l: l.randn(()),
    lambda l: l.randn(size=(), requires_grad=True), lambda l: l.randn(2, 3, dtype=l.float64, requires_grad=True),
    lambda l: l.randint(5, (3,)), lambda l: l.randint(2, 5, (3, 2)), lambda l: l.randint(5, (3,), dtype=l.float32),
    lambda l: l.randint(high=5, size=(2,)), lambda l: l.randint(0, 3, size=(4,), dtype=l.int32),
    lambda l: l.normal(0, 1, size=(5, 1), requires_grad=True), lambda l: l.normal(0.0, 2.0, (3,), dtype=l.float64),
    lambda l: l.normal(l.zeros(3), 1.0), lambda l: l.normal(0.0, l.ones(3)), lambda l: l.normal(l.zeros(3), l.ones(2, 3)),
    lambda l: l.normal(l.zeros(3, dtype=l.float64), 1.0), lambda l: l.normal(l.zeros(2, requires_grad=True), 1.0),
    lambda l: l.normal(0.0, l.ones(2, requires_grad=True)), lambda l: l.normal(l.zeros(2), l.ones(2, requires_grad=True)),
    lambda l: l.randperm(5), lambda l: l.randperm(0), lambda l: l.randperm(4, dtype=l.float32),
    lambda l: l.multinomial(l.tensor([0.2, 0.8]), 3, True), lambda l: l.multinomial(l.ones(3, 4), 2),
    lambda l: l.bernoulli(l.full((3,), 0.5)), lambda l: l.bernoulli(l.zeros(3, dtype=l.float64), p=0.5),
    lambda l: l.rand_like(l.zeros(2, 3)), lambda l: l.randn_like(l.zeros(2, dtype=l.float64)),
    lambda l: l.randint_like(l.zeros(2), 5), lambda l: l.randint_like(l.zeros(2, dtype=l.int32), 2, 5),
    lambda l: l.rand_like(l.zeros(2), dtype=l.float64, requires_grad=True), lambda l: l.poisson(l.ones(3)),
    lambda l: l.ones(3).multinomial(2), lambda l: l.full((2,), 0.3).bernoulli(),
])
def test_meta_matches_torch(fn):
    assert meta(fn(ember)) == meta(fn(torch))


@pytest.mark.parametrize("name,args", [("uniform_", ()), ("uniform_", (-2, 3)), ("normal_", ()), ("normal_", (1.0, 0.5)),
                                       ("exponential_", ()), ("cauchy_", ()), ("log_normal_", ()), ("bernoulli_", (0.3,)),
                                       ("random_", (0, 5)), ("random_", (5,)), ("random_", ()), ("geometric_", (0.5,))])
def test_inplace_grad_fn_names_match_torch(name, args):
    """On a non-leaf the sampler records <NameBackwardN>, giving zero gradient upstream."""
    outs = []
    for lib in (ember, torch):
        w = lib.ones(3, requires_grad=True)
        y = w * 1
        r = getattr(y, name)(*args)
        assert r is y
        outs.append(type(r.grad_fn).__name__ if lib is torch else r.grad_fn.name())
        r.sum().backward()
        assert w.grad.tolist() == [0.0, 0.0, 0.0]
    assert outs[0] == outs[1]


def test_bernoulli_tensor_p_inplace_grad_fn():
    y = ember.ones(2, requires_grad=True) * 1
    assert y.bernoulli_(ember.full((2,), 0.5)).grad_fn.name() == "BernoulliBackward1"


def test_normal_gradient_is_zero_like_torch():
    for lib in (ember, torch):
        m = lib.zeros(3, requires_grad=True)
        s = lib.ones(3, requires_grad=True)
        lib.normal(m, s).sum().backward()
        assert m.grad.tolist() == [0.0] * 3 and s.grad.tolist() == [0.0] * 3


@pytest.mark.parametrize("fn", [
    lambda l: l.normal(0, 1), lambda l: l.normal(0, -1, size=(2,)), lambda l: l.normal(l.zeros(3), -1.0),
    lambda l: l.randint(5, 2, (3,)), lambda l: l.randint(3), lambda l: l.randint(0, 3),
    lambda l: l.randperm(-1), lambda l: l.rand(2, dtype=l.int64), lambda l: l.randn(2, dtype=l.int64),
    lambda l: l.rand(2, requires_grad=True, dtype=l.float64).uniform_(),
    lambda l: l.multinomial(l.tensor([0.0, 0.0]), 1), lambda l: l.multinomial(l.tensor([1.0, 1.0]), 3),
    lambda l: l.multinomial(l.tensor([1.0, -1.0]), 1), lambda l: l.multinomial(l.tensor([1.0, 1.0]), 0),
    lambda l: l.multinomial(l.tensor([1, 1]), 1), lambda l: l.multinomial(l.ones(2, 2, 2), 1),
    lambda l: l.multinomial(l.tensor(1.0), 1), lambda l: l.multinomial(l.tensor([1.0, float("nan")]), 1),
    lambda l: l.multinomial(l.tensor([1.0, float("inf")]), 1), lambda l: l.bernoulli(l.tensor([2.0])),
    lambda l: l.bernoulli(l.tensor([1, 0])), lambda l: l.zeros(3).bernoulli_(1.5),
    lambda l: l.zeros(3).uniform_(2, 1), lambda l: l.zeros(3, dtype=l.int64).uniform_(),
    lambda l: l.zeros(3).normal_(0, -1), lambda l: l.zeros(3, dtype=l.int64).normal_(),
    lambda l: l.zeros(3).random_(3, 0), lambda l: l.zeros(3).exponential_(-1), lambda l: l.zeros(3).exponential_(0),
    lambda l: l.zeros(3, dtype=l.int64).exponential_(), lambda l: l.zeros(3).geometric_(0),
    lambda l: l.zeros(3).cauchy_(0, -1), lambda l: l.zeros(3).log_normal_(0, -1),
    lambda l: l.zeros(2, requires_grad=True).normal_(), lambda l: l.rand_like(l.zeros(2, dtype=l.int64)),
])
def test_errors_match_torch(fn):
    check_error(fn)


# ---------------------------------------------------------------- reproducibility and generators
SAMPLERS = [
    lambda **g: ember.rand(5, **g), lambda **g: ember.randn(5, dtype=ember.float64, **g),
    lambda **g: ember.randint(0, 100, (5,), **g), lambda **g: ember.normal(1.0, 2.0, (5,), **g),
    lambda **g: ember.normal(ember.zeros(5), ember.ones(5), **g), lambda **g: ember.randperm(7, **g),
    lambda **g: ember.multinomial(ember.ones(6), 3, **g), lambda **g: ember.multinomial(ember.ones(2, 6), 8, True, **g),
    lambda **g: ember.bernoulli(ember.full((8,), 0.5), **g), lambda **g: ember.zeros(5).uniform_(-1, 1, **g),
    lambda **g: ember.zeros(5).normal_(**g), lambda **g: ember.zeros(5).exponential_(**g),
    lambda **g: ember.zeros(5).random_(0, 10, **g), lambda **g: ember.zeros(5).bernoulli_(0.5, **g),
    lambda **g: ember.zeros(5).cauchy_(**g), lambda **g: ember.zeros(5).geometric_(0.3, **g),
    lambda **g: ember.zeros(5).log_normal_(**g),
]


@pytest.mark.parametrize("draw", SAMPLERS)
def test_manual_seed_repeats(draw):
    ember.manual_seed(123)
    a = draw().tolist()
    ember.manual_seed(123)
    assert draw().tolist() == a
    ember.manual_seed(124)
    assert draw().tolist() != a or len(set(map(str, a))) <= 1


@pytest.mark.parametrize("draw", SAMPLERS)
def test_generators(draw):
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    ember.manual_seed(0)
    ref = ember.rand(3).tolist()
    ember.manual_seed(0)
    assert draw(generator=g1).tolist() == draw(generator=g2).tolist()
    assert ember.rand(3).tolist() == ref  # an explicit generator leaves the default stream alone


def test_rng_state_round_trip():
    ember.manual_seed(5)
    ember.rand(3)
    state = ember.get_rng_state()
    assert state.dtype is ember.uint8
    a = [ember.rand(4).tolist(), ember.randn(2).tolist(), ember.randint(9, (3,)).tolist()]
    ember.set_rng_state(state)
    assert [ember.rand(4).tolist(), ember.randn(2).tolist(), ember.randint(9, (3,)).tolist()] == a
    g = ember.Generator().manual_seed(9)
    s = g.get_state()
    x = ember.randn(5, generator=g).tolist()
    g.set_state(s)
    assert ember.randn(5, generator=g).tolist() == x
    with pytest.raises(RuntimeError):
        g.set_state(ember.tensor([1, 2, 3], dtype=ember.uint8))


def test_seeds():
    g = ember.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    s = g.seed()
    assert g.initial_seed() == s
    ember.manual_seed(11)
    assert ember.initial_seed() == 11
    assert isinstance(ember.seed(), int)
    with pytest.raises(RuntimeError):
        ember.Generator().manual_seed(2 ** 70)


def test_float32_drawn_directly():
    """float32 samples come from the float32 generator path, not float64 cast down."""
    g = ember.Generator().manual_seed(42)
    got = ember.rand(1000, generator=g)._data
    want = np.random.Generator(np.random.PCG64(42)).random(1000, dtype=np.float32)
    assert got.dtype == np.float32 and np.array_equal(got, want)
    g.manual_seed(42)
    got = ember.randn(1000, generator=g)._data
    want = np.random.Generator(np.random.PCG64(42)).standard_normal(1000, dtype=np.float32)
    assert np.array_equal(got, want)


# ---------------------------------------------------------------- statistics (n = 100k)
def stats(t):
    a = np.asarray(t._data, dtype=np.float64)
    return a.mean(), a.var()


def test_uniform_normal_moments():
    ember.manual_seed(0)
    m, v = stats(ember.rand(N))
    assert abs(m - 0.5) < 0.01 and abs(v - 1 / 12) < 0.003
    r = ember.rand(N, dtype=ember.float16)._data
    assert r.min() >= 0 and r.max() < 1
    m, v = stats(ember.randn(N))
    assert abs(m) < 0.02 and abs(v - 1) < 0.02
    m, v = stats(ember.normal(2.0, 3.0, size=(N,)))
    assert abs(m - 2) < 0.05 and abs(v - 9) < 0.2
    m, v = stats(ember.normal(ember.full((N,), -1.0), ember.full((N,), 0.5)))
    assert abs(m + 1) < 0.01 and abs(v - 0.25) < 0.01
    m, v = stats(ember.empty(N).uniform_(-2, 4))
    assert abs(m - 1) < 0.05 and abs(v - 3) < 0.1
    m, v = stats(ember.empty(N).normal_(5, 2))
    assert abs(m - 5) < 0.03 and abs(v - 4) < 0.1


def test_discrete_and_other_moments():
    ember.manual_seed(1)
    r = ember.randint(3, 10, (N,))._data
    assert r.min() == 3 and r.max() == 9
    assert np.all(np.abs(np.bincount(r)[3:] / N - 1 / 7) < 0.01)
    m, _ = stats(ember.bernoulli(ember.full((N,), 0.3)))
    assert abs(m - 0.3) < 0.01
    m, _ = stats(ember.empty(N).bernoulli_(0.7))
    assert abs(m - 0.7) < 0.01
    m, v = stats(ember.empty(N).exponential_(2.0))
    assert abs(m - 0.5) < 0.01 and abs(v - 0.25) < 0.02
    m, v = stats(ember.empty(N).geometric_(0.25))
    assert abs(m - 4) < 0.1 and abs(v - 12) < 0.6
    ln = np.asarray(ember.empty(N, dtype=ember.float64).log_normal_(1.0, 0.5)._data)
    assert abs(np.median(ln) - np.e) < 0.05
    c = np.asarray(ember.empty(N).cauchy_(3.0, 2.0)._data)
    assert abs(np.median(c) - 3) < 0.05 and abs(np.percentile(c, 75) - 5) < 0.1
    m, v = stats(ember.poisson(ember.full((N,), 4.0)))
    assert abs(m - 4) < 0.05 and abs(v - 4) < 0.15
    x = ember.empty(N, dtype=ember.int64).random_()._data
    assert x.min() >= 0 and x.max() > 2 ** 60
    b = ember.empty(1000, dtype=ember.uint8).random_()._data
    assert b.max() <= 255 and b.max() > 200
    f = ember.empty(N).random_()._data
    assert f.max() <= 2 ** 24 and np.all(f == np.floor(f))


def test_randperm_is_permutation():
    ember.manual_seed(2)
    for n in (0, 1, 5, 1000):
        assert sorted(ember.randperm(n).tolist()) == list(range(n))
    assert ember.randperm(1000).tolist() != list(range(1000))


def test_multinomial_properties():
    ember.manual_seed(3)
    p = ember.tensor([0.1, 0.0, 0.6, 0.3])
    draws = ember.multinomial(p, N, replacement=True)._data
    assert draws.dtype == np.int64 and 1 not in set(draws.tolist())
    freq = np.bincount(draws, minlength=4) / N
    assert np.allclose(freq, [0.1, 0.0, 0.6, 0.3], atol=0.01)
    for _ in range(50):
        s = ember.multinomial(p, 3).tolist()
        assert len(set(s)) == 3 and 1 not in s
    rows = ember.multinomial(ember.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]]), 2, True)
    assert rows.shape == (2, 2) and set(rows[0].tolist()) == {1} and 1 not in rows[1].tolist()
    assert sorted(ember.multinomial(ember.tensor([1.0, 0.0, 1.0]), 3).tolist()) == [0, 1, 2]
    # without replacement, first draws follow the weights
    first = [ember.multinomial(ember.tensor([1.0, 3.0]), 1).item() for _ in range(2000)]
    assert abs(np.mean(first) - 0.75) < 0.04
    big = ember.multinomial(ember.ones(300, 50), 200, replacement=True)
    assert big.shape == (300, 200) and big._data.max() < 50


def test_in_place_keeps_dtype_and_storage():
    x = ember.zeros(2, 3)
    view = x[:, 1]
    view.uniform_(5, 6)
    col = x._data[:, 1]
    assert np.all((col >= 5) & (col < 6)) and np.all(x._data[:, 0] == 0)
    i = ember.zeros(4, dtype=ember.int32).random_(1, 3)
    assert i.dtype is ember.int32 and set(i.tolist()) <= {1, 2}
    b = ember.zeros(4, dtype=ember.bool).bernoulli_(1.0)
    assert b.dtype is ember.bool and all(b.tolist())
    with ember.no_grad():
        w = ember.zeros(3, requires_grad=True)
        w.normal_()
    assert w.is_leaf and w.requires_grad


def test_generator_device_mismatch_and_cuda_generator():
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError):
            ember.Generator(device="cuda")
        with pytest.raises(RuntimeError):
            ember.rand(2, device="cuda")


@pytest.mark.cuda
@pytest.mark.skipif(not ember.cuda.is_available(), reason="no CUDA GPU/CuPy on this machine")
def test_cuda_sampling():
    ember.manual_seed(4)
    a = ember.rand(1000, device="cuda")
    assert a.is_cuda and a.dtype is ember.float32
    ember.manual_seed(4)
    assert ember.rand(1000, device="cuda").tolist() == a.tolist()
    g = ember.Generator(device="cuda").manual_seed(1)
    s = g.get_state()
    x = ember.randn(10, device="cuda", generator=g).tolist()
    g.set_state(s)
    assert ember.randn(10, device="cuda", generator=g).tolist() == x
    with pytest.raises(RuntimeError):
        ember.rand(2, device="cuda", generator=ember.Generator())
    m = ember.multinomial(ember.ones(4, device="cuda"), 4)
    assert sorted(m.cpu().tolist()) == [0, 1, 2, 3]
    assert sorted(ember.randperm(10, device="cuda").cpu().tolist()) == list(range(10))
    y = ember.zeros(1000, device="cuda").normal_(3, 1)
    assert abs(float(y.mean()) - 3) < 0.2
