"""torch.amp.GradScaler against torch 2.13 on the CPU: the same training loop (same initial
weights, an injected inf gradient, growth after growth_interval clean steps) gives the same
parameters and scales; scale() of nested outputs; state_dict round trip; PyTorch's errors."""
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember

torch.set_num_threads(1)


def _models():
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    e = ember.nn.Sequential(ember.nn.Linear(6, 8), ember.nn.ReLU(), ember.nn.Linear(8, 3))
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return e, t


def _data(steps):
    rng = np.random.default_rng(1)
    return [(rng.standard_normal((5, 6)).astype(np.float32), rng.integers(0, 3, 5)) for _ in range(steps)]


def _train(lib, model, steps, inf_at=(), autocast=False, clip=None, momentum=0.9, **scaler_kw):
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=momentum)
    scaler = lib.amp.GradScaler("cpu", **scaler_kw)
    trace = []
    for i, (x, y) in enumerate(_data(steps)):
        opt.zero_grad()
        with lib.autocast("cpu", dtype=lib.float16, enabled=autocast):
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y))
        scaler.scale(loss).backward()
        if i in inf_at:
            with lib.no_grad():
                model[0].weight.grad[0, 0] = float("inf")
        if clip is not None:
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
        ret = scaler.step(opt)
        assert ret is None
        scaler.update()
        trace.append((scaler.get_scale(), scaler._get_growth_tracker(),
                      [p.detach().numpy().copy() for p in model.parameters()]))
    return trace, scaler


def _same(e_trace, t_trace, atol=1e-6):
    assert len(e_trace) == len(t_trace)
    for i, ((es, eg, ep), (ts, tg, tp)) in enumerate(zip(e_trace, t_trace)):
        assert es == ts and eg == tg, f"step {i}: ember scale/tracker {es}/{eg}, torch {ts}/{tg}"
        for a, b in zip(ep, tp):
            np.testing.assert_allclose(a, b, atol=atol, rtol=1e-5, err_msg=f"step {i}")


def test_training_loop_matches_torch_with_skip_backoff_and_growth():
    e, t = _models()
    kw = dict(init_scale=2.0 ** 10, growth_interval=3)
    e_trace, _ = _train(ember, e, 9, inf_at=(2, 6), **kw)
    t_trace, _ = _train(torch, t, 9, inf_at=(2, 6), **kw)
    _same(e_trace, t_trace)
    scales = [s for s, _, _ in e_trace]
    # step 2 skipped (halved), three clean steps then growth, step 6 skipped again
    assert scales == [1024.0, 1024.0, 512.0, 512.0, 512.0, 1024.0, 512.0, 512.0, 512.0]
    np.testing.assert_array_equal(e_trace[2][2][0], e_trace[1][2][0])  # the skipped step left the weights alone


def test_unscale_then_clip_matches_torch():
    e, t = _models()
    e_trace, _ = _train(ember, e, 4, clip=0.5, init_scale=256.0, growth_interval=2)
    t_trace, _ = _train(torch, t, 4, clip=0.5, init_scale=256.0, growth_interval=2)
    _same(e_trace, t_trace)


def test_autocast_float16_training_matches_torch():
    e, t = _models()
    e_trace, _ = _train(ember, e, 4, autocast=True, momentum=0.0, init_scale=2.0 ** 12, growth_interval=2)
    t_trace, _ = _train(torch, t, 4, autocast=True, momentum=0.0, init_scale=2.0 ** 12, growth_interval=2)
    _same(e_trace, t_trace, atol=3e-3)


def test_overflowing_scale_skips_and_backs_off():
    """float16 activations times a scale of 2**24 overflow: the step is skipped and the
    scale halves, in both frameworks."""
    res = []
    for lib in (ember, torch):
        w = lib.nn.Parameter(lib.ones(4, 4) * 100)
        opt = lib.optim.SGD([w], lr=0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0 ** 24)
        with lib.autocast("cpu", dtype=lib.float16):
            out = lib.mm(lib.ones(2, 4) * 100, w)
        scaler.scale(out.float().sum()).backward()
        scaler.step(opt)
        scaler.update()
        res.append((scaler.get_scale(), float(w.detach().sum())))
    assert res[0] == res[1] == (2.0 ** 23, 1600.0)


def test_scale_nested_outputs():
    for lib in (ember, torch):
        s = lib.amp.GradScaler("cpu", init_scale=4.0)
        a, b, c = lib.ones(2), lib.ones(3) * 2, lib.tensor(3.0)
        out = s.scale([a, (b, [c])])
        assert isinstance(out, list) and isinstance(out[1], tuple) and isinstance(out[1][1], list)
        assert out[0].tolist() == [4.0, 4.0] and out[1][0].tolist() == [8.0] * 3 and out[1][1][0].item() == 12.0
        gen = s.scale(x for x in (a, b))
        assert [t.tolist() for t in gen] == [[4.0, 4.0], [8.0] * 3]
        with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
            s.scale([a, 3])
        half = s.scale(lib.ones(2, dtype=lib.float16))
        assert half.dtype == lib.float16  # a 0-d float32 scale does not promote


