"""torch.autocast on the CPU (float16) against torch 2.13: the dtype every op ember has
from PyTorch's CPU autocast lists returns, its values (float16 tolerances), gradients
reaching float32 inputs in float32; ops autocast leaves alone; the context manager's
state (nesting, decorator, enabled=False, exceptions, threads) and its warnings."""
import threading
import warnings

import numpy as np
import pytest
import torch

import ember
from helpers import check, rand

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _default_autocast_state():
    """Each test starts and ends with autocast off and the default autocast dtypes."""
    yield
    for lib, cpu_default in ((ember, None), (torch, torch.bfloat16)):
        for dev in ("cpu", "cuda"):
            lib.set_autocast_enabled(dev, False)
        lib.set_autocast_dtype("cpu", cpu_default)
        lib.set_autocast_dtype("cuda", lib.float16)


def _ac(fn):
    """``fn`` run inside ``lib.autocast('cpu', dtype=lib.float16)`` (backward runs outside)."""
    def run(lib, *xs):
        with lib.autocast("cpu", dtype=lib.float16):
            return fn(lib, *xs)
    return run


def F(lib):
    return lib.nn.functional


def r(*shape, dtype=np.float32):
    return rand(*shape, dtype=dtype, low=-1.0, high=1.0)


def h(*shape):
    return r(*shape, dtype=np.float16)


def pos(*shape, dtype=np.float16):
    return rand(*shape, dtype=dtype, low=0.1, high=0.9)


def spd(n, dtype=np.float16):
    a = np.random.default_rng(3).uniform(-1, 1, (n, n))
    return (a @ a.T + n * np.eye(n)).astype(dtype)


LABELS = np.array([0, 2, 1, 3])
SIGNS = np.array([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1]], dtype=np.float16)

# ops PyTorch's CPU autocast runs in the autocast dtype (float32 inputs -> float16 outputs)
LOWER = [
    ("linear", lambda lib, x, w, b: F(lib).linear(x, w, b), (r(4, 6), r(5, 6), r(5))),
    ("linear_1d", lambda lib, x, w: F(lib).linear(x, w), (r(6), r(5, 6))),
    ("matmul_2d", lambda lib, a, b: a @ b, (r(4, 6), r(6, 3))),
    ("matmul_1d_1d", lambda lib, a, b: lib.matmul(a, b), (r(6), r(6))),
    ("matmul_2d_1d", lambda lib, a, b: lib.matmul(a, b), (r(4, 6), r(6))),
    ("matmul_batched", lambda lib, a, b: lib.matmul(a, b), (r(2, 3, 4), r(4, 5))),
    ("mm", lambda lib, a, b: lib.mm(a, b), (r(4, 6), r(6, 3))),
    ("mm_method", lambda lib, a, b: a.mm(b), (r(4, 6), r(6, 3))),
    ("bmm", lambda lib, a, b: lib.bmm(a, b), (r(2, 3, 4), r(2, 4, 5))),
    ("addmm", lambda lib, c, a, b: lib.addmm(c, a, b), (r(3), r(4, 6), r(6, 3))),
    ("addbmm", lambda lib, c, a, b: lib.addbmm(c, a, b), (r(3, 5), r(2, 3, 4), r(2, 4, 5))),
    ("baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=0.5), (r(2, 3, 5), r(2, 3, 4), r(2, 4, 5))),
    ("conv1d", lambda lib, x, w, b: F(lib).conv1d(x, w, b, padding=1), (r(2, 3, 8), r(4, 3, 3), r(4))),
    ("conv2d", lambda lib, x, w, b: F(lib).conv2d(x, w, b, stride=2), (r(2, 3, 7, 7), r(4, 3, 3, 3), r(4))),
    ("conv3d", lambda lib, x, w: F(lib).conv3d(x, w), (r(1, 2, 4, 4, 4), r(3, 2, 2, 2, 2))),
    ("conv_transpose1d", lambda lib, x, w: F(lib).conv_transpose1d(x, w, stride=2), (r(2, 3, 5), r(3, 4, 3))),
    ("conv_transpose2d", lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b), (r(2, 3, 4, 4), r(3, 2, 3, 3),
                                                                                 r(2))),
    ("conv_transpose3d", lambda lib, x, w: F(lib).conv_transpose3d(x, w), (r(1, 2, 3, 3, 3), r(2, 2, 2, 2, 2))),
    ("prelu", lambda lib, x, w: F(lib).prelu(x, w), (r(4, 3), pos(3, dtype=np.float32))),
    ("sdpa", lambda lib, q, k, v: F(lib).scaled_dot_product_attention(q, k, v), (r(2, 3, 4), r(2, 5, 4),
                                                                                  r(2, 5, 4))),
    ("sdpa_causal", lambda lib, q: F(lib).scaled_dot_product_attention(q, q, q, is_causal=True), (r(2, 4, 4),)),
    ("einsum_contract", lambda lib, a, b: lib.einsum("ij,kj->ik", a, b), (r(4, 6), r(5, 6))),
    ("einsum_dot", lambda lib, a, b: lib.einsum("i,i->", a, b), (r(5), r(5))),
    ("einsum_three", lambda lib, a, b, c: lib.einsum("ij,jk,kl->il", a, b, c), (r(2, 3), r(3, 4), r(4, 2))),
    ("tensordot", lambda lib, a, b: lib.tensordot(a, b, dims=([1], [1])), (r(4, 6), r(5, 6))),
    ("inner", lambda lib, a, b: lib.inner(a, b), (r(3, 4), r(2, 4))),
    ("multi_dot", lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), (r(2, 3), r(3, 4), r(4, 2))),
]

