"""F.scaled_dot_product_attention, F.multi_head_attention_forward and nn.MultiheadAttention
against torch 2.13: values, input and parameter gradients, masks of every kind, options,
train/eval (and torch's no-grad inference fast path), repr, init and errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import check, check_error, rand, to_numpy

RNG = np.random.default_rng(7)


def sdpa(lib, *a, **k):
    return lib.nn.functional.scaled_dot_product_attention(*a, **k)


def _mask(shape, p=0.3, keep_row=True):
    m = RNG.random(shape) > p
    if keep_row:
        m[..., 0] = True  # every row attends somewhere
    return m


# ---------------------------------------------------------------------- SDPA values and gradients
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("qs,ks,vs", [((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)),
                                      ((3, 4, 8), (3, 6, 8), (3, 6, 8)),
                                      ((4, 8), (5, 8), (5, 3)),
                                      ((2, 3, 4, 8), (1, 3, 5, 8), (2, 1, 5, 6)),  # broadcast batch
                                      ((2, 1, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8))])
def test_sdpa_plain(dt, qs, ks, vs):
    check(lambda lib, q, k, v: sdpa(lib, q, k, v), rand(*qs, dtype=dt), rand(*ks, dtype=dt), rand(*vs, dtype=dt))


@pytest.mark.parametrize("L,S", [(5, 5), (4, 7), (7, 4)])
def test_sdpa_causal_and_scale(L, S):
    q, k, v = rand(2, 2, L, 8, dtype=np.float64), rand(2, 2, S, 8, dtype=np.float64), rand(2, 2, S, 4,
                                                                                           dtype=np.float64)
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True), q, k, v)
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, scale=0.37), q, k, v)
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, None, 0.0, True, scale=2.0), q, k, v)


@pytest.mark.parametrize("mshape", [(4, 5), (1, 4, 5), (3, 4, 5), (2, 3, 4, 5), (2, 1, 4, 5), (4, 1), (1, 5)])
def test_sdpa_bool_mask(mshape):
    m = _mask(mshape)
    check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), rand(2, 3, 4, 8), rand(2, 3, 5, 8),
          rand(2, 3, 5, 6), m)


def test_sdpa_fully_masked_rows_give_zero():
    m = _mask((4, 5))
    m[2] = False  # row 2 sees no key: PyTorch's safe softmax gives 0 (value and gradient)
    e, t = check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), rand(2, 4, 8),
                 rand(2, 5, 8), rand(2, 5, 6), m)
    assert not np.any(to_numpy(e)[:, 2])
    fm = np.where(m, 0.0, -np.inf).astype(np.float32)
    check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), rand(2, 4, 8), rand(2, 5, 8), rand(2, 5, 6), fm,
          grad=False)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("mshape", [(4, 5), (2, 3, 4, 5), (3, 1, 5)])
def test_sdpa_float_mask_with_grad(dt, mshape):
    # the additive mask is an input too: its gradient is compared with torch's
    check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), rand(2, 3, 4, 8, dtype=dt),
          rand(2, 3, 5, 8, dtype=dt), rand(2, 3, 5, 6, dtype=dt), rand(*mshape, dtype=dt))


def test_sdpa_float32_mask_with_float64_query():
    check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), rand(2, 4, 8, dtype=np.float64),
          rand(2, 5, 8, dtype=np.float64), rand(2, 5, 6, dtype=np.float64), rand(4, 5))


@pytest.mark.parametrize("mshape", [None, (4, 5), (6, 4, 5), (2, 1, 4, 5), (2, 6, 4, 5)])
def test_sdpa_gqa(mshape):
    args = [rand(2, 6, 4, 8, dtype=np.float64), rand(2, 3, 5, 8, dtype=np.float64), rand(2, 3, 5, 6,
                                                                                        dtype=np.float64)]
    if mshape is None:
        check(lambda lib, q, k, v: sdpa(lib, q, k, v, enable_gqa=True), *args)
    else:
        check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m, enable_gqa=True), *args,
              rand(*mshape, dtype=np.float64))
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True, enable_gqa=True), *args)


def test_sdpa_empty():
    check(lambda lib, q, k, v: sdpa(lib, q, k, v), rand(2, 0, 8), rand(2, 5, 8), rand(2, 5, 6))
    check(lambda lib, q, k, v: sdpa(lib, q, k, v), rand(2, 4, 8), rand(2, 0, 8), rand(2, 0, 6))
    check(lambda lib, q, k, v: sdpa(lib, q, k, v), rand(0, 4, 8), rand(0, 5, 8), rand(0, 5, 6))


def test_sdpa_non_contiguous_inputs():
    q, k, v = rand(4, 2, 8), rand(5, 2, 8), rand(5, 2, 6)
    check(lambda lib, q, k, v: sdpa(lib, q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)), q, k, v)


def test_sdpa_gradcheck_float64():
    q = ember.tensor(rand(2, 3, 8, dtype=np.float64), requires_grad=True)
    k = ember.tensor(rand(2, 4, 8, dtype=np.float64), requires_grad=True)
    v = ember.tensor(rand(2, 4, 5, dtype=np.float64), requires_grad=True)
    m = ember.tensor(rand(3, 4, dtype=np.float64), requires_grad=True)
    F = ember.nn.functional
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), (q, k, v, m))
    assert gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), (q, k, v))
    # the weights output of the MHA path (dropout off) is differentiable too
    w = ember.tensor(rand(12, 4, dtype=np.float64), requires_grad=True)
    x = ember.tensor(rand(3, 2, 4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: F.multi_head_attention_forward(
        x, x, x, 4, 2, w, None, None, None, False, 0.0, w[:4], None, need_weights=True)[1], (x, w))


def test_sdpa_dropout():
    q, k, v = (ember.tensor(rand(4, 8, 16, 8)) for _ in range(3))
    F = ember.nn.functional
    ember.manual_seed(1)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)
    ember.manual_seed(1)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)
    assert np.array_equal(a.numpy(), b.numpy())  # ember.manual_seed repeats the mask
    ref = F.scaled_dot_product_attention(q, k, v)
    assert not np.allclose(a.numpy(), ref.numpy())
    assert not np.any(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy())
    # unbiased: the mean over many masks approaches the dropout-free output
    ones = ember.ones(1, 64, 64)
    vals = ember.tensor(np.eye(64, dtype=np.float32)[None])
    w = F.scaled_dot_product_attention(ones, ones, vals, dropout_p=0.5)  # each weight is 1/64, kept * 2
    got = w.numpy()
    assert set(np.unique(np.round(got * 64, 4))) <= {0.0, 2.0}
    assert abs(got.mean() - 1 / 64) < 0.1 / 64


def test_sdpa_errors():
    q, k, v = rand(2, 3, 4, 8), rand(2, 3, 5, 8), rand(2, 3, 5, 6)
    check_error(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m, is_causal=True), q, k, v,
                np.ones((4, 5), bool), match="is_causal")
    check_error(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), q, k, v, np.ones((4, 6), bool))
    check_error(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), q, k, v, np.ones((4, 5), np.int64))
    check_error(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), q, k, v, np.ones((4, 5), np.float64))
    check_error(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), q, k, v, np.ones(5, bool))
    check_error(lambda lib, q, k, v: sdpa(lib, q, k[..., :7], v), q, k, v, match="7")
    check_error(lambda lib, q, k, v: sdpa(lib, q, k, v[:, :, :4]), q, k, v)
    check_error(lambda lib, q, k, v: sdpa(lib, q, k.double(), v), q, k, v, match="same dtype")
    check_error(lambda lib, q, k, v: sdpa(lib, q[0, 0, 0], k[0, 0], v[0, 0]), q, k, v, match="2 dimensional")
    check_error(lambda lib, q, k, v: sdpa(lib, q, k, v, dropout_p=1.5), q, k, v, match="between 0 and 1")
    check_error(lambda lib, q, k, v: sdpa(lib, q, k, v, enable_gqa=True), rand(2, 4, 4, 8), k, v,
                match="divide")
    check_error(lambda lib, q, k, v: sdpa(lib, q, k, v), rand(2, 6, 4, 8), k, v, match="size of tensor")
    check_error(lambda lib, q, k, v: sdpa(lib, q.int(), k.int(), v.int()), q, k, v)
    check_error(lambda lib, q, k, v: sdpa(lib, q, k, v, None, 0.0, False, 0.5), q, k, v)  # scale is keyword-only


# ---------------------------------------------------------------------- MultiheadAttention
def _pair(kwargs, dt=np.float32, seed=0):
    torch.manual_seed(seed)
    tm = torch.nn.MultiheadAttention(**kwargs)
    em = ember.nn.MultiheadAttention(**kwargs)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    if dt == np.float64:
        tm, em = tm.double(), em.double()
    return tm, em


def _tensors(arrs, grad=True):
    return ([torch.tensor(a, requires_grad=grad) for a in arrs],
            [ember.tensor(a, requires_grad=grad) for a in arrs])


def run_mha(kwargs, shapes, call=None, masks=None, same="self", dt=np.float32, train=True, no_grad=False):
    """Forward both layers on the same data, then backward one random gradient into the
    output (and the weights, if returned); compare outputs, weights and all gradients."""
    call = call or {}
    masks = masks or {}
    tm, em = _pair(kwargs, dt)
    tm.train(train)
    em.train(train)
    arrs = [RNG.standard_normal(s).astype(dt) for s in shapes]
    tin, ein = _tensors(arrs, grad=not no_grad)
    pick = {"self": lambda x: (x[0], x[0], x[0]), "kv": lambda x: (x[0], x[1], x[1]), "none": lambda x: tuple(x)}
    tq, ek = pick[same](tin), pick[same](ein)
    tkw = dict(call, **{n: torch.tensor(m) for n, m in masks.items()})
    ekw = dict(call, **{n: ember.tensor(m) for n, m in masks.items()})
    tol = dict(atol=1e-5, rtol=1e-4) if dt == np.float32 else dict(atol=1e-12, rtol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if no_grad:
            with torch.no_grad():
                to, tw = tm(*tq, **tkw)
            with ember.no_grad():
                eo, ew = em(*ek, **ekw)
        else:
            to, tw = tm(*tq, **tkw)
            eo, ew = em(*ek, **ekw)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), equal_nan=True, **tol)
    assert (tw is None) == (ew is None)
    if tw is not None:
        assert tuple(ew.shape) == tuple(tw.shape)
        np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), equal_nan=True, **tol)
    if no_grad:
        return
    g = RNG.standard_normal(tuple(to.shape)).astype(dt)
    lt, le = (to * torch.tensor(g)).sum(), (eo * ember.tensor(g)).sum()
    if tw is not None:
        gw = RNG.standard_normal(tuple(tw.shape)).astype(dt)
        lt, le = lt + (tw * torch.tensor(gw)).sum(), le + (ew * ember.tensor(gw)).sum()
    lt.backward()
    le.backward()
    gtol = dict(atol=1e-4, rtol=1e-3) if dt == np.float32 else tol
    for a, b in zip(tin, ein):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), **gtol)
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), err_msg=name, **gtol)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(dt, batch_first, need_weights, average):
    shape = (3, 5, 8) if batch_first else (5, 3, 8)
    run_mha(dict(embed_dim=8, num_heads=2, batch_first=batch_first), [shape],
            call=dict(need_weights=need_weights, average_attn_weights=average), dt=dt)


@pytest.mark.parametrize("same", ["kv", "none"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_cross_attention(same, batch_first):
    q, kv = ((3, 5, 8), (3, 6, 8)) if batch_first else ((5, 3, 8), (6, 3, 8))
    run_mha(dict(embed_dim=8, num_heads=4, batch_first=batch_first), [q, kv, kv], same=same, dt=np.float64)


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_kdim_vdim(batch_first):
    shapes = [(3, 5, 8), (3, 6, 5), (3, 6, 7)] if batch_first else [(5, 3, 8), (6, 3, 5), (6, 3, 7)]
    run_mha(dict(embed_dim=8, num_heads=2, kdim=5, vdim=7, batch_first=batch_first), shapes, same="none",
            dt=np.float64)
    run_mha(dict(embed_dim=8, num_heads=2, kdim=5, vdim=7, bias=False), [(5, 3, 8), (6, 3, 5), (6, 3, 7)],
            same="none", call=dict(need_weights=False), dt=np.float64)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_bias_kv_zero_attn(need_weights):
    kpm = np.zeros((3, 6), bool)
    kpm[1, 4:] = True
    for add_bias_kv, add_zero_attn in ((True, False), (False, True), (True, True)):
        run_mha(dict(embed_dim=8, num_heads=2, add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn),
                [(5, 3, 8), (6, 3, 8), (6, 3, 8)], same="none", dt=np.float64,
                call=dict(need_weights=need_weights),
                masks=dict(key_padding_mask=kpm, attn_mask=RNG.standard_normal((5, 6))))


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_mha_masks(need_weights, kind):
    kpm = np.zeros((3, 5), bool)
    kpm[0, 3:] = True
    kpm[2, 1] = True
    am2 = np.triu(np.ones((5, 5), bool), 1)
    am3 = RNG.random((6, 5, 5)) < 0.3
    am3[..., 0] = False
    conv = (lambda m: m) if kind == "bool" else (lambda m: np.where(m, -np.inf, 0.0).astype(np.float32))
    for masks in (dict(key_padding_mask=kpm), dict(attn_mask=am2), dict(attn_mask=am3),
                  dict(key_padding_mask=kpm, attn_mask=am2), dict(key_padding_mask=kpm, attn_mask=am3)):
        run_mha(dict(embed_dim=8, num_heads=2), [(5, 3, 8)], masks={n: conv(m) for n, m in masks.items()},
                call=dict(need_weights=need_weights))
    # a float mask of finite values, and mixed mask dtypes (PyTorch warns, and adds them)
    run_mha(dict(embed_dim=8, num_heads=2), [(5, 3, 8)], masks=dict(attn_mask=RNG.standard_normal((5, 5)).astype(
        np.float32), key_padding_mask=kpm), call=dict(need_weights=need_weights))


def test_mha_fully_masked_rows():
    kpm = np.zeros((2, 4), bool)
    kpm[0] = True  # sample 0 has no visible key: nan with need_weights (PyTorch), 0 without
    run_mha(dict(embed_dim=8, num_heads=2), [(4, 2, 8)], masks=dict(key_padding_mask=kpm), train=False,
            no_grad=True)
    run_mha(dict(embed_dim=8, num_heads=2), [(4, 2, 8)], masks=dict(key_padding_mask=kpm),
            call=dict(need_weights=False))


def test_mha_is_causal_hint():
    causal = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    run_mha(dict(embed_dim=8, num_heads=2), [(5, 3, 8)], masks=dict(attn_mask=causal),
            call=dict(need_weights=False, is_causal=True))
    run_mha(dict(embed_dim=8, num_heads=2, batch_first=True), [(3, 5, 8)], masks=dict(attn_mask=causal),
            call=dict(need_weights=True, is_causal=True))


def test_mha_unbatched():
    run_mha(dict(embed_dim=8, num_heads=2), [(5, 8)], dt=np.float64)
    run_mha(dict(embed_dim=8, num_heads=2, batch_first=True), [(5, 8), (6, 8), (6, 8)], same="none",
            masks=dict(key_padding_mask=np.array([False, False, True, False, True, False]),
                       attn_mask=RNG.random((2, 5, 6)) < 0.2), dt=np.float64)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_eval_and_fast_path(batch_first, need_weights):
    # eval with gradients, and eval under no_grad, where torch takes its native fast path
    shape = (3, 5, 8) if batch_first else (5, 3, 8)
    kpm = np.zeros((3, 5), bool)
    kpm[1, 3:] = True
    for no_grad in (False, True):
        run_mha(dict(embed_dim=8, num_heads=2, dropout=0.3, batch_first=batch_first), [shape], train=False,
                no_grad=no_grad, masks=dict(key_padding_mask=kpm), call=dict(need_weights=need_weights))


def test_mha_dropout_in_training():
    em = ember.nn.MultiheadAttention(16, 4, dropout=0.5)
    x = ember.tensor(rand(6, 2, 16))
    em.eval()
    ref = em(x, x, x)[0].detach().numpy()
    em.train()
    ember.manual_seed(3)
    a, w = em(x, x, x, average_attn_weights=False)
    assert not np.allclose(a.detach().numpy(), ref)
    # the returned weights are the dropped-out ones (as PyTorch): 0 or twice a probability
    assert np.mean(w.detach().numpy() == 0) > 0.3
    ember.manual_seed(3)
    b = em(x, x, x)[0]
    assert np.allclose(a.detach().numpy(), b.detach().numpy())


def test_functional_mha_static_kv_and_separate_weights():
    E, H, L, S, N = 8, 2, 4, 5, 3
    arr = {n: RNG.standard_normal(s) for n, s in dict(q=(L, N, E), k=(S, N, E), v=(S, N, E), w=(3 * E, E),
                                                       b=(3 * E,), wo=(E, E), bo=(E,), sk=(N * H, 6, E // H),
                                                       sv=(N * H, 6, E // H), wq=(E, E), wk=(E, 5), wv=(E, 7),
                                                       k5=(S, N, 5), v7=(S, N, 7)).items()}

    def f(lib, q, k, v, w, b, wo, bo, sk, sv):
        F = lib.nn.functional
        return F.multi_head_attention_forward(q, k, v, E, H, w, b, None, None, False, 0.0, wo, bo,
                                              static_k=sk, static_v=sv)
    check(f, *(arr[n] for n in ("q", "k", "v", "w", "b", "wo", "bo", "sk", "sv")))

    def g(lib, q, k, v, b, wo, bo, wq, wk, wv):
        F = lib.nn.functional
        return F.multi_head_attention_forward(q, k, v, E, H, None, b, None, None, False, 0.0, wo, bo,
                                              use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
                                              v_proj_weight=wv, average_attn_weights=False)
    check(g, *(arr[n] for n in ("q", "k5", "v7", "b", "wo", "bo", "wq", "wk", "wv")))


@pytest.mark.parametrize("kwargs", [dict(embed_dim=8, num_heads=2), dict(embed_dim=8, num_heads=2, bias=False),
                                    dict(embed_dim=6, num_heads=3, kdim=4, vdim=5, add_bias_kv=True),
                                    dict(embed_dim=8, num_heads=1, batch_first=True, dropout=0.1)])
def test_mha_repr_and_state_dict(kwargs):
    tm, em = _pair(kwargs)
    assert repr(em) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    assert type(em.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(em.out_proj, ember.nn.Linear)
    for name in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first",
                 "_qkv_same_embed_dim", "add_zero_attn"):
        assert getattr(em, name) == getattr(tm, name), name
    assert (em.bias_k is None) == (tm.bias_k is None)


def test_mha_default_init_statistics():
    torch.manual_seed(0)
    ember.manual_seed(0)
    tm = torch.nn.MultiheadAttention(256, 4, add_bias_kv=True)
    em = ember.nn.MultiheadAttention(256, 4, add_bias_kv=True)
    for name, tp in tm.named_parameters():
        a, b = getattr(em, name.split(".")[0]) if "." not in name else em.out_proj.get_parameter(
            name.split(".")[1]), tp
        a, b = a.detach().numpy().ravel(), b.detach().numpy().ravel()
        if not np.any(b):
            assert not np.any(a), name
            continue
        n = b.size
        tol = 6 * b.std() / np.sqrt(n)
        assert abs(a.mean() - b.mean()) < tol + 1e-3, name
        assert abs(a.std() - b.std()) < 5 / np.sqrt(2 * n) * b.std(), name  # 5 standard errors of a std
        if n > 1000:  # uniform: same bounds
            assert abs(a.max() - b.max()) < 0.02 * b.max() and abs(a.min() - b.min()) < 0.02 * abs(b.min()), name


def test_mha_errors():
    x = rand(3, 2, 8)
    check_error(lambda lib: lib.nn.MultiheadAttention(8, 3), match="embed_dim must be divisible by num_heads")
    check_error(lambda lib: lib.nn.MultiheadAttention(0, 2))

    def call(**kw):
        def f(lib, x):
            torch.manual_seed(0)
            m = lib.nn.MultiheadAttention(8, 2)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return m(x, x, x, **{n: lib.tensor(v) if isinstance(v, np.ndarray) else v for n, v in kw.items()})
        return f
    check_error(call(attn_mask=np.zeros((4, 3), np.float32)), x, match=r"2D attn_mask.*\[4, 3\]")
    check_error(call(attn_mask=np.zeros((5, 3, 3), np.float32)), x, match=r"3D attn_mask.*\[5, 3, 3\]")
    check_error(call(attn_mask=np.zeros((1, 4, 3, 3), np.float32)), x)
    check_error(call(key_padding_mask=np.zeros((2, 4), bool)), x, match="key_padded_mask.shape\\[1\\]")
    check_error(call(key_padding_mask=np.zeros((3, 3), bool)), x, match="key_padded_mask.shape\\[0\\]")
    check_error(call(key_padding_mask=np.zeros(3, bool)), x)
    check_error(call(attn_mask=np.zeros((3, 3), np.int64)), x, match="bool and floating")
    check_error(call(is_causal=True), x, match="Need attn_mask")
    check_error(lambda lib, x, v: lib.nn.MultiheadAttention(8, 2)(x, x, v), x, rand(3, 2, 7))
    check_error(lambda lib, x, q: lib.nn.MultiheadAttention(8, 2)(q, x, x), x, rand(3, 2, 7),
                match="expecting embedding dimension of 8")
    check_error(lambda lib, x: lib.nn.MultiheadAttention(8, 2)(x[0, 0], x[0, 0], x[0, 0]), x)
    check_error(lambda lib, x: lib.nn.MultiheadAttention(8, 2)(x, x[0], x), x)


# ---------------------------------------------------------------------- the fused primitive's paths
@pytest.mark.parametrize("threads", [1, 2])
def test_fused_primitive_chunked_path(monkeypatch, threads):
    """The chunked (and threaded) NumPy path equals the plain formulas, with dropout masks,
    returned weights and fully masked rows, and its gradients pass gradcheck."""
    from ember.autograd.node import apply
    from ember.ops import attention as A
    monkeypatch.setattr(A, "CHUNK_SCORES", 20)  # several chunks even for these small shapes
    old = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        N, H, L, S, E = 5, 2, 3, 4, 6
        q, k, v = (RNG.standard_normal((N, H, n, E)) for n in (L, S, S))
        mask = np.where(RNG.random((N, 1, 1, S)) < 0.3, -np.inf, 0.0)
        mask[1] = -np.inf  # sample 1: every key masked
        keep = (RNG.random((N, H, L, S)) > 0.4) / 0.6
        for safe in (True, False):
            for kp in (None, keep):
                s = q @ k.swapaxes(-1, -2) * 0.3 + mask
                with np.errstate(invalid="ignore"):
                    p = np.exp(s - s.max(-1, keepdims=True))
                    p = p / p.sum(-1, keepdims=True)
                if safe:
                    p = np.where(np.isnan(p), 0.0, p)
                a = p if kp is None else p * kp
                y, w = apply(A.ScaledDotProductAttention, ember.tensor(q), ember.tensor(k), ember.tensor(v),
                             ember.tensor(mask), scale=0.3, keep=kp, safe=safe, weights=True)
                np.testing.assert_allclose(y.numpy(), a @ v, atol=1e-12, equal_nan=True)
                np.testing.assert_allclose(w.numpy(), a, atol=1e-12, equal_nan=True)
        m2 = ember.tensor(np.where(RNG.random((L, S)) < 0.3, -np.inf, 0.0))
        ts = [ember.tensor(x, requires_grad=True) for x in (q, k, v)]
        assert gradcheck(lambda q, k, v: apply(A.ScaledDotProductAttention, q, k, v, m2, scale=0.3, keep=keep,
                                               safe=True, weights=True), ts)
        assert gradcheck(lambda q, k, v: apply(A.ScaledDotProductAttention, q, k, v, None, scale=0.3, keep=None,
                                               safe=True, weights=False), ts)
    finally:
        ember.set_num_threads(old)
