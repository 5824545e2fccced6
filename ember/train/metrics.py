"""Metrics: functions over (outputs, targets), and streaming ``Metric`` objects that a
Trainer updates batch by batch.

Classification outputs may be logits/probabilities (N, C) or predicted labels (N,)."""
from __future__ import annotations

import abc
import math

import numpy as np

__all__ = ["accuracy", "topk_accuracy", "confusion_matrix", "precision_recall_f1", "mean_squared_error",
           "perplexity", "Metric", "Accuracy", "TopKAccuracy", "MeanSquaredError", "Perplexity",
           "ConfusionMatrix", "F1", "make_metric"]


def _np(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _labels(outputs) -> np.ndarray:
    o = _np(outputs)
    return o.argmax(axis=-1) if o.ndim > 1 else o


def accuracy(outputs, targets) -> float:
    """Fraction of correct predictions (d2l's ``accuracy`` divided by n)."""
    pred, y = _labels(outputs), _np(targets)
    return float((pred == y).mean()) if y.size else 0.0


def topk_accuracy(outputs, targets, k: int = 5) -> float:
    """Fraction of samples whose target is among the k largest outputs."""
    o, y = _np(outputs), _np(targets)
    top = np.argpartition(-o, kth=min(k, o.shape[-1]) - 1, axis=-1)[..., :k]
    return float((top == y[..., None]).any(axis=-1).mean()) if y.size else 0.0


def confusion_matrix(outputs, targets, num_classes: int | None = None) -> np.ndarray:
    """counts[i, j] = number of samples of class i predicted as j."""
    pred, y = _labels(outputs).astype(np.int64), _np(targets).astype(np.int64)
    n = num_classes or int(max(pred.max(initial=0), y.max(initial=0)) + 1)
    return np.bincount(y * n + pred, minlength=n * n).reshape(n, n)


def precision_recall_f1(outputs, targets, num_classes: int | None = None, average: str = "macro"):
    """Per-class precision, recall and F1, averaged ('macro') or per class ('none')."""
    cm = confusion_matrix(outputs, targets, num_classes).astype(np.float64)
    tp = np.diag(cm)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(cm.sum(0) > 0, tp / cm.sum(0), 0.0)
        recall = np.where(cm.sum(1) > 0, tp / cm.sum(1), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    if average == "none":
        return precision, recall, f1
    if average == "macro":
        return float(precision.mean()), float(recall.mean()), float(f1.mean())
    raise ValueError(f"average must be 'macro' or 'none', got {average!r}")


def mean_squared_error(outputs, targets) -> float:
    o, y = _np(outputs).astype(np.float64), _np(targets).astype(np.float64)
    return float(((o.reshape(y.shape) - y) ** 2).mean())


def perplexity(mean_cross_entropy: float) -> float:
    """exp of the mean per-token cross-entropy."""
    return math.exp(mean_cross_entropy)


class Metric(abc.ABC):
    """A streaming metric: ``update(outputs, targets, loss)``, ``compute()``, ``reset()``."""

    name = "metric"

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def __init__(self) -> None:
        self.reset()

    @abc.abstractmethod
    def update(self, outputs, targets, loss: float | None = None) -> None:
        """Fold one batch into the running value."""

    def compute(self) -> float:
        return self.total / self.count if self.count else 0.0


class Accuracy(Metric):
    name = "accuracy"

    def update(self, outputs, targets, loss=None) -> None:
        y = _np(targets)
        self.total += float((_labels(outputs) == y).sum())
        self.count += y.size


class TopKAccuracy(Metric):
    def __init__(self, k: int = 5) -> None:
        self.k = k
        self.name = f"top{k}_accuracy"
        super().__init__()

    def update(self, outputs, targets, loss=None) -> None:
        n = _np(targets).size
        self.total += topk_accuracy(outputs, targets, self.k) * n
        self.count += n


class MeanSquaredError(Metric):
    name = "mse"

    def update(self, outputs, targets, loss=None) -> None:
        n = _np(targets).size
        self.total += mean_squared_error(outputs, targets) * n
        self.count += n


class Perplexity(Metric):
    """exp(mean loss) over tokens; expects the loss to be a mean cross-entropy per token."""
    name = "perplexity"

    def update(self, outputs, targets, loss=None) -> None:
        n = _np(targets).size
        self.total += float(loss) * n
        self.count += n

    def compute(self) -> float:
        return math.exp(super().compute()) if self.count else float("nan")


class ConfusionMatrix(Metric):
    name = "confusion_matrix"

    def __init__(self, num_classes: int) -> None:
        self.num_classes = num_classes
        super().__init__()

    def reset(self) -> None:
        self.matrix = np.zeros((self.num_classes, self.num_classes), np.int64)

    def update(self, outputs, targets, loss=None) -> None:
        self.matrix += confusion_matrix(outputs, targets, self.num_classes)

    def compute(self):
        return self.matrix


class F1(ConfusionMatrix):
    name = "f1"

    def compute(self) -> float:
        cm = self.matrix.astype(np.float64)
        tp = np.diag(cm)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(cm.sum(0) > 0, tp / cm.sum(0), 0.0)
            r = np.where(cm.sum(1) > 0, tp / cm.sum(1), 0.0)
            f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
        return float(f.mean())


def make_metric(m) -> Metric:
    """A Metric from a name ('accuracy', 'top5_accuracy', 'mse', 'perplexity') or an instance."""
    if isinstance(m, Metric):
        return m
    table = {"accuracy": Accuracy, "acc": Accuracy, "mse": MeanSquaredError, "perplexity": Perplexity}
    if m in table:
        return table[m]()
    if isinstance(m, str) and m.startswith("top") and m.endswith("_accuracy"):
        return TopKAccuracy(int(m[3:-9]))
    raise ValueError(f"unknown metric {m!r}; use one of {sorted(table)} or topK_accuracy")
