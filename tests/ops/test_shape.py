"""Shape, view, join/split, flip/roll/repeat and triangle/diagonal operations against
PyTorch: values, dtypes, shapes, gradients, grad_fn names, errors, finite-difference
checks in float64 and second derivatives."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from helpers import assert_close, check, check_error, rand

F64 = np.float64


# ---------------------------------------------------------------------------- reshape / view
@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: x.reshape(12), (3, 4)),
    (lambda lib, x: x.reshape(2, -1), (3, 4)),
    (lambda lib, x: x.reshape((-1, 3)), (3, 4)),
    (lambda lib, x: x.reshape([2, 2, 3]), (3, 4)),
    (lambda lib, x: x.reshape(x.shape[::-1]), (3, 4)),
    (lambda lib, x: lib.reshape(x, (6, 2)), (3, 4)),
    (lambda lib, x: x.t().reshape(-1), (3, 4)),
    (lambda lib, x: x.t().reshape(2, 6), (3, 4)),
    (lambda lib, x: x.transpose(0, 2).reshape(4, -1), (2, 3, 4)),
    (lambda lib, x: x.reshape(()), (1,)),
    (lambda lib, x: x.reshape(1, 1), ()),
    (lambda lib, x: x.reshape(-1), ()),
    (lambda lib, x: x.reshape(3, 0), (0, 3)),
    (lambda lib, x: x.reshape(5, 0, 2), (0, 10)),
    (lambda lib, x: x.view(12), (3, 4)),
    (lambda lib, x: x.view(-1, 2), (3, 4)),
    (lambda lib, x: x.view([2, 6]), (3, 4)),
    (lambda lib, x: x.view(x.size(0), -1), (2, 3, 4)),
    (lambda lib, x: x.t().view(4, 3), (3, 4)),
    (lambda lib, x: x.t().view(2, 2, 3), (3, 4)),
    (lambda lib, x: x.t().unsqueeze(0).view(4, 3), (3, 4)),
    (lambda lib, x: x.view_as(x.t()), (3, 4)),
    (lambda lib, x: x.reshape_as(x.t()), (3, 4)),
    (lambda lib, x: x.t().reshape_as(x), (3, 4)),
    (lambda lib, x: x.ravel(), (3, 4)),
    (lambda lib, x: x.t().ravel(), (3, 4)),
    (lambda lib, x: lib.ravel(x), ()),
])
def test_reshape_view(fn, shape):
    check(fn, rand(*shape))


def test_reshape_int_dtypes_and_names():
    for dt in (np.int64, np.int32, np.uint8, bool):
        check(lambda lib, x: x.reshape(2, 6).t().reshape(-1), rand(3, 4, dtype=dt))
    x = ember.randn(3, 4, requires_grad=True) * 1
    assert x.reshape(12).grad_fn.name() == "ViewBackward0"
    assert x.view(12).grad_fn.name() == "ViewBackward0"
    assert x.t().reshape(12).grad_fn.name() == "UnsafeViewBackward0"
    assert x.flatten().grad_fn.name() == "ViewBackward0"
    assert x.ravel().grad_fn.name() == "ViewBackward0"


def test_view_dtype():
    x = rand(3, 4)
    e = ember.tensor(x).view(ember.int32)
    t = torch.tensor(x).view(torch.int32)
    assert_close(e, t)
    assert not ember.tensor(x, requires_grad=True).view(ember.int32).requires_grad


@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: x.flatten(), (2, 3, 4)),
    (lambda lib, x: x.flatten(1), (2, 3, 4)),
    (lambda lib, x: x.flatten(0, 1), (2, 3, 4)),
    (lambda lib, x: x.flatten(-2, -1), (2, 3, 4)),
    (lambda lib, x: lib.flatten(x, start_dim=1, end_dim=1), (2, 3, 4)),
    (lambda lib, x: x.flatten(), ()),
    (lambda lib, x: x.flatten(), (0, 3)),
    (lambda lib, x: x.transpose(0, 2).flatten(1), (2, 3, 4)),
    (lambda lib, x: x.unflatten(1, (2, 2)), (3, 4)),
    (lambda lib, x: x.unflatten(-1, (2, -1)), (3, 4)),
    (lambda lib, x: lib.unflatten(x, 0, (1, 3, 1)), (3, 4)),
    (lambda lib, x: x.t().unflatten(0, [2, 2]), (3, 4)),
    (lambda lib, x: x.squeeze(), (1, 3, 1, 4)),
    (lambda lib, x: x.squeeze(0), (1, 3, 1, 4)),
    (lambda lib, x: x.squeeze(1), (1, 3, 1, 4)),
    (lambda lib, x: x.squeeze(-2), (1, 3, 1, 4)),
    (lambda lib, x: x.squeeze((0, 2)), (1, 3, 1, 4)),
    (lambda lib, x: x.squeeze([0, 1, -1]), (1, 3, 1, 4)),
    (lambda lib, x: lib.squeeze(x), (1, 1)),
    (lambda lib, x: x.squeeze(), ()),
    (lambda lib, x: x.squeeze(0), ()),
    (lambda lib, x: x.squeeze(), (0, 1)),
    (lambda lib, x: x.unsqueeze(0), (3, 4)),
    (lambda lib, x: x.unsqueeze(2), (3, 4)),
    (lambda lib, x: x.unsqueeze(-1), (3, 4)),
    (lambda lib, x: x.unsqueeze(-3), (3, 4)),
    (lambda lib, x: lib.unsqueeze(x, 0), ()),
    (lambda lib, x: x.t().unsqueeze(1), (3, 4)),
])
def test_flatten_squeeze(fn, shape):
    check(fn, rand(*shape))


def test_flatten_same_dim_returns_input():
    x = ember.ones(2, 3)
    assert x.flatten(1, 1) is x


# ---------------------------------------------------------------------------- axis orders
@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: x.transpose(0, 1), (3, 4)),
    (lambda lib, x: x.transpose(1, 2), (2, 3, 4)),
    (lambda lib, x: x.transpose(-1, 0), (2, 3, 4)),
    (lambda lib, x: lib.transpose(x, 0, -1), ()),
    (lambda lib, x: x.swapaxes(0, 2), (2, 3, 4)),
    (lambda lib, x: lib.swapdims(x, 1, 1), (2, 3, 4)),
    (lambda lib, x: x.permute(2, 0, 1), (2, 3, 4)),
    (lambda lib, x: x.permute((0, 2, 1)), (2, 3, 4)),
    (lambda lib, x: lib.permute(x, [-1, 0, 1]), (2, 3, 4)),
    (lambda lib, x: x.permute(()), ()),
    (lambda lib, x: x.movedim(0, 2), (2, 3, 4)),
    (lambda lib, x: x.movedim((0, 1), (2, 0)), (2, 3, 4, 5)),
    (lambda lib, x: lib.moveaxis(x, -1, 0), (2, 3, 4)),
    (lambda lib, x: lib.movedim(x, [0, 3], [3, 0]), (2, 3, 4, 5)),
    (lambda lib, x: x.t(), (3, 4)),
    (lambda lib, x: x.t(), (3,)),
    (lambda lib, x: lib.t(x), ()),
    (lambda lib, x: x.T, (3, 4)),
    (lambda lib, x: x.mT, (2, 3, 4)),
    (lambda lib, x: x.mH, (3, 4)),
    (lambda lib, x: x.H, (3, 4)),
    (lambda lib, x: x.adjoint(), (2, 3, 4)),
    (lambda lib, x: x.t().t(), (3, 0)),
    (lambda lib, x: x.permute(1, 0).permute(1, 0), (3, 4)),
])
def test_axis_orders(fn, shape):
    check(fn, rand(*shape))


def test_T_reverses_every_dim_with_a_warning():
    with pytest.warns(UserWarning):
        check(lambda lib, x: x.T, rand(2, 3, 4))
    with pytest.warns(UserWarning):
        check(lambda lib, x: x.T, rand(3))


def test_permute_equals_transpose_and_names():
    x = ember.tensor(rand(2, 3, 4), requires_grad=True)
    assert ember.equal(x.permute(0, 2, 1), x.transpose(1, 2))
    assert x.permute(0, 2, 1).grad_fn.name() == "PermuteBackward0"
    assert x.transpose(1, 2).grad_fn.name() == "TransposeBackward0"
    assert x[0].t().grad_fn.name() == "TBackward0"
    assert x.mT.grad_fn.name() == "TransposeBackward0"
    assert x.movedim(0, 1).grad_fn.name() == "PermuteBackward0"
    assert x.unsqueeze(0).grad_fn.name() == "UnsqueezeBackward0"
    assert x.unsqueeze(0).squeeze().grad_fn.name() == "SqueezeBackward0"
    assert x.unsqueeze(0).squeeze(0).grad_fn.name() == "SqueezeBackward1"
    assert x.unsqueeze(0).squeeze((0,)).grad_fn.name() == "SqueezeBackward2"


def test_is_contiguous_after_transposes():
    for lib in (ember, torch):
        x = lib.zeros(3, 4)
        assert x.is_contiguous() and not x.t().is_contiguous() and x.t().t().is_contiguous()
        assert x.t().contiguous().is_contiguous()
        assert x.contiguous() is x
        assert lib.zeros(1, 4).t().is_contiguous()
        assert not lib.zeros(2, 3, 4).permute(0, 2, 1).is_contiguous()
        assert x.t().stride() == (1, 4)
        assert x.t().contiguous().stride() == (3, 1)
    check(lambda lib, x: x.t().contiguous(), rand(3, 4))
    x = ember.tensor(rand(3, 4), requires_grad=True)
    assert x.t().contiguous().grad_fn.name() == "CloneBackward0"


# ---------------------------------------------------------------------------- broadcasting
@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: x.expand(3, 4), (1, 4)),
    (lambda lib, x: x.expand(2, 3, 4), (3, 1)),
    (lambda lib, x: x.expand(-1, 4), (3, 1)),
    (lambda lib, x: x.expand((2, -1, -1)), (3, 4)),
    (lambda lib, x: x.expand(lib.Size([5, 3, 4])), (3, 4)),
    (lambda lib, x: x.expand(2, 3), ()),
    (lambda lib, x: x.expand(0, 4), (1, 4)),
    (lambda lib, x: x.expand(3, 4), (3, 4)),
    (lambda lib, x: x.t().expand(2, 4, 3), (3, 4)),
    (lambda lib, x: x.expand_as(lib.zeros(2, 3, 4)), (3, 1)),
    (lambda lib, x: x.broadcast_to((2, 3)), (3,)),
    (lambda lib, x: lib.broadcast_to(x, (4, -1)), (1, 2)),
    (lambda lib, x: lib.broadcast_tensors(x, lib.ones(2, 1, 1)), (3, 1)),
    (lambda lib, x: lib.broadcast_tensors(x, x.t(), x[:1] * 2), (3, 3)),
])
def test_expand(fn, shape):
    check(fn, rand(*shape))


def test_broadcast_tensors_grads_for_every_input():
    check(lambda lib, a, b: lib.broadcast_tensors(a, b), rand(3, 1), rand(4))


def test_broadcast_shapes():
    for shapes in [((3, 1), (1, 4), (2, 1, 1)), ((2,), 2), ((),), ((0, 1), (3,)), (3, (1, 3))]:
        e, t = ember.broadcast_shapes(*shapes), torch.broadcast_shapes(*shapes)
        assert tuple(e) == tuple(t) and isinstance(e, ember.Size)


def test_expand_is_a_broadcast_view():
    x = ember.tensor(rand(3, 1))
    y = x.expand(2, 3, 5)
    assert y.stride() == (0, 1, 0)
    assert np.shares_memory(y._data, x._data)


# ---------------------------------------------------------------------------- repeats
@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: x.repeat(2, 3), (3, 4)),
    (lambda lib, x: x.repeat(3, 1, 1), (2, 3)),
    (lambda lib, x: x.repeat(2, 1, 2, 1), (2, 3)),
    (lambda lib, x: x.repeat((1, 2)), (3, 4)),
    (lambda lib, x: x.repeat(2, 3), ()),
    (lambda lib, x: x.repeat(2, 0), (3, 4)),
    (lambda lib, x: x.repeat(2, 2), (0, 4)),
    (lambda lib, x: x.t().repeat(2, 1), (3, 4)),
    (lambda lib, x: x.tile((2,)), (3, 4)),
    (lambda lib, x: lib.tile(x, (2, 1, 2)), (3, 4)),
    (lambda lib, x: x.tile(()), ()),
    (lambda lib, x: x.repeat_interleave(2), (3, 4)),
    (lambda lib, x: x.repeat_interleave(3, dim=0), (3, 4)),
    (lambda lib, x: x.repeat_interleave(2, -1), (3, 4)),
    (lambda lib, x: x.repeat_interleave(0, 1), (3, 4)),
    (lambda lib, x: lib.repeat_interleave(x, 2), ()),
    (lambda lib, x: x.t().repeat_interleave(2, 0), (3, 4)),
    (lambda lib, x: x.repeat_interleave(lib.tensor([1, 0, 3]), dim=0), (3, 4)),
    (lambda lib, x: x.repeat_interleave(lib.tensor([2, 1, 0, 1]), dim=1), (3, 4)),
    (lambda lib, x: x.repeat_interleave(lib.tensor([2]), dim=0), (3, 4)),
    (lambda lib, x: x.repeat_interleave(lib.tensor(2)), (3, 4)),
    (lambda lib, x: x.repeat_interleave(lib.tensor([0, 0, 0])), (3,)),
    (lambda lib, x: x.t().repeat_interleave(lib.tensor([1, 2, 3, 4]), 0), (3, 4)),
])
def test_repeats(fn, shape):
    check(fn, rand(*shape))


def test_repeat_interleave_int_tensors_and_indices():
    check(lambda lib, x: x.repeat_interleave(lib.tensor([1, 2]), dim=1), rand(2, 2, dtype=np.int64))
    e, t = ember.repeat_interleave(ember.tensor([1, 2, 3])), torch.repeat_interleave(torch.tensor([1, 2, 3]))
    assert_close(e, t)


def test_seq2seq_repeat_to_more_dims():
    """The notes' seq2seq: a (batch, hidden) context repeated over time steps, then cat on dim 2."""
    check(lambda lib, h, x: lib.cat((x, h.repeat(x.shape[0], 1, 1)), 2), rand(2, 3), rand(4, 2, 5))


