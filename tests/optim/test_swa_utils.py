"""torch.optim.swa_utils in ember: AveragedModel (SWA, EMA, custom avg_fn /
multi_avg_fn, use_buffers), SWALR and update_bn, against torch from the same weights."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember


def net(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def twins():
    t, e = net(torch), net(ember)
    e.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return e, t


def train_step(lib, model, opt, x, y):
    opt.zero_grad()
    lib.nn.functional.mse_loss(model(lib.tensor(x)), lib.tensor(y)).backward()
    opt.step()


def assert_sd(e, t, rtol=1e-5, atol=1e-6):
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        assert str(es[k].dtype) == str(ts[k].dtype), k
        np.testing.assert_allclose(es[k].numpy(), ts[k].numpy(), rtol=rtol, atol=atol, err_msg=k)


AVERAGING = {
    "swa": lambda su: {},
    "ema": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(0.9)},
    "ema-low-decay": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(0.3)},
    "ema-avg_fn": lambda su: {"avg_fn": su.get_ema_avg_fn(0.8)},
    "swa-multi": lambda su: {"multi_avg_fn": su.get_swa_multi_avg_fn()},
    "custom": lambda su: {"avg_fn": lambda a, m, n: 0.5 * a + 0.5 * m},
}


@pytest.mark.parametrize("kind", list(AVERAGING))
@pytest.mark.parametrize("use_buffers", [False, True])
def test_averaged_model_matches_torch(kind, use_buffers):
    if kind == "swa-multi" and use_buffers:
        pytest.skip("torch's get_swa_multi_avg_fn raises on the integer buffer num_batches_tracked (addcdiv of "
                    "integers); ember averages it (see test_swa_multi_avg_fn_on_integer_buffers)")
    e, t = twins()
    ea = ember.optim.swa_utils.AveragedModel(e, use_buffers=use_buffers, **AVERAGING[kind](ember.optim.swa_utils))
    ta = torch.optim.swa_utils.AveragedModel(t, use_buffers=use_buffers, **AVERAGING[kind](torch.optim.swa_utils))
    eo, to = ember.optim.SGD(e.parameters(), lr=0.1), torch.optim.SGD(t.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    for step in range(5):
        x, y = rng.standard_normal((8, 3)).astype(np.float32), rng.standard_normal((8, 2)).astype(np.float32)
        train_step(ember, e, eo, x, y)
        train_step(torch, t, to, x, y)
        ea.update_parameters(e)
        ta.update_parameters(t)
        assert_sd(ea, ta)
    assert int(ea.n_averaged) == 5 and ea.n_averaged.dtype == ember.int64
    assert list(ea.state_dict())[0] == "n_averaged" and list(ea.state_dict()) == list(ta.state_dict())
    x = rng.standard_normal((4, 3)).astype(np.float32)
    ea.eval(), ta.eval()
    np.testing.assert_allclose(ea(ember.tensor(x)).detach().numpy(), ta(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert repr(ea) == repr(ta)


def test_swa_multi_avg_fn_on_integer_buffers():
    """Where torch's foreach path fails (integer buffers), ember takes the running mean
    as get_swa_avg_fn does (true division, stored back into the integer buffer)."""
    su = ember.optim.swa_utils
    avg, cur = [ember.tensor([10, 20])], [ember.tensor([13, 29])]
    su.get_swa_multi_avg_fn()(avg, cur, ember.tensor(2))
    assert avg[0].tolist() == [11, 23] and avg[0].dtype == ember.int64


def test_averaged_model_is_a_copy_and_first_update_copies():
    e, _ = twins()
    ea = ember.optim.swa_utils.AveragedModel(e)
    assert ea.module is not e and ea.module[0].weight is not e[0].weight
    with ember.no_grad():
        e[0].weight.add_(1.0)
    ea.update_parameters(e)
    np.testing.assert_array_equal(ea.module[0].weight.detach().numpy(), e[0].weight.detach().numpy())
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should be provided"):
        ember.optim.swa_utils.AveragedModel(e, avg_fn=lambda *a: a[0], multi_avg_fn=lambda *a: None)


@pytest.mark.parametrize("decay", [-0.1, 1.5])
def test_ema_decay_checked(decay):
    for su in (ember.optim.swa_utils, torch.optim.swa_utils):
        for f in (su.get_ema_multi_avg_fn, su.get_ema_avg_fn):
            with pytest.raises(ValueError, match=rf"Invalid decay value {decay} provided"):
                f(decay)


@pytest.mark.parametrize("kw", [dict(swa_lr=0.05), dict(swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear"),
                                dict(swa_lr=[0.05, 0.01], anneal_epochs=0), dict(swa_lr=0.2, anneal_epochs=4)])
def test_swalr_matches_torch(kw):
    lrs = []
    for lib in (ember, torch):
        p1, p2 = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.3}], lr=0.5)
        sched = lib.optim.swa_utils.SWALR(opt, **kw)
        seq = [sched.get_last_lr()]
        for _ in range(12):
            opt.step()
            sched.step()
            seq.append(sched.get_last_lr())
        lrs.append(seq)
        sd = sched.state_dict()
        assert "anneal_func" not in sd and "optimizer" not in sd
    np.testing.assert_allclose(np.array(lrs[0]), np.array(lrs[1]), rtol=1e-12)


def test_swalr_state_dict_and_errors():
    for lib in (ember, torch):
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.5)
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got exp"):
            lib.optim.swa_utils.SWALR(opt, 0.1, anneal_strategy="exp")
        with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
            lib.optim.swa_utils.SWALR(opt, 0.1, anneal_epochs=-1)
    p = ember.zeros(2, requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.5)
    s = ember.optim.swa_utils.SWALR(opt, 0.1, anneal_strategy="linear")
    opt.step()
    s.step()
    s2 = ember.optim.swa_utils.SWALR(ember.optim.SGD([p], lr=0.5), 0.1)
    s2.load_state_dict(s.state_dict())
    assert s2.anneal_func(0.25) == 0.25 and s2._anneal_strategy == "linear"
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        s.get_lr()
    assert any("get_last_lr()" in str(x.message) for x in w)


def test_update_bn_matches_torch():
    e, t = twins()
    rng = np.random.default_rng(4)
    batches = [rng.standard_normal((5, 3)).astype(np.float32) for _ in range(3)]
    e.eval(), t.eval()
    ember.optim.swa_utils.update_bn([(ember.tensor(b), 0) for b in batches], e)
    torch.optim.swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], t)
    assert_sd(e, t)
    assert not e.training and e[1].momentum == 0.1
    # the running mean is the plain average of the batch means (momentum None during the pass)
    h = np.concatenate([e[0](ember.tensor(b)).detach().numpy() for b in batches])
    np.testing.assert_allclose(e[1].running_mean.numpy(), h.mean(0), rtol=1e-5, atol=1e-6)
    # a model without BatchNorm is left alone; plain tensors (not tuples) are batches too
    lin = ember.nn.Linear(3, 2)
    ember.optim.swa_utils.update_bn([ember.tensor(batches[0])], lin)


def test_swa_training_recipe_runs():
    """The usual SWA loop: train, start averaging, SWALR, update_bn, evaluate the average."""
    ember.manual_seed(0)
    model = net(ember)
    swa = ember.optim.swa_utils.AveragedModel(model)
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    sched = ember.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=2)
    x = ember.randn(32, 3)
    y = x[:, :2] * 2
    for epoch in range(6):
        for i in range(0, 32, 8):
            opt.zero_grad()
            ember.nn.functional.mse_loss(model(x[i:i + 8]), y[i:i + 8]).backward()
            opt.step()
        if epoch >= 3:
            swa.update_parameters(model)
            sched.step()
    ember.optim.swa_utils.update_bn([x[i:i + 8] for i in range(0, 32, 8)], swa)
    swa.eval()
    assert int(swa.n_averaged) == 3
    assert float(ember.nn.functional.mse_loss(swa(x), y)) < float(ember.nn.functional.mse_loss(y * 0, y))