# ops PyTorch's CPU autocast does not touch: dtypes stay what they are
UNCHANGED = [
    ("mv", lambda lib, a, v: lib.mv(a, v), (r(4, 6), r(6))),
    ("dot", lambda lib, a, b: lib.dot(a, b), (r(6), r(6))),
    ("addmv", lambda lib, c, a, v: lib.addmv(c, a, v), (r(4), r(4, 6), r(6))),
    ("outer", lambda lib, a, b: lib.outer(a, b), (r(3), r(4))),
    ("kron", lambda lib, a, b: lib.kron(a, b), (r(2, 2), r(2, 3))),
    ("bilinear", lambda lib, a, b, w, c: F(lib).bilinear(a, b, w, c), (r(4, 3), r(4, 2), r(5, 3, 2), r(5))),
    ("einsum_outer", lambda lib, a, b: lib.einsum("i,j->ij", a, b), (r(3), r(4))),
    ("einsum_elementwise", lambda lib, a, b: lib.einsum("ij,ij->ij", a, b), (r(3, 3), r(3, 3))),
    ("einsum_diagonal", lambda lib, a: lib.einsum("ii->i", a), (r(3, 3),)),
    ("adaptive_avg_pool2d", lambda lib, x: F(lib).adaptive_avg_pool2d(x, (3, 2)), (r(2, 3, 7, 5),)),
    ("adaptive_avg_pool2d_half", lambda lib, x: F(lib).adaptive_avg_pool2d(x, (3, 2)), (h(2, 3, 7, 5),)),
    ("softmax_half", lambda lib, x: F(lib).softmax(x, -1), (h(4, 6),)),
    ("log_softmax_half", lambda lib, x: F(lib).log_softmax(x, 1), (h(4, 6),)),
    ("exp_half", lambda lib, x: lib.exp(x), (h(4, 6),)),
    ("log_half", lambda lib, x: lib.log(x), (pos(4, 6),)),
    ("pow_half", lambda lib, x: x ** 2, (h(4, 6),)),
    ("sum_half", lambda lib, x: x.sum(1), (h(4, 6),)),
    ("cumsum_half", lambda lib, x: lib.cumsum(x, 0), (h(4, 6),)),
    ("layer_norm_half", lambda lib, x: F(lib).layer_norm(x, (6,)), (h(4, 6),)),
    ("group_norm_half", lambda lib, x: F(lib).group_norm(x, 3), (h(2, 6, 4),)),
    ("vector_norm_half", lambda lib, x: lib.linalg.vector_norm(x), (h(4, 6),)),
    ("softplus_half", lambda lib, x: F(lib).softplus(x), (h(4, 6),)),
    ("max_pool2d_half", lambda lib, x: F(lib).max_pool2d(x, 2), (h(1, 2, 4, 4),)),
    ("reflect_pad3d_half", lambda lib, x: F(lib).pad(x, (1, 1, 1, 1, 1, 1), mode="reflect"), (h(1, 1, 3, 3, 3),)),
    ("batch_norm_eval_half", lambda lib, x, w, b: F(lib).batch_norm(x, lib.zeros(3), lib.ones(3) * 2, w, b),
     (h(2, 3, 4), r(3), r(3))),
    ("dist_half", lambda lib, a, b: lib.dist(a, b), (h(4, 3), h(4, 3))),
    ("relu", lambda lib, x: F(lib).relu(x), (r(4, 6),)),
    ("add_mixed", lambda lib, a, b: a + b, (h(4, 6), r(4, 6))),
    ("cat_mixed", lambda lib, a, b: lib.cat([a, b]), (h(2, 6), r(3, 6))),
    ("stack_mixed", lambda lib, a, b: lib.stack([a, b]), (h(2, 6), r(2, 6))),
]

