"""ember.models.vit against the same ViT built from torch.nn layers with identical weights."""
import numpy as np
import pytest
import torch

import ember
from ember.models.vit import PatchEmbedding, ViT, vit_fashion
from transformer_reference import ViT as TorchViT
from transformer_reference import copy_to_ember


@pytest.mark.parametrize("patch", [4, 7])
def test_forward_backward_match_torch(patch):
    torch.manual_seed(0)
    kw = dict(patch_size=patch, num_hiddens=32, mlp_num_hiddens=48, num_heads=4, num_blks=2, emb_dropout=0.0,
              blk_dropout=0.0)
    ref, mine = TorchViT(**kw), ViT(**kw)
    copy_to_ember(ref, mine)
    x = np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32)
    y = np.array([1, 5, 9])
    t_out, e_out = ref(torch.tensor(x)), mine(ember.tensor(x))
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    torch.nn.functional.cross_entropy(t_out, torch.tensor(y)).backward()
    ember.nn.functional.cross_entropy(e_out, ember.tensor(y)).backward()
    t_params = dict(ref.named_parameters())
    for name, p in mine.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-3, atol=1e-6, err_msg=name)


def test_shapes_and_structure():
    m = vit_fashion()
    assert m.patch_embedding.num_patches == 16 and tuple(m.pos_embedding.shape) == (1, 17, 64)
    assert tuple(m.cls_token.shape) == (1, 1, 64)
    assert m.blks.layers[0].norm_first and len(m.blks.layers) == 2
    assert tuple(m(ember.rand(5, 1, 28, 28)).shape) == (5, 10)
    p = PatchEmbedding(img_size=8, patch_size=4, num_hiddens=6, in_channels=3)
    assert tuple(p(ember.rand(2, 3, 8, 8)).shape) == (2, 4, 6)
    big = ViT(img_size=32, patch_size=8, num_hiddens=16, mlp_num_hiddens=16, num_heads=2, num_blks=1,
              num_classes=3, in_channels=3)
    assert tuple(big(ember.rand(2, 3, 32, 32)).shape) == (2, 3)


def test_patch_embedding_is_a_linear_map_of_each_patch():
    """Patch (i, j) of the output is W . vec(patch) + b, patches in row-major order."""
    p = PatchEmbedding(img_size=8, patch_size=4, num_hiddens=5)
    x = ember.rand(1, 1, 8, 8)
    out = p(x)
    W = p.conv.weight.reshape(5, -1)
    for k, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        patch = x[0, 0, 4 * i:4 * i + 4, 4 * j:4 * j + 4].reshape(-1)
        assert ember.allclose(out[0, k], W @ patch + p.conv.bias, atol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="not a multiple"):
        ViT(img_size=28, patch_size=5)
    with pytest.raises(RuntimeError, match="expected images"):
        vit_fashion()(ember.rand(2, 1, 32, 32))
