"""gradcheck and gradgradcheck: they pass on correct gradients and catch wrong ones."""
import numpy as np
import pytest

import ember
from autograd_util import needs

RNG = np.random.default_rng(3)


def t64(*shape, rg=True):
    return ember.tensor(RNG.uniform(-1, 1, size=shape), dtype=ember.float64, requires_grad=rg)


class WrongGrad(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be 2 x g


class WrongSecond(ember.autograd.Function):
    """Right first derivative (3x^2), wrong second (its backward is not differentiable in x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * (x * x).detach()


def test_gradcheck_passes_on_composites():
    x, y = t64(3, 4), t64(3, 4)
    assert ember.autograd.gradcheck(lambda a, b: (a * b).exp().sigmoid() / (1 + b * b), (x, y))


def test_gradcheck_multiple_outputs_and_non_tensor_args():
    x = t64(2, 3)
    assert ember.autograd.gradcheck(lambda a, k: (a * k, a.tanh(), a.exp().sum()), (x, 2.5))


def test_gradcheck_non_contiguous_input():
    base = t64(4, 6, rg=False)
    x = base.t().detach().requires_grad_()  # a transposed (strided) leaf
    assert not x.is_contiguous()
    assert ember.autograd.gradcheck(lambda a: (a * a).tanh(), (x,))


def test_gradcheck_catches_a_wrong_backward():
    x = t64(3)
    with pytest.raises(ember.autograd.GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        ember.autograd.gradcheck(WrongGrad.apply, (x,))
    assert ember.autograd.gradcheck(WrongGrad.apply, (x,), raise_exception=False) is False


def test_gradcheck_only_checks_inputs_that_require_grad():
    x, c = t64(3), t64(3, rg=False)
    assert ember.autograd.gradcheck(lambda a, b: a * b, (x, c))


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        ember.autograd.gradcheck(lambda a: a * 2, (t64(2, rg=False),))


def test_gradcheck_warns_on_float32():
    x = ember.tensor([0.5, 1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not of double precision"):
        ember.autograd.gradcheck(lambda a: a * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_gradcheck_does_not_touch_dot_grad():
    x = t64(3)
    ember.autograd.gradcheck(lambda a: a.exp(), (x,))
    assert x.grad is None


def test_gradgradcheck_passes_on_smooth_ops():
    x, y = t64(2, 3), t64(2, 3)
    assert ember.autograd.gradgradcheck(lambda a, b: (a * b).tanh() + a.exp() * b, (x, y))
    assert ember.autograd.gradgradcheck(lambda a: a.sigmoid() / (a * a + 1), (t64(4),))


def test_gradgradcheck_catches_a_wrong_double_backward():
    x = t64(3)
    assert ember.autograd.gradcheck(WrongSecond.apply, (x,))
    with pytest.raises(ember.autograd.GradcheckError):
        ember.autograd.gradgradcheck(WrongSecond.apply, (x,))


def test_gradgradcheck_with_given_grad_outputs():
    x = t64(3)
    v = ember.tensor([1.0, -2.0, 0.5], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a: a ** 3, (x,), (v,))


@needs("matmul")
def test_gradcheck_and_gradgradcheck_matmul():
    a, b = t64(3, 4), t64(4, 2)
    assert ember.autograd.gradcheck(lambda p, q: p @ q, (a, b))
    assert ember.autograd.gradgradcheck(lambda p, q: (p @ q).tanh(), (a, b))


@needs("mean", "sum")
def test_gradgradcheck_reductions():
    x = t64(3, 4)
    assert ember.autograd.gradgradcheck(lambda a: (a.exp().sum(dim=1) * a.mean(dim=0).sum()), (x,))


@pytest.mark.cuda
def test_gradcheck_on_cuda():
    if not ember.cuda.is_available():
        pytest.skip("no CUDA GPU with CuPy here")
    x = t64(3, 2).cuda().detach().requires_grad_()
    assert ember.autograd.gradcheck(lambda a: (a * a).sigmoid(), (x,))
    assert ember.autograd.gradgradcheck(lambda a: (a * a).tanh(), (x,))