# ---------------------------------------------------------------------------- joining
@pytest.mark.parametrize("fn, shapes", [
    (lambda lib, a, b: lib.cat((a, b), dim=0), [(3, 4), (2, 4)]),
    (lambda lib, a, b: lib.cat([a, b], 1), [(3, 4), (3, 5)]),
    (lambda lib, a, b: lib.cat([a, b], -1), [(2, 3, 4), (2, 3, 1)]),
    (lambda lib, a, b: lib.cat([a, b, a]), [(3,), (4,)]),
    (lambda lib, a, b: lib.cat([a]), [(3, 4), (1,)]),
    (lambda lib, a, b: lib.concat([a.t(), b.t()], 0), [(3, 4), (3, 2)]),
    (lambda lib, a, b: lib.concatenate([a, b], dim=1), [(3, 0), (3, 2)]),
    (lambda lib, a, b: lib.cat([a, b], 1), [(3, 4), (0,)]),
    (lambda lib, a, b: lib.cat([b, a, b]), [(3, 4), (0,)]),
    (lambda lib, a, b: lib.cat([a, b]), [(0,), (0,)]),
    (lambda lib, a, b: lib.cat([a, b]), [(0,), (0, 3)]),
    (lambda lib, a, b: lib.stack([a, b]), [(3, 4), (3, 4)]),
    (lambda lib, a, b: lib.stack((a, b), dim=1), [(3, 4), (3, 4)]),
    (lambda lib, a, b: lib.stack([a, b, a], -1), [(3, 4), (3, 4)]),
    (lambda lib, a, b: lib.stack([a, b]), [(), ()]),
    (lambda lib, a, b: lib.stack([a.t(), b.t()], 2), [(3, 4), (3, 4)]),
    (lambda lib, a, b: lib.stack([a, b]), [(0, 2), (0, 2)]),
    (lambda lib, a, b: lib.hstack([a, b]), [(3, 4), (3, 2)]),
    (lambda lib, a, b: lib.hstack([a, b]), [(3,), (2,)]),
    (lambda lib, a, b: lib.hstack([a, b]), [(), ()]),
    (lambda lib, a, b: lib.vstack([a, b]), [(3,), (3,)]),
    (lambda lib, a, b: lib.vstack((a, b)), [(2, 3), (3,)]),
    (lambda lib, a, b: lib.row_stack((a, b)), [(2, 3), (1, 3)]),
    (lambda lib, a, b: lib.dstack([a, b]), [(3,), (3,)]),
    (lambda lib, a, b: lib.dstack([a, b]), [(2, 3), (2, 3, 2)]),
    (lambda lib, a, b: lib.column_stack([a, b]), [(3,), (3, 2)]),
])
def test_join(fn, shapes):
    check(fn, *[rand(*s) for s in shapes])


