"""Dropout (functional and modules) and Embedding / EmbeddingBag / one_hot.

Dropout is random, so it is tested statistically (fraction zeroed ~ p, survivors
scaled by 1/(1-p), gradient = mask * scale), for reproducibility under
ember.manual_seed, as identity in eval, and against torch for errors/reprs.
Embedding is deterministic and compared with torch directly."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF
from tests.helpers import assert_close, check, check_error, rand


# ---------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_and_gradient(p):
    ember.manual_seed(1)
    x = ember.tensor(rand(400, 250, low=0.5, high=2.0), requires_grad=True)
    y = EF.dropout(x, p, training=True)
    yn, xn = y.detach().numpy(), x.detach().numpy()
    dropped = yn == 0
    n = dropped.size
    assert abs(dropped.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(yn[~dropped], xn[~dropped] / (1 - p), rtol=1e-6)
    assert repr(y.grad_fn).startswith("<MulBackward0")
    g = rand(400, 250)
    y.backward(ember.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), np.where(dropped, 0, g / (1 - p)), rtol=1e-6)


def test_dropout_eval_and_p0_return_input():
    x = ember.randn(5, 4, requires_grad=True)
    assert EF.dropout(x, 0.5, training=False) is x
    assert EF.dropout(x, 0.0) is x
    m = enn.Dropout(0.5)
    m.eval()
    assert m(x) is x
    ints = ember.tensor([1, 2, 3])
    assert EF.dropout(ints, 0.5, training=False) is ints


def test_dropout_p1_zeros():
    x = ember.randn(3, 4, requires_grad=True)
    y = EF.dropout(x, 1.0)
    assert float(y.abs().sum()) == 0
    y.sum().backward()
    assert float(x.grad.abs().sum()) == 0


def test_dropout_reproducible_with_manual_seed():
    x = ember.ones(50, 60)
    ember.manual_seed(123)
    a = EF.dropout(x, 0.3).numpy()
    ember.manual_seed(123)
    b = EF.dropout(x, 0.3).numpy()
    c = EF.dropout(x, 0.3).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)
    m = enn.Sequential(enn.Linear(60, 20), enn.Dropout(0.5))
    ember.manual_seed(7)
    r1 = m(x).detach().numpy()
    ember.manual_seed(7)
    r2 = m(x).detach().numpy()
    np.testing.assert_array_equal(r1, r2)


def test_dropout_errors_like_torch():
    for p in (1.5, -0.1):
        e = check_error(lambda lib, t: lib.nn.functional.dropout(t, p), rand(3))
        assert str(e) == f"dropout probability has to be between 0 and 1, but got {p}"
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got"):
            enn.Dropout(p)
        with pytest.raises(ValueError):
            torch.nn.Dropout(p)
    check_error(lambda lib, t: lib.nn.functional.dropout(t, 0.5), np.array([1, 2], np.int64))
    check_error(lambda lib, t: lib.nn.functional.dropout1d(t, 0.5), rand(3))
    check_error(lambda lib, t: lib.nn.functional.dropout1d(t, 0.5), rand(2, 3, 4, 5))
    # in place on a leaf that requires grad
    check_error(lambda lib, t: lib.nn.functional.dropout(t.requires_grad_(), 0.5, inplace=True), rand(3))


def test_dropout_inplace():
    ember.manual_seed(0)
    x = ember.randn(100, 100, requires_grad=True)
    h = x * 1
    out = EF.dropout(h, 0.5, inplace=True)
    assert out is h
    frac = float((h == 0).float().mean())
    assert 0.45 < frac < 0.55
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() == 0, h.detach().numpy() == 0)


@pytest.mark.parametrize("fn,shape,mask_dims", [("dropout1d", (8, 16, 30), 2), ("dropout1d", (16, 30), 1),
                                                ("dropout2d", (8, 16, 5, 6), 2), ("dropout3d", (4, 16, 3, 4, 5), 2),
                                                ("dropout3d", (16, 3, 4, 5), 1)])
def test_channel_dropout(fn, shape, mask_dims):
    ember.manual_seed(3)
    x = ember.tensor(rand(*shape, low=0.5, high=1.5), requires_grad=True)
    y = getattr(EF, fn)(x, 0.5)
    yn = y.detach().numpy()
    axes = tuple(range(mask_dims, len(shape)))
    zero_ch = (yn == 0).all(axis=axes)
    kept_ch = (yn != 0).all(axis=axes)
    assert np.all(zero_ch | kept_ch)  # whole channels dropped or kept
    assert 0.3 < zero_ch.mean() < 0.7
    y.sum().backward()
    g = x.grad.numpy()
    np.testing.assert_allclose(g, np.where(yn == 0, 0, 2.0), rtol=1e-6)


def test_dropout2d_warnings_like_torch():
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        EF.dropout2d(ember.randn(2, 3, 4), 0.5)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        EF.dropout2d(ember.randn(2, 3), 0.5)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout3d"):
        EF.dropout3d(ember.randn(2, 3), 0.5)


def test_alpha_dropout_keeps_moments():
    ember.manual_seed(5)
    x = ember.randn(200000)
    for p in (0.2, 0.5):
        y = EF.alpha_dropout(x, p, training=True).numpy()
        assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert EF.alpha_dropout(x, 0.5) is x  # training defaults to False
    y = EF.feature_alpha_dropout(ember.randn(100, 50, 4, 4), 0.5, training=True).numpy()
    per_channel = y.reshape(100, 50, -1)
    const = np.isclose(per_channel, per_channel[..., :1]).all(-1)
    assert 0.35 < const.mean() < 0.65  # dropped channels are constant (-alpha' a + b)
    t = torch.nn.functional.alpha_dropout(torch.ones(3), 1.0, True)
    e = EF.alpha_dropout(ember.ones(3), 1.0, True)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("name,args", [("Dropout", ()), ("Dropout", (0.2, True)), ("Dropout1d", ()),
                                       ("Dropout2d", (0.3,)), ("Dropout3d", ()), ("AlphaDropout", (0.1,)),
                                       ("FeatureAlphaDropout", ())])
def test_dropout_module_repr_and_eval(name, args):
    e, t = getattr(enn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(e) == repr(t)
    x = rand(2, 3, 4, 4, 2) if name == "Dropout3d" else (rand(2, 3, 4, 4) if name == "Dropout2d" else rand(2, 3, 4))
    e.eval()
    t.eval()
    check(lambda lib, a: (e if lib is ember else t)(a), x)


def test_d2l_dropout_layer_from_scratch():
    """The notes' from-scratch dropout (d2l 4.6) with ``import ember as torch``."""
    import ember as torch_

    def dropout_layer(X, dropout):
        assert 0 <= dropout <= 1
        if dropout == 1:
            return torch_.zeros_like(X)
        if dropout == 0:
            return X
        mask = (torch_.rand(X.shape) > dropout).float()
        return mask * X / (1.0 - dropout)

    X = torch_.arange(16, dtype=torch_.float32).reshape((2, 8))
    assert torch_.equal(dropout_layer(X, 0.), X)
    assert float(dropout_layer(X, 1.).abs().sum()) == 0
    torch_.manual_seed(0)
    y = dropout_layer(X, 0.5)
    kept = y != 0
    kept[0, 0] = False  # X[0, 0] is 0 anyway
    np.testing.assert_allclose(y[kept].numpy(), 2 * X[kept].numpy())


