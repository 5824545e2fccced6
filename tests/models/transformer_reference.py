"""The BERT, ViT and Transformer-classifier architectures of ``ember.models`` written in
plain ``torch.nn`` with the same module names, so a ``state_dict`` copies across and the
two frameworks can be compared with identical weights (tests and ``benchmarks/bert.py``)."""
from __future__ import annotations

import math

import torch
from torch import nn


def key_padding_mask(valid_lens, steps):
    if valid_lens is None:
        return None
    return torch.arange(steps)[None, :] >= valid_lens[:, None]


class BERTEncoder(nn.Module):
    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout, max_len=1000,
                 norm_first=False):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, num_hiddens)
        self.segment_embedding = nn.Embedding(2, num_hiddens)
        self.pos_embedding = nn.Parameter(torch.randn(1, max_len, num_hiddens) * 0.02)
        self.norm = nn.LayerNorm(num_hiddens)
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(num_hiddens, num_heads, ffn_num_hiddens, dropout, activation="gelu",
                                           batch_first=True, norm_first=norm_first)
        self.blks = nn.TransformerEncoder(layer, num_blks, enable_nested_tensor=False)
        for w in (self.token_embedding.weight, self.segment_embedding.weight, self.pos_embedding):
            nn.init.normal_(w, std=0.02)

    def forward(self, tokens, segments=None, valid_lens=None):
        steps = tokens.shape[1]
        X = self.token_embedding(tokens)
        if segments is not None:
            X = X + self.segment_embedding(segments)
        X = self.dropout(self.norm(X + self.pos_embedding[:, :steps, :]))
        return self.blks(X, src_key_padding_mask=key_padding_mask(valid_lens, steps))


class MaskLM(nn.Module):
    def __init__(self, vocab_size, num_hiddens, embedding=None):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.GELU(), nn.LayerNorm(num_hiddens))
        self.decoder = nn.Linear(num_hiddens, vocab_size)
        if embedding is not None:
            self.decoder.weight = embedding.weight
            nn.init.zeros_(self.decoder.bias)

    def forward(self, X, pred_positions):
        batch, num_preds = pred_positions.shape
        rows = torch.arange(batch).repeat_interleave(num_preds)
        masked_X = X[rows, pred_positions.reshape(-1)].reshape(batch, num_preds, -1)
        return self.decoder(self.mlp(masked_X))


class NextSentencePred(nn.Module):
    def __init__(self, num_inputs):
        super().__init__()
        self.output = nn.Linear(num_inputs, 2)

    def forward(self, X):
        return self.output(X)


class BERTModel(nn.Module):
    def __init__(self, vocab_size, num_hiddens=128, ffn_num_hiddens=512, num_heads=2, num_blks=2, dropout=0.1,
                 max_len=512, tie_weights=True, norm_first=False):
        super().__init__()
        self.encoder = BERTEncoder(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout,
                                   max_len=max_len, norm_first=norm_first)
        self.hidden = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.Tanh())
        self.mlm = MaskLM(vocab_size, num_hiddens, self.encoder.token_embedding if tie_weights else None)
        self.nsp = NextSentencePred(num_hiddens)

    def forward(self, tokens, segments=None, valid_lens=None, pred_positions=None):
        encoded_X = self.encoder(tokens, segments, valid_lens)
        mlm_Y_hat = self.mlm(encoded_X, pred_positions) if pred_positions is not None else None
        return encoded_X, mlm_Y_hat, self.nsp(self.hidden(encoded_X[:, 0, :]))


class PatchEmbedding(nn.Module):
    def __init__(self, img_size=28, patch_size=7, num_hiddens=64, in_channels=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, num_hiddens, kernel_size=patch_size, stride=patch_size)

    def forward(self, X):
        return self.conv(X).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    def __init__(self, img_size=28, patch_size=7, num_hiddens=64, mlp_num_hiddens=128, num_heads=4, num_blks=2,
                 emb_dropout=0.1, blk_dropout=0.1, num_classes=10, in_channels=1):
        super().__init__()
        self.patch_embedding = PatchEmbedding(img_size, patch_size, num_hiddens, in_channels)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, num_hiddens))
        num_steps = (img_size // patch_size) ** 2 + 1
        self.pos_embedding = nn.Parameter(torch.randn(1, num_steps, num_hiddens) * 0.02)
        self.dropout = nn.Dropout(emb_dropout)
        layer = nn.TransformerEncoderLayer(num_hiddens, num_heads, mlp_num_hiddens, blk_dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blks = nn.TransformerEncoder(layer, num_blks, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(num_hiddens), nn.Linear(num_hiddens, num_classes))

    def forward(self, X):
        X = self.patch_embedding(X)
        X = torch.cat((self.cls_token.expand(X.shape[0], -1, -1), X), 1)
        X = self.blks(self.dropout(X + self.pos_embedding))
        return self.head(X[:, 0])


class PositionalEncoding(nn.Module):
    """d2l's sinusoidal encoding, batch first."""

    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        pos = torch.arange(max_len, dtype=torch.float32)[:, None]
        div = torch.pow(10000, torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
        P = torch.zeros(1, max_len, d_model)
        P[0, :, 0::2] = torch.sin(pos / div)
        P[0, :, 1::2] = torch.cos(pos / div)
        self.register_buffer("pe", P)

    def forward(self, X):
        return self.dropout(X + self.pe[:, :X.shape[1]])


class TransformerClassifier(nn.Module):
    def __init__(self, vocab_size, num_classes, d_model=64, nhead=4, num_layers=2, dim_feedforward=128, dropout=0.1,
                 max_len=512, norm_first=False):
        super().__init__()
        self.d_model = d_model
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_encoding = PositionalEncoding(d_model, dropout, max_len)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True,
                                           norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.classifier = nn.Linear(d_model, num_classes)

    def forward(self, tokens, valid_lens=None):
        steps = tokens.shape[1]
        X = self.pos_encoding(self.embedding(tokens) * math.sqrt(self.d_model))
        mask = key_padding_mask(valid_lens, steps)
        Y = self.encoder(X, src_key_padding_mask=mask)
        if mask is None:
            return self.classifier(Y.mean(1))
        keep = (~mask).unsqueeze(-1).to(Y.dtype)
        return self.classifier((Y * keep).sum(1) / keep.sum(1).clamp(min=1.0))


def copy_to_ember(src: nn.Module, dst) -> None:
    """Load ``src``'s state_dict into the ember module ``dst`` (tied weights appear under both
    names in both frameworks and load into the one shared Parameter)."""
    import ember
    dst.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in src.state_dict().items()},
                        strict=True)