@pytest.mark.parametrize("da, db", [(np.int32, np.float64), (bool, np.int8), (np.int64, np.float32),
                                    (np.float32, np.float64), (np.uint8, np.int8), (bool, bool)])
def test_join_promotes_dtypes(da, db):
    check(lambda lib, a, b: lib.cat([a, b]), rand(2, 3, dtype=da), rand(1, 3, dtype=db))
    check(lambda lib, a, b: lib.stack([a, b], 1), rand(2, 3, dtype=da), rand(2, 3, dtype=db))


def test_cat_of_a_list_of_1d_tensors():
    """The notes' submission loop: cat a list of per-chunk predictions."""
    chunks = [rand(5), rand(5), rand(3)]
    check(lambda lib, a, b, c: lib.cat([a, b, c]), *chunks)
    x = ember.tensor(rand(3, 4), requires_grad=True)
    assert ember.cat([x, x]).grad_fn.name() == "CatBackward0"
    assert ember.stack([x, x]).grad_fn.name() == "StackBackward0"


# ---------------------------------------------------------------------------- splitting
@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: x.split(2), (5, 3)),
    (lambda lib, x: x.split(2, dim=1), (3, 5)),
    (lambda lib, x: lib.split(x, [1, 3, 1]), (5, 3)),
    (lambda lib, x: x.split([0, 3], -1), (2, 3)),
    (lambda lib, x: x.split(10), (5, 3)),
    (lambda lib, x: x.split(2), (0, 3)),
    (lambda lib, x: x.t().split(2), (3, 5)),
    (lambda lib, x: x.chunk(3), (5,)),
    (lambda lib, x: x.chunk(4), (6,)),
    (lambda lib, x: x.chunk(2, 1), (3, 4)),
    (lambda lib, x: lib.chunk(x, 3, -1), (2, 7)),
    (lambda lib, x: x.chunk(3), (0, 2)),
    (lambda lib, x: x.chunk(10), (3, 2)),
    (lambda lib, x: x.tensor_split(3), (5,)),
    (lambda lib, x: x.tensor_split(3, dim=1), (2, 7)),
    (lambda lib, x: x.tensor_split([1, 3]), (5, 2)),
    (lambda lib, x: x.tensor_split((-2, 1, 7)), (5,)),
    (lambda lib, x: x.tensor_split(lib.tensor([1, 3])), (5,)),
    (lambda lib, x: x.tensor_split(lib.tensor(2)), (5,)),
    (lambda lib, x: x.unbind(), (3, 4)),
    (lambda lib, x: x.unbind(1), (3, 4)),
    (lambda lib, x: lib.unbind(x, -1), (2, 3, 2)),
    (lambda lib, x: x.unbind(0), (3,)),
    (lambda lib, x: x.unbind(0), (0, 3)),
    (lambda lib, x: x.t().unbind(0), (3, 4)),
    (lambda lib, x: x.narrow(0, 1, 2), (4, 3)),
    (lambda lib, x: x.narrow(-1, -2, 2), (4, 3)),
    (lambda lib, x: lib.narrow(x, 1, 0, 0), (4, 3)),
    (lambda lib, x: x.narrow(0, lib.tensor(1), 2), (4, 3)),
    (lambda lib, x: x.t().narrow(0, 1, 2), (4, 3)),
    (lambda lib, x: x.select(0, 1), (4, 3)),
    (lambda lib, x: x.select(-1, -1), (4, 3)),
    (lambda lib, x: lib.select(x, 0, 2), (4,)),
])
def test_split(fn, shape):
    check(fn, rand(*shape))


