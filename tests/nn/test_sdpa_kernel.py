"""torch.nn.attention (SDPBackend, sdpa_kernel) and the torch.backends.cuda attention switches,
against PyTorch 2.13 on the CPU."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch.nn.attention import SDPBackend as TB, sdpa_kernel as t_kernel

import ember
import ember.nn.functional as F
from ember.nn.attention import SDPBackend, sdpa_kernel

Q = np.random.default_rng(0).standard_normal((1, 2, 4, 8)).astype(np.float32)
CASES = [[TB.MATH], [TB.FLASH_ATTENTION], [TB.EFFICIENT_ATTENTION], [TB.CUDNN_ATTENTION],
         [TB.EFFICIENT_ATTENTION, TB.MATH], [TB.CUDNN_ATTENTION, TB.EFFICIENT_ATTENTION], TB.MATH]


def test_backend_names_and_values_match():
    assert [(m.name, int(m.value)) for m in SDPBackend] == [(n, int(TB.__members__[n].value)) for n in TB.__members__]


def _ours(backends):
    if isinstance(backends, list):
        return [SDPBackend[b.name] for b in backends]
    return SDPBackend[backends.name]


@pytest.mark.parametrize("backends", CASES, ids=str)
def test_restricted_kernels_run_or_fail_as_in_pytorch(backends):
    q = ember.tensor(Q)
    try:
        with t_kernel(backends):
            want = TF.scaled_dot_product_attention(torch.tensor(Q), torch.tensor(Q), torch.tensor(Q)).numpy()
            switches = [torch.backends.cuda.math_sdp_enabled(), torch.backends.cuda.flash_sdp_enabled(),
                        torch.backends.cuda.mem_efficient_sdp_enabled(), torch.backends.cuda.cudnn_sdp_enabled()]
    except RuntimeError as e:
        want, message = None, str(e)
    with sdpa_kernel(_ours(backends)):
        ours = [ember.backends.cuda.math_sdp_enabled(), ember.backends.cuda.flash_sdp_enabled(),
                ember.backends.cuda.mem_efficient_sdp_enabled(), ember.backends.cuda.cudnn_sdp_enabled()]
        if want is None:
            with pytest.raises(RuntimeError) as got:
                F.scaled_dot_product_attention(q, q, q)
            assert str(got.value) == message
        else:
            assert ours == switches
            np.testing.assert_allclose(F.scaled_dot_product_attention(q, q, q).numpy(), want, rtol=1e-5, atol=1e-6)
    assert all([ember.backends.cuda.math_sdp_enabled(), ember.backends.cuda.flash_sdp_enabled(),
                ember.backends.cuda.mem_efficient_sdp_enabled(), ember.backends.cuda.cudnn_sdp_enabled()])


def test_switches_restore_after_an_exception_and_bad_arguments():
    with pytest.raises(KeyError):
        with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
            raise KeyError("inside")
    assert ember.backends.cuda.math_sdp_enabled() and ember.backends.cuda.flash_sdp_enabled()
    with pytest.raises(AssertionError) as want:
        with t_kernel("math"):
            pass
    with pytest.raises(AssertionError) as got:
        with sdpa_kernel("math"):
            pass
    assert str(got.value) == str(want.value)


def test_enable_functions_switch_kernels_off_and_on():
    q = ember.tensor(Q)
    try:
        ember.backends.cuda.enable_math_sdp(False)
        F.scaled_dot_product_attention(q, q, q)  # the flash kernel is still on (as on PyTorch's CPU)
        ember.backends.cuda.enable_flash_sdp(False)
        with pytest.raises(RuntimeError, match="No viable backend"):
            F.scaled_dot_product_attention(q, q, q)
    finally:
        ember.backends.cuda.enable_math_sdp(True)
        ember.backends.cuda.enable_flash_sdp(True)
    F.scaled_dot_product_attention(q, q, q)
