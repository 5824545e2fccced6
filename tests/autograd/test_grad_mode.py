"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode, as blocks and decorators."""
import pytest

import ember
from autograd_util import both, leaf, same


def _state(lib):
    return lib.is_grad_enabled(), lib.is_inference_mode_enabled()


def test_no_grad_block_results_do_not_require_grad():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        with lib.no_grad() as ctx:
            y = x * 2
            inside = _state(lib)
        return ctx is None, y.requires_grad, y.grad_fn is None, inside, _state(lib)
    same(f)


def test_nested_modes_restore_in_order():
    def f(lib):
        seen = []
        with lib.no_grad():
            seen.append(_state(lib))
            with lib.enable_grad():
                seen.append(_state(lib))
                with lib.set_grad_enabled(False):
                    seen.append(_state(lib))
                seen.append(_state(lib))
            seen.append(_state(lib))
        seen.append(_state(lib))
        return seen
    same(f)


def test_enable_grad_inside_no_grad_records():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        with lib.no_grad():
            with lib.enable_grad():
                y = x * 2
            z = x * 2
        return y.requires_grad, z.requires_grad
    same(f)


def test_decorators_with_and_without_parentheses():
    def f(lib):
        @lib.no_grad()
        def a():
            return _state(lib)

        @lib.no_grad
        def b():
            return _state(lib)

        @lib.enable_grad()
        def c():
            return _state(lib)

        @lib.inference_mode()
        def d():
            return _state(lib)

        @lib.inference_mode
        def e():
            return _state(lib)

        @lib.set_grad_enabled(False)
        def g():
            return _state(lib)

        after_decoration = _state(lib)
        with lib.no_grad():
            inner_c = c()
        return a(), b(), inner_c, d(), e(), g(), after_decoration, _state(lib)
    same(f)


def test_decorator_keeps_function_metadata():
    @ember.no_grad()
    def documented(x):
        """doc"""
        return x
    assert documented.__name__ == "documented" and documented.__doc__ == "doc"


def test_decorated_generator_runs_each_step_under_the_mode():
    def f(lib):
        @lib.no_grad()
        def gen():
            yield lib.is_grad_enabled()
            yield lib.is_grad_enabled()
        g = gen()
        first = next(g)
        outside = lib.is_grad_enabled()
        return first, outside, next(g), list(g)
    same(f)


def test_set_grad_enabled_as_function_call_takes_effect():
    def f(lib):
        lib.set_grad_enabled(False)
        off = _state(lib)
        lib.set_grad_enabled(True)
        return off, _state(lib)
    same(f)


def test_set_grad_enabled_block_restores_previous_mode():
    def f(lib):
        with lib.set_grad_enabled(False):
            inside = _state(lib)
        after = _state(lib)
        with lib.no_grad():
            with lib.set_grad_enabled(True):
                inside2 = _state(lib)
            after2 = _state(lib)
        return inside, after, inside2, after2
    same(f)


def test_inference_mode_and_its_false_form():
    def f(lib):
        x = leaf(lib, [1.0])
        with lib.inference_mode():
            y = x * 2
            s1 = _state(lib)
        with lib.no_grad():
            with lib.inference_mode(False):
                s2 = _state(lib)
        return y.requires_grad, s1, s2, _state(lib)
    same(f)


def test_mode_restored_when_block_raises():
    def f(lib):
        with pytest.raises(ValueError):
            with lib.no_grad():
                raise ValueError("boom")
        return _state(lib)
    same(f)


def test_in_place_update_of_leaf_under_no_grad():
    # 003 L103-106: param -= lr * param.grad under no_grad
    def f(lib):
        w = leaf(lib, [1.0, 2.0])
        (w * w).sum().backward()
        with lib.no_grad():
            w -= 0.1 * w.grad
        return w, w.is_leaf, w.requires_grad, w.grad_fn is None
    same(f)


def test_in_place_on_leaf_requiring_grad_raises_outside_no_grad():
    from autograd_util import raises_same

    def f(lib):
        w = leaf(lib, [1.0, 2.0])
        w += 1
    raises_same(f, match="a leaf Variable that requires grad is being used in an in-place operation")


def test_no_grad_in_training_loop_style():
    e, t = both(lambda lib: [_state(lib) for _ in range(1)])
    assert e == t == [(True, False)]