# ops PyTorch's CPU autocast runs in float32 (float16 inputs -> float32 outputs)
FP32 = [
    ("mse_loss", lambda lib, a, b: F(lib).mse_loss(a, b), (h(4, 6), h(4, 6))),
    ("mse_loss_mixed", lambda lib, a, b: F(lib).mse_loss(a, b), (h(4, 6), r(4, 6))),
    ("l1_loss", lambda lib, a, b: F(lib).l1_loss(a, b, reduction="sum"), (h(4, 6), h(4, 6))),
    ("smooth_l1_loss", lambda lib, a, b: F(lib).smooth_l1_loss(a, b), (h(4, 6), h(4, 6))),
    ("huber_loss", lambda lib, a, b: F(lib).huber_loss(a, b, delta=0.5), (h(4, 6), h(4, 6))),
    ("cross_entropy", lambda lib, x, t: F(lib).cross_entropy(x, t), (h(4, 5), LABELS)),
    ("cross_entropy_smooth", lambda lib, x, t: F(lib).cross_entropy(x, t, label_smoothing=0.1), (h(4, 5), LABELS)),
    ("nll_loss", lambda lib, x, t: F(lib).nll_loss(x, t), (h(4, 5), LABELS)),
    ("bce", lambda lib, p, y: F(lib).binary_cross_entropy(p, y), (pos(4, 3), pos(4, 3))),
    ("bce_with_logits", lambda lib, x, y: F(lib).binary_cross_entropy_with_logits(x, y), (h(4, 3), pos(4, 3))),
    ("kl_div", lambda lib, a, b: F(lib).kl_div(a, b, reduction="batchmean"), (h(4, 3), pos(4, 3))),
    ("poisson_nll_loss", lambda lib, a, b: F(lib).poisson_nll_loss(a, b), (h(4, 3), pos(4, 3))),
    ("soft_margin_loss", lambda lib, a: F(lib).soft_margin_loss(a, lib.tensor(SIGNS)), (h(4, 3),)),
    ("cosine_embedding_loss", lambda lib, a, b: F(lib).cosine_embedding_loss(a, b, lib.tensor(SIGNS[:, 0])),
     (h(4, 3), h(4, 3))),
    ("margin_ranking_loss", lambda lib, a, b: F(lib).margin_ranking_loss(a, b, lib.tensor(SIGNS[:, 1]), margin=0.1),
     (h(4), h(4))),
    ("hinge_embedding_loss", lambda lib, a: F(lib).hinge_embedding_loss(a, lib.tensor(SIGNS)), (h(4, 3),)),
    ("triplet_margin_loss", lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n), (h(4, 3), h(4, 3), h(4, 3))),
    ("multi_margin_loss", lambda lib, x, t: F(lib).multi_margin_loss(x, t), (h(4, 5), LABELS)),
    ("prod", lambda lib, x: x.prod(), (pos(2, 3),)),
    ("prod_dim", lambda lib, x: lib.prod(x, 1), (pos(2, 3),)),
    ("trace", lambda lib, x: lib.trace(x), (h(3, 3),)),
    ("cdist", lambda lib, a, b: lib.cdist(a, b), (h(4, 3), h(5, 3))),
    ("cdist_mm", lambda lib, a, b: lib.cdist(a, b), (h(30, 3), r(26, 3))),
    ("inverse", lambda lib, x: lib.inverse(x), (spd(3),)),
    ("linalg_inv", lambda lib, x: lib.linalg.inv(x), (spd(3),)),
    ("linalg_solve", lambda lib, a, b: lib.linalg.solve(a, b), (spd(3), h(3, 2))),
    ("linalg_cholesky", lambda lib, a: lib.linalg.cholesky(a), (spd(3),)),
    ("linalg_eigvalsh", lambda lib, a: lib.linalg.eigvalsh(a), (spd(3),)),
    ("avg_pool3d", lambda lib, x: F(lib).avg_pool3d(x, 2), (h(1, 2, 4, 4, 4),)),
    ("max_pool3d", lambda lib, x: F(lib).max_pool3d(x, 2), (h(1, 2, 4, 4, 4),)),
    ("reflect_pad1d", lambda lib, x: F(lib).pad(x, (2, 1), mode="reflect"), (h(2, 3, 5),)),
    ("reflect_pad2d", lambda lib, x: F(lib).pad(x, (1, 1, 2, 0), mode="reflect"), (h(1, 2, 4, 4),)),
    ("replicate_pad1d", lambda lib, x: F(lib).pad(x, (1, 2), mode="replicate"), (h(2, 3, 5),)),
    ("replicate_pad2d", lambda lib, x: F(lib).pad(x, (1, 1, 1, 1), mode="replicate"), (h(1, 2, 4, 4),)),
    ("replicate_pad3d", lambda lib, x: F(lib).pad(x, (1, 0, 1, 0, 0, 1), mode="replicate"), (h(1, 1, 3, 3, 3),)),
]

