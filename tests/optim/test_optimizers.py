"""ember.optim optimizers against torch.optim: trajectories, state, checkpoints, errors, repr.

Each trajectory test starts ember and torch from the same parameters and feeds both
the same deterministic gradient function of their own current parameters for 100
steps, comparing every step; one parameter gets no gradient on some steps (it must
be skipped), so step counters and lazily created state are exercised too.
"""
from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember
from ember import optim

SHAPES = [(5, 3), (3,), (2, 2, 2)]
STEPS = 100
TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}

CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict()),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, maximize=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.9))),  # beta1 < 0.5: the other form of lerp
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.05, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5)),
    ("Adadelta", dict(weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.9))),  # rho_t passes 5 within a few steps: rectified branch
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CONFIGS]


def Z(lib, n):
    """A zero parameter of n elements (the default float dtype) in lib."""
    return lib.tensor(np.zeros(n), dtype=lib.get_default_dtype(), requires_grad=True)


def init_arrays(dtype):
    rng = np.random.default_rng(7)
    return [rng.uniform(-1.5, 1.5, size=s).astype(dtype) for s in SHAPES]


def targets(dtype):
    # far enough (1.5 to 5.5 away) that adaptive methods, which move about lr per step,
    # do not reach the minimum in 100 steps: near it the gradient is rounding noise whose
    # normalised sign makes any two implementations' trajectories part ways
    rng = np.random.default_rng(11)
    return [(rng.uniform(-1, 1, size=s) + 3.0).astype(dtype) for s in SHAPES]


def grad_fn(p: np.ndarray, target: np.ndarray) -> np.ndarray:
    """A deterministic gradient of the current parameters (the same on both sides)."""
    return (2 * (p - target) + 0.1 * np.sin(p)).astype(p.dtype)


def np_of(t):
    return t.detach().numpy().copy() if isinstance(t, torch.Tensor) else np.array(t.detach().numpy())


def make_params(arrays):
    e = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    t = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return e, t


def feed(params, tgts, step, lib, sign=1):
    """Set grads from grad_fn; parameter 1 gets none on some steps (must be skipped).
    ``sign=-1`` for ``maximize`` (ascent on the negated objective stays bounded)."""
    for i, (p, tg) in enumerate(zip(params, tgts)):
        if i == 1 and step % 7 == 3:
            p.grad = None
            continue
        p.grad = lib.tensor(sign * grad_fn(np_of(p), tg))


def build(lib, name, params, kw, groups=False):
    cls = getattr(lib.optim, name)
    if groups:
        return cls([{"params": params[0], "weight_decay": 0.05}, {"params": params[1:], "lr": 0.02}], **kw)
    return cls(params, **kw)


def assert_params(e_params, t_params, dtype, what):
    for i, (e, t) in enumerate(zip(e_params, t_params)):
        assert str(e.dtype) == str(t.dtype), f"{what}: param {i} dtype {e.dtype} != {t.dtype}"
        en, tn = np_of(e), np_of(t)
        tol = TOL[dtype]
        if not (np.abs(en - tn) <= tol["atol"] + tol["rtol"] * np.abs(tn)).all():  # fast path, then the report
            np.testing.assert_allclose(en, tn, **tol, err_msg=f"{what}: param {i}")


def run(name, kw, dtype, *, groups=False, reload_at=None, reload_via=copy.deepcopy, steps=STEPS):
    """Run ember and torch side by side; optionally move ember's state into a fresh
    optimizer at step ``reload_at``.  Returns both optimizers."""
    arrays, tgts = init_arrays(dtype), targets(dtype)
    e_params, t_params = make_params(arrays)
    e_opt, t_opt = build(ember, name, e_params, kw, groups), build(torch, name, t_params, kw, groups)
    for step in range(steps):
        if reload_at is not None and step == reload_at:
            sd = reload_via(e_opt.state_dict())
            e_opt = build(ember, name, e_params, kw, groups)
            e_opt.load_state_dict(sd)
            # torch reloads too: loading casts non-step state (NAdam's mu_product) to the param dtype
            t_sd = copy.deepcopy(t_opt.state_dict())
            t_opt = build(torch, name, t_params, kw, groups)
            t_opt.load_state_dict(t_sd)
        e_opt.zero_grad()
        t_opt.zero_grad()
        sign = -1 if kw.get("maximize") else 1
        feed(e_params, tgts, step, ember, sign)
        feed(t_params, tgts, step, torch, sign)
        e_opt.step()
        t_opt.step()
        assert_params(e_params, t_params, dtype, f"{name}{kw} step {step}")
    return e_opt, t_opt


