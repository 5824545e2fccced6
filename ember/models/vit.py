"""Vision Transformer (Dosovitskiy et al. 2021; d2l 11.8), sized for 28x28 Fashion-MNIST.

The image is cut into non-overlapping ``patch_size`` squares by a Conv2d whose stride is
its kernel size (one linear projection per patch), a learned class token is prepended,
learned position embeddings are added, and pre-norm Transformer encoder blocks
(``nn.TransformerEncoderLayer(norm_first=True, activation="gelu")``, as ViT) mix the
patches; the class token's output goes through LayerNorm and a Linear head.

The defaults (patch 7 -> 16 patches, hidden 64, 4 heads, 2 blocks) keep a Fashion-MNIST
epoch to about a minute on two CPU cores; d2l's 96x96 setting is
``ViT(img_size=96, patch_size=16, num_hiddens=512, mlp_num_hiddens=2048, num_heads=8, num_blks=2)``."""
from __future__ import annotations

import ember
from .. import nn
from ..tensor.tensor import Tensor

__all__ = ["PatchEmbedding", "ViT", "vit_fashion"]


class PatchEmbedding(nn.Module):
    """(batch, channels, H, W) -> (batch, num_patches, num_hiddens)."""

    def __init__(self, img_size: int = 28, patch_size: int = 7, num_hiddens: int = 64, in_channels: int = 1) -> None:
        super().__init__()
        if img_size % patch_size:
            raise ValueError(f"PatchEmbedding: img_size {img_size} is not a multiple of patch_size {patch_size}")
        self.img_size, self.patch_size = img_size, patch_size
        self.num_patches = (img_size // patch_size) ** 2
        self.conv = nn.Conv2d(in_channels, num_hiddens, kernel_size=patch_size, stride=patch_size)

    def forward(self, X: Tensor) -> Tensor:
        if X.dim() != 4 or tuple(X.shape[-2:]) != (self.img_size, self.img_size):
            raise RuntimeError(f"PatchEmbedding: expected images (batch, C, {self.img_size}, {self.img_size}), "
                               f"got {tuple(X.shape)}")
        # (B, h, H/p, W/p) -> (B, h, num_patches) -> (B, num_patches, h)
        return self.conv(X).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    """``forward(X)``: images (batch, in_channels, img_size, img_size) -> class logits."""

    def __init__(self, img_size: int = 28, patch_size: int = 7, num_hiddens: int = 64, mlp_num_hiddens: int = 128,
                 num_heads: int = 4, num_blks: int = 2, emb_dropout: float = 0.1, blk_dropout: float = 0.1,
                 num_classes: int = 10, in_channels: int = 1) -> None:
        super().__init__()
        self.patch_embedding = PatchEmbedding(img_size, patch_size, num_hiddens, in_channels)
        self.cls_token = nn.Parameter(ember.zeros(1, 1, num_hiddens))
        num_steps = self.patch_embedding.num_patches + 1  # the class token is one more step
        self.pos_embedding = nn.Parameter(ember.randn(1, num_steps, num_hiddens) * 0.02)
        self.dropout = nn.Dropout(emb_dropout)
        layer = nn.TransformerEncoderLayer(num_hiddens, num_heads, mlp_num_hiddens, blk_dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blks = nn.TransformerEncoder(layer, num_blks, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(num_hiddens), nn.Linear(num_hiddens, num_classes))

    def forward(self, X: Tensor) -> Tensor:
        X = self.patch_embedding(X)
        X = ember.cat((self.cls_token.expand(X.shape[0], -1, -1), X), 1)
        X = self.blks(self.dropout(X + self.pos_embedding))
        return self.head(X[:, 0])


def vit_fashion(**kwargs) -> ViT:
    """The ``ember train vit`` model: patch 7, hidden 64, 4 heads, 2 blocks, MLP 128."""
    return ViT(**kwargs)
