"""View semantics of the shape operations, against PyTorch: which results share
storage, shared version counters, writes through views in both directions, in-place
ops through views of tensors that require grad (gradients and errors), and the
in-place metadata ops (t_, transpose_, squeeze_, unsqueeze_)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from helpers import assert_close, rand

VIEWS = [
    ("view", lambda x: x.view(-1)),
    ("view_2d", lambda x: x.view(2, 6)),
    ("reshape", lambda x: x.reshape(6, 2)),
    ("t", lambda x: x.t()),
    ("T", lambda x: x.T),
    ("mT", lambda x: x.mT),
    ("transpose", lambda x: x.transpose(0, 1)),
    ("swapaxes", lambda x: x.swapaxes(1, 0)),
    ("permute", lambda x: x.permute(1, 0)),
    ("movedim", lambda x: x.movedim(0, 1)),
    ("flatten", lambda x: x.flatten()),
    ("unflatten", lambda x: x.unflatten(1, (2, 2))),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("squeeze", lambda x: x.unsqueeze(0).squeeze(0)),
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("select", lambda x: x.select(0, 1)),
    ("diagonal", lambda x: x.diagonal(1)),
    ("split", lambda x: x.split(1)[1]),
    ("chunk", lambda x: x.chunk(2, 1)[1]),
    ("tensor_split", lambda x: x.tensor_split(2, 1)[0]),
    ("unbind", lambda x: x.unbind(1)[2]),
    ("expand_same", lambda x: x.expand(3, 4)),
    ("view_of_view", lambda x: x.t().narrow(0, 1, 2).select(1, 0)),
    ("ravel", lambda x: x.ravel()),
]


def _both(make):
    a = rand(3, 4)
    return [(lib, lib.tensor(a.copy())) for lib in (ember, torch)], a


@pytest.mark.parametrize("name, fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_write_through_view_changes_base_and_back(name, fn):
    (pairs, _) = _both(None)
    results = []
    for lib, x in pairs:
        v = fn(x)
        assert v._base is x, f"{name}: not a view of its input"
        v.mul_(10)                  # view -> base
        x.add_(1)                   # base -> view
        versions = (x._version, v._version) if lib is torch else (x._version[0], v._version[0])
        results.append((x.clone(), v.clone(), versions))
    (ex, ev, ever), (tx, tv, tver) = results
    assert_close(ex, tx, what="base")
    assert_close(ev, tv, what="view")
    assert ever == tver, f"versions {ever} != torch {tver}"


@pytest.mark.parametrize("name, fn", [
    ("t", lambda x: x.t()), ("view", lambda x: x.view(12)), ("permute", lambda x: x.permute(1, 0)),
    ("expand", lambda x: x[:1].expand(5, 4)), ("diagonal", lambda x: x.diagonal()),
    ("narrow", lambda x: x.narrow(0, 1, 1)), ("split", lambda x: x.split(2)[0]),
])
def test_views_share_storage(name, fn):
    """PyTorch's t() is a view (the notes call it a deep copy): same storage as its input."""
    x = ember.tensor(rand(3, 4))
    v = fn(x)
    assert np.shares_memory(v._data, x._data)
    tx = torch.tensor(rand(3, 4))
    assert fn(tx).untyped_storage().data_ptr() == tx.untyped_storage().data_ptr()


@pytest.mark.parametrize("name, fn", [
    ("flip", lambda x: x.flip(0)), ("roll", lambda x: x.roll(1)), ("repeat", lambda x: x.repeat(1, 1)),
    ("tile", lambda x: x.tile((1,))), ("cat", lambda x: ember.cat([x])), ("stack", lambda x: ember.stack([x])),
    ("tril", lambda x: x.tril()), ("diag", lambda x: x.diag()), ("reshape_copy", lambda x: x.t().reshape(-1)),
    ("contiguous_copy", lambda x: x.t().contiguous()), ("repeat_interleave", lambda x: x.repeat_interleave(1)),
])
def test_copies_do_not_share(name, fn):
    x = ember.tensor(rand(3, 4))
    before = x.numpy().copy()
    y = fn(x)
    assert y._base is None or y._base is not x
    assert not np.shares_memory(y._data, x._data)
    y.zero_()
    np.testing.assert_array_equal(x.numpy(), before)


def test_t_shares_storage_and_version_counter():
    x = ember.arange(6.0).reshape(2, 3)
    y = x.t()
    assert y.data_ptr() == x.data_ptr() and y._version is x._version
    y.zero_()
    assert float(x.sum()) == 0.0 and x._version[0] == 1


def test_contiguous_and_ravel_of_contiguous_are_the_tensor():
    x = ember.zeros(3, 4)
    assert x.contiguous() is x
    r = x.ravel()
    r.fill_(2.0)
    assert float(x.sum()) == 24.0


def test_write_into_expanded_memory_raises():
    for lib in (ember, torch):
        x = lib.zeros(1, 4)
        with pytest.raises(RuntimeError, match="single memory location"):
            x.expand(3, 4).add_(1)


# ---------------------------------------------------------------------------- autograd through views
INPLACE = [
    ("view", lambda y: y.view(-1)),
    ("reshape", lambda y: y.reshape(4, 3)),
    ("t", lambda y: y.t()),
    ("transpose", lambda y: y.transpose(0, 1)),
    ("permute", lambda y: y.permute(1, 0)),
    ("narrow", lambda y: y.narrow(0, 1, 2)),
    ("select", lambda y: y.select(1, 2)),
    ("diagonal", lambda y: y.diagonal()),
    ("unsqueeze", lambda y: y.unsqueeze(0)),
    ("squeeze", lambda y: y.unsqueeze(1).squeeze(1)),
    ("flatten", lambda y: y.flatten()),
    ("unflatten", lambda y: y.unflatten(1, (2, 2))),
    ("movedim", lambda y: y.movedim(1, 0)),
    ("chain", lambda y: y.t().narrow(0, 1, 2).unsqueeze(0).select(1, 1)),
    ("tensor_split", lambda y: y.tensor_split(3)[1]),
]


