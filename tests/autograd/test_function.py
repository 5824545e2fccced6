"""User-defined ``autograd.Function``, against torch's."""
import gc
import weakref

import numpy as np
import pytest

import ember
from autograd_util import leaf, raises_same, same, version

X = [0.5, -1.0, 2.0]


def _classes(lib):
    """The same Function definitions, built on either framework."""
    F = lib.autograd.Function

    class MyExp(F):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            # d e^x / dx = e^x
            (y,) = ctx.saved_tensors
            return g * y

    class Scale(F):
        """Non-tensor argument; checks the modes inside forward and backward."""

        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.seen = [lib.is_grad_enabled(), x.requires_grad, tuple(ctx.needs_input_grad)]
            ctx.save_for_backward(x)
            return x * x * k

        @staticmethod
        def backward(ctx, g):
            # d(k x^2)/dx = 2 k x
            (x,) = ctx.saved_tensors
            ctx.seen.append(lib.is_grad_enabled())
            return 2 * ctx.k * x * g, None

    class SplitTwo(F):
        """Two outputs; backward receives one gradient per output."""

        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    class WithIndex(F):
        @staticmethod
        def forward(ctx, x):
            mask = x.to(lib.int64)
            ctx.mark_non_differentiable(mask)
            ctx.set_materialize_grads(False)
            return x * 2, mask

        @staticmethod
        def backward(ctx, g, gmask):
            ctx.got = (g is None, gmask is None)
            return None if g is None else g * 2

    class Double(F):
        """In-place forward, declared with mark_dirty."""

        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Cube(F):
        """A backward built from differentiable ops, so create_graph works."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            # d x^3 / dx = 3 x^2
            (x,) = ctx.saved_tensors
            return g * 3 * x * x

    class OnceExp(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            ctx.mode = lib.is_grad_enabled()
            return g * x.exp()

    class Ident(F):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    return dict(MyExp=MyExp, Scale=Scale, SplitTwo=SplitTwo, WithIndex=WithIndex, Double=Double, Cube=Cube,
                OnceExp=OnceExp, Ident=Ident)


def test_forward_backward_and_grad_fn_name():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["MyExp"].apply(x)
        y.sum().backward()
        return y, x.grad, y.grad_fn.name(), repr(y).split("grad_fn=")[1], len(y.grad_fn.next_functions)
    same(f)


def test_grad_fn_is_the_ctx():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["Scale"].apply(x, 3.0)
        return y.grad_fn.k, y.grad_fn.seen, y.grad_fn.saved_tensors[0] is x
    same(f)


def test_non_tensor_argument_and_modes():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["Scale"].apply(x, 3.0)
        y.sum().backward()
        return x.grad, y.grad_fn.seen
    same(f)


def test_backward_runs_with_grad_mode_equal_to_create_graph():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["Scale"].apply(x, 2.0)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        return g, g.requires_grad, y.grad_fn.seen
    same(f)


def test_second_derivative_through_a_function():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["Cube"].apply(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (g2,) = lib.autograd.grad(g.sum(), x)
        return g, g2  # 3x^2 and 6x
    same(f)


def test_saved_tensors_after_backward_raise():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["MyExp"].apply(x)
        y.sum().backward()
        y.grad_fn.saved_tensors
    msg, tmsg = raises_same(f, match="Trying to backward through the graph a second time")
    assert msg == tmsg


def test_saved_tensors_kept_with_retain_graph():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["MyExp"].apply(x)
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        return x.grad
    same(f)


def test_multiple_outputs_and_materialized_zero_grads():
    def f(lib):
        x = leaf(lib, X)
        a, b = _classes(lib)["SplitTwo"].apply(x)
        a.sum().backward()  # b gets no gradient: backward sees zeros for it
        return a, b, x.grad, a.grad_fn is b.grad_fn
    same(f)


def test_non_differentiable_output_and_no_materialize():
    def f(lib):
        x = leaf(lib, X)
        y, mask = _classes(lib)["WithIndex"].apply(x)
        y.sum().backward()
        return mask, mask.requires_grad, x.grad, y.grad_fn.got
    same(f)


def test_mark_dirty_in_place_function():
    def f(lib):
        a = leaf(lib, X)
        b = a * 1
        c = _classes(lib)["Double"].apply(b)
        c.sum().backward()
        return c is b, b, a.grad, version(b)
    same(f)


def test_mark_dirty_on_leaf_raises():
    raises_same(lambda lib: _classes(lib)["Double"].apply(leaf(lib, X)),
                match="a leaf Variable that requires grad has been used in an in-place operation")


def test_returning_an_input_gives_a_new_tensor_with_history():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["Ident"].apply(x)
        (y * 2).sum().backward()
        return y is x, y.grad_fn is not None, x.grad
    same(f)


def test_no_grad_needed_gives_plain_outputs():
    def f(lib):
        C = _classes(lib)
        y = C["MyExp"].apply(lib.tensor(X))
        with lib.no_grad():
            z = C["MyExp"].apply(leaf(lib, X))
        return y, y.requires_grad, y.grad_fn is None, z.requires_grad
    same(f)


def test_once_differentiable():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["OnceExp"].apply(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        return g, g.requires_grad, y.grad_fn.mode
    same(f)


def test_once_differentiable_double_backward_raises():
    def f(lib):
        x = leaf(lib, X)
        y = _classes(lib)["OnceExp"].apply(x)
        v = leaf(lib, [1.0, 1.0, 1.0])
        (g,) = lib.autograd.grad(y, x, grad_outputs=v, create_graph=True)
        lib.autograd.grad(g.sum(), v)
    raises_same(f, match="trying to differentiate twice a function that was marked with @once_differentiable")


def test_wrong_number_of_gradients_raises():
    def f(lib):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g
        Bad.apply(leaf(lib, X), 2.0).sum().backward()
    msg, tmsg = raises_same(f, match="returned an incorrect number of gradients")
    assert msg == tmsg


def test_wrong_gradient_shape_raises():
    def f(lib):
        class BadShape(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.sum()

            @staticmethod
            def backward(ctx, g):
                return g.reshape(1, 1, 1, 1)
        BadShape.apply(leaf(lib, X)).backward()
    raises_same(f, match="returned an invalid gradient at index 0")


def test_broadcastable_gradient_is_summed_to_input_shape():
    def f(lib):
        class Expand(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g.reshape(1, 3) * lib.tensor([[1.0], [2.0]])
        x = leaf(lib, X)
        Expand.apply(x).sum().backward()
        return x.grad
    same(f)


def test_setup_context_style():
    def f(lib):
        class Sq(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return x * x

            @staticmethod
            def setup_context(ctx, inputs, output):
                (x,) = inputs
                ctx.save_for_backward(x)

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g
        x = leaf(lib, X)
        Sq.apply(x).sum().backward()
        return x.grad
    same(f)


def test_gradcheck_of_a_function():
    C = _classes(ember)
    x = ember.tensor(np.array(X, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(C["MyExp"].apply, (x,))
    assert ember.autograd.gradcheck(lambda t: C["Scale"].apply(t, 1.5), (x,))
    assert ember.autograd.gradgradcheck(C["Cube"].apply, (x,))


def test_version_check_on_saved_output_of_function():
    def f(lib):
        y = _classes(lib)["MyExp"].apply(leaf(lib, X))
        y.add_(1)
        y.sum().backward()
    raises_same(f, match="modified by an inplace operation")


def test_saved_arrays_freed_after_backward():
    C = _classes(ember)
    x = leaf(ember, X)
    y = C["MyExp"].apply(x)
    node = y.grad_fn
    ref = weakref.ref(node)
    assert node.saved  # the output array is kept for backward
    y.sum().backward()
    assert node.saved is ember.autograd.node.FREED
    del y, node
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("name", ["MyExp", "Cube"])
def test_function_in_a_longer_graph(name):
    def f(lib):
        x = leaf(lib, X)
        h = (x * 0.5).tanh()
        y = _classes(lib)[name].apply(h)
        (y * h).sum().backward()
        return x.grad
    same(f)