def test_split_some_outputs_unused():
    check(lambda lib, x: x.split(2)[1] * 3, rand(5, 3))
    check(lambda lib, x: x.unbind(1)[2].exp(), rand(2, 4))
    check(lambda lib, x: x.chunk(3)[0].sum() + x.chunk(3)[2].sum(), rand(7))


def test_iterating_a_tensor_unbinds_it():
    check(lambda lib, x: lib.stack([row * i for i, row in enumerate(x)]), rand(4, 3))


def test_split_names():
    x = ember.tensor(rand(5, 3), requires_grad=True)
    assert x.split(2)[0].grad_fn.name() == "SplitBackward0"
    assert x.split([2, 3])[0].grad_fn.name() == "SplitWithSizesBackward0"
    assert x.chunk(2)[0].grad_fn.name() == "SplitBackward0"
    assert x.unbind()[0].grad_fn.name() == "UnbindBackward0"
    assert x.narrow(0, 0, 1).grad_fn.name() == "SliceBackward0"
    assert x.select(0, 0).grad_fn.name() == "SelectBackward0"


def test_chunk_sizes_are_pytorchs():
    for n, k in [(5, 3), (6, 4), (7, 7), (1, 3), (10, 3), (9, 4)]:
        e = [tuple(p.shape) for p in ember.arange(n).chunk(k)]
        t = [tuple(p.shape) for p in torch.arange(n).chunk(k)]
        assert e == t, (n, k)
    assert [tuple(p.shape) for p in ember.arange(5).chunk(3)] == [(2,), (2,), (1,)]


