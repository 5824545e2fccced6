"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters vs torch."""
import math

import numpy as np
import pytest
import torch

import ember
from helpers import assert_close


def params(lib, scale=1.0):
    rng = np.random.default_rng(0)
    ps = []
    for shape in ((3, 4), (4,), (2, 2, 2)):
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(shape).astype(np.float32)))
        p.grad = lib.tensor((rng.standard_normal(shape) * scale).astype(np.float32))
        ps.append(p)
    return ps


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, math.inf), (2, 3)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    e, t = params(ember), params(torch)
    ne = ember.nn.utils.clip_grad_norm_(e, max_norm, norm_type)
    nt = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type)
    assert float(ne) == pytest.approx(float(nt), rel=1e-5)
    for a, b in zip(e, t):
        assert_close(a.grad, b.grad)


def test_clip_grad_norm_nonfinite():
    e = params(ember)
    e[0].grad[0, 0] = float("inf")
    with pytest.raises(RuntimeError, match="non-finite"):
        ember.nn.utils.clip_grad_norm_(e, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    e, t = params(ember, 3.0), params(torch, 3.0)
    ember.nn.utils.clip_grad_value_(e, 0.7)
    torch.nn.utils.clip_grad_value_(t, 0.7)
    for a, b in zip(e, t):
        assert_close(a.grad, b.grad)


def test_parameters_vector_roundtrip():
    e, t = params(ember), params(torch)
    ve = ember.nn.utils.parameters_to_vector(e)
    vt = torch.nn.utils.parameters_to_vector(t)
    assert_close(ve.detach(), vt.detach())
    ember.nn.utils.vector_to_parameters(ve * 2, e)
    torch.nn.utils.vector_to_parameters(vt * 2, t)
    for a, b in zip(e, t):
        assert_close(a.detach(), b.detach())
    with pytest.raises(RuntimeError):
        ember.nn.utils.vector_to_parameters(ve[:3], e)