def test_dropout_mlp_train_eval():
    """The notes' dropout MLP (002 L638 / 003 L255): random in train, deterministic in eval."""
    net = enn.Sequential(enn.Flatten(), enn.Linear(784, 256), enn.ReLU(), enn.Dropout(0.2), enn.Linear(256, 256),
                         enn.ReLU(), enn.Dropout(0.5), enn.Linear(256, 10))
    x = ember.randn(8, 1, 28, 28)
    assert not np.allclose(net(x).detach().numpy(), net(x).detach().numpy())
    net.eval()
    np.testing.assert_array_equal(net(x).detach().numpy(), net(x).detach().numpy())


# ---------------------------------------------------------------------- embedding
def test_embedding_functional_values_and_grads():
    w = rand(10, 4)
    for idx in [np.array([1, 2, 1, 9, 0]), np.array([[0, 3], [3, 3]]), np.array(4), np.array([], np.int64),
                np.array([[1, 2, 3]], np.int32)]:
        check(lambda lib, weight, i: lib.nn.functional.embedding(i, weight), w, idx)
    idx = np.array([[1, 2, 1], [2, 2, 7]])
    check(lambda lib, weight, i: lib.nn.functional.embedding(i, weight, padding_idx=2), w, idx)
    check(lambda lib, weight, i: lib.nn.functional.embedding(i, weight, padding_idx=-3), w, idx)
    check(lambda lib, weight, i: lib.nn.functional.embedding(i, weight, scale_grad_by_freq=True), w, idx)
    check(lambda lib, weight, i: lib.nn.functional.embedding(i, weight, padding_idx=1, scale_grad_by_freq=True),
          w, idx)
    check(lambda lib, weight, i: lib.nn.functional.embedding(i, weight), rand(6, 3, dtype=np.float64), idx % 6)