# ---------------------------------------------------------------------------- reorder values
@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: x.flip(0), (3, 4)),
    (lambda lib, x: x.flip(0, 1), (3, 4)),
    (lambda lib, x: x.flip((-1,)), (2, 3, 4)),
    (lambda lib, x: lib.flip(x, [0, 2]), (2, 3, 4)),
    (lambda lib, x: x.flip(0), ()),
    (lambda lib, x: x.flip(()), (3, 4)),
    (lambda lib, x: x.t().flip(1), (3, 4)),
    (lambda lib, x: x.fliplr(), (3, 4)),
    (lambda lib, x: lib.flipud(x), (3, 4)),
    (lambda lib, x: x.roll(1), (3, 4)),
    (lambda lib, x: x.roll(-2, 0), (3, 4)),
    (lambda lib, x: x.roll((1, 2), (0, 1)), (3, 4)),
    (lambda lib, x: lib.roll(x, shifts=5, dims=-1), (3, 4)),
    (lambda lib, x: x.roll((1, 1), (1, 1)), (3, 4)),
    (lambda lib, x: x.roll(1), ()),
    (lambda lib, x: x.t().roll(1, 0), (3, 4)),
    (lambda lib, x: x.roll(3), (0, 2)),
])
def test_flip_roll(fn, shape):
    check(fn, rand(*shape))


@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: x.tril(), (4, 4)),
    (lambda lib, x: x.tril(1), (3, 5)),
    (lambda lib, x: lib.tril(x, diagonal=-1), (2, 3, 4)),
    (lambda lib, x: x.triu(), (4, 3)),
    (lambda lib, x: lib.triu(x, 2), (2, 3, 4)),
    (lambda lib, x: x.triu(-1), (0, 3)),
    (lambda lib, x: x.t().triu(), (3, 4)),
    (lambda lib, x: x.diag(), (3,)),
    (lambda lib, x: lib.diag(x, 1), (3,)),
    (lambda lib, x: x.diag(-2), (3,)),
    (lambda lib, x: x.diag(), (3, 4)),
    (lambda lib, x: x.diag(1), (3, 4)),
    (lambda lib, x: x.diag(-2), (3, 4)),
    (lambda lib, x: x.t().diag(), (3, 4)),
    (lambda lib, x: x.diagonal(), (3, 4)),
    (lambda lib, x: x.diagonal(1), (3, 4)),
    (lambda lib, x: x.diagonal(-1), (3, 4)),
    (lambda lib, x: x.diagonal(10), (3, 4)),
    (lambda lib, x: lib.diagonal(x, 0, 1, 2), (2, 3, 4)),
    (lambda lib, x: x.diagonal(1, -1, 0), (2, 3, 4)),
    (lambda lib, x: x.diagonal(dim1=2, dim2=0), (2, 3, 4)),
    (lambda lib, x: x.diag_embed(), (2, 3)),
    (lambda lib, x: lib.diag_embed(x, 1), (2, 3)),
    (lambda lib, x: x.diag_embed(-1, 0, 2), (2, 3)),
    (lambda lib, x: x.diag_embed(0, 2, 0), (2, 3)),
])
def test_triangles_and_diagonals(fn, shape):
    check(fn, rand(*shape))


def test_triangles_int_and_inplace():
    check(lambda lib, x: x.tril(), rand(3, 3, dtype=np.int64))
    check(lambda lib, x: x.triu(1), rand(3, 3, dtype=bool))
    check(lambda lib, x: (x * 1).tril_(), rand(3, 4))
    check(lambda lib, x: (x * 1).triu_(-1), rand(3, 4))
    a = rand(3, 3)
    x = ember.tensor(a)
    v = x._version[0]
    assert x.tril_() is x and x._version[0] == v + 1
    np.testing.assert_array_equal(x.numpy(), np.tril(a))


@pytest.mark.parametrize("fn, shape", [
    (lambda lib, x: lib.atleast_1d(x), ()),
    (lambda lib, x: lib.atleast_1d(x), (3,)),
    (lambda lib, x: lib.atleast_2d(x), ()),
    (lambda lib, x: lib.atleast_2d(x), (3,)),
    (lambda lib, x: lib.atleast_2d(x), (2, 3, 4)),
    (lambda lib, x: lib.atleast_3d(x), ()),
    (lambda lib, x: lib.atleast_3d(x), (3,)),
    (lambda lib, x: lib.atleast_3d(x), (3, 4)),
    (lambda lib, x: lib.atleast_1d(x, x * 2), (2,)),
    (lambda lib, x: lib.atleast_3d(x, x.t()), (2, 3)),
    (lambda lib, x: lib.atleast_2d([x, x.reshape(-1)]), (2,)),
])
def test_atleast(fn, shape):
    check(fn, rand(*shape))


