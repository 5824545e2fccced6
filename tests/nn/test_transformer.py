"""nn.TransformerEncoderLayer / TransformerEncoder / TransformerDecoderLayer /
TransformerDecoder / Transformer against torch 2.13 with torch's weights loaded:
outputs, input and parameter gradients across options and masks, train and eval
(including torch's no-grad inference fast paths), repr, state_dict files saved by
torch, deep-copied layers, init and errors."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.helpers import check_error

RNG = np.random.default_rng(11)


def _load(em, tm):
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def compare(make, shapes, kw=None, train=True, dt=np.float32, no_grad=False):
    """Build ``make(torch)`` and ``make(ember)``, copy torch's weights, run both on the
    same inputs (``kw``: masks as arrays, flags as values) and compare outputs and,
    unless ``no_grad``, input and parameter gradients."""
    kw = kw or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        tm = make(torch)
        em = make(ember)
    _load(em, tm)
    if dt == np.float64:
        tm, em = tm.double(), em.double()
    tm.train(train)
    em.train(train)
    arrs = [RNG.standard_normal(s).astype(dt) for s in shapes]
    tin = [torch.tensor(a, requires_grad=not no_grad) for a in arrs]
    ein = [ember.tensor(a, requires_grad=not no_grad) for a in arrs]
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    ekw = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    tol = dict(atol=2e-5, rtol=1e-4) if dt == np.float32 else dict(atol=1e-12, rtol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if no_grad:
            with torch.no_grad():
                to = tm(*tin, **tkw)
            with ember.no_grad():
                eo = em(*ein, **ekw)
        else:
            to, eo = tm(*tin, **tkw), em(*ein, **ekw)
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), equal_nan=True, **tol)
    if no_grad:
        return to, eo
    g = RNG.standard_normal(tuple(to.shape)).astype(dt)
    to.backward(torch.tensor(g))
    eo.backward(ember.tensor(g))
    gtol = dict(atol=2e-4, rtol=1e-3) if dt == np.float32 else tol
    for a, b in zip(tin, ein):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), **gtol)
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        assert (p.grad is None) == (tp[name].grad is None), name
        if p.grad is not None:
            np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), err_msg=name, **gtol)
    return to, eo


def _kpm(n, s):
    m = np.zeros((n, s), bool)
    m[0, s - 2:] = True
    m[-1, s - 1] = True
    return m


def _causal(n):
    return np.triu(np.full((n, n), -np.inf, np.float32), 1)


OPTS = [dict(batch_first=bf, norm_first=nf, activation=act)
        for bf, nf, act in [(False, False, "relu"), (True, False, "gelu"), (False, True, "gelu"),
                            (True, True, "relu")]]


@pytest.mark.parametrize("opts", OPTS)
def test_encoder_layer(opts):
    make = lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **opts)  # noqa: E731
    shape = (3, 5, 8) if opts["batch_first"] else (5, 3, 8)
    compare(make, [shape])
    compare(make, [shape], dict(src_key_padding_mask=_kpm(3, 5)), dt=np.float64)
    compare(make, [shape], dict(src_mask=_causal(5), is_causal=True))
    compare(make, [shape], dict(src_mask=_causal(5).astype(bool) | False, src_key_padding_mask=_kpm(3, 5)))
    compare(make, [shape[1:] if opts["batch_first"] else (5, 8)], dict(src_mask=RNG.random((5, 5)) < 0.3))
    compare(make, [shape], dict(src_key_padding_mask=_kpm(3, 5)), train=False)
    compare(make, [shape], dict(src_key_padding_mask=_kpm(3, 5)), train=False, no_grad=True)


def test_encoder_layer_float64_all_flags():
    make = lambda lib: lib.nn.TransformerEncoderLayer(12, 3, 10, dropout=0.0, bias=False,  # noqa: E731
                                                      layer_norm_eps=1e-3, batch_first=True)
    compare(make, [(2, 6, 12)], dict(src_key_padding_mask=_kpm(2, 6), src_mask=RNG.standard_normal((6, 6))),
            dt=np.float64)
    act = lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=lib.nn.GELU())  # noqa
    compare(act, [(4, 2, 8)])
    fn = lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0,  # noqa: E731
                                                    activation=lambda x: lib.tanh(x) * 2)
    compare(fn, [(4, 2, 8)])


@pytest.mark.parametrize("opts", OPTS[:2] + OPTS[3:])
def test_encoder_stack(opts):
    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **opts)
        return lib.nn.TransformerEncoder(layer, 2, lib.nn.LayerNorm(8))
    shape = (3, 5, 8) if opts["batch_first"] else (5, 3, 8)
    compare(make, [shape], dict(src_key_padding_mask=_kpm(3, 5), mask=_causal(5)))
    compare(make, [shape], dict(mask=_causal(5)))  # is_causal detected from the mask
    compare(make, [shape], dict(src_key_padding_mask=_kpm(3, 5)), train=False)
    compare(make, [shape], dict(src_key_padding_mask=_kpm(3, 5)), train=False, no_grad=True)


def test_encoder_nested_fast_path_zeroes_padding():
    """torch's eval/no-grad encoder with batch_first and a left-aligned padding mask runs
    on nested tensors and returns 0 at padded positions (before the final norm)."""
    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        return lib.nn.TransformerEncoder(layer, 2)
    kpm = _kpm(3, 5)
    to, eo = compare(make, [(3, 5, 8)], dict(src_key_padding_mask=kpm), train=False, no_grad=True)
    assert not np.any(eo.numpy()[kpm]) and not np.any(to.numpy()[kpm])
    # not left-aligned: no nested tensors, padded positions computed as usual
    bad = np.zeros((3, 5), bool)
    bad[1, 1] = True
    to, eo = compare(make, [(3, 5, 8)], dict(src_key_padding_mask=bad), train=False, no_grad=True)
    assert np.all(eo.numpy()[bad] != 0)
    # with gradients enabled, torch's layers take the regular path: nothing zeroed
    to, eo = compare(make, [(3, 5, 8)], dict(src_key_padding_mask=kpm), train=False)
    assert np.all(eo.detach().numpy()[kpm] != 0)


@pytest.mark.parametrize("opts", OPTS)
def test_decoder_layer(opts):
    make = lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **opts)  # noqa: E731
    bf = opts["batch_first"]
    tgt, mem = ((3, 4, 8), (3, 5, 8)) if bf else ((4, 3, 8), (5, 3, 8))
    compare(make, [tgt, mem])
    compare(make, [tgt, mem], dict(tgt_mask=_causal(4), tgt_is_causal=True, memory_key_padding_mask=_kpm(3, 5),
                                   tgt_key_padding_mask=_kpm(3, 4)))
    compare(make, [tgt, mem], dict(memory_mask=RNG.random((4, 5)) < 0.3), dt=np.float64)
    compare(make, [(4, 8), (5, 8)], dict(tgt_mask=_causal(4)))
    compare(make, [tgt, mem], dict(tgt_mask=_causal(4)), train=False, no_grad=True)


@pytest.mark.parametrize("opts", OPTS[:2])
def test_decoder_stack(opts):
    def make(lib):
        return lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **opts), 2,
                                         lib.nn.LayerNorm(8))
    tgt, mem = ((3, 4, 8), (3, 5, 8)) if opts["batch_first"] else ((4, 3, 8), (5, 3, 8))
    compare(make, [tgt, mem], dict(tgt_mask=_causal(4), memory_key_padding_mask=_kpm(3, 5)))
    compare(make, [tgt, mem], dict(tgt_mask=_causal(4)), train=False, no_grad=True)


@pytest.mark.parametrize("opts", OPTS)
def test_transformer(opts):
    make = lambda lib: lib.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, **opts)  # noqa: E731
    bf = opts["batch_first"]
    src, tgt = ((3, 5, 8), (3, 4, 8)) if bf else ((5, 3, 8), (4, 3, 8))
    kw = dict(tgt_mask=_causal(4), src_key_padding_mask=_kpm(3, 5), memory_key_padding_mask=_kpm(3, 5),
              tgt_key_padding_mask=_kpm(3, 4))
    compare(make, [src, tgt], kw)
    compare(make, [src, tgt], dict(kw, tgt_is_causal=True, src_mask=RNG.standard_normal((5, 5)).astype(np.float32)))
    compare(make, [src, tgt], kw, train=False, no_grad=True)


def test_transformer_float64_unbatched_and_memory_mask():
    make = lambda lib: lib.nn.Transformer(8, 4, 1, 2, 12, dropout=0.0)  # noqa: E731
    compare(make, [(5, 8), (4, 8)], dict(tgt_mask=_causal(4), memory_mask=RNG.random((4, 5)) < 0.2),
            dt=np.float64)


def test_transformer_state_dict_saved_by_torch(tmp_path):
    torch.manual_seed(0)
    tm = torch.nn.Transformer(16, 4, 2, 2, 32, dropout=0.1)
    path = tmp_path / "transformer.pt"
    torch.save(tm.state_dict(), path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em = ember.nn.Transformer(16, 4, 2, 2, 32, dropout=0.1)
    em.load_state_dict(ember.load(str(path)))
    tm.eval()
    em.eval()
    src, tgt = RNG.standard_normal((7, 2, 16)).astype(np.float32), RNG.standard_normal((5, 2, 16)).astype(np.float32)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5)
    with torch.no_grad():
        to = tm(torch.tensor(src), torch.tensor(tgt), tgt_mask=mask)
    with ember.no_grad():
        eo = em(ember.tensor(src), ember.tensor(tgt), tgt_mask=ember.nn.Transformer.generate_square_subsequent_mask(5))
    np.testing.assert_allclose(eo.numpy(), to.numpy(), atol=2e-5, rtol=1e-4)
    assert list(em.state_dict()) == list(tm.state_dict())


def test_generate_square_subsequent_mask():
    for n in (1, 4):
        e = ember.nn.Transformer.generate_square_subsequent_mask(n)
        t = torch.nn.Transformer.generate_square_subsequent_mask(n)
        assert e.dtype == ember.float32 and np.array_equal(e.numpy(), t.numpy())
    e = ember.nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert e.dtype == ember.float64


@pytest.mark.parametrize("build", [
    lambda lib: lib.nn.TransformerEncoderLayer(8, 2),
    lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, 0.2, "gelu", batch_first=True, bias=False),
    lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation=lib.nn.GELU()),
    lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 32, norm_first=True),
    lambda lib: lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 16), 2, lib.nn.LayerNorm(8)),
    lambda lib: lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(8, 2, 16), 2),
    lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16),
])
def test_repr_and_keys(build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, e = build(torch), build(ember)
    assert repr(e) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]


def test_encoder_deep_copies_layers():
    layer = ember.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = ember.nn.TransformerEncoder(layer, 3)
    ws = [m.linear1.weight for m in enc.layers]
    assert all(w is not layer.linear1.weight for w in ws) and ws[0] is not ws[1]
    assert all(np.array_equal(w.detach().numpy(), layer.linear1.weight.detach().numpy()) for w in ws)
    with ember.no_grad():
        ws[0].add_(1.0)
    assert not np.array_equal(ws[0].detach().numpy(), ws[1].detach().numpy())
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))
    assert enc.num_layers == 3 and enc.norm is None and enc.enable_nested_tensor and enc.mask_check


def test_nested_tensor_warning_as_torch():
    for bf in (False, True):
        with warnings.catch_warnings(record=True) as tw:
            warnings.simplefilter("always")
            torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, batch_first=bf), 2)
        with warnings.catch_warnings(record=True) as ew:
            warnings.simplefilter("always")
            enc = ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(8, 2, batch_first=bf), 2)
        assert [str(w.message) for w in ew] == [str(w.message) for w in tw]
        assert enc.use_nested_tensor == bf


def test_transformer_default_init():
    """Every matrix re-initialised xavier_uniform_ (bound sqrt(6 / (fan_in + fan_out)));
    vectors keep their layers' init (zero attention biases, LayerNorm ones/zeros)."""
    ember.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em = ember.nn.Transformer(64, 4, 1, 1, 128)
    for name, p in em.named_parameters():
        a = p.detach().numpy()
        if a.ndim == 2:
            bound = math.sqrt(6.0 / sum(a.shape))
            assert a.max() <= bound and a.min() >= -bound, name
            assert abs(a.std() - bound / math.sqrt(3)) < 0.05 * bound, name
        elif "in_proj_bias" in name or "out_proj.bias" in name or "norm" in name and name.endswith("bias"):
            assert not np.any(a), name
        elif "norm" in name:
            assert np.all(a == 1), name


def test_transformer_errors():
    def build(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.nn.Transformer(8, 2, 1, 1, 16)
    check_error(lambda lib, s, t: build(lib)(s, t), RNG.standard_normal((5, 3, 8)).astype(np.float32),
                RNG.standard_normal((4, 2, 8)).astype(np.float32), match="batch number")
    check_error(lambda lib, s, t: build(lib)(s, t), RNG.standard_normal((5, 3, 8)).astype(np.float32),
                RNG.standard_normal((4, 3, 6)).astype(np.float32), match="feature number")
    check_error(lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation="tanh"), match="relu/gelu")
    check_error(lambda lib: lib.nn.TransformerEncoderLayer(8, 3), match="divisible")
    check_error(lambda lib, x, m: lib.nn.TransformerEncoderLayer(8, 2)(x, src_mask=m),
                RNG.standard_normal((5, 3, 8)).astype(np.float32), np.zeros((4, 5), np.float32),
                match="2D attn_mask")
    check_error(lambda lib, x, m: lib.nn.TransformerEncoderLayer(8, 2)(x, src_key_padding_mask=m),
                RNG.standard_normal((5, 3, 8)).astype(np.float32), np.zeros((3, 5), np.int64),
                match="bool and floating")
