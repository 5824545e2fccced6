"""ember.optim.lr_scheduler against torch.optim.lr_scheduler: the sequence of learning
rates (and cycled momenta) over 60 steps, state_dict round trips, errors and warnings."""
from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.optim import lr_scheduler as ELS

STEPS = 60


def _params(lib, n=2):
    return [lib.tensor(np.zeros(3, np.float32), requires_grad=True) for _ in range(n)]


def sgd(lib, groups=False):
    p = _params(lib)
    if groups:
        return lib.optim.SGD([{"params": p[:1]}, {"params": p[1:], "lr": 0.05}], lr=0.1, momentum=0.9)
    return lib.optim.SGD(p, lr=0.1, momentum=0.9)


def adam(lib, groups=False):
    p = _params(lib)
    if groups:
        return lib.optim.Adam([{"params": p[:1]}, {"params": p[1:], "lr": 0.02}], lr=0.01)
    return lib.optim.Adam(p, lr=0.01)


def halve_every_10(epoch):
    return 0.5 ** (epoch // 10)


class Warmup:
    """A callable object: its __dict__ is saved in LambdaLR's state_dict."""

    def __init__(self, n):
        self.n = n

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.n)


def _lr(lib):
    return lib.optim.lr_scheduler


# name -> (optimizer maker, groups, scheduler factory(lib, opt))
CASES = {
    "StepLR": (sgd, False, lambda L, o: L.StepLR(o, step_size=7, gamma=0.5)),
    "StepLR-groups": (sgd, True, lambda L, o: L.StepLR(o, 5)),
    "MultiStepLR": (sgd, True, lambda L, o: L.MultiStepLR(o, milestones=[5, 20, 20, 41], gamma=0.3)),
    "ExponentialLR": (sgd, False, lambda L, o: L.ExponentialLR(o, gamma=0.93)),
    "CosineAnnealingLR": (sgd, True, lambda L, o: L.CosineAnnealingLR(o, T_max=13, eta_min=0.001)),
    "CosineAnnealingLR-0": (adam, False, lambda L, o: L.CosineAnnealingLR(o, T_max=25)),
    "WarmRestarts": (sgd, False, lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=10, eta_min=0.01)),
    "WarmRestarts-mult": (sgd, True, lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)),
    "LambdaLR": (sgd, False, lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e)),
    "LambdaLR-list": (sgd, True, lambda L, o: L.LambdaLR(o, [halve_every_10, Warmup(8)])),
    "MultiplicativeLR": (sgd, True, lambda L, o: L.MultiplicativeLR(o, lambda e: 0.97)),
    "LinearLR": (sgd, False, lambda L, o: L.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=17)),
    "LinearLR-default": (adam, True, lambda L, o: L.LinearLR(o)),
    "ConstantLR": (sgd, True, lambda L, o: L.ConstantLR(o, factor=0.4, total_iters=9)),
    "PolynomialLR": (sgd, False, lambda L, o: L.PolynomialLR(o, total_iters=40, power=2.0)),
    "PolynomialLR-default": (sgd, True, lambda L, o: L.PolynomialLR(o)),
    "OneCycleLR": (sgd, False, lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=STEPS + 1)),
    "OneCycleLR-adam-linear": (adam, True, lambda L, o: L.OneCycleLR(
        o, max_lr=[0.1, 0.2], epochs=4, steps_per_epoch=16, anneal_strategy="linear", pct_start=0.25)),
    "OneCycleLR-three-phase": (sgd, True, lambda L, o: L.OneCycleLR(
        o, max_lr=0.3, total_steps=STEPS + 5, three_phase=True, div_factor=10.0, final_div_factor=100.0,
        base_momentum=0.8, max_momentum=0.92)),
    "OneCycleLR-no-momentum": (adam, False, lambda L, o: L.OneCycleLR(
        o, max_lr=0.05, total_steps=STEPS + 1, cycle_momentum=False)),
    "CyclicLR": (sgd, False, lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7)),
    "CyclicLR-triangular2": (sgd, True, lambda L, o: L.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=5, step_size_down=9, mode="triangular2")),
    "CyclicLR-exp_range": (adam, False, lambda L, o: L.CyclicLR(
        o, base_lr=0.001, max_lr=0.01, step_size_up=6, mode="exp_range", gamma=0.97)),
    "CyclicLR-scale_fn": (sgd, False, lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations",
        cycle_momentum=False)),
    "SequentialLR": (sgd, True, lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=10), L.ExponentialLR(o, gamma=0.9),
            L.CosineAnnealingLR(o, T_max=12)], milestones=[10, 30])),
    "ChainedScheduler": (sgd, False, lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=4), L.ExponentialLR(o, gamma=0.95), L.StepLR(o, 9)])),
}


def _momenta(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["betas"] if "betas" in g else g.get("momentum"))
    return out