# float16 products: PyTorch and NumPy round inputs alike, but accumulate differently
TOL16 = dict(atol=2e-2, rtol=2e-2, grad_atol=5e-2, grad_rtol=5e-2)


@pytest.mark.parametrize("name,fn,inputs", LOWER, ids=[c[0] for c in LOWER])
def test_lower_precision_ops(name, fn, inputs):
    e, t = check(_ac(fn), *inputs, **TOL16)
    assert t.dtype == torch.float16 and e.dtype is ember.float16


@pytest.mark.parametrize("name,fn,inputs", UNCHANGED, ids=[c[0] for c in UNCHANGED])
def test_ops_autocast_leaves_alone(name, fn, inputs):
    e, t = check(_ac(fn), *inputs, **TOL16)
    assert str(e.dtype) == str(t.dtype) == str(fn(torch, *[torch.tensor(x) for x in inputs]).dtype)


@pytest.mark.parametrize("name,fn,inputs", FP32, ids=[c[0] for c in FP32])
def test_float32_ops(name, fn, inputs):
    e, t = check(_ac(fn), *inputs, **TOL16)
    assert t.dtype == torch.float32 and e.dtype is ember.float32


def test_float64_is_not_eligible():
    e, t = check(_ac(lambda lib, x, w: F(lib).linear(x, w)), r(3, 4, dtype=np.float64), r(2, 4, dtype=np.float64))
    assert e.dtype is ember.float64


def test_explicit_dtype_is_respected():
    check(_ac(lambda lib, x: F(lib).softmax(x, 1, dtype=lib.float32)), h(3, 4), **TOL16)


def _linear_pair():
    tl = torch.nn.Linear(6, 3)
    el = ember.nn.Linear(6, 3)
    el.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tl.state_dict().items()})
    return el, tl


def test_parameters_get_float32_gradients():
    el, tl = _linear_pair()
    x = r(5, 6)
    outs = []
    for lib, lin in ((ember, el), (torch, tl)):
        with lib.autocast("cpu", dtype=lib.float16):
            y = lin(lib.tensor(x))
            loss = F(lib).cross_entropy(y, lib.tensor(np.array([0, 1, 2, 0, 1])))
        loss.backward()
        outs.append((y, loss, lin.weight.grad, lin.bias.grad))
    (ey, el_, ewg, ebg), (ty, tl_, twg, tbg) = outs
    assert str(ey.dtype) == str(ty.dtype) == "torch.float16"
    assert str(el_.dtype) == str(tl_.dtype) == "torch.float32"
    assert ewg.dtype is ember.float32 and ebg.dtype is ember.float32
    np.testing.assert_allclose(ewg.numpy(), twg.numpy(), atol=2e-3, rtol=2e-2)
    np.testing.assert_allclose(ebg.numpy(), tbg.numpy(), atol=2e-3, rtol=2e-2)
    assert ey.grad_fn.name() == ty.grad_fn.name() == "AddmmBackward0"


