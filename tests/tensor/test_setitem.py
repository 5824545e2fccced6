"""``Tensor.__setitem__`` and ``copy_`` against torch: values, broadcasting, dtype
casts, gradients to the tensor and to the value, writes through views, PyTorch's
in-place rules (leaves, no_grad), version counters and errors."""
import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand


def T(lib, a):
    return lib.tensor(np.asarray(a))


def setitem(key, value_fn=None):
    """A lambda for check(): copy x (so it is a non-leaf), write, return it."""
    def fn(lib, x, *v):
        y = x * 1
        y[key(lib) if callable(key) else key] = value_fn(lib, *v) if value_fn else v[0]
        return y
    return fn


def test_seed_examples():
    # the notes: X[1, 2] = 9 ; X[0:2, :] = 12
    for lib in (ember, torch):
        X = lib.arange(12, dtype=lib.float32).reshape(3, 4)
        X[1, 2] = 9
        X[0:2, :] = 12
        assert X.tolist() == [[12.0] * 4, [12.0] * 4, [8.0, 9.0, 10.0, 11.0]]


KEYS = {
    "int": 1, "neg_int": -1, "pair": (1, 2), "slice": slice(0, 2), "step": (slice(None), slice(None, None, 2)),
    "ellipsis": (Ellipsis, 0), "none": (None, 1), "list": [0, 2], "range": (range(2), 1),
    "tensor": lambda lib: T(lib, [2, 0]), "two_tensors": lambda lib: (T(lib, [0, 2]), T(lib, [3, 1])),
    "mask": lambda lib: T(lib, [True, False, True]), "int_and_array": (1, [0, 3]),
    "slice_array": lambda lib: (slice(1, None), T(lib, [3, 0])),
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_setitem_number(name):
    check(setitem(KEYS[name], lambda lib: 2.5), rand(3, 4))


@pytest.mark.parametrize("name", sorted(KEYS))
def test_setitem_tensor_value_with_grad(name):
    """The value requires grad: d/dvalue = grad of the written region, summed over broadcasting."""
    key = KEYS[name]
    x = rand(3, 4)
    region = torch.tensor(x)[key(torch) if callable(key) else key]
    check(setitem(key), x, rand(*region.shape))
    if region.ndim:
        check(setitem(key), x, rand(*region.shape[1:]))  # broadcast over the first dim
        check(setitem(key), x, rand(1, *region.shape))  # an extra leading 1


def test_setitem_mask_from_values():
    x = rand(3, 4)
    check(lambda lib, x: (lambda y: (y.__setitem__(y > 0, 0.0), y)[1])(x * 1), x)
    check(lambda lib, x, v: (lambda y: (y.__setitem__(x < 0, v), y)[1])(x * 1), x, rand())


def test_setitem_dtype_cast():
    check(setitem(0, lambda lib: 1.7), rand(3, 4, dtype=np.int64), grad=False)
    check(lambda lib, x: (lambda y: (y.__setitem__(0, T(lib, [1.7] * 4)), y)[1])(x * 1),
          rand(3, 4, dtype=np.int64), grad=False)
    check(setitem(slice(None), lambda lib, v: v), rand(3, 4), rand(4, dtype=np.float64),  # float64 into float32
          grad_atol=1e-6, grad_rtol=1e-6)
    check(setitem(0, lambda lib: 2), rand(3, dtype=bool), grad=False)


def test_setitem_leaf_rules():
    for lib in (ember, torch):
        w = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            w[0] = 2.0
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            w[lib.tensor([0])] = 2.0
        with lib.no_grad():
            w[0] = 2.0
            w[lib.tensor([1])] = 3.0
        assert w.tolist() == [2.0, 3.0, 1.0] and w.requires_grad and w.grad_fn is None


def test_data_edits_seed():
    # the notes: net[0].weight.data[:] += 1 ; net[0].weight.data[0, 0] = 42
    for lib in (ember, torch):
        w = lib.zeros(2, 3, requires_grad=True)
        w.data[:] += 1
        w.data[0, 0] = 42
        assert w.tolist() == [[42.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
        assert w.grad_fn is None and w.is_leaf


def test_write_through_views():
    def nested(lib, x):
        y = x * 1
        y[0][1] = 5.0
        return y

    def augmented(lib, x):
        y = x * 1
        y[:, 0] *= 2
        return y

    def via_name(lib, x):
        y = x * 2
        v = y[1:]
        v[0, 0] = 7.0
        return y, v

    def advanced_aug(lib, x):
        y = x * 1
        y[[0, 2]] += 1.0
        return y

    def value_through_view(lib, x, s):
        y = lib.zeros(3, 4)
        y[1][2:] = s
        return y

    check(nested, rand(3, 4))
    check(augmented, rand(3, 4))
    check(via_name, rand(3, 4))
    check(advanced_aug, rand(3, 4))
    check(value_through_view, rand(3, 4), rand(2))


def test_setitem_into_no_grad_tensor_from_grad_value():
    def fn(lib, w):
        y = lib.zeros(2, 3)
        y[0] = w
        y[1, 1:] = w[:2] * 2
        return y
    e, t = check(fn, rand(3))
    assert e.requires_grad and t.requires_grad


def test_version_counter_and_saved_tensor_check():
    x = ember.ones(3)
    v0 = x._version[0]
    x[0] = 2.0
    assert x._version[0] == v0 + 1
    for lib in (ember, torch):
        a = lib.ones(3, requires_grad=True)
        b = a * 1
        c = b * b  # saves b
        b[0] = 3.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            c.sum().backward()


def test_setitem_zero_size_and_zero_d():
    check(setitem(slice(0, 0), lambda lib: 1.0), rand(3, 4))
    check(setitem((), lambda lib, v: v), rand(), rand())
    check(setitem(Ellipsis, lambda lib, v: v), rand(), rand())
    check(setitem(lambda lib: T(lib, np.zeros(3, bool)), lambda lib: 1.0), rand(3, 4))


def test_setitem_errors():
    x = rand(3, 4)

    def assign(key, val):
        def fn(lib, x):
            x[key(lib) if callable(key) else key] = val(lib) if callable(val) else val
        return fn

    check_error(assign(5, 1.0), x, match="index 5 is out of bounds for dimension 0 with size 3")
    check_error(assign((0, 0, 0), 1.0), x, match="too many indices for tensor of dimension 2")
    check_error(assign(0, lambda lib: lib.ones(2, 4)), x)
    check_error(assign(0, lambda lib: lib.ones(3)), x)
    check_error(assign(lambda lib: T(lib, [5]), 1.0), x, match="index 5 is out of bounds")
    check_error(assign(lambda lib: T(lib, [0, 1]), lambda lib: lib.ones(3, 4)), x, match="shape mismatch")
    check_error(assign(0, [1.0, 2.0, 3.0, 4.0]), x, match="can't assign a list to a torch.FloatTensor")
    check_error(assign(slice(None, None, -1), 1.0), x, match="step must be greater than zero")
    check_error(assign(lambda lib: T(lib, [0.5]), 1.0), x, match="tensors used as indices")


def test_gradcheck_setitem_both_inputs():
    gc = ember.autograd.gradcheck
    x = ember.tensor(rand(3, 4, dtype=np.float64), requires_grad=True)
    v = ember.tensor(rand(4, dtype=np.float64), requires_grad=True)

    def basic(x, v):
        y = x * 1
        y[1] = v
        return y

    def advanced(x, v):
        y = x * 1
        y[[0, 2], 1:] = v[:3]
        return y

    def masked(x, v):
        y = x * 1
        y[:, ember.tensor([True, False, True, True])] = v[0]
        return y
    assert gc(basic, (x, v))
    assert gc(advanced, (x, v))
    assert gc(masked, (x, v))


def test_second_derivative_through_setitem():
    xs, vs = rand(3, dtype=np.float64), rand(2, dtype=np.float64)
    out = []
    for lib in (ember, torch):
        x = lib.tensor(xs, requires_grad=True)
        v = lib.tensor(vs, requires_grad=True)
        y = x * x
        y[[0, 2]] = v ** 3
        gx, gv = lib.autograd.grad((y * y).sum(), (x, v), create_graph=True)
        ggx, ggv = lib.autograd.grad((gx.sum() + gv.sum()), (x, v))
        out.append([np.asarray(a.detach().numpy()) for a in (gx, gv, ggx, ggv)])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10)


# ---------------------------------------------------------------------------- copy_
def test_copy_():
    check(lambda lib, x, s: (x * 1).copy_(s), rand(3, 4), rand(3, 4))
    check(lambda lib, x, s: (x * 1).copy_(s), rand(3, 4), rand(4))  # broadcast: grad summed
    check(lambda lib, x, s: (x * 1).copy_(s), rand(3, 4), rand(3, 4, dtype=np.float64),  # dtype conversion
          grad_atol=1e-6, grad_rtol=1e-6)
    check(lambda lib, s: lib.zeros(2, 3).copy_(s), rand(3))  # into a tensor without grad
    check(lambda lib, x, s: (lambda y: (y[0].copy_(s), y)[1])(x * 1), rand(3, 4), rand(4))  # through a view
    check(lambda lib, x: lib.zeros(2, 2, dtype=lib.int64).copy_(x), rand(2, 2), grad=False)
    check(lambda lib: lib.zeros(2).copy_(5))


def test_copy_errors_and_rules():
    x = rand(3, 4)
    check_error(lambda lib, x: x.copy_(lib.ones(2, 4)), x, match="must match the size")
    check_error(lambda lib, x: x.copy_(lib.ones(2, 3, 4)), x)
    for lib in (ember, torch):
        w = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            w.copy_(lib.zeros(3))
        with lib.no_grad():
            w.copy_(lib.zeros(3))
        assert w.tolist() == [0.0, 0.0, 0.0]