def _trace(lib, case, steps=STEPS, reload_at=None):
    make, groups, factory = CASES[case]
    opt = make(lib, groups)
    sched = factory(_lr(lib), opt)
    rows = [(sched.get_last_lr(), [g["lr"] for g in opt.param_groups], _momenta(opt), getattr(sched, "last_epoch", None))]
    for i in range(steps):
        if reload_at is not None and i == reload_at:
            o_sd, s_sd = copy.deepcopy(opt.state_dict()), pickle.loads(pickle.dumps(_picklable(sched.state_dict())))
            opt = make(lib, groups)
            sched = factory(_lr(lib), opt)
            opt.load_state_dict(o_sd)
            sched.load_state_dict(s_sd)
        opt.step()
        sched.step()
        rows.append((sched.get_last_lr(), [g["lr"] for g in opt.param_groups], _momenta(opt), getattr(sched, "last_epoch", None)))
    return rows, opt, sched


def _picklable(sd):
    """Drop what plain pickle cannot hold (torch and ember save the same keys)."""
    return {k: v for k, v in sd.items() if not callable(v)}


@pytest.mark.parametrize("case", list(CASES))
def test_schedule_matches_torch(case):
    e_rows, e_opt, e_s = _trace(ember, case)
    t_rows, t_opt, t_s = _trace(torch, case)
    assert len(e_rows) == len(t_rows)
    for i, (er, tr) in enumerate(zip(e_rows, t_rows)):
        assert er == tr, f"{case} step {i}: ember {er} != torch {tr}"
    assert repr(e_opt) == repr(t_opt)
    es, ts = e_s.state_dict(), t_s.state_dict()
    assert list(es) == list(ts)
    assert es == ts


@pytest.mark.parametrize("case", list(CASES))
def test_state_dict_round_trip(case):
    """Checkpoint optimizer and scheduler at step 25, rebuild, load, continue: same rates."""
    e_rows, _, _ = _trace(ember, case, reload_at=25)
    t_rows, _, _ = _trace(torch, case)
    assert e_rows == t_rows


def test_lambda_state_dict_excludes_functions():
    e = ELS.LambdaLR(sgd(ember, True), [halve_every_10, Warmup(8)])
    t = torch.optim.lr_scheduler.LambdaLR(sgd(torch, True), [halve_every_10, Warmup(8)])
    assert e.state_dict()["lr_lambdas"] == t.state_dict()["lr_lambdas"] == [None, {"n": 8}]
    sd = e.state_dict()
    sd["lr_lambdas"] = [None, {"n": 3}]
    e.load_state_dict(sd)
    assert e.lr_lambdas[1].n == 3 and e.lr_lambdas[0] is halve_every_10


PLATEAU = [
    dict(),
    dict(patience=2),
    dict(mode="max", patience=1, factor=0.5),
    dict(patience=1, threshold=0.05, threshold_mode="abs", cooldown=3),
    dict(patience=0, factor=0.5, min_lr=0.02),
    dict(patience=1, factor=0.5, min_lr=[0.03, 0.001], cooldown=1),
    dict(mode="max", patience=2, threshold_mode="abs", threshold=0.0, eps=0.01, factor=0.9),
]


