"""backward(), autograd.grad and the graph's bookkeeping, against torch."""
import numpy as np
import pytest

import ember
from autograd_util import leaf, needs, raises_same, same


X = [1.0, 2.0, 3.0, 4.0]


def test_scalar_backward_fills_leaf_grad():
    def f(lib):
        x = leaf(lib, X)
        assert x.grad is None
        y = 2 * (x * x).sum()
        y.backward()
        return x.grad
    same(f)


def test_sum_backward_equals_backward_with_ones_gradient():
    # 002 L315-320: y.sum().backward() is y.backward(torch.ones(len(x)))
    def f(lib):
        x, x2 = leaf(lib, X), leaf(lib, X)
        (x * x).sum().backward()
        (x2 * x2).backward(lib.tensor([1.0] * 4))
        return x.grad, x2.grad
    e, _ = same(f)
    np.testing.assert_array_equal(e[0].numpy(), e[1].numpy())


def test_backward_with_gradient_weights_each_output():
    same(lambda lib: _grad_after(lib, lambda x: x.exp(), gradient=[0.5, -1.0, 2.0, 0.0]))


def _grad_after(lib, fn, gradient=None, **kw):
    x = leaf(lib, X)
    y = fn(x)
    y.backward(None if gradient is None else lib.tensor(gradient), **kw)
    return x.grad


def test_gradient_accumulates_across_calls():
    def f(lib):
        x = leaf(lib, X)
        for _ in range(3):
            (x * x).sum().backward()
        return x.grad
    e, _ = same(f)
    np.testing.assert_allclose(e.numpy(), 3 * 2 * np.array(X))


def test_accumulated_grad_is_one_tensor_updated_in_place():
    def f(lib):
        x = leaf(lib, X)
        x.sum().backward()
        g = x.grad
        (2 * x).sum().backward()
        return g is x.grad, x.grad
    same(f)


def test_non_scalar_backward_without_gradient_raises():
    raises_same(lambda lib: (leaf(lib, X) * 2).backward(), match="grad can be implicitly created only for "
                                                                 "scalar outputs")


def test_backward_on_tensor_without_grad_fn_raises():
    raises_same(lambda lib: lib.tensor([1.0, 2.0]).sum().backward(),
                match="element 0 of tensors does not require grad and does not have a grad_fn")


def test_gradient_of_wrong_shape_raises():
    raises_same(lambda lib: (leaf(lib, X) * 2).backward(lib.tensor([1.0, 2.0])), match="Mismatch in shape")


def test_second_backward_without_retain_graph_raises():
    def f(lib):
        x = leaf(lib, X)
        y = (x.exp() * x).sum()
        y.backward()
        y.backward()
    msg, tmsg = raises_same(f, match="Trying to backward through the graph a second time")
    assert msg == tmsg


def test_retain_graph_allows_a_second_backward():
    def f(lib):
        x = leaf(lib, X)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    same(f)


def test_backward_through_graph_that_saves_nothing_twice_is_allowed():
    # as in PyTorch: only nodes whose saved values were freed refuse a second pass
    def f(lib):
        x = leaf(lib, X)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad
    same(f)


def test_leaf_used_twice_accumulates():
    # 002 L877-883 (tied parameters): both uses add into one gradient
    same(lambda lib: _grad_after(lib, lambda x: (x * 3 + x.exp() * x).sum()))


def test_diamond_graph_sums_both_paths():
    def fn(x):
        a = x * 2
        b = a.exp()
        c = a.sigmoid()
        return (b * c + a).sum()
    same(lambda lib: _grad_after(lib, fn))


def test_is_leaf_grad_fn_and_next_functions():
    def f(lib):
        x = leaf(lib, X)
        c = lib.tensor([1.0, 1.0, 1.0, 1.0])
        y = x * c
        z = y.exp()
        nf = z.grad_fn.next_functions
        mul_nf = y.grad_fn.next_functions
        return (x.is_leaf, c.is_leaf, y.is_leaf, z.grad_fn.name(), len(nf), nf[0][0] is y.grad_fn, nf[0][1],
                type(mul_nf[0][0]).__name__, mul_nf[0][0].variable is x, mul_nf[1][0])
    same(f)


