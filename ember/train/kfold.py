"""K-fold cross-validation (seed 003 "K 折交叉验证"): split, train a fresh model per
fold, and report per-fold and mean metrics."""
from __future__ import annotations

from typing import Callable

__all__ = ["kfold_indices", "kfold"]


def kfold_indices(n: int, k: int):
    """(train_indices, valid_indices) for each of k contiguous folds, as d2l's get_k_fold_data."""
    if k < 2:
        raise ValueError(f"kfold: k must be at least 2, got {k}")
    if n < k:
        raise ValueError(f"kfold: cannot split {n} samples into {k} folds")
    size = n // k
    for i in range(k):
        lo, hi = i * size, (i + 1) * size if i < k - 1 else n
        valid = list(range(lo, hi))
        train = list(range(0, lo)) + list(range(hi, n))
        yield train, valid


def kfold(k: int, dataset, train_fold: Callable) -> dict:
    """Run ``train_fold(train_subset, valid_subset, fold) -> dict of metrics`` on each fold;
    returns {"folds": [...], "mean": {metric: mean over folds}}."""
    from ..utils.data import Subset
    folds = []
    for i, (tr, va) in enumerate(kfold_indices(len(dataset), k)):
        folds.append(dict(train_fold(Subset(dataset, tr), Subset(dataset, va), i)))
    keys = folds[0].keys() if folds else []
    mean = {key: sum(f[key] for f in folds) / len(folds) for key in keys
            if all(isinstance(f[key], (int, float)) for f in folds)}
    return {"folds": folds, "mean": mean}