# ---------------------------------------------------------------------------- finite differences
GRADCHECK = [
    ("reshape", lambda x: x.reshape(2, 6), (3, 4)),
    ("reshape_copy", lambda x: x.t().reshape(-1), (3, 4)),
    ("view", lambda x: x.view(4, 3), (3, 4)),
    ("flatten", lambda x: x.flatten(1), (2, 3, 2)),
    ("unflatten", lambda x: x.unflatten(1, (2, 2)), (3, 4)),
    ("squeeze", lambda x: x.squeeze(), (1, 3, 1)),
    ("unsqueeze", lambda x: x.unsqueeze(1), (3, 4)),
    ("transpose", lambda x: x.transpose(0, 2), (2, 3, 2)),
    ("permute", lambda x: x.permute(2, 0, 1), (2, 3, 2)),
    ("movedim", lambda x: x.movedim(0, -1), (2, 3, 2)),
    ("t", lambda x: x.t(), (3, 4)),
    ("mT", lambda x: x.mT, (2, 3, 2)),
    ("expand", lambda x: x.expand(2, 3, 4), (3, 1)),
    ("repeat", lambda x: x.repeat(2, 1, 3), (2, 2)),
    ("tile", lambda x: x.tile((2,)), (2, 2)),
    ("repeat_interleave", lambda x: x.repeat_interleave(2, 1), (2, 3)),
    ("repeat_interleave_t", lambda x: x.repeat_interleave(ember.tensor([2, 0, 3]), 1), (2, 3)),
    ("cat", lambda x: ember.cat([x, x * 2, x.t().reshape(4, 3)], 0), (4, 3)),
    ("stack", lambda x: ember.stack([x, x * 3], 1), (3, 4)),
    ("split", lambda x: x.split([1, 2, 1], 1), (2, 4)),
    ("chunk", lambda x: x.chunk(3), (5,)),
    ("tensor_split", lambda x: x.tensor_split(3, 1), (2, 4)),
    ("unbind", lambda x: x.unbind(1), (2, 3)),
    ("narrow", lambda x: x.narrow(1, 1, 2), (2, 4)),
    ("select", lambda x: x.select(1, 2), (2, 4)),
    ("flip", lambda x: x.flip(0, 1), (3, 4)),
    ("roll", lambda x: x.roll((1, -1), (0, 1)), (3, 4)),
    ("roll_flat", lambda x: x.roll(5), (3, 4)),
    ("tril", lambda x: x.tril(-1), (3, 4)),
    ("triu", lambda x: x.triu(1), (2, 3, 3)),
    ("diag_vec", lambda x: x.diag(1), (3,)),
    ("diag_mat", lambda x: x.diag(-1), (3, 4)),
    ("diagonal", lambda x: x.diagonal(1, 2, 0), (3, 2, 4)),
    ("diag_embed", lambda x: x.diag_embed(-1), (2, 3)),
]


@pytest.mark.parametrize("name, fn, shape", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck(name, fn, shape):
    x = ember.tensor(rand(*shape, dtype=F64), requires_grad=True)
    assert ember.autograd.gradcheck(fn, (x,))
    assert ember.autograd.gradgradcheck(fn, (x,))


SECOND = [
    ("reshape", lambda lib, x: x.reshape(6, 2)),
    ("reshape_copy", lambda lib, x: x.t().reshape(-1)),
    ("permute", lambda lib, x: x.permute(1, 0)),
    ("expand", lambda lib, x: x[:1].expand(5, 3, 4)),
    ("cat", lambda lib, x: lib.cat([x, x.flip(0), x[1:]], 0)),
    ("stack", lambda lib, x: lib.stack([x, x.roll(1, 1)], 2)),
    ("split", lambda lib, x: lib.cat(x.split([1, 2], 0)[::-1], 0)),
    ("unbind", lambda lib, x: lib.stack(x.unbind(1)[::2])),
    ("narrow", lambda lib, x: x.narrow(1, 1, 2) * x.select(0, 2)[:2]),
    ("repeat", lambda lib, x: x.repeat(2, 1, 1)),
    ("diagonal", lambda lib, x: x.diagonal() + x.tril().sum(1)[:3]),
    ("repeat_interleave", lambda lib, x: x.repeat_interleave(lib.tensor([1, 0, 2]), 0)),
]


@pytest.mark.parametrize("name, fn", SECOND, ids=[s[0] for s in SECOND])
def test_second_derivatives_match_torch(name, fn):
    """d/dx of (v . d/dx sum(w * f(x)**3)): the backward of each op's backward, against torch."""
    x0 = rand(3, 4, dtype=F64)
    out = {}
    for lib in (ember, torch):
        x = lib.tensor(x0, requires_grad=True)
        y = fn(lib, x)
        w = lib.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))
        (g,) = lib.autograd.grad((w * y ** 3).sum(), x, create_graph=True)
        v = lib.tensor(np.linspace(0.5, -1.5, g.numel()).reshape(tuple(g.shape)))
        (g * v).sum().backward()
        out[lib] = (g, x.grad)
    assert_close(out[ember][0], out[torch][0], what="first derivative")
    assert_close(out[ember][1], out[torch][1], what="second derivative")


# ---------------------------------------------------------------------------- view rule (property)
@settings(max_examples=80, deadline=None)
@given(st.data())
def test_view_possible_matches_torch(data):
    """view() succeeds exactly when PyTorch's does, on permuted/sliced inputs and random target shapes."""
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    perm = data.draw(st.permutations(range(len(shape))))
    step = data.draw(st.integers(1, 2))
    base = np.arange(int(np.prod(shape)) * step, dtype=np.float32).reshape(shape[:-1] + [shape[-1] * step])
    factors = [f for f in range(1, 13) if int(np.prod(shape)) % f == 0]
    target = data.draw(st.lists(st.sampled_from(factors), min_size=0, max_size=3))
    rest = int(np.prod(shape)) // int(np.prod(target)) if int(np.prod(shape)) % int(np.prod(target)) == 0 else None
    if rest is None:
        return
    target = target + [rest]
    results = []
    for lib in (ember, torch):
        x = lib.tensor(base)[..., ::step].permute(*perm)
        try:
            y = x.view(*target)
            results.append(("ok", y.numpy().tolist()))
        except RuntimeError:
            results.append(("error", None))
        r = x.reshape(*target)
        results.append(r.numpy().tolist())
    assert results[0] == results[2] and results[1] == results[3]


# ---------------------------------------------------------------------------- errors
def test_error_messages_from_the_notes():
    check_error(lambda lib, x: x.reshape(3, 5), rand(3, 4), match=r"shape '\[3, 5\]' is invalid for input of size 12")
    check_error(lambda lib, x: x.transpose(1, 2), rand(3, 4),
                match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)")