def test_repr_shows_grad_fn():
    e = ember.tensor([1.0, 2.0], requires_grad=True) * 2
    assert repr(e) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr(e.grad_fn).startswith("<MulBackward0 object at 0x")


def test_non_leaf_grad_is_none_without_retain_grad():
    def f(lib):
        x = leaf(lib, X)
        y = x * 2
        y.sum().backward()
        return y.grad is None, y.retains_grad, x.retains_grad
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns on .grad of a non-leaf
        same(f)


def test_backward_inputs_restricts_accumulation():
    def f(lib):
        x, w = leaf(lib, X), leaf(lib, [0.5, 0.5, 0.5, 0.5])
        y = (x * w).sum()
        y.backward(inputs=[w])
        return x.grad is None, w.grad
    same(f)


def test_backward_inputs_non_leaf():
    def f(lib):
        x = leaf(lib, X)
        h = x * 2
        (h * h).sum().backward(inputs=[h])
        return x.grad is None, h.grad
    same(f)


def test_backward_empty_inputs_raises():
    raises_same(lambda lib: (leaf(lib, X) * 2).sum().backward(inputs=[]), match="cannot be empty")


def test_autograd_backward_with_several_roots():
    def f(lib):
        x = leaf(lib, X)
        a, b = (x * x).sum(), x.exp()
        lib.autograd.backward([a, b], [None, lib.tensor([1.0, 0.0, 1.0, 0.0])])
        return x.grad
    same(f)


# ---------------------------------------------------------------------------------- autograd.grad

def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    def f(lib):
        x = leaf(lib, X)
        g = lib.autograd.grad((x ** 3).sum(), x)
        return type(g).__name__, len(g), g[0], x.grad is None
    same(f)


def test_grad_outputs_weights_non_scalar_output():
    def f(lib):
        x = leaf(lib, X)
        return lib.autograd.grad(x.tanh(), [x], grad_outputs=[lib.tensor([1.0, -1.0, 2.0, 0.5])])
    same(f)


def test_grad_unused_input_raises_unless_allowed():
    def f(lib):
        x, z = leaf(lib, X), leaf(lib, [1.0])
        return lib.autograd.grad((x * 2).sum(), [x, z])
    raises_same(f, match="appears to not have been used in the graph")

    def g(lib):
        x, z = leaf(lib, X), leaf(lib, [1.0])
        gx, gz = lib.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
        return gx, gz is None
    same(g)


def test_grad_materialize_grads_gives_zeros_for_unused():
    def f(lib):
        x, z = leaf(lib, X), leaf(lib, [1.0, 2.0])
        return lib.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    same(f)


def test_grad_of_input_that_does_not_require_grad_raises():
    raises_same(lambda lib: lib.autograd.grad((leaf(lib, X) * 2).sum(), lib.tensor([1.0])),
                match="does not require grad")


def test_grad_retain_graph():
    def f(lib):
        x = leaf(lib, X)
        y = (x.exp() * x).sum()
        g1 = lib.autograd.grad(y, x, retain_graph=True)[0]
        g2 = lib.autograd.grad(y, x)[0]
        return g1, g2
    same(f)

    def g(lib):
        x = leaf(lib, X)
        y = (x.exp() * x).sum()
        lib.autograd.grad(y, x)
        lib.autograd.grad(y, x)
    raises_same(g, match="Trying to backward through the graph a second time")


def test_grad_with_respect_to_intermediate():
    def f(lib):
        x = leaf(lib, X)
        h = x.exp()
        return lib.autograd.grad((h * h).sum(), h)
    same(f)


# ---------------------------------------------------------------------------------- detach, requires_grad_

def test_detach_shares_storage_and_version_and_cuts_history():
    def f(lib):
        x = leaf(lib, X)
        y = x * 2
        d = y.detach()
        d.add_(1)  # visible through y: same storage, same version counter
        return d.requires_grad, d.grad_fn is None, d.is_leaf, y.detach(), y._version == d._version
    e, t = same(f)


