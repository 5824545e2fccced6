"""nn.RMSNorm and F.rms_norm against torch: values, gradients (input and weight),
eps=None (the dtype's epsilon, float32's for float16), dtypes, reprs, errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand


@pytest.mark.parametrize("shape,ns", [((4, 6), (6,)), ((2, 3, 4), (3, 4)), ((5,), [5]), ((2, 0, 3), (3,)),
                                      ((2, 3, 4), (4,))])
@pytest.mark.parametrize("eps", [None, 1e-6, 0.5])
def test_rms_norm_values_and_grads(shape, ns, eps):
    w = rand(*ns)
    check(lambda lib, x, w: lib.nn.functional.rms_norm(x, ns, w, eps), rand(*shape), w)
    check(lambda lib, x: lib.nn.functional.rms_norm(x, ns, eps=eps), rand(*shape))


def test_rms_norm_float64_and_noncontiguous():
    check(lambda lib, x, w: lib.nn.functional.rms_norm(x.transpose(0, 1), (3,), w), rand(3, 4, dtype=np.float64),
          rand(3, dtype=np.float64))
    check(lambda lib, x: lib.nn.functional.rms_norm(x[:, ::2], [3]), rand(4, 6))


def test_rms_norm_tiny_inputs_use_the_dtype_eps():
    x = np.array([[1e-4, 2e-4, 0.0], [3e-5, 0.0, 1e-5]], np.float32)
    check(lambda lib, x: lib.nn.functional.rms_norm(x, (3,)), x)
    check(lambda lib, x: lib.nn.functional.rms_norm(x, (3,)), x.astype(np.float64))


def test_rms_norm_float16_computes_in_float32():
    x = np.array([[1e-4, 2e-4, 0.0], [1.0, -2.0, 3.0]], np.float16)
    w = np.array([1.0, 0.5, 2.0], np.float16)
    check(lambda lib, x, w: lib.nn.functional.rms_norm(x, (3,), w), x, w, atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("xd,wd", [(np.float32, np.float64), (np.float64, np.float32), (np.float16, np.float32)])
def test_rms_norm_result_has_the_input_dtype(xd, wd):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that it cannot use its fused kernel
        check(lambda lib, x, w: lib.nn.functional.rms_norm(x, (4,), w), rand(3, 4, dtype=xd), rand(4, dtype=wd),
              atol=1e-3, rtol=1e-3)


def test_rms_norm_second_derivative():
    x = ember.tensor(rand(3, 4, dtype=np.float64), requires_grad=True)
    w = ember.tensor(rand(4, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(lambda x, w: ember.nn.functional.rms_norm(x, (4,), w), (x, w))
    assert ember.autograd.gradgradcheck(lambda x, w: ember.nn.functional.rms_norm(x, (4,), w), (x, w))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.nn.functional.rms_norm(x, (4,)),                      # wrong trailing size
    lambda lib, x: lib.nn.functional.rms_norm(x, (2, 3, 4, 5)),              # more dims than the input
    lambda lib, x: lib.nn.functional.rms_norm(x, ()),                        # empty normalized_shape
    lambda lib, x: lib.nn.functional.rms_norm(x, 5),                         # an int, not a list
    lambda lib, x: lib.nn.functional.rms_norm(x, (5,), lib.ones(4)),         # weight of the wrong shape
    lambda lib, x: lib.nn.functional.rms_norm(x, (5,), [1.0] * 5),           # weight not a tensor
    lambda lib, x: lib.nn.functional.rms_norm(x.long(), (5,)),               # integer input
    lambda lib, x: lib.nn.functional.rms_norm(x.tolist(), (5,)),             # input not a tensor
])
def test_rms_norm_errors(fn):
    check_error(fn, rand(2, 3, 5))


def test_rms_norm_error_messages():
    x = ember.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*4\], but got input of size\[2, 3\]"):
        ember.nn.functional.rms_norm(x, (4,))
    with pytest.raises(NotImplementedError, match="\"rms_norm\" not implemented for 'Long'"):
        ember.nn.functional.rms_norm(x.long(), (3,))


@pytest.mark.parametrize("args,kwargs", [((6,), {}), (([2, 6],), {"eps": 1e-6}), ((6,), {"elementwise_affine": False}),
                                         ((6,), {"eps": 0.1, "dtype": "float64"})])
def test_rms_norm_module(args, kwargs):
    ek = {k: getattr(ember, v) if k == "dtype" else v for k, v in kwargs.items()}
    tk = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    e, t = ember.nn.RMSNorm(*args, **ek), torch.nn.RMSNorm(*args, **tk)
    assert repr(e) == repr(t)
    assert e.normalized_shape == t.normalized_shape and e.eps == t.eps
    assert list(e.state_dict()) == list(t.state_dict())
    if t.weight is not None:
        assert str(e.weight.dtype) == str(t.weight.dtype)
        with torch.no_grad():
            t.weight.uniform_(0.5, 1.5)
        e.load_state_dict({"weight": ember.tensor(t.weight.detach().numpy())})
    else:
        assert e.weight is None
    x = rand(3, 2, 6, dtype=np.float64 if "dtype" in kwargs else np.float32)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    eo, to = e(ex), t(tx)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    eo.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    if t.weight is not None:
        np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_rms_norm_module_reset_and_train():
    m = ember.nn.RMSNorm(4)
    assert np.all(m.weight.detach().numpy() == 1)
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    m(ember.randn(5, 4)).pow(2).sum().backward()
    opt.step()
    m.reset_parameters()
    assert np.all(m.weight.detach().numpy() == 1)


def test_rms_norm_under_cpu_autocast_is_left_alone():
    # rms_norm is on PyTorch's CUDA float32 list only: on the CPU a float16 input stays float16
    x = rand(3, 4).astype(np.float16)
    outs = []
    for lib in (ember, torch):
        with lib.autocast("cpu", dtype=lib.float16):
            outs.append(lib.nn.functional.rms_norm(lib.tensor(x), (4,)))
    assert str(outs[0].dtype) == str(outs[1].dtype) == "torch.float16"
    np.testing.assert_allclose(outs[0].numpy().astype(np.float32), outs[1].numpy().astype(np.float32), rtol=1e-3)
