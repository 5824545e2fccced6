"""Tensor hooks, retain_grad and node hooks, against torch."""
import numpy as np

from autograd_util import leaf, raises_same, same

X = [1.0, 2.0, 3.0]


def test_leaf_hook_sees_grad_and_return_value_replaces_it():
    def f(lib):
        x = leaf(lib, X)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        x.register_hook(lambda g: g * 10)
        (x * x).sum().backward()
        return seen[0], x.grad
    same(f)


def test_leaf_hook_returning_none_keeps_grad():
    def f(lib):
        x = leaf(lib, X)
        x.register_hook(lambda g: None)
        x.exp().sum().backward()
        return x.grad
    same(f)


def test_non_leaf_hook_changes_gradient_flowing_on():
    def f(lib):
        x = leaf(lib, X)
        h = x * 2
        seen = []
        h.register_hook(lambda g: seen.append(g.clone()) or g * 3)
        (h * h).sum().backward()
        return seen[0], x.grad
    same(f)


def test_hooks_run_in_registration_order():
    def f(lib):
        x = leaf(lib, X)
        h = x.exp()
        order = []
        h.register_hook(lambda g: order.append(1) or g + 1)
        h.register_hook(lambda g: order.append(2) or g * 2)
        h.sum().backward()
        return order, x.grad
    same(f)


def test_handle_remove():
    def f(lib):
        x = leaf(lib, X)
        h = x * 1
        handle = h.register_hook(lambda g: g * 100)
        lh = x.register_hook(lambda g: g * 7)
        handle.remove()
        lh.remove()
        lh.remove()  # removing twice is harmless
        h.sum().backward()
        return x.grad
    same(f)


def test_hook_on_tensor_without_grad_raises():
    raises_same(lambda lib: lib.tensor(X).register_hook(lambda g: g),
                match="cannot register a hook on a tensor that doesn't require gradient")


def test_retain_grad_on_non_leaf():
    def f(lib):
        x = leaf(lib, X)
        h = x.sigmoid()
        h.retain_grad()
        r1 = h.retains_grad
        (h * h).sum().backward(retain_graph=True)
        g1 = h.grad.clone()
        (h * h).sum().backward()  # retained grads accumulate, as leaves' do
        return r1, g1, h.grad, x.grad, h.is_leaf
    same(f)


def test_retain_grad_sees_gradient_after_other_hooks():
    # PyTorch runs the retain_grad hook last, whatever the registration order
    def f(lib):
        x = leaf(lib, X)
        h = x * 2
        h.retain_grad()
        h.register_hook(lambda g: g * 5)
        h.sum().backward()
        return h.grad, x.grad
    same(f)


def test_retain_grad_on_leaf_is_a_no_op():
    def f(lib):
        x = leaf(lib, X)
        x.retain_grad()
        x.sum().backward()
        return x.retains_grad, x.grad
    same(f)


def test_hook_with_create_graph_receives_differentiable_grad():
    def f(lib):
        x = leaf(lib, X)
        y = (x ** 3).sum()
        flags = []
        x.register_hook(lambda g: flags.append(g.requires_grad))
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g.sum(), x)
        return flags, g, g2
    same(f)


def test_hook_on_leaf_applies_to_autograd_grad():
    def f(lib):
        x = leaf(lib, X)
        x.register_hook(lambda g: g * 2)
        return lib.autograd.grad((x * x).sum(), x)
    same(f)


def test_node_post_hook_sees_grad_inputs_and_outputs():
    def f(lib):
        x = leaf(lib, X)
        y = x * 3
        got = []
        y.grad_fn.register_hook(lambda gin, gout: got.append((gin[0].clone(), gout[0].clone())))
        y.sum().backward()
        return got[0]
    same(f)


def test_hook_that_modifies_grad_for_shared_input():
    # the same gradient array may reach two inputs: a hook's result must not leak into the other
    def f(lib):
        a, b = leaf(lib, X), leaf(lib, [4.0, 5.0, 6.0])
        a.register_hook(lambda g: g * 2)
        (a + b).sum().backward()
        return a.grad, b.grad
    e, _ = same(f)
    np.testing.assert_allclose(e[1].numpy(), [1.0, 1.0, 1.0])
