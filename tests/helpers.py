"""Differential testing against PyTorch: run the same lambda in both frameworks.

``check(fn, *inputs)`` builds each input in ember and in torch from one NumPy array,
runs ``fn(lib, *tensors)`` with ``lib`` the framework module, and compares output
values, dtype and shape; then back-propagates one random upstream gradient through
both and compares the input gradients.  One line per test case, as in tinygrad's
``helper_test_op``.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)

# EMBER_TEST_DEVICE=cuda runs every check() with ember's inputs on the GPU (CuPy backend);
# torch stays on the CPU as the oracle.  The default is the CPU.
DEVICE = os.environ.get("EMBER_TEST_DEVICE", "cpu")
if DEVICE != "cpu" and not ember.cuda.is_available():
    raise RuntimeError(f"EMBER_TEST_DEVICE={DEVICE} but ember.cuda.is_available() is False")

TOL = {np.float32: (1e-5, 1e-4), np.float64: (1e-10, 1e-8), np.float16: (1e-2, 1e-2)}


def rand(*shape, dtype=np.float32, low=-2.0, high=2.0, rng=None):
    """Random array of ``shape`` (uniform in [low, high) for floats, small ints else)."""
    rng = rng or RNG
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.uniform(low, high, size=shape).astype(dt)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.integers(int(low) if low < 0 or dt.kind == "i" else 0, max(int(high), 1) + 3, size=shape).astype(dt)


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, ember.Tensor):
        return np.asarray(x.detach().cpu().__array__())
    return np.asarray(x)


def same_dtype(e, t) -> bool:
    return str(e.dtype) == str(t.dtype)


def assert_close(e, t, atol=None, rtol=None, what="value"):
    """ember result ``e`` equals torch result ``t`` (value, shape and dtype)."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{what}: {type(e)} vs {type(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_close(a, b, atol, rtol, f"{what}[{i}]")
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{what}: expected a Tensor, got {type(e).__name__}"
        assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != torch {tuple(t.shape)}"
        assert same_dtype(e, t), f"{what}: dtype {e.dtype} != torch {t.dtype}"
        en, tn = to_numpy(e), to_numpy(t)
        if tn.dtype.kind == "f":
            a0, r0 = TOL.get(tn.dtype.type, (1e-5, 1e-4))
            np.testing.assert_allclose(en.astype(np.float64), tn.astype(np.float64), atol=atol or a0,
                                       rtol=rtol or r0, err_msg=what, equal_nan=True)
        else:
            np.testing.assert_array_equal(en, tn, err_msg=what)
        return
    if isinstance(t, float):
        assert abs(float(e) - t) <= (atol or 1e-5) + (rtol or 1e-4) * abs(t), f"{what}: {e} != {t}"
        return
    assert e == t, f"{what}: {e!r} != {t!r}"


def check(fn, *inputs, grad=True, atol=None, rtol=None, grad_atol=None, grad_rtol=None, kwargs=None):
    """Compare ``fn(lib, *tensors)`` between ember and torch, forward and backward.

    ``inputs``: NumPy arrays (become tensors; floating ones require grad when
    ``grad``) or other values passed as they are."""
    kwargs = kwargs or {}
    e_in, t_in = [], []
    for x in inputs:
        if isinstance(x, np.ndarray):
            rg = grad and x.dtype.kind == "f"
            e_in.append(ember.tensor(x.copy(), device=DEVICE, requires_grad=rg))
            t_in.append(torch.tensor(x.copy(), requires_grad=rg))
        else:
            e_in.append(x)
            t_in.append(x)
    t_out = fn(torch, *t_in, **kwargs)
    e_out = fn(ember, *e_in, **kwargs)
    assert_close(e_out, t_out, atol, rtol, "forward")
    if not grad:
        return e_out, t_out
    touts = t_out if isinstance(t_out, (tuple, list)) else [t_out]
    eouts = e_out if isinstance(e_out, (tuple, list)) else [e_out]
    pairs = [(e, t) for e, t in zip(eouts, touts)
             if isinstance(t, torch.Tensor) and t.requires_grad and t.dtype.is_floating_point]
    if not pairs:
        return e_out, t_out
    t_roots, e_roots, t_g, e_g = [], [], [], []
    for e, t in pairs:
        g = RNG.standard_normal(tuple(t.shape)).astype(to_numpy(t).dtype)
        t_roots.append(t)
        e_roots.append(e)
        t_g.append(torch.tensor(g))
        e_g.append(ember.tensor(g, device=e.device))
    torch.autograd.backward(t_roots, t_g)
    ember.autograd.backward(e_roots, e_g)
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if t.grad is None:
                assert e.grad is None or not np.any(to_numpy(e.grad)), f"input {i}: ember has a grad, torch none"
            else:
                assert e.grad is not None, f"input {i}: torch has a grad, ember none"
                assert_close(e.grad, t.grad, grad_atol or atol, grad_rtol or rtol, f"grad of input {i}")
    return e_out, t_out


def check_error(fn, *inputs, match=None):
    """Both frameworks raise, with the same exception type; ember's message matches ``match``."""
    t_in = [torch.tensor(x) if isinstance(x, np.ndarray) else x for x in inputs]
    e_in = [ember.tensor(x) if isinstance(x, np.ndarray) else x for x in inputs]
    with pytest.raises(Exception) as t_exc:
        fn(torch, *t_in)
    with pytest.raises(Exception) as e_exc:
        fn(ember, *e_in)
    tt, et = type(t_exc.value), type(e_exc.value)
    # torch raises subclasses of builtins (e.g. torch's IndexError is the builtin one)
    base = next(b for b in tt.__mro__ if b.__module__ == "builtins")
    assert isinstance(e_exc.value, base), f"ember raised {et.__name__}: {e_exc.value}; torch {tt.__name__}: {t_exc.value}"
    assert not et.__module__.startswith("numpy"), f"NumPy error leaked: {et}"
    if match is not None:
        import re
        assert re.search(match, str(e_exc.value)), f"message {str(e_exc.value)!r} does not match {match!r}"
    return e_exc.value
