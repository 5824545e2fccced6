"""Helpers for tests that build the same module in ember and torch and copy torch's
state (parameters and buffers, including random power-iteration vectors) into ember."""
import numpy as np
import torch

import ember


def copy_state(e_module, t_module) -> None:
    """Load torch's state_dict (every key) into ember's module, strictly."""
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in t_module.state_dict().items()}
    e_module.load_state_dict(sd)


def assert_state_equal(e_module, t_module, rtol=1e-5, atol=1e-6) -> None:
    es, ts = e_module.state_dict(), t_module.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        assert tuple(es[k].shape) == tuple(ts[k].shape), k
        np.testing.assert_allclose(es[k].numpy(), ts[k].numpy(), rtol=rtol, atol=atol, err_msg=k)


def assert_grads_equal(e_module, t_module, rtol=1e-4, atol=1e-5) -> None:
    en, tn = dict(e_module.named_parameters()), dict(t_module.named_parameters())
    assert list(en) == list(tn)
    for k, tp in tn.items():
        ep = en[k]
        if tp.grad is None:
            assert ep.grad is None, k
            continue
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=atol, err_msg=k)


def run_both(e_module, t_module, x: np.ndarray):
    """Forward the same input through both, backward the same random upstream gradient;
    return the two outputs (detached NumPy) after checking they match."""
    eo, to = e_module(ember.tensor(x)), t_module(torch.tensor(x))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype(x.dtype)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    return eo.detach().numpy(), to.detach().numpy()