def test_parameter_used_twice_is_cast_once_and_gets_both_gradients():
    el, tl = _linear_pair()
    x = r(4, 6)
    grads = []
    for lib, lin in ((ember, el), (torch, tl)):
        with lib.autocast("cpu", dtype=lib.float16):
            y = F(lib).linear(lib.tensor(x), lin.weight) + F(lib).linear(lib.tensor(x) * 2, lin.weight)
        y.float().sum().backward()
        grads.append(lin.weight.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=2e-2, rtol=2e-2)
    from ember.tensor import amp as A
    w, x = el.weight, ember.ones(2, 6)
    with ember.autocast("cpu", dtype=ember.float16):
        (_, w1), _ = A.cast_args("linear", (x, w), {})
        (_, w2), _ = A.cast_args("linear", (x, w), {})
        assert w1 is w2 and w1.dtype is ember.float16 and w1.grad_fn is not None  # one cached cast
        (_, wt1), _ = A.cast_args("mm", (x, w.t()), {})
        (_, wt2), _ = A.cast_args("mm", (x, w.t()), {})
        assert wt1 is not wt2  # views are not cached (PyTorch neither)
        with ember.autocast("cpu", dtype=ember.float16, cache_enabled=False):
            (_, w3), _ = A.cast_args("linear", (x, w), {})
        assert w3 is not w1
        with ember.no_grad():
            (_, w4), _ = A.cast_args("linear", (x, w), {})
        assert w4 is not w1 and w4.grad_fn is None
        with ember.no_grad():
            w.mul_(1.0)  # an in-place update makes the cached copy stale
        (_, w5), _ = A.cast_args("linear", (x, w), {})
        assert w5 is not w1
    assert not A._cache  # cleared when the outermost region exits
    with ember.autocast("cpu", dtype=ember.float16):
        (_, w6), _ = A.cast_args("linear", (x, w), {})
    assert w6 is not w5


def test_rnn_layers_and_cells():
    """nn.RNN and nn.RNNCell (tanh/relu) run in float16 on the CPU, as PyTorch's linears do;
    GRU/GRUCell/LSTMCell return float32 as in PyTorch (there with float16 inside; ember keeps
    them in float32, so values agree to float16 accuracy only)."""
    torch.manual_seed(0)
    x = r(5, 2, 4)
    for tmod, emod in ((torch.nn.RNN(4, 3, num_layers=2, bidirectional=True), ember.nn.RNN),
                       (torch.nn.RNN(4, 3, nonlinearity="relu"), ember.nn.RNN),
                       (torch.nn.GRU(4, 3), ember.nn.GRU),
                       (torch.nn.RNNCell(4, 3), ember.nn.RNNCell), (torch.nn.GRUCell(4, 3), ember.nn.GRUCell),
                       (torch.nn.LSTMCell(4, 3), ember.nn.LSTMCell)):
        kw = {"num_layers": tmod.num_layers, "bidirectional": tmod.bidirectional} if hasattr(tmod, "num_layers") \
            else {}
        if hasattr(tmod, "nonlinearity"):
            kw["nonlinearity"] = tmod.nonlinearity
        e = emod(4, 3, **kw)
        e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()})
        xin = x if hasattr(tmod, "num_layers") else x[0]
        with torch.autocast("cpu", dtype=torch.float16):
            tout = tmod(torch.tensor(xin))
        with ember.autocast("cpu", dtype=ember.float16):
            eout = e(ember.tensor(xin))
        tout = tout if isinstance(tout, tuple) else (tout,)
        eout = eout if isinstance(eout, tuple) else (eout,)
        for a, b in zip(eout, tout):
            assert str(a.dtype) == str(b.dtype), type(tmod).__name__
            np.testing.assert_allclose(a.detach().float().numpy(), b.detach().float().numpy(), atol=1e-2,
                                       err_msg=type(tmod).__name__)
        sum(o.float().sum() for o in eout).backward()
        assert all(p.grad.dtype is ember.float32 for p in e.parameters())