def compare_state(e_opt, t_opt, dtype):
    """state_dict layout, keys, hyperparameters and buffer values equal torch's."""
    es, ts = e_opt.state_dict(), t_opt.state_dict()
    assert list(es) == list(ts) == ["state", "param_groups"]
    assert list(es["state"]) == list(ts["state"])
    for k in ts["state"]:
        assert list(es["state"][k]) == list(ts["state"][k]), f"state keys of param {k}"
        for key, tv in ts["state"][k].items():
            ev = es["state"][k][key]
            assert isinstance(ev, ember.Tensor), f"state[{k}][{key!r}] is {type(ev).__name__}"
            assert str(ev.dtype) == str(tv.dtype) and tuple(ev.shape) == tuple(tv.shape), (k, key)
            tn = np_of(tv)
            scale = max(1.0, float(np.max(np.abs(tn)))) if tn.size else 1.0  # buffers may cross zero
            np.testing.assert_allclose(np_of(ev), tn, rtol=TOL[dtype]["rtol"], atol=TOL[dtype]["atol"] * scale,
                                       err_msg=f"state[{k}][{key!r}]")
    assert len(es["param_groups"]) == len(ts["param_groups"])
    for eg, tg in zip(es["param_groups"], ts["param_groups"]):
        assert list(eg) == list(tg), "param_group keys (and their order)"
        assert eg == tg


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_trajectory_matches_torch(name, kw, dtype):
    e_opt, t_opt = run(name, kw, dtype)
    compare_state(e_opt, t_opt, dtype)
    assert repr(e_opt) == repr(t_opt)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_chunked_updates(name, kw, monkeypatch):
    """Large parameters are updated in cache-sized chunks: with tiny chunks (so every
    parameter here is split, with a ragged last chunk) the trajectory is unchanged."""
    import ember.optim.optimizer as O
    monkeypatch.setattr(O, "CHUNK", 4)
    run(name, kw, np.float64, steps=15)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"])
def test_large_parameter(name):
    """A parameter larger than one chunk, and a non-contiguous gradient (whole-array path)."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((181, 200)).astype(np.float32)  # 36200 elements: two chunks
    e, t = ember.tensor(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)
    kw = dict(lr=0.01, momentum=0.9) if name == "SGD" else dict(lr=0.01)
    eo, to = getattr(optim, name)([e], **kw), getattr(torch.optim, name)([t], **kw)
    for step in range(4):
        g = rng.standard_normal((200, 181)).astype(np.float32)
        e.grad, t.grad = ember.tensor(g.T.copy()), torch.tensor(g.T.copy())
        if step % 2:  # a transposed view: not contiguous
            e.grad, t.grad = ember.tensor(g).t(), torch.tensor(g).t()
            assert not e.grad.is_contiguous()
        eo.step()
        to.step()
        np.testing.assert_allclose(np_of(e), np_of(t), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_state_dict_round_trip_mid_run(name, kw):
    """Saving at step 50 and loading into a fresh optimizer leaves the trajectory unchanged."""
    e_opt, t_opt = run(name, kw, np.float64, reload_at=50)
    compare_state(e_opt, t_opt, np.float64)


@pytest.mark.parametrize("name,kw", [c for c in CONFIGS if not c[1]], ids=[c[0] for c in CONFIGS if not c[1]])
def test_param_groups_and_pickled_reload(name, kw):
    """Two groups with per-group options; the checkpoint goes through pickle (as torch.save)."""
    e_opt, t_opt = run(name, {"lr": 0.03}, np.float64, groups=True, reload_at=50,
                       reload_via=lambda sd: pickle.loads(pickle.dumps(sd)))
    compare_state(e_opt, t_opt, np.float64)
    assert repr(e_opt) == repr(t_opt)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "NAdam"])
def test_load_torch_state_dict(name):
    """A torch optimizer's state_dict (tensors converted) continues the same trajectory in ember."""
    kw = {"SGD": dict(lr=0.05, momentum=0.9)}.get(name, dict(lr=0.02))
    arrays, tgts = init_arrays(np.float64), targets(np.float64)
    _, t_params = make_params(arrays)
    t_opt = build(torch, name, t_params, kw)
    for step in range(30):
        t_opt.zero_grad()
        feed(t_params, tgts, step, torch)
        t_opt.step()
    sd = t_opt.state_dict()
    conv = {"state": {k: {kk: ember.tensor(vv.numpy().copy()) for kk, vv in v.items()} for k, v in sd["state"].items()},
            "param_groups": copy.deepcopy(sd["param_groups"])}
    e_params = [ember.tensor(np_of(p), requires_grad=True) for p in t_params]
    e_opt = build(ember, name, e_params, kw)
    e_opt.load_state_dict(conv)
    if name != "SGD":
        assert str(e_opt.state[e_params[0]]["step"].dtype) == "torch.float32"
    for step in range(30, 60):
        for opt, ps, lib in ((e_opt, e_params, ember), (t_opt, t_params, torch)):
            opt.zero_grad()
            feed(ps, tgts, step, lib)
            opt.step()
        assert_params(e_params, t_params, np.float64, f"{name} step {step}")