E = [
    ("reshape_two_inferred", lambda lib, x: x.reshape(-1, -1), (3, 4), "only one dimension can be inferred"),
    ("reshape_negative", lambda lib, x: x.reshape(-2, 6), (3, 4), "invalid shape dimension -2"),
    ("reshape_ambiguous", lambda lib, x: x.reshape(0, -1), (0, 4), "ambiguous"),
    ("reshape_zero_infer", lambda lib, x: x.reshape(-1, 0), (3, 4), "invalid for input of size 12"),
    ("reshape_str", lambda lib, x: x.reshape("a"), (3, 4), None),
    ("reshape_float", lambda lib, x: x.reshape(3.0, 4), (3, 4), None),
    ("view_strides", lambda lib, x: x.t().view(12), (3, 4), "view size is not compatible"),
    ("view_size", lambda lib, x: x.view(5), (3, 4), r"shape '\[5\]' is invalid"),
    ("transpose_0d", lambda lib, x: x.transpose(0, 1), (), "Dimension out of range"),
    ("t_3d", lambda lib, x: x.t(), (2, 3, 4), "t\\(\\) expects a tensor with <= 2 dimensions"),
    ("permute_len", lambda lib, x: x.permute(0), (3, 4), "number of dimensions"),
    ("permute_dup", lambda lib, x: x.permute(0, 0), (3, 4), "duplicate dims"),
    ("permute_oob", lambda lib, x: x.permute(0, 2), (3, 4), "Dimension out of range"),
    ("movedim_dup", lambda lib, x: x.movedim((0, 0), (1, 2)), (2, 3, 4), "repeated dim"),
    ("movedim_len", lambda lib, x: x.movedim((0, 1), (1,)), (2, 3, 4), "same number of dims"),
    ("mT_1d", lambda lib, x: x.mT, (3,), "only supported on matrices"),
    ("H_3d", lambda lib, x: x.H, (2, 3, 4), "only supported on matrices"),
    ("H_1d", lambda lib, x: x.H, (3,), "only supported on matrices"),
    ("squeeze_oob", lambda lib, x: x.squeeze(2), (3, 4), "Dimension out of range"),
    ("squeeze_dup", lambda lib, x: x.squeeze((0, 0)), (1, 4), "appears multiple times"),
    ("unsqueeze_oob", lambda lib, x: x.unsqueeze(3), (3, 4), "Dimension out of range"),
    ("flatten_order", lambda lib, x: x.flatten(1, 0), (3, 4), "start_dim cannot come after end_dim"),
    ("unflatten_sizes", lambda lib, x: x.unflatten(1, (3, 2)), (3, 4), "don't multiply up"),
    ("unflatten_empty", lambda lib, x: x.unflatten(1, ()), (3, 4), "non-empty"),
    ("expand_size", lambda lib, x: x.expand(3, 5), (3, 4), r"expanded size of the tensor \(5\) must match"),
    ("expand_few", lambda lib, x: x.expand(4), (3, 4), "number of sizes provided"),
    ("expand_lead_neg", lambda lib, x: x.expand(-1, 3, 4), (3, 4), "leading, non-existing dimension"),
    ("expand_none", lambda lib, x: x.expand(), (3, 4), None),
    ("broadcast_to", lambda lib, x: x.broadcast_to((2, 4)), (3, 4), "must match the existing size"),
    ("broadcast_tensors", lambda lib, x: lib.broadcast_tensors(x, lib.zeros(2, 4)), (3, 4), "must match"),
    ("broadcast_shapes", lambda lib, x: lib.broadcast_shapes((3, 1), (2, 4)), (3, 4), "broadcast"),
    ("repeat_few", lambda lib, x: x.repeat(2), (3, 4), "can not be smaller"),
    ("repeat_neg", lambda lib, x: x.repeat(2, -1), (3, 4), "negative dimension"),
    ("repeat_none", lambda lib, x: x.repeat(), (3, 4), None),
    ("repeat_interleave_neg", lambda lib, x: x.repeat_interleave(-1), (3, 4), "non-negative"),
    ("repeat_interleave_len", lambda lib, x: x.repeat_interleave(lib.tensor([1, 2]), dim=0), (3, 4),
     "same size as input along dim"),
    ("repeat_interleave_negt", lambda lib, x: x.repeat_interleave(lib.tensor([1, -1, 1]), dim=0), (3, 4),
     "negative"),
    ("cat_sizes", lambda lib, x: lib.cat([x, lib.zeros(4, 4)], 1), (3, 4),
     r"Sizes of tensors must match except in dimension 1. Expected size 3 but got size 4 for tensor number 1"),
    ("cat_ndim", lambda lib, x: lib.cat([x, lib.zeros(4)]), (3, 4), "same number of dimensions: got 2 and 1"),
    ("cat_0d", lambda lib, x: lib.cat([x, x]), (), "zero-dimensional tensor"),
    ("cat_empty", lambda lib, x: lib.cat([]), (3, 4), "non-empty"),
    ("cat_int", lambda lib, x: lib.cat([x, 1]), (3, 4), "expected Tensor as element 1"),
    ("cat_tensor", lambda lib, x: lib.cat(x), (3, 4), "tuple of Tensors"),
    ("cat_generator", lambda lib, x: lib.cat(t for t in [x, x]), (3, 4), None),
    ("cat_dim", lambda lib, x: lib.cat([x, x], 2), (3, 4), "Dimension out of range"),
    ("cat_2d_empty", lambda lib, x: lib.cat([x, lib.zeros(0, 3)]), (3, 4), "Sizes of tensors must match"),
    ("stack_sizes", lambda lib, x: lib.stack([x, lib.zeros(3, 5)]), (3, 4),
     r"stack expects each tensor to be equal size, but got \[3, 4\] at entry 0 and \[3, 5\] at entry 1"),
    ("stack_empty", lambda lib, x: lib.stack([]), (3, 4), "non-empty"),
    ("stack_dim", lambda lib, x: lib.stack([x, x], 3), (3, 4), "Dimension out of range"),
    ("split_sum", lambda lib, x: x.split([1, 1]), (3, 4), "sum exactly to 3"),
    ("split_neg_sizes", lambda lib, x: x.split([-1, 4]), (3, 4), "non-negative"),
    ("split_zero", lambda lib, x: x.split(0), (3, 4), "split_size can only be 0"),
    ("split_neg", lambda lib, x: x.split(-1), (3, 4), "non-negative"),
    ("split_0d", lambda lib, x: x.split(1), (), "at least a 1-dimensional"),
    ("chunk_zero", lambda lib, x: x.chunk(0), (3, 4), "greater than 0"),
    ("chunk_0d", lambda lib, x: x.chunk(1), (), "at least a 1-dimensional"),
    ("tensor_split_0", lambda lib, x: x.tensor_split(0), (3, 4), "larger than 0"),
    ("tensor_split_0d", lambda lib, x: x.tensor_split(2), (), "at least a 1-dimensional"),
    ("unbind_0d", lambda lib, x: x.unbind(), (), "no dimensions"),
    ("unbind_oob", lambda lib, x: x.unbind(2), (3, 4), "Dimension out of range"),
    ("narrow_long", lambda lib, x: x.narrow(0, 2, 2), (3, 4), r"start \(2\) \+ length \(2\) exceeds"),
    ("narrow_start", lambda lib, x: x.narrow(0, 4, 0), (3, 4), "start out of range"),
    ("narrow_neglen", lambda lib, x: x.narrow(0, 0, -1), (3, 4), "length must be non-negative"),
    ("narrow_0d", lambda lib, x: x.narrow(0, 0, 1), (), "0-dim"),
    ("select_oob", lambda lib, x: x.select(0, 3), (3, 4), "out of range"),
    ("select_0d", lambda lib, x: x.select(0, 0), (), "0-dim"),
    ("flip_dup", lambda lib, x: x.flip(0, 0), (3, 4), "appears multiple times"),
    ("flip_none", lambda lib, x: x.flip(), (3, 4), None),
    ("flip_oob", lambda lib, x: x.flip(2), (3, 4), "Dimension out of range"),
    ("fliplr_1d", lambda lib, x: x.fliplr(), (3,), ">= 2-d"),
    ("flipud_0d", lambda lib, x: x.flipud(), (), ">= 1-d"),
    ("roll_align", lambda lib, x: x.roll((1, 2), (0,)), (3, 4), "must align"),
    ("roll_nodims", lambda lib, x: x.roll((1, 2)), (3, 4), "must align"),
    ("tril_1d", lambda lib, x: x.tril(), (3,), "at least 2 dimensions"),
    ("triu_1d", lambda lib, x: x.triu(), (3,), "at least 2 dimensions"),
    ("diag_3d", lambda lib, x: x.diag(), (2, 2, 2), "Supports 1D or 2D"),
    ("diag_0d", lambda lib, x: x.diag(), (), "Supports 1D or 2D"),
    ("diagonal_same", lambda lib, x: x.diagonal(0, 1, 1), (3, 4), "cannot be identical"),
    ("diagonal_0d", lambda lib, x: x.diagonal(), (), "Dimension out of range"),
    ("diag_embed_same", lambda lib, x: x.diag_embed(0, 0, 0), (3,), "cannot be identical"),
    ("atleast_int", lambda lib, x: lib.atleast_1d(1), (3,), None),
]


