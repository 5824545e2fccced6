"""ember.models.TransformerClassifier against the same model in torch.nn with identical weights."""
import numpy as np
import pytest
import torch

import ember
from ember.models.transformer_classifier import TransformerClassifier
from transformer_reference import TransformerClassifier as TorchClassifier
from transformer_reference import copy_to_ember


def _pair(**kw):
    torch.manual_seed(0)
    kw = dict(d_model=32, nhead=4, num_layers=2, dim_feedforward=48, dropout=0.0, max_len=30, **kw)
    ref, mine = TorchClassifier(12, 5, **kw), TransformerClassifier(12, 5, **kw)
    copy_to_ember(ref, mine)
    return ref, mine


@pytest.mark.parametrize("with_lens", [True, False])
def test_forward_backward_match_torch(with_lens):
    ref, mine = _pair()
    rng = np.random.default_rng(0)
    tok = rng.integers(0, 12, size=(4, 10))
    lens = np.array([10, 3, 7, 1]) if with_lens else None
    y = np.array([0, 4, 2, 1])
    t_out = ref(torch.tensor(tok), None if lens is None else torch.tensor(lens))
    e_out = mine(ember.tensor(tok), None if lens is None else ember.tensor(lens))
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    torch.nn.functional.cross_entropy(t_out, torch.tensor(y)).backward()
    ember.nn.functional.cross_entropy(e_out, ember.tensor(y)).backward()
    t_params = dict(ref.named_parameters())
    for name, p in mine.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-3, atol=1e-6, err_msg=name)


def test_padding_is_ignored_and_tuple_input():
    _, m = _pair()
    tok = ember.tensor([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]])
    lens = ember.tensor([3, 5])
    out = m(tok, lens)
    tok2 = tok.clone()
    tok2[0, 3:] = 9
    assert ember.allclose(m(tok2, lens), out, atol=1e-5)
    assert ember.allclose(m((tok, lens)), out)
    assert ember.allclose(m(tok[:1, :3]), out[:1], atol=1e-5)  # cut to the valid length = no mask


def test_errors():
    _, m = _pair()
    with pytest.raises(RuntimeError, match="expected tokens"):
        m(ember.tensor([1, 2]))