@pytest.mark.parametrize("kw", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau(kw):
    rng = np.random.default_rng(3)
    metrics = list(np.round(np.concatenate([np.linspace(1.0, 0.5, 15), 0.5 + 0.02 * rng.standard_normal(30),
                                            np.linspace(0.5, 0.2, 15)]), 6))
    rows = {}
    for lib in (ember, torch):
        opt = sgd(lib, groups=True)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        out = []
        for i, m in enumerate(metrics):
            if i == 30:  # checkpoint round trip mid-run
                sd = copy.deepcopy(s.state_dict())
                o_sd = copy.deepcopy(opt.state_dict())
                opt = sgd(lib, groups=True)
                opt.load_state_dict(o_sd)
                s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
                s.load_state_dict(sd)
            opt.step()
            s.step(m if i % 2 else lib.tensor(m))  # a number or a 1-element tensor
            out.append((s.get_last_lr(), s.num_bad_epochs, s.cooldown_counter, s.best, s.last_epoch))
        rows[lib.__name__] = (out, s.state_dict())
    assert rows["ember"][0] == rows["torch"][0]
    assert list(rows["ember"][1]) == list(rows["torch"][1])


def test_initial_lr_and_resume_with_last_epoch():
    for lib in (ember, torch):
        opt = sgd(lib)
        lib.optim.lr_scheduler.StepLR(opt, 3)
        assert opt.param_groups[0]["initial_lr"] == 0.1
    with pytest.raises(KeyError, match="initial_lr"):
        ELS.StepLR(sgd(ember), 3, last_epoch=5)
    rows = []
    for lib in (ember, torch):
        opt = sgd(lib)
        opt.param_groups[0]["initial_lr"] = 0.2
        s = lib.optim.lr_scheduler.StepLR(opt, 3, gamma=0.5, last_epoch=7)
        seq = [s.get_last_lr()]
        for _ in range(5):
            opt.step()
            s.step()
            seq.append(s.get_last_lr())
        rows.append(seq)
    assert rows[0] == rows[1]


def test_deprecated_epoch_argument_uses_closed_form():
    rows = []
    for lib in (ember, torch):
        opt = sgd(lib)
        s = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        seq = []
        for ep in [3, 7, 12, 5]:
            opt.step()
            with pytest.warns(UserWarning, match="epoch parameter"):
                s.step(ep)
            seq.append(s.get_last_lr())
        w = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(sgd(lib), T_0=4, T_mult=2)
        for ep in [0.5, 5, 13.5, 2]:
            w.step(ep)
            seq.append((w.get_last_lr(), w.T_i, w.T_cur, w.last_epoch))
        rows.append(seq)
    assert rows[0] == rows[1]


def test_warnings_like_torch():
    for lib in (ember, torch):
        s = lib.optim.lr_scheduler.StepLR(sgd(lib), 3)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            s.step()
        with pytest.warns(UserWarning, match="get_last_lr"):
            s.get_lr()
        opt = sgd(lib)
        s = lib.optim.lr_scheduler.ExponentialLR(opt, 0.9)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
            s.step()


def _same_error(fn):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("fn", [
    lambda lib: _lr(lib).StepLR(object(), 3),
    lambda lib: _lr(lib).ConstantLR(sgd(lib), factor=1.5),
    lambda lib: _lr(lib).LinearLR(sgd(lib), start_factor=0),
    lambda lib: _lr(lib).LinearLR(sgd(lib), end_factor=1.5),
    lambda lib: _lr(lib).LambdaLR(sgd(lib), [lambda e: 1.0] * 3),
    lambda lib: _lr(lib).MultiplicativeLR(sgd(lib), 0.9),
    lambda lib: _lr(lib).CosineAnnealingWarmRestarts(sgd(lib), T_0=0),
    lambda lib: _lr(lib).CosineAnnealingWarmRestarts(sgd(lib), T_0=3, T_mult=0),
    lambda lib: _lr(lib).CosineAnnealingWarmRestarts(sgd(lib), T_0=3, eta_min="x"),
    lambda lib: _lr(lib).OneCycleLR(sgd(lib), 0.1),
    lambda lib: _lr(lib).OneCycleLR(sgd(lib), 0.1, total_steps=0),
    lambda lib: _lr(lib).OneCycleLR(sgd(lib), 0.1, epochs=0, steps_per_epoch=3),
    lambda lib: _lr(lib).OneCycleLR(sgd(lib), 0.1, total_steps=10, pct_start=1.5),
    lambda lib: _lr(lib).OneCycleLR(sgd(lib), 0.1, total_steps=10, anneal_strategy="exp"),
    lambda lib: _lr(lib).OneCycleLR(sgd(lib), [0.1, 0.2], total_steps=10),
    lambda lib: _lr(lib).OneCycleLR(lib.optim.Adagrad(_params(lib)), 0.1, total_steps=10),
    lambda lib: _lr(lib).CyclicLR(sgd(lib), 0.01, 0.1, mode="zigzag"),
    lambda lib: _lr(lib).CyclicLR(lib.optim.Adagrad(_params(lib)), 0.01, 0.1),
    lambda lib: _lr(lib).ReduceLROnPlateau(sgd(lib), factor=1.0),
    lambda lib: _lr(lib).ReduceLROnPlateau(sgd(lib), mode="avg"),
    lambda lib: _lr(lib).ReduceLROnPlateau(sgd(lib), threshold_mode="pct"),
    lambda lib: _lr(lib).ReduceLROnPlateau(sgd(lib), min_lr=[0.1, 0.2]),
    lambda lib: _lr(lib).SequentialLR(sgd(lib), [], []),
    lambda lib: (lambda o: _lr(lib).SequentialLR(o, [_lr(lib).StepLR(o, 2)], [3]))(sgd(lib)),
    lambda lib: (lambda o: _lr(lib).SequentialLR(o, [_lr(lib).ReduceLROnPlateau(o)], []))(sgd(lib)),
    lambda lib: _lr(lib).ChainedScheduler([]),
], ids=lambda f: "")
def test_errors(fn):
    _same_error(fn)


def test_one_cycle_over_stepping_raises():
    for lib in (ember, torch):
        opt = sgd(lib)
        s = lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            s.step()
        with pytest.raises(ValueError, match="Tried to step 4 times"):
            s.step()


def test_old_name_and_subclassing():
    class Halve(ELS._LRScheduler):
        def get_lr(self):
            return [g["lr"] * (0.5 if self.last_epoch > 0 else 1.0) for g in self.optimizer.param_groups]

    opt = sgd(ember)
    s = Halve(opt)
    assert isinstance(s, ELS.LRScheduler) and s.get_last_lr() == [0.1]
    opt.step()
    s.step()
    assert s.get_last_lr() == [0.05] and s.last_epoch == 1
    assert ELS._LRScheduler.__name__ == "_LRScheduler"
