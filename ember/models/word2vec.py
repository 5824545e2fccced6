"""word2vec's skip-gram model with negative sampling (d2l 15.4; the notes' 001 L1579-1625).

Two embedding tables: ``v`` for words as centers, ``u`` for words as contexts.  The score
of a (center c, context-or-noise o) pair is ``u_o . v_c``; ``P(D=1 | c, o) = sigmoid(u_o . v_c)``.
Training maximises it for true context words and minimises it for the K noise words, which
is a masked binary cross-entropy on the scores (``SigmoidBCELoss``)."""
from __future__ import annotations

from .. import nn
from ..tensor.tensor import Tensor

__all__ = ["skip_gram", "SkipGram", "SigmoidBCELoss", "word2vec_loss", "cosine_neighbours"]


def skip_gram(center: Tensor, contexts_and_negatives: Tensor, embed_v: nn.Module, embed_u: nn.Module) -> Tensor:
    """Scores (B, 1, L) of each center (B, 1) against its L contexts+negatives (B, L):
    one batched matrix product of the center vectors (B, 1, E) and the context vectors
    transposed (B, E, L)."""
    v = embed_v(center)
    u = embed_u(contexts_and_negatives)
    return v.bmm(u.permute(0, 2, 1))


class SkipGram(nn.Module):
    """``embed_v`` (center vectors, the word vectors one keeps) and ``embed_u`` (context
    vectors), both ``nn.Embedding(vocab_size, embed_size)``; ``forward`` is ``skip_gram``."""

    def __init__(self, vocab_size: int, embed_size: int = 100) -> None:
        super().__init__()
        self.embed_v = nn.Embedding(vocab_size, embed_size)
        self.embed_u = nn.Embedding(vocab_size, embed_size)

    def reset_parameters(self) -> None:
        """Xavier-uniform tables, as d2l's ``train`` initialises them."""
        nn.init.xavier_uniform_(self.embed_v.weight)
        nn.init.xavier_uniform_(self.embed_u.weight)

    def forward(self, center: Tensor, contexts_and_negatives: Tensor) -> Tensor:
        return skip_gram(center, contexts_and_negatives, self.embed_v, self.embed_u)


class SigmoidBCELoss(nn.Module):
    """Binary cross-entropy on logits with a 0/1 ``mask`` as the element weight, averaged
    over the last dim (d2l's ``SigmoidBCELoss``: one value per example)."""

    def forward(self, inputs: Tensor, target: Tensor, mask: Tensor | None = None) -> Tensor:
        out = nn.functional.binary_cross_entropy_with_logits(inputs, target, weight=mask, reduction="none")
        return out.mean(dim=1)


def word2vec_loss(pred: Tensor, label: Tensor, mask: Tensor) -> Tensor:
    """The summed per-example loss d2l's ``train`` backpropagates: the masked BCE averaged
    over the real (unmasked) positions of each example, summed over the batch."""
    label_f, mask_f = label.float(), mask.float()
    per_example = SigmoidBCELoss()(pred.reshape(label.shape).float(), label_f, mask_f)
    return (per_example / mask_f.sum(dim=1) * mask_f.shape[1]).sum()


def cosine_neighbours(weight: Tensor, index: int, k: int) -> list[tuple[int, float]]:
    """The ``k`` rows of ``weight`` with the largest cosine similarity to row ``index``
    (itself excluded), as (row, similarity), best first (d2l's ``get_similar_tokens``)."""
    from ..autograd.grad_mode import no_grad
    n = weight.shape[0]
    if not 0 <= index < n:
        raise IndexError(f"cosine_neighbours: index {index} is out of range for {n} rows")
    with no_grad():
        W = weight.detach().float()
        x = W[index]
        cos = W.mv(x) / ((W * W).sum(dim=1) * (x * x).sum() + 1e-9).sqrt()
        k = max(0, min(k, n - 1))
        top = cos.topk(k + 1).indices.tolist()
        values = cos.tolist()
    return [(i, float(values[i])) for i in top if i != index][:k]
