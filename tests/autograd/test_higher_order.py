"""create_graph=True: second (and third) derivatives of compositions, against torch."""
import numpy as np
import pytest

from autograd_util import needs, same

A = np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]], dtype=np.float64)
B = np.array([[0.7, 0.2], [-0.5, 1.1], [0.9, -0.3]], dtype=np.float64)


def _second(lib, fn, *arrays):
    """First derivative (with graph), then the gradient of its weighted sum."""
    xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    y = fn(lib, *xs)
    gs = lib.autograd.grad(y, xs, create_graph=True)
    w = [lib.tensor(np.linspace(-1, 1, g.numel()).reshape(tuple(g.shape))) for g in gs]
    total = sum((g * wi).sum() for g, wi in zip(gs, w))
    g2 = lib.autograd.grad(total, xs, allow_unused=True)
    return gs, tuple(g if g is not None else lib.zeros_like(x) for g, x in zip(g2, xs))


ELEMENTWISE = {
    "mul": lambda lib, a: (a * a * a).sum(),
    "div": lambda lib, a: (1 / (a * a + 1)).sum(),
    "exp_log": lambda lib, a: (a.exp() + (a * a + 1).log()).sum(),
    "sigmoid": lambda lib, a: a.sigmoid().sum(),
    "tanh": lambda lib, a: (a.tanh() * a).sum(),
    "pow": lambda lib, a: ((a * a + 1) ** 1.5).sum(),
    "relu": lambda lib, a: (a.relu() * a).sum(),
    "sub_neg": lambda lib, a: ((-a - 2) * (a - 1)).sum(),
}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_second_derivative_elementwise(name):
    fn = ELEMENTWISE[name]
    same(lambda lib: _second(lib, fn, A))


@needs("zeros_like")
def test_third_derivative():
    def f(lib):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = (x.sin() if hasattr(x, "sin") else x.tanh()).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sum(), x)
        return g1, g2, g3
    same(f)


@needs("matmul", "zeros_like")
def test_second_derivative_matmul():
    same(lambda lib: _second(lib, lambda lib, a, b: ((a @ b).tanh() * (a @ b)).sum(), A, B))


@needs("zeros_like")
def test_second_derivative_reductions():
    same(lambda lib: _second(lib, lambda lib, a: (a.sum(dim=1) ** 2).sum() + a.mean() * a.exp().sum(), A))


@needs("max", "zeros_like")
def test_second_derivative_through_max():
    same(lambda lib: _second(lib, lambda lib, a: (a.max(dim=1).values ** 3).sum(), A))


@needs("zeros_like")
def test_second_derivative_shape_ops():
    def fn(lib, a):
        r = a.reshape(3, 2).t() * a
        return (r.permute(1, 0).reshape(-1) ** 2).sum()
    same(lambda lib: _second(lib, fn, A))


@needs("max", "zeros_like")
def test_second_derivative_softmax_composite():
    def fn(lib, a):
        z = a - a.max(dim=1, keepdim=True).values
        e = z.exp()
        return ((e / e.sum(dim=1, keepdim=True)) * lib.tensor([[1.0, 2.0, 3.0]], dtype=lib.float64)).sum()
    same(lambda lib: _second(lib, fn, A))


@needs("__getitem__", "zeros_like")
def test_second_derivative_indexing():
    same(lambda lib: _second(lib, lambda lib, a: (a[:, 1:] ** 3).sum() + (a[0] * a[1]).sum(), A))


def test_create_graph_grad_has_grad_fn_and_backward_accumulates():
    def f(lib):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = (x ** 3).sum()
        y.backward(create_graph=True)  # x.grad = 3x^2, itself differentiable
        g = x.grad
        has_fn = g.grad_fn is not None
        (g2,) = lib.autograd.grad(g.sum(), x)
        return has_fn, g, g2
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about a reference cycle with create_graph backward
        same(f)


def test_gradient_penalty_style():
    # the WGAN-GP pattern: a loss containing a gradient norm, differentiated again
    def f(lib):
        w = lib.tensor([0.5, -0.3, 0.8], dtype=lib.float64, requires_grad=True)
        x = lib.tensor([1.0, 2.0, -1.0], dtype=lib.float64, requires_grad=True)
        out = ((w * x).tanh() * w).sum()
        (gx,) = lib.autograd.grad(out, x, create_graph=True)
        penalty = ((gx * gx).sum() - 1) ** 2
        penalty.backward()
        return w.grad, x.grad
    same(f)
