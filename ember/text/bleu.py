"""BLEU as d2l defines it for one sentence pair (Dive into Deep Learning 10.7.6):

    exp(min(0, 1 - len_label / len_pred)) * prod_{n=1..k} p_n ** (1 / 2**n)

where ``p_n`` is the clipped n-gram precision (each label n-gram matches at most as many
times as it occurs in the label).  Longer n-grams weigh more; a prediction shorter than
the label is penalised.  Sentences are token strings separated by single spaces.
"""
from __future__ import annotations

import collections
import math

__all__ = ["bleu", "mean_bleu"]


def bleu(pred_seq: str, label_seq: str, k: int = 2) -> float:
    """d2l's sentence BLEU of ``pred_seq`` against ``label_seq`` up to ``k``-grams.

    Where d2l divides by zero (a prediction with fewer than ``k`` tokens, or an empty one)
    the missing n-gram precision counts as 0, so the score is 0."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"bleu: k must be a positive int, got {k!r}")
    if not isinstance(pred_seq, str) or not isinstance(label_seq, str):
        raise TypeError(f"bleu: expected two strings of space-separated tokens, got "
                        f"{type(pred_seq).__name__} and {type(label_seq).__name__}")
    pred_tokens = pred_seq.split(" ") if pred_seq else []
    label_tokens = label_seq.split(" ") if label_seq else []
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    if len_pred == 0:
        return 0.0
    score = math.exp(min(0.0, 1.0 - len_label / len_pred))
    for n in range(1, k + 1):
        num_pred_ngrams = len_pred - n + 1
        if num_pred_ngrams <= 0:
            return 0.0
        label_subs = collections.Counter(" ".join(label_tokens[i:i + n]) for i in range(len_label - n + 1))
        num_matches = 0
        for i in range(num_pred_ngrams):
            gram = " ".join(pred_tokens[i:i + n])
            if label_subs[gram] > 0:
                num_matches += 1
                label_subs[gram] -= 1
        score *= math.pow(num_matches / num_pred_ngrams, math.pow(0.5, n))
    return score


def mean_bleu(preds, labels, k: int = 2) -> float:
    """The mean sentence BLEU (``bleu``) over pairs of predictions and references."""
    preds, labels = list(preds), list(labels)
    if len(preds) != len(labels):
        raise ValueError(f"mean_bleu: {len(preds)} predictions but {len(labels)} references")
    if not preds:
        raise ValueError("mean_bleu: no sentence pairs")
    return sum(bleu(p, l, k) for p, l in zip(preds, labels)) / len(preds)