def test_embedding_grad_fn_and_gradcheck():
    w = ember.tensor(rand(6, 3, dtype=np.float64), requires_grad=True)
    idx = ember.tensor([[0, 5, 5], [2, 0, 1]])
    y = EF.embedding(idx, w)
    assert repr(y.grad_fn).startswith("<EmbeddingBackward0")
    assert ember.autograd.gradcheck(lambda a: EF.embedding(idx, a), (w,))
    # padding_idx and scale_grad_by_freq deliberately alter the gradient (torch's fail gradcheck too);
    # they are compared with torch in test_embedding_functional_values_and_grads


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0])
def test_embedding_max_norm_renormalises_in_place(norm_type):
    w = rand(8, 5, low=-3, high=3)
    idx = np.array([[1, 1, 2], [5, 7, 2]])
    te = torch.nn.Embedding(8, 5, max_norm=1.5, norm_type=norm_type)
    ee = enn.Embedding(8, 5, max_norm=1.5, norm_type=norm_type)
    with torch.no_grad():
        te.weight.copy_(torch.tensor(w))
    ee.load_state_dict({"weight": ember.tensor(w)})
    yt = te(torch.tensor(idx))
    ye = ee(ember.tensor(idx))
    assert_close(ye, yt)
    assert_close(ee.weight.detach(), te.weight.detach())  # rows 1, 2, 5, 7 renormalised, the rest untouched
    yt.sum().backward()
    ye.sum().backward()
    assert_close(ee.weight.grad, te.weight.grad)


def test_embedding_module_against_torch():
    te = torch.nn.Embedding(12, 6, padding_idx=0)
    ee = enn.Embedding(12, 6, padding_idx=0)
    assert float(ee.weight[0].abs().sum()) == 0  # the padding row starts at zero
    ee.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in te.state_dict().items()})
    idx = np.array([[0, 3, 3, 11], [5, 0, 2, 3]])
    yt, ye = te(torch.tensor(idx)), ee(ember.tensor(idx))
    assert_close(ye, yt)
    g = rand(2, 4, 6)
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    assert_close(ee.weight.grad, te.weight.grad)
    assert float(ee.weight.grad[0].abs().sum()) == 0


def test_embedding_errors():
    check_error(lambda lib, i: lib.nn.functional.embedding(i, lib.ones(5, 3)), np.array([1.0, 2.0], np.float32))
    check_error(lambda lib, i: lib.nn.functional.embedding(i, lib.ones(5, 3)), np.array([1, 7]))
    check_error(lambda lib, i: lib.nn.functional.embedding(i, lib.ones(5, 3)), np.array([1, -1]))
    check_error(lambda lib, i: lib.nn.functional.embedding(i, lib.ones(5)), np.array([1, 2]))
    check_error(lambda lib, i: lib.nn.functional.embedding(i, lib.ones(5, 3), padding_idx=5), np.array([1]))
    check_error(lambda lib, i: lib.nn.Embedding(5, 3, padding_idx=-6), np.array([1]))
    with pytest.raises(RuntimeError, match="sparse=True is not supported"):
        enn.Embedding(5, 3, sparse=True)
    with pytest.raises(RuntimeError, match="sparse=True is not supported"):
        EF.embedding(ember.tensor([1]), ember.ones(5, 3), sparse=True)


def test_embedding_reprs_and_attributes():
    for args, kw in [((10, 3), {}), ((10, 3), {"padding_idx": 1, "max_norm": 2.0, "norm_type": 3.0,
                                               "scale_grad_by_freq": True}),
                     ((10, 3), {"max_norm": 1}), ((10, 3), {"padding_idx": -1})]:
        e, t = enn.Embedding(*args, **kw), torch.nn.Embedding(*args, **kw)
        assert repr(e) == repr(t)
        assert e.padding_idx == t.padding_idx and e.num_embeddings == 10 and e.embedding_dim == 3
        assert list(e.state_dict()) == list(t.state_dict())
    assert repr(enn.EmbeddingBag(10, 3)) == repr(torch.nn.EmbeddingBag(10, 3))
    assert repr(enn.EmbeddingBag(10, 3, mode="sum", max_norm=1.0, padding_idx=2)) == \
        repr(torch.nn.EmbeddingBag(10, 3, mode="sum", max_norm=1.0, padding_idx=2))