def test_defaults_match_torch():
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]:
        e_opt = getattr(optim, name)([Z(ember, 2)])
        t_opt = getattr(torch.optim, name)([Z(torch, 2)])
        assert list(e_opt.param_groups[0]) == list(t_opt.param_groups[0]), name
        assert {k: v for k, v in e_opt.param_groups[0].items() if k != "params"} == \
            {k: v for k, v in t_opt.param_groups[0].items() if k != "params"}, name
        assert e_opt.defaults == t_opt.defaults, name
        assert repr(e_opt) == repr(t_opt), name


def test_seed_sgd_weight_decay_on_weight_only():
    """The notes' call: decay the weight, not the bias (003:L224)."""
    w, b = np.ones((1, 2), np.float32), np.zeros(1, np.float32)
    res = []
    for lib in (ember, torch):
        W, B = lib.tensor(w.copy(), requires_grad=True), lib.tensor(b.copy(), requires_grad=True)
        trainer = lib.optim.SGD([{"params": W, "weight_decay": 3.0}, {"params": B}], lr=0.03)
        W.grad, B.grad = lib.tensor(np.full((1, 2), 0.5, np.float32)), lib.tensor(np.ones(1, np.float32))
        trainer.step()
        assert trainer.param_groups[0]["weight_decay"] == 3.0 and trainer.param_groups[1]["weight_decay"] == 0
        assert list(trainer.param_groups[0]) == ["params", "weight_decay", "lr", "momentum", "dampening",
                                                 "nesterov", "maximize", "foreach", "differentiable", "fused"]
        res.append((np_of(W), np_of(B), repr(trainer)))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6)
    assert res[0][2] == res[1][2]


def test_named_params():
    e = [("w", Z(ember, 2)), ("b", Z(ember, 1))]
    t = [("w", Z(torch, 2)), ("b", Z(torch, 1))]
    eo, to = optim.Adam(e), torch.optim.Adam(t)
    assert eo.param_groups[0]["param_names"] == ["w", "b"]
    assert eo.param_groups[0]["params"][0] is e[0][1]
    assert eo.state_dict()["param_groups"] == to.state_dict()["param_groups"]
    with pytest.raises(ValueError, match="with/without names"):
        optim.SGD([("w", Z(ember, 2)), Z(ember, 1)])
    eo2 = optim.SGD([{"params": [("w", Z(ember, 1))]}])
    with pytest.raises(ValueError, match="with/without names"):
        eo2.add_param_group({"params": [Z(ember, 1)]})