def test_detach_in_place():
    def f(lib):
        x = leaf(lib, X)
        y = x * 2
        r = y.detach_()
        return r is y, y.requires_grad, y.grad_fn is None, y.is_leaf
    same(f)


def test_detach_blocks_gradient():
    same(lambda lib: _grad_after(lib, lambda x: (x * x.detach()).sum()))


def test_requires_grad_rules():
    def f(lib):
        x = lib.tensor([1.0, 2.0])
        r = x.requires_grad_()
        y = x * 2
        y.requires_grad_()          # already requires grad: allowed on a non-leaf
        x.requires_grad_(False)      # a leaf may switch off
        return r is x, x.requires_grad, y.requires_grad
    same(f)
    raises_same(lambda lib: (leaf(lib, X) * 2).requires_grad_(False),
                match="you can only change requires_grad flags of leaf variables")
    raises_same(lambda lib: lib.tensor([1, 2]).requires_grad_(),
                match="only Tensors of floating point dtype can require gradients")
    raises_same(lambda lib: lib.tensor([1, 2], requires_grad=True),
                match="Only Tensors of floating point and complex dtype can require gradients")


def test_requires_grad_attribute_freezes_a_leaf():
    def f(lib):
        w, b = leaf(lib, [2.0]), leaf(lib, [1.0])
        b.requires_grad = False  # 001 L1452: freezing a parameter
        (w * 3 + b).sum().backward()
        return w.grad, b.grad is None, b.requires_grad
    same(f)


def test_int_result_does_not_require_grad():
    def f(lib):
        x = leaf(lib, X)
        y = x.to(lib.int64)
        return y.requires_grad, str(y.dtype)
    same(f)


def test_data_is_detached_and_writes_are_invisible_to_autograd():
    # 001 L358-359: w.data = w.data - lr * w.grad ; 002 L903: .data cuts the gradient
    def f(lib):
        w = leaf(lib, X)
        loss = (w * w).sum()
        loss.backward()
        w.data = w.data - 0.1 * w.grad
        return w, w.is_leaf, w.data.requires_grad, (w * lib.tensor(X).data).sum().grad_fn is not None
    same(f)


@needs("unbind")
def test_multi_output_node_gradients():
    def f(lib):
        x = leaf(lib, [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
        first, second = x.unbind(0)
        return lib.autograd.grad((first * 2).sum(), x)
    same(f)


@needs("max")
def test_multi_output_max_dim_one_output_used():
    def f(lib):
        x = leaf(lib, [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
        v, i = x.max(dim=1)
        v.sum().backward()
        return x.grad, i
    same(f)


@needs("norm", "gt", "eq")
def test_control_flow_example_002():
    # 002 L322-335: gradient through Python control flow; a.grad == d / a
    def f(lib):
        def fn(a):
            b = a * 2
            while b.norm() < 1000:
                b = b * 2
            if b.sum() > 0:
                c = b
            else:
                c = 100 * b
            return c
        lib.manual_seed(0)
        a = lib.tensor(np.float32(0.7), requires_grad=True)
        d = fn(a)
        d.backward()
        return a.grad == d / a
    e, t = same(f)
    assert repr(e) == "tensor(True)"


def test_seed002_inplace_doubling_on_non_leaf():
    # 002 L326: b *= 2 on a non-leaf that requires grad is recorded
    def f(lib):
        a = leaf(lib, 0.7)
        b = a * 2
        for _ in range(5):
            b *= 2
        b.backward()
        return a.grad, b.grad_fn.name()
    same(f)


def test_seed002_dot_example():
    # 002 L304-307: y = 2 * dot(x, x); x.grad = 4x
    def f(lib):
        x = lib.tensor([0.0, 1.0, 2.0, 3.0], requires_grad=True)
        y = 2 * (x * x).sum()
        y.backward()
        return y, x.grad
    e, _ = same(f)
    assert repr(e[1]) == "tensor([ 0.,  4.,  8., 12.])"
