"""ember.models.bert against the same architecture built from torch.nn layers with identical
weights: outputs and every parameter gradient; weight tying; padding; configs; errors."""
import numpy as np
import pytest
import torch

import ember
from ember.models import bert as eb
from transformer_reference import BERTModel as TorchBERT
from transformer_reference import copy_to_ember

VOCAB, STEPS = 50, 12


def _inputs(seed=0, batch=4):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, VOCAB, size=(batch, STEPS))
    segments = (np.arange(STEPS)[None] >= rng.integers(3, 8, size=(batch, 1))).astype(np.int64)
    valid = rng.integers(5, STEPS + 1, size=batch).astype(np.float32)
    valid[0] = STEPS
    positions = rng.integers(1, 5, size=(batch, 3))
    labels = rng.integers(0, VOCAB, size=(batch, 3))
    nsp = rng.integers(0, 2, size=batch)
    return tokens, segments, valid, positions, labels, nsp


def _pair(tie=True, norm_first=False, seed=0):
    torch.manual_seed(seed)
    ref = TorchBERT(VOCAB, num_hiddens=32, ffn_num_hiddens=64, num_heads=4, num_blks=2, dropout=0.0, max_len=20,
                    tie_weights=tie, norm_first=norm_first)
    mine = eb.BERTModel(VOCAB, num_hiddens=32, ffn_num_hiddens=64, num_heads=4, num_blks=2, dropout=0.0, max_len=20,
                        tie_weights=tie, norm_first=norm_first)
    copy_to_ember(ref, mine)
    return ref, mine


def _loss(lib, out, labels, nsp):
    _, mlm, nsp_hat = out
    ce = lib.nn.functional.cross_entropy
    return ce(mlm.reshape(-1, VOCAB), labels.reshape(-1)) + ce(nsp_hat, nsp)


@pytest.mark.parametrize("tie,norm_first", [(True, False), (False, False), (True, True)])
def test_forward_backward_match_torch(tie, norm_first):
    ref, mine = _pair(tie, norm_first)
    tok, seg, vl, pos, lab, nsp = _inputs()
    t_args = [torch.tensor(a) for a in (tok, seg, vl, pos)]
    e_args = [ember.tensor(a) for a in (tok, seg, vl, pos)]
    t_out, e_out = ref(*t_args), mine(*e_args)
    valid = np.arange(STEPS)[None] < vl[:, None]
    # padded positions are computed from ignored keys in both; compare the valid ones exactly
    np.testing.assert_allclose(e_out[0].detach().numpy()[valid], t_out[0].detach().numpy()[valid], rtol=1e-4,
                               atol=2e-5)
    for k in (1, 2):
        np.testing.assert_allclose(e_out[k].detach().numpy(), t_out[k].detach().numpy(), rtol=1e-4, atol=2e-5)
    _loss(torch, t_out, torch.tensor(lab), torch.tensor(nsp)).backward()
    _loss(ember, e_out, ember.tensor(lab), ember.tensor(nsp)).backward()
    t_grads = dict(ref.named_parameters())
    e_grads = dict(mine.named_parameters())
    assert t_grads.keys() == e_grads.keys()
    for name, p in e_grads.items():
        np.testing.assert_allclose(p.grad.numpy(), t_grads[name].grad.numpy(), rtol=1e-3, atol=1e-5, err_msg=name)


def test_weight_tying_shares_one_parameter():
    m = eb.bert_tiny(VOCAB, max_len=16)
    assert m.mlm.decoder.weight is m.encoder.token_embedding.weight
    params = list(m.parameters())
    assert sum(p is m.encoder.token_embedding.weight for p in params) == 1
    keys = m.state_dict().keys()
    assert "mlm.decoder.weight" in keys and "encoder.token_embedding.weight" in keys  # both names, as PyTorch
    opt = ember.optim.SGD(m.parameters(), lr=0.5)
    tok, seg, vl, pos, lab, nsp = _inputs(1)
    tok = tok % VOCAB
    _loss(ember, m(*[ember.tensor(a) for a in (tok, seg, vl, pos)]), ember.tensor(lab), ember.tensor(nsp)).backward()
    before = m.encoder.token_embedding.weight.detach().clone()
    opt.step()
    assert not ember.equal(before, m.encoder.token_embedding.weight)
    assert m.mlm.decoder.weight is m.encoder.token_embedding.weight
    untied = eb.bert_tiny(VOCAB, max_len=16, tie_weights=False)
    assert untied.mlm.decoder.weight is not untied.encoder.token_embedding.weight
    assert len(list(untied.parameters())) == len(params) + 1