def test_add_param_group():
    ps = [Z(ember, 2) for _ in range(3)]
    tp = [Z(torch, 2) for _ in range(3)]
    eo, to = optim.SGD(ps[:1], lr=0.1, momentum=0.9), torch.optim.SGD(tp[:1], lr=0.1, momentum=0.9)
    eo.add_param_group({"params": ps[1:], "lr": 0.5})
    to.add_param_group({"params": tp[1:], "lr": 0.5})
    assert repr(eo) == repr(to)
    assert eo.state_dict()["param_groups"] == to.state_dict()["param_groups"]
    with pytest.raises(ValueError, match="more than one parameter group"):
        eo.add_param_group({"params": ps[2]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        eo.add_param_group([ps[0]])


def test_zero_grad():
    for lib in (ember, torch):
        p = lib.tensor(np.ones(3, np.float32), requires_grad=True)
        q = lib.tensor(np.ones(2, np.float32), requires_grad=True)
        o = lib.optim.SGD([p, q], lr=0.1)
        p.grad = lib.tensor(np.full(3, 2.0, np.float32))
        g = p.grad
        o.zero_grad(set_to_none=False)
        assert p.grad is g and not p.grad.requires_grad and q.grad is None
        np.testing.assert_array_equal(np_of(p.grad), np.zeros(3, np.float32))
        o.zero_grad()
        assert p.grad is None and q.grad is None
        o.step()  # no grads: nothing changes
        np.testing.assert_array_equal(np_of(p), np.ones(3, np.float32))


def test_zero_grad_detaches_grad_with_history():
    p = ember.tensor(np.ones(3), requires_grad=True)
    x = ember.tensor(np.full(3, 2.0), requires_grad=True)
    g = x * 1.5
    p.grad = g
    optim.SGD([p]).zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None and not p.grad.requires_grad
    np.testing.assert_array_equal(np_of(p.grad), np.zeros(3))


def test_step_closure_and_version_counter():
    p = ember.tensor(np.ones(3, np.float32), requires_grad=True)
    o = optim.Adam([p], lr=0.1)
    seen = []

    def closure():
        seen.append(ember.is_grad_enabled())
        p.grad = ember.tensor(np.ones(3, np.float32))
        return 1.25

    v0 = p._version[0]
    with ember.no_grad():
        assert o.step(closure) == 1.25
    assert seen == [True]
    assert p._version[0] > v0
    assert o.step() is None
    assert p.dtype == ember.float32 and o.state[p]["exp_avg"].dtype == ember.float32
    assert o.state[p]["step"].dtype == ember.float32 and float(o.state[p]["step"]) == 2.0


def test_updates_keep_storage_and_build_no_graph():
    p = ember.tensor(np.ones((4, 3), np.float32), requires_grad=True)
    data = p._data
    o = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    for _ in range(3):
        p.grad = ember.tensor(np.ones((4, 3), np.float32))
        o.step()
    assert p._data is data and p.grad_fn is None and p.is_leaf and p.dtype == ember.float32


def test_step_dtype_follows_default_dtype():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        e = optim.Adam([Z(ember, 2)])
        t = torch.optim.Adam([Z(torch, 2)])
        for o, lib in ((e, ember), (t, torch)):
            o.param_groups[0]["params"][0].grad = lib.tensor(np.ones(2))
            o.step()
        ps_e, ps_t = e.param_groups[0]["params"][0], t.param_groups[0]["params"][0]
        assert str(e.state[ps_e]["step"].dtype) == str(t.state[ps_t]["step"].dtype) == "torch.float64"
    finally:
        torch.set_default_dtype(torch.float32)


def test_load_state_dict_casts_to_param_dtype():
    p64 = ember.tensor(np.ones(3), requires_grad=True)
    o = optim.Adam([p64])
    p64.grad = ember.tensor(np.ones(3))
    o.step()
    p32 = ember.tensor(np.ones(3, np.float32), requires_grad=True)
    o32 = optim.Adam([p32])
    o32.load_state_dict(copy.deepcopy(o.state_dict()))
    st = o32.state[p32]
    assert st["exp_avg"].dtype == ember.float32 and st["exp_avg_sq"].dtype == ember.float32
    assert st["step"].dtype == ember.float32
    p32.grad = ember.tensor(np.ones(3, np.float32))
    o32.step()
    assert float(o32.state[p32]["step"]) == 2.0 and p32.dtype == ember.float32


def test_load_state_dict_errors():
    a, b = Z(ember, 2), Z(ember, 2)
    sd = optim.SGD([a, b]).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([a]).load_state_dict(sd)
    with pytest.raises(ValueError, match="state_dict"):
        optim.SGD([a]).load_state_dict({"lr": 1})


def test_state_dict_loaded_hyperparameters_apply():
    a = Z(ember, 2)
    o = optim.SGD([a], lr=0.5, momentum=0.9)
    o2 = optim.SGD([a], lr=0.1)
    o2.load_state_dict(o.state_dict())
    assert o2.param_groups[0]["lr"] == 0.5 and o2.param_groups[0]["momentum"] == 0.9
    assert o2.param_groups[0]["params"][0] is a


def _err(fn, lib):
    with pytest.raises(Exception) as info:
        fn(lib)
    return info.value


BAD = [
    ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1)), ("Adam", dict(betas=(0, 0.9))),
    ("AdamW", dict(lr=-0.5)), ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)),
    ("RMSprop", dict(momentum=-1)), ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1)),
    ("Adadelta", dict(weight_decay=-1)), ("Adamax", dict(lr=-1)), ("Adamax", dict(betas=(0.9, 1.0))),
    ("NAdam", dict(momentum_decay=-1)), ("NAdam", dict(betas=(-0.1, 0.9))), ("RAdam", dict(eps=-1)),
    ("RAdam", dict(weight_decay=-1)),
]