def _one_param(lib, dtype=None):
    w = lib.nn.Parameter(lib.ones(3, dtype=dtype))
    opt = lib.optim.SGD([w], lr=0.1)
    s = lib.amp.GradScaler("cpu")
    s.scale((w * 2).sum()).backward()
    return w, opt, s


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_state_machine_errors(lib):
    w, opt, s = _one_param(lib)
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer since the "
                                           r"last update\(\)\."):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)\."):
        s.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)\."):
        s.step(opt)
    s.update()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported if GradScaler is enabled."):
        s.step(opt, closure=lambda: 0.0)
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update."):
        s.update()
    fresh = lib.amp.GradScaler("cpu")
    with pytest.raises(AssertionError, match=r"Attempted step but _scale is None\."):
        fresh.step(opt)
    with pytest.raises(AssertionError, match=r"Attempted update but _scale is None\."):
        fresh.update()
    w16, opt16, s16 = _one_param(lib, lib.float16)
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
        s16.step(opt16)
    with pytest.raises(AssertionError, match="The growth factor must be > 1.0."):
        lib.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="The backoff factor must be < 1.0."):
        lib.amp.GradScaler("cpu", backoff_factor=1.0)


def test_update_with_new_scale():
    for lib in (ember, torch):
        w, opt, s = _one_param(lib)
        s.step(opt)
        s.update(8.0)
        assert s.get_scale() == 8.0
        s.update(lib.tensor(16.0))
        assert s.get_scale() == 16.0
        with pytest.raises(AssertionError, match="new_scale should be a float or a 1-element"):
            s.update(lib.tensor([1.0, 2.0]))
        with pytest.raises(AssertionError, match="new_scale should be a float or a 1-element"):
            s.update(lib.tensor(2.0, requires_grad=True))


def test_state_dict_round_trip_and_pickle():
    e, _ = _models()
    _, scaler = _train(ember, e, 5, inf_at=(1,), init_scale=64.0, growth_interval=2, growth_factor=3.0,
                       backoff_factor=0.25)
    _, tscaler = _train(torch, _models()[1], 5, inf_at=(1,), init_scale=64.0, growth_interval=2,
                        growth_factor=3.0, backoff_factor=0.25)
    sd = scaler.state_dict()
    assert sd == tscaler.state_dict()
    assert set(sd) == {"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}
    fresh = ember.amp.GradScaler("cpu")
    fresh.load_state_dict(sd)
    assert fresh.state_dict() == sd and fresh.get_scale() == scaler.get_scale()
    w, opt, _ = _one_param(ember)
    fresh.scale(ember.ones(1))  # the lazily made scale tensor takes the loaded value
    assert fresh.get_scale() == sd["scale"] and fresh._get_growth_tracker() == sd["_growth_tracker"]
    clone = pickle.loads(pickle.dumps(scaler))
    assert clone.state_dict() == sd
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        ember.amp.GradScaler("cpu").load_state_dict({})


def test_disabled_passes_through():
    for lib in (ember, torch):
        w = lib.nn.Parameter(lib.ones(3))
        opt = lib.optim.SGD([w], lr=0.5)
        s = lib.amp.GradScaler("cpu", enabled=False)
        loss = (w * 2).sum()
        assert s.scale(loss) is loss and not s.is_enabled()
        loss.backward()
        s.unscale_(opt)
        s.unscale_(opt)  # no state machine when disabled
        s.step(opt)
        s.update()
        assert w.tolist() == [0.0, 0.0, 0.0]
        assert s.get_scale() == 1.0 and s.state_dict() == {} and s._get_growth_tracker() == 0
        s.load_state_dict({})


def test_cuda_scaler_without_gpu_and_deprecated_spellings():
    if not ember.cuda.is_available():
        for lib in (ember, torch):
            with pytest.warns(UserWarning, match="torch.cuda.amp.GradScaler is enabled, but CUDA is not available."):
                s = lib.amp.GradScaler()
            assert not s.is_enabled()
    for lib in (ember, torch):
        with pytest.warns(FutureWarning, match=r"`torch\.cpu\.amp\.GradScaler\(args...\)` is deprecated"):
            s = lib.cpu.amp.GradScaler(init_scale=8.0)
        assert s.is_enabled() and s.get_scale() == 8.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with pytest.warns(FutureWarning, match=r"`torch\.cuda\.amp\.GradScaler\(args...\)` is deprecated"):
                lib.cuda.amp.GradScaler()


def test_accessors():
    for lib in (ember, torch):
        s = lib.amp.GradScaler("cpu", init_scale=2.0, growth_factor=3.0, backoff_factor=0.25, growth_interval=7)
        assert (s.get_scale(), s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()) == \
            (2.0, 3.0, 0.25, 7)
        s.set_growth_factor(4.0)
        s.set_backoff_factor(0.125)
        s.set_growth_interval(9)
        assert (s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()) == (4.0, 0.125, 9)