def test_tied_gradient_is_the_sum_of_both_uses():
    """With the MLM head tied, the embedding's gradient equals the embedding-use gradient plus
    the output-layer gradient of an untied copy with the same weights."""
    ref, tied = _pair(tie=True)
    _, untied = _pair(tie=False)
    untied.load_state_dict(tied.state_dict())
    tok, seg, vl, pos, lab, nsp = _inputs(2)
    for m in (tied, untied):
        _loss(ember, m(*[ember.tensor(a) for a in (tok, seg, vl, pos)]), ember.tensor(lab),
              ember.tensor(nsp)).backward()
    total = untied.encoder.token_embedding.weight.grad + untied.mlm.decoder.weight.grad
    np.testing.assert_allclose(tied.encoder.token_embedding.weight.grad.numpy(), total.numpy(), rtol=1e-4, atol=1e-6)


def test_padding_content_does_not_change_valid_outputs():
    _, m = _pair()
    tok, seg, vl, pos, _, _ = _inputs(3)
    out1 = m(*[ember.tensor(a) for a in (tok, seg, vl, pos)])
    tok2 = tok.copy()
    pad = np.arange(STEPS)[None] >= vl[:, None]
    tok2[pad] = (tok2[pad] + 7) % VOCAB
    out2 = m(*[ember.tensor(a) for a in (tok2, seg, vl, pos)])
    valid = ~pad
    np.testing.assert_allclose(out1[0].detach().numpy()[valid], out2[0].detach().numpy()[valid], atol=1e-5)
    np.testing.assert_allclose(out1[2].detach().numpy(), out2[2].detach().numpy(), atol=1e-5)


def test_no_pred_positions_and_no_valid_lens():
    m = eb.bert_tiny(VOCAB, max_len=16)
    tok = ember.randint(0, VOCAB, (2, 8))
    enc, mlm, nsp = m(tok)
    assert tuple(enc.shape) == (2, 8, 128) and mlm is None and tuple(nsp.shape) == (2, 2)


def test_configs_and_builders():
    assert eb.BERT_CONFIGS["tiny"] == eb.BERTConfig(2, 128, 2, 512)
    assert eb.BERT_CONFIGS["base"] == eb.BERTConfig(12, 768, 12, 3072)
    m = eb.bert_mini(30, max_len=8, dropout=0.0)
    assert len(m.encoder.blks.layers) == 4 and m.encoder.token_embedding.embedding_dim == 256
    assert m.encoder.blks.layers[0].self_attn.num_heads == 4
    assert m.config["num_blks"] == 4 and m.config["vocab_size"] == 30
    t = eb.bert_tiny(30, num_blks=1)
    assert len(t.encoder.blks.layers) == 1


def test_classifier_reuses_the_pretrained_encoder():
    _, m = _pair()
    clf = eb.BERTClassifier(m, num_classes=3)
    assert clf.encoder is m.encoder and clf.hidden is m.hidden
    tok, seg, vl, _, _, _ = _inputs(4)
    args = [ember.tensor(a) for a in (tok, seg, vl)]
    out = clf(*args)
    assert tuple(out.shape) == (4, 3)
    assert ember.allclose(clf(tuple(args)), out)
    expected = clf.output(m.hidden(m.encoder(*args)[:, 0]))
    assert ember.allclose(out, expected)


def test_errors():
    m = eb.bert_tiny(VOCAB, max_len=8)
    with pytest.raises(RuntimeError, match="expected tokens of shape"):
        m(ember.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match="exceed max_len 8"):
        m(ember.zeros(1, 9, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="valid_lens must be 1-D"):
        m(ember.zeros(2, 4, dtype=ember.int64), None, ember.ones(2, 4))
    with pytest.raises(RuntimeError, match="cannot tie"):
        eb.MaskLM(10, 16, ember.nn.Embedding(11, 16))