def test_embedding_default_init_is_standard_normal():
    e = enn.Embedding(2000, 100).weight.detach().numpy()
    assert abs(e.mean()) < 0.01 and abs(e.std() - 1) < 0.01
    t = torch.nn.Embedding(2000, 100).weight.detach().numpy()
    assert abs(e.std() - t.std()) < 0.02


def test_from_pretrained():
    w = ember.tensor(rand(4, 3))
    e = enn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad and repr(e) == "Embedding(4, 3)"
    np.testing.assert_array_equal(e(ember.tensor([2, 0])).numpy(), w.numpy()[[2, 0]])
    w.numpy()[2, 0] = 100.0  # shares storage, as PyTorch's does
    assert float(e.weight[2, 0]) == 100.0
    e2 = enn.Embedding.from_pretrained(ember.tensor(rand(4, 3)), freeze=False, padding_idx=1)
    assert e2.weight.requires_grad and e2.padding_idx == 1
    assert float(e2.weight[1].abs().sum()) > 0  # a pretrained padding row is kept (torch does not zero it)
    e2(ember.tensor([1, 2, 1])).sum().backward()
    assert float(e2.weight.grad[1].abs().sum()) == 0
    with pytest.raises(AssertionError):
        enn.Embedding.from_pretrained(ember.ones(3))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_against_torch(mode):
    w = rand(10, 3)
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    offs = np.array([0, 4, 4])
    check(lambda lib, weight, i, o: lib.nn.functional.embedding_bag(i, weight, o, mode=mode), w, idx, offs)
    check(lambda lib, weight, i: lib.nn.functional.embedding_bag(i, weight, mode=mode), w, idx.reshape(2, 4))
    check(lambda lib, weight, i, o: lib.nn.functional.embedding_bag(i, weight, o, mode=mode, padding_idx=4),
          w, idx, offs)
    check(lambda lib, weight, i, o: lib.nn.functional.embedding_bag(i, weight, o, mode=mode,
                                                                    include_last_offset=True),
          w, idx, np.array([0, 3, 8]))
    if mode == "sum":
        check(lambda lib, weight, i, o, psw: lib.nn.functional.embedding_bag(i, weight, o, mode=mode,
                                                                             per_sample_weights=psw),
              w, idx, offs, rand(8))
    tm, em = torch.nn.EmbeddingBag(10, 3, mode=mode), enn.EmbeddingBag(10, 3, mode=mode)
    em.load_state_dict({"weight": ember.tensor(tm.weight.detach().numpy())})
    assert_close(em(ember.tensor(idx), ember.tensor(offs)), tm(torch.tensor(idx), torch.tensor(offs)))


def test_one_hot():
    check(lambda lib, t: lib.nn.functional.one_hot(t), np.array([0, 2, 1, 4]), grad=False)
    check(lambda lib, t: lib.nn.functional.one_hot(t, 6), np.array([[0, 2], [1, 4]]), grad=False)
    check(lambda lib, t: lib.nn.functional.one_hot(t, 3), np.array(2), grad=False)
    check(lambda lib, t: lib.nn.functional.one_hot(t, 3), np.zeros((0, 2), np.int64), grad=False)
    for arr, kw in [(np.array([1, -2]), {}), (np.array([1, 5]), {"num_classes": 3}), (np.array([1.0, 2.0]), {}),
                    (np.array([1, 2], np.int32), {}), (np.zeros(0, np.int64), {}),
                    (np.array([1, 2]), {"num_classes": -2})]:
        e = check_error(lambda lib, t: lib.nn.functional.one_hot(t, **kw), arr)
    assert "Class values must be smaller than num_classes" in str(e)
    assert EF.one_hot(ember.tensor([1, 0])).dtype == ember.int64


def test_dropout_primitives_gradcheck():
    """The mask primitives with a fixed mask (float64 finite differences)."""
    from ember.autograd.node import apply
    from ember.ops import dropout as DO
    rng = np.random.default_rng(0)
    mask = (rng.random((3, 4)) > 0.5) * 2.0
    x = ember.tensor(rand(3, 4, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: apply(DO.DropoutMask, a, mask), (x,))
    assert ember.autograd.gradcheck(lambda a: apply(DO.DropoutMask, a, mask[:, :1]), (x,))
    shift = rng.standard_normal((3, 4))
    assert ember.autograd.gradcheck(lambda a: apply(DO.AlphaDropoutMask, a, mask, shift), (x,))
    assert ember.autograd.gradgradcheck(lambda a: apply(DO.DropoutMask, a, mask), (x,))