@pytest.mark.parametrize("name, fn", INPLACE, ids=[v[0] for v in INPLACE])
def test_inplace_through_view_of_nonleaf_gives_torchs_gradients(name, fn):
    a, w = rand(3, 4), rand(3, 4)
    out = []
    for lib in (ember, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x * 2
        v = fn(y)
        v.mul_(v.detach() + 3)            # the view's values change...
        loss = (y * lib.tensor(w)).sum() + (v ** 2).sum()   # ...and the base sees it
        loss.backward()
        out.append((y.detach().clone(), x.grad, y.grad_fn.name()))
    assert_close(out[0][0], out[1][0], what="base after the write")
    assert_close(out[0][1], out[1][1], what="x.grad")
    assert "CopySlices" in out[0][2] and "CopySlices" in out[1][2]


def test_inplace_on_view_then_base_used_twice():
    a = rand(2, 3)
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x * x
        y.t().narrow(0, 0, 2).mul_(y.t().narrow(0, 1, 2).detach().clone())
        y.view(-1).add_(x.view(-1))
        (y.sum() * y.mean()).backward()
        grads.append(x.grad)
    assert_close(grads[0], grads[1])


@pytest.mark.parametrize("make", [lambda y: y.unbind(0)[1], lambda y: y.split(1)[1], lambda y: y.chunk(3)[2],
                                  lambda y: y.unbind(1)[0].view(-1)])
def test_inplace_on_multi_output_view_raises_with_grad(make):
    for lib in (ember, torch):
        x = lib.tensor(rand(3, 4), requires_grad=True)
        with pytest.raises(RuntimeError, match="returns multiple views"):
            make(x * 2).mul_(3)


def test_inplace_on_multi_output_view_without_grad_writes_base():
    res = []
    a, b = rand(3, 4), rand(3, 4)
    for lib in (ember, torch):
        y = lib.tensor(a)
        y.unbind(0)[1].mul_(3)
        y.split(2, 1)[1].zero_()
        with lib.no_grad():
            x = lib.tensor(b, requires_grad=True) * 1
            x.chunk(2)[0].add_(1)
        res.append((y, x))
    assert_close(res[0], res[1])


@pytest.mark.parametrize("make", [lambda x: x.view(-1), lambda x: x.t(), lambda x: x.narrow(0, 0, 1),
                                  lambda x: x.diagonal(), lambda x: x.unsqueeze(0)])
def test_inplace_on_view_of_leaf_requiring_grad_raises(make):
    for lib in (ember, torch):
        x = lib.tensor(rand(3, 4), requires_grad=True)
        with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
            make(x).mul_(2)
        with lib.no_grad():
            make(x).mul_(2)           # allowed without recording


# ---------------------------------------------------------------------------- in-place metadata ops
def test_t_inplace_on_a_plain_tensor():
    for lib in (ember, torch):
        x = lib.arange(6.0).reshape(2, 3)
        base = x._base
        p = x.data_ptr()
        assert x.t_() is x
        assert tuple(x.shape) == (3, 2) and x.data_ptr() == p and not x.is_contiguous()
        assert x._base is base
        assert (x._version if lib is torch else x._version[0]) == 1
        assert x.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_t_inplace_rules_with_grad():
    for lib in (ember, torch):
        x = lib.tensor(rand(2, 3), requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x.t_()
        with pytest.raises(RuntimeError, match="view of a leaf Variable"):
            x.t().t_()
        with lib.no_grad():
            x.t_()
        assert tuple(x.shape) == (3, 2) and x.requires_grad and x.is_leaf
    w = rand(3, 2)
    g = []
    for lib in (ember, torch):
        x = lib.tensor(rand(2, 3) * 0 + np.arange(6.0).reshape(2, 3), requires_grad=True)
        y = x * 1
        y.t_()
        assert y.grad_fn.name() == "TBackward1"
        (y * lib.tensor(w)).sum().backward()
        g.append(x.grad)
    assert_close(g[0], g[1])


def test_t_inplace_on_a_view_bumps_the_shared_version():
    for lib in (ember, torch):
        x = lib.zeros(3, 4)
        y = x.t()
        y.t_()
        assert tuple(y.shape) == (3, 4) and y._base is x
        vx = x._version if lib is torch else x._version[0]
        assert vx == 1
        y.add_(1)
        assert float(x.sum()) == 12.0


def test_transpose_squeeze_unsqueeze_inplace():
    out = []
    for lib in (ember, torch):
        x = lib.tensor(rand(3, 1), requires_grad=True)
        y = x * 1
        y.squeeze_(1)
        y.unsqueeze_(0)
        y.transpose_(0, 1)
        z = lib.zeros(2, 3)
        z.swapaxes_(0, 1)
        (y * lib.arange(3.0).reshape(3, 1)).sum().backward()
        out.append((tuple(y.shape), tuple(z.shape), x.grad))
        assert y.grad_fn.name() == "TransposeBackward1"
    assert out[0][:2] == out[1][:2]
    assert_close(out[0][2], out[1][2])


def test_saved_detached_view_modified_through_base_raises():
    """mul_ saves its other operand, a detached view of y: a later write to y invalidates it."""
    for lib in (ember, torch):
        x = lib.ones(2, 3, requires_grad=True)
        y = x * x
        y.t().narrow(0, 0, 2).mul_(y.t().narrow(0, 1, 2).detach())
        y.view(-1).add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