def test_transformer_encoder_layer_matches():
    torch.manual_seed(0)
    t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    e = ember.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = r(2, 5, 8)
    with torch.autocast("cpu", dtype=torch.float16):
        ty = t(torch.tensor(x))
    with ember.autocast("cpu", dtype=ember.float16):
        ey = e(ember.tensor(x))
    assert str(ey.dtype) == str(ty.dtype)
    np.testing.assert_allclose(ey.detach().float().numpy(), ty.detach().float().numpy(), atol=3e-2, rtol=3e-2)


# ------------------------------------------------------------------ the context manager
@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_state_inside_outside_nested_and_after_exception(lib):
    assert not lib.is_autocast_enabled("cpu") and not lib.is_autocast_enabled()
    with lib.autocast("cpu", dtype=lib.float16):
        assert lib.is_autocast_enabled("cpu") and not lib.is_autocast_enabled("cuda")
        assert not lib.is_autocast_enabled()  # no argument: CUDA's state
        assert lib.get_autocast_dtype("cpu") == lib.float16
        with lib.autocast("cpu", enabled=False):
            assert not lib.is_autocast_enabled("cpu")
            assert lib.mm(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float32
        assert lib.is_autocast_enabled("cpu")
        assert lib.mm(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float16
        with pytest.raises(ValueError):
            with lib.autocast("cpu", dtype=lib.float16):
                raise ValueError("boom")
        assert lib.is_autocast_enabled("cpu")
    assert not lib.is_autocast_enabled("cpu")
    with pytest.raises(KeyError):
        with lib.autocast("cpu", dtype=lib.float16):
            raise KeyError("x")
    assert not lib.is_autocast_enabled("cpu")
    assert lib.mm(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float32


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_decorator_and_alias(lib):
    @lib.autocast("cpu", dtype=lib.float16)
    def forward(a, b):
        """doc"""
        assert lib.is_autocast_enabled("cpu")
        return a @ b
    assert forward(lib.ones(2, 3), lib.ones(3, 2)).dtype == lib.float16
    assert forward.__doc__ == "doc" and not lib.is_autocast_enabled("cpu")
    assert lib.amp.autocast is lib.autocast
    with pytest.raises(TypeError, match="requires a callable"):
        lib.autocast("cpu", dtype=lib.float16)(3)


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_state_is_thread_local(lib):
    seen = []
    with lib.autocast("cpu", dtype=lib.float16):
        th = threading.Thread(target=lambda: seen.append(
            (lib.is_autocast_enabled("cpu"), lib.mm(lib.ones(2, 2), lib.ones(2, 2)).dtype)))
        th.start()
        th.join()
    assert seen == [(False, lib.float32)]


def test_set_functions_and_nesting_counter():
    for lib in (ember, torch):
        lib.set_autocast_enabled("cpu", True)
        lib.set_autocast_dtype("cpu", lib.float16)
        try:
            assert lib.is_autocast_enabled("cpu")
            assert lib.matmul(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float16
        finally:
            lib.set_autocast_enabled("cpu", False)
        assert lib.matmul(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float32
        assert lib.autocast_increment_nesting() == 1 and lib.autocast_decrement_nesting() == 0
        assert lib.is_autocast_cache_enabled()
    with pytest.warns(DeprecationWarning, match=r"is_autocast_cpu_enabled\(\) is deprecated"):
        assert ember.is_autocast_cpu_enabled() is False
    with pytest.warns(DeprecationWarning):
        assert ember.get_autocast_gpu_dtype() is ember.float16


def test_cpu_default_dtype_warns_and_disables():
    """PyTorch's default CPU autocast dtype is bfloat16; ember has none, so it does what
    PyTorch does for an unsupported dtype: warn and stay disabled."""
    assert ember.get_autocast_dtype("cpu") is None and ember.get_autocast_dtype("cuda") is ember.float16
    for lib, dt in ((ember, None), (torch, torch.float64), (ember, ember.float64), (ember, ember.float32)):
        with pytest.warns(UserWarning, match="In CPU autocast, but the target dtype is not supported. Disabling"):
            ac = lib.autocast("cpu", dtype=dt)
        with ac:
            assert not lib.is_autocast_enabled("cpu")
            assert lib.mm(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float32


def test_cuda_without_gpu_warns_and_disables():
    if ember.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: autocast('cuda') is enabled there")
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast."):
            ac = lib.autocast("cuda")
        with ac:
            assert not lib.is_autocast_enabled("cuda")


def test_deprecated_spellings_warn():
    for lib in (ember, torch):
        with pytest.warns(FutureWarning, match=r"`torch\.cpu\.amp\.autocast\(args...\)` is deprecated"):
            ac = lib.cpu.amp.autocast(dtype=lib.float16)
        with ac:
            assert lib.is_autocast_enabled("cpu")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with pytest.warns(FutureWarning, match=r"`torch\.cuda\.amp\.autocast\(args...\)` is deprecated"):
                lib.cuda.amp.autocast(enabled=False)


def test_bad_device_types():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
            lib.autocast(lib.device("cpu"))
        with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
            lib.autocast("foo")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'xpu'"):
        ember.autocast("xpu")
    assert not ember.amp.is_autocast_available("mps") and ember.amp.is_autocast_available("cpu")


def test_custom_fwd_casts_inputs_and_bwd_keeps_state():
    seen = {}

    class Square(ember.autograd.Function):
        @staticmethod
        @ember.amp.custom_fwd(device_type="cpu", cast_inputs=ember.float32)
        def forward(ctx, x):
            seen["fwd"] = (x.dtype, ember.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ember.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            seen["bwd"] = ember.is_autocast_enabled("cpu")
            x, = ctx.saved_tensors
            return 2 * x * g

    x = ember.tensor(h(3), requires_grad=True)
    with ember.autocast("cpu", dtype=ember.float16):
        y = Square.apply(x)
    y.sum().backward()
    assert seen == {"fwd": (ember.float32, False), "bwd": False}
    assert x.grad.dtype is ember.float16


def test_torch_spellings_import_through_the_alias():
    import subprocess
    import sys
    code = ("from ember.cli.torch_alias import install; install()\n"
            "import torch, torch.amp\n"
            "from torch.amp import GradScaler, autocast\n"
            "from torch.cuda.amp import autocast as a2, GradScaler as G2\n"
            "from torch.cpu.amp import autocast as a3\n"
            "import torch.amp.grad_scaler, torch.amp.autocast_mode\n"
            "assert autocast is torch.autocast and GradScaler is torch.amp.GradScaler\n"
            "assert issubclass(a2, autocast) and issubclass(a3, autocast) and issubclass(G2, GradScaler)\n"
            "assert torch.cuda.amp.autocast is a2 and torch.cpu.is_available()\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_cuda_lists_applied_to_cpu_tensors(monkeypatch):
    """Without a GPU, the CUDA policies are exercised by giving CPU tensors the CUDA table;
    the expected dtypes are PyTorch's documented CUDA autocast behaviour (float16 for the
    matmul family and the RNNs; float32 for exp, pow, softmax, sums, norms, layer_norm, losses;
    an explicit dtype= wins; binary_cross_entropy refused)."""
    from ember.tensor import amp_lists
    monkeypatch.setitem(amp_lists.TABLES, "cpu", amp_lists.CUDA)
    fn = ember.nn.functional
    with ember.autocast("cpu", dtype=ember.float16):
        x = ember.randn(4, 6)
        out = ember.nn.Linear(6, 3)(x)
        half = [out, ember.mv(x, ember.randn(6)), ember.nn.LSTM(6, 3)(x.unsqueeze(1))[0],
                ember.nn.GRUCell(6, 3)(x), ember.einsum("i,j->ij", x[0], x[1])]
        single = [out.softmax(1), fn.log_softmax(out, 1), out.exp(), out.sum(), out ** 2, out.cumsum(0),
                  fn.layer_norm(out, (3,)), ember.norm(out), ember.linalg.vector_norm(out),
                  fn.cross_entropy(out, ember.tensor([0, 1, 2, 0])), fn.mse_loss(out, out),
                  fn.interpolate(out.reshape(1, 4, 3), scale_factor=2),
                  ember.tensordot(out, x[:, :3], dims=([1], [1])), fn.bilinear(out, out, ember.randn(2, 3, 3))]
        assert ember.tensordot(out, out, dims=([1], [1])).dtype is ember.float16  # promote: the widest input
        assert all(t.dtype is ember.float16 for t in half), [t.dtype for t in half]
        assert [str(t.dtype) for t in single] == ["torch.float32"] * len(single)
        assert out.sum(dtype=ember.float16).dtype is ember.float16
        with pytest.raises(RuntimeError, match="binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast"):
            fn.binary_cross_entropy(out.sigmoid(), ember.rand(4, 3))