@pytest.mark.parametrize("name, fn, shape, match", E, ids=[e[0] for e in E])
def test_errors(name, fn, shape, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(fn, rand(*shape), match=match)


# ---------------------------------------------------------------------------- NumPy names on tensors
NUMPY_NAMES = [
    ("concatenate", lambda xp, a: xp.concatenate([a, a * 2], axis=1)),
    ("stack", lambda xp, a: xp.stack([a, a], axis=-1)),
    ("split_sections", lambda xp, a: xp.split(a, 2, axis=1)),
    ("split_indices", lambda xp, a: xp.split(a, [1, 3], axis=1)),
    ("flip_all", lambda xp, a: xp.flip(a)),
    ("flip_axis", lambda xp, a: xp.flip(a, axis=1)),
    ("roll", lambda xp, a: xp.roll(a, 2, axis=1)),
    ("roll_flat", lambda xp, a: xp.roll(a, -1)),
    ("moveaxis", lambda xp, a: xp.moveaxis(a, 0, 1)),
    ("squeeze", lambda xp, a: xp.squeeze(xp.expand_dims(a, (0, 2)), axis=0)),
    ("tril", lambda xp, a: xp.tril(a, 1)),
    ("triu", lambda xp, a: xp.triu(a, k=-1)),
    ("diagonal", lambda xp, a: xp.diagonal(a, 1)),
    ("tile", lambda xp, a: xp.tile(a, (2, 1))),
    ("repeat", lambda xp, a: xp.repeat(a, 2, axis=0)),
    ("repeat_flat", lambda xp, a: xp.repeat(a, 3)),
]


@pytest.mark.parametrize("name, fn", NUMPY_NAMES, ids=[n[0] for n in NUMPY_NAMES])
def test_tensor_namespace_has_numpys_shape_functions(name, fn):
    """Backward formulas call ``xp.<numpy name>``; on tensors (create_graph) they must mean the same."""
    from ember.tensor import namespace
    a = rand(3, 4)
    expected = fn(np, a)
    got = fn(namespace, ember.tensor(a))
    if isinstance(expected, list):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g.numpy(), e)
    else:
        np.testing.assert_array_equal(got.numpy(), expected)