@pytest.mark.parametrize("name,kw", BAD, ids=[f"{n}-{kw}" for n, kw in BAD])
def test_bad_hyperparameters(name, kw):
    te = _err(lambda lib: getattr(lib.optim, name)([Z(lib, 2)], **kw), torch)
    ee = _err(lambda lib: getattr(lib.optim, name)([Z(lib, 2)], **kw), ember)
    assert type(ee) is type(te) and str(ee) == str(te)


def test_bad_params():
    def same(fn):
        te, ee = _err(fn, torch), _err(fn, ember)
        assert type(ee) is type(te) and str(ee) == str(te), (ee, te)
        return ee

    e = same(lambda lib: lib.optim.SGD(Z(lib, 2), lr=0.1))
    assert str(e) == ("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                      "but got torch.FloatTensor")
    same(lambda lib: lib.optim.SGD([], lr=0.1))
    same(lambda lib: lib.optim.SGD([1.0], lr=0.1))
    same(lambda lib: lib.optim.SGD({Z(lib, 2)}, lr=0.1).add_param_group(
        {"params": {lib.tensor(np.zeros(1, np.float32))}}))
    same(lambda lib: lib.optim.SGD([Z(lib, 2) * 2], lr=0.1))
    same(lambda lib: (lambda p: lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(
        Z(lib, 2)))
    same(lambda lib: lib.optim.SGD([{"lr": 0.1}]))
    same(lambda lib: lib.optim.SGD([{"params": [Z(lib, 2)]}, {"params": 3}]))


def test_duplicate_param_warns():
    p = Z(ember, 2)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_differentiable_is_refused():
    with pytest.raises(RuntimeError, match="differentiable"):
        optim.Adam([Z(ember, 2)], differentiable=True)


def test_optimizer_pickles():
    p = ember.tensor(np.ones(3, np.float32), requires_grad=True)
    o = optim.Adam([p], lr=0.1)
    p.grad = ember.tensor(np.ones(3, np.float32))
    o.step()
    o2 = pickle.loads(pickle.dumps(o))
    assert repr(o2) == repr(o) and len(o2.state) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        copy.deepcopy(o)


def test_module_parameters():
    """``model.parameters()`` (a generator of nn.Parameter) and ``named_parameters()``, as the notes use."""
    rows = []
    for lib in (ember, torch):
        class Lin(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = lib.nn.Parameter(lib.tensor(np.full((1, 2), 0.5, np.float32)))
                self.bias = lib.nn.Parameter(lib.tensor(np.zeros(1, np.float32)))

        m = Lin()
        opt = lib.optim.Adam(m.parameters())
        named = lib.optim.SGD(m.named_parameters(), lr=0.1)
        assert named.param_groups[0]["param_names"] == ["weight", "bias"]
        assert opt.param_groups[0]["params"][0] is m.weight
        for _ in range(3):
            opt.zero_grad()
            m.weight.grad = lib.tensor(np.array([[1.0, -2.0]], np.float32))
            m.bias.grad = lib.tensor(np.array([0.5], np.float32))
            opt.step()
        with pytest.raises(TypeError, match="but got torch.FloatTensor"):
            lib.optim.SGD(m.weight, lr=0.1)
        rows.append((np_of(m.weight), np_of(m.bias), repr(opt)))
    np.testing.assert_allclose(rows[0][0], rows[1][0], rtol=1e-6)
    np.testing.assert_allclose(rows[0][1], rows[1][1], rtol=1e-6)
    assert rows[0][2] == rows[1][2]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "ASGD", "Rprop"])
def test_unpickling_an_older_optimizer_fills_new_group_options_as_torch(name):
    """An optimizer pickled before an option existed gets the option's default on load,
    as PyTorch's __setstate__ gives it (the same keys and values)."""
    def roundtrip(lib, module):
        p = module.nn.Parameter(module.ones(2))
        opt = getattr(module.optim, name)([p], lr=0.1)
        state = opt.__getstate__()
        for g in state["param_groups"]:
            for k in ("maximize", "foreach", "differentiable"):
                g.pop(k, None)
        fresh = getattr(module.optim, name).__new__(getattr(module.optim, name))
        fresh.__setstate__(state)
        return {k: fresh.param_groups[0].get(k, "absent") for k in ("maximize", "foreach", "differentiable")}
    assert roundtrip("ember", ember) == roundtrip("torch", torch)
