"""Rprop, ASGD and LBFGS against torch.optim: parameter trajectories from the same
start (the deterministic-gradient harness of test_optimizers for Rprop and ASGD; closures
over small problems in float64 for LBFGS, with and without the strong-Wolfe line
search), state, reprs, checkpoints and argument errors."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import ember
from test_optimizers import compare_state, run

CONFIGS = [
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-4, 0.5))),
    ("Rprop", dict(lr=0.05, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-3, alpha=0.5, t0=20)),   # averaging starts at step 20
    ("ASGD", dict(lr=0.05, weight_decay=0.1, t0=5, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CONFIGS]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_trajectory_matches_torch(name, kw, dtype):
    e_opt, t_opt = run(name, kw, dtype)
    compare_state(e_opt, t_opt, dtype)
    assert repr(e_opt) == repr(t_opt)


@pytest.mark.parametrize("name,kw", CONFIGS[::2], ids=IDS[::2])
def test_checkpoint_mid_run(name, kw):
    run(name, kw, np.float64, reload_at=37, steps=60)


@pytest.mark.parametrize("make", [
    lambda lib, p: lib.optim.Rprop(p, lr=-1),
    lambda lib, p: lib.optim.Rprop(p, etas=(1.2, 0.5)),
    lambda lib, p: lib.optim.Rprop(p, etas=(0.5, 1.0)),
    lambda lib, p: lib.optim.ASGD(p, lr=-0.1),
    lambda lib, p: lib.optim.ASGD(p, weight_decay=-1),
    lambda lib, p: lib.optim.LBFGS(p, lr=-1),
    lambda lib, p: lib.optim.LBFGS([{"params": p[:1]}, {"params": p[1:]}]),
])
def test_argument_errors(make):
    msgs = []
    for lib in (ember, torch):
        p = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
        with pytest.raises(ValueError) as exc:
            make(lib, p)
        msgs.append(str(exc.value))
    assert msgs[0] == msgs[1]


# ---------------------------------------------------------------- LBFGS
def rosenbrock(lib, xy):
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def least_squares_problem():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((12, 4))
    b = rng.standard_normal(12)
    return a, b


def lbfgs_twins(kw, start, problem):
    """ember and torch LBFGS from the same start; returns a stepper that runs one
    .step(closure) on both and returns (ember loss, torch loss)."""
    pairs = []
    for lib in (ember, torch):
        params = [lib.tensor(s.copy(), requires_grad=True) for s in start]
        opt = lib.optim.LBFGS(params, **kw)

        def closure(lib=lib, params=params, opt=opt):
            opt.zero_grad()
            loss = problem(lib, *params)
            loss.backward()
            return loss
        pairs.append((params, opt, closure))
    return pairs


def assert_same_params(pairs, rtol=1e-9, atol=1e-12):
    (ep, _, _), (tp, _, _) = pairs
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


LBFGS_CONFIGS = [
    dict(),
    dict(lr=0.5, max_iter=4),
    dict(history_size=3, max_iter=6),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", max_iter=5, history_size=2),
    dict(lr=0.1, max_iter=3, max_eval=4, tolerance_change=1e-6),
]


@pytest.mark.parametrize("kw", LBFGS_CONFIGS, ids=[str(k) for k in LBFGS_CONFIGS])
def test_lbfgs_rosenbrock_trajectory(kw):
    pairs = lbfgs_twins(kw, [np.array([-1.2, 1.0])], rosenbrock)
    for _ in range(4):
        le = pairs[0][1].step(pairs[0][2])
        lt = pairs[1][1].step(pairs[1][2])
        assert float(le) == pytest.approx(lt.item(), rel=1e-9, abs=1e-12)
        assert_same_params(pairs, rtol=1e-8, atol=1e-10)
    es, ts = pairs[0][1].state[pairs[0][0][0]], pairs[1][1].state[pairs[1][0][0]]
    assert es["func_evals"] == ts["func_evals"] and es["n_iter"] == ts["n_iter"]
    assert list(es) == list(ts)
    assert len(es["old_dirs"]) == len(ts["old_dirs"])


def test_lbfgs_strong_wolfe_converges_like_torch():
    pairs = lbfgs_twins(dict(line_search_fn="strong_wolfe", max_iter=100), [np.array([-1.2, 1.0])], rosenbrock)
    pairs[0][1].step(pairs[0][2])
    pairs[1][1].step(pairs[1][2])
    assert_same_params(pairs, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(pairs[0][0][0].detach().numpy(), [1.0, 1.0], atol=1e-4)  # near the minimum


@pytest.mark.parametrize("kw", [dict(), dict(line_search_fn="strong_wolfe", history_size=2)])
def test_lbfgs_several_parameters(kw):
    a, b = least_squares_problem()

    def problem(lib, w, c):
        r = lib.tensor(a) @ w + c - lib.tensor(b)
        return (r ** 2).mean() + 0.1 * (w ** 4).sum()
    pairs = lbfgs_twins(dict(kw, max_iter=5), [np.linspace(-1, 1, 4), np.array([0.3])], problem)
    for _ in range(3):
        pairs[0][1].step(pairs[0][2])
        pairs[1][1].step(pairs[1][2])
        # the products go through two BLAS libraries (summation orders differ by ~1e-16), which
        # LBFGS's curvature pairs amplify to ~1e-10 in some full-suite runs
        assert_same_params(pairs, rtol=1e-7, atol=1e-9)


def test_lbfgs_float32_and_misc():
    # float32: the same path (0-d quantities round as torch's); looser tolerance
    pairs = lbfgs_twins(dict(max_iter=5), [np.array([-1.2, 1.0], np.float32)], rosenbrock)
    pairs[0][1].step(pairs[0][2])
    pairs[1][1].step(pairs[1][2])
    assert_same_params(pairs, rtol=1e-4, atol=1e-5)
    assert repr(pairs[0][1]) == repr(pairs[1][1])
    assert pairs[0][1].defaults == pairs[1][1].defaults      # max_eval defaults to max_iter * 5 // 4
    # a bad line search name fails at the step, as PyTorch
    for lib in (ember, torch):
        p = lib.tensor([1.0, 2.0], requires_grad=True)
        opt = lib.optim.LBFGS([p], line_search_fn="armijo")

        def closure(p=p, opt=opt):
            opt.zero_grad()
            loss = (p ** 2).sum()
            loss.backward()
            return loss
        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(closure)


def test_lbfgs_stops_at_a_stationary_point_and_returns_the_first_loss():
    p = ember.tensor([0.0, 0.0], requires_grad=True)
    opt = ember.optim.LBFGS([p])
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        calls.append(1)
        return loss
    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1 and p.tolist() == [0.0, 0.0]


def test_lbfgs_state_dict_round_trip():
    pairs = lbfgs_twins(dict(max_iter=3), [np.array([-1.2, 1.0])], rosenbrock)
    (ep, eo, ec), (tp, to, tc) = pairs
    eo.step(ec), to.step(tc)
    sd = copy.deepcopy(eo.state_dict())
    eo2 = ember.optim.LBFGS(ep, max_iter=3)
    eo2.load_state_dict(sd)
    eo2.step(ec), to.step(tc)
    assert_same_params(pairs, rtol=1e-8, atol=1e-10)
