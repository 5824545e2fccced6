"""``ember.train``: the Trainer, metrics, callbacks, K-fold, and d2l's Timer/Accumulator."""
from .trainer import Trainer, to_device
from .metrics import (accuracy, topk_accuracy, confusion_matrix, precision_recall_f1, mean_squared_error,
                      perplexity, Metric, Accuracy, TopKAccuracy, MeanSquaredError, Perplexity, ConfusionMatrix,
                      F1)
from .callbacks import (Callback, ProgressBar, CurvePlot, CSVLogger, JSONLogger, ModelCheckpoint, EarlyStopping,
                        LRSchedulerCallback)
from .kfold import kfold, kfold_indices
from .utils import Timer, Accumulator

__all__ = ["Trainer", "to_device", "accuracy", "topk_accuracy", "confusion_matrix", "precision_recall_f1",
           "mean_squared_error", "perplexity", "Metric", "Accuracy", "TopKAccuracy", "MeanSquaredError",
           "Perplexity", "ConfusionMatrix", "F1", "Callback", "ProgressBar", "CurvePlot", "CSVLogger",
           "JSONLogger", "ModelCheckpoint", "EarlyStopping", "LRSchedulerCallback", "kfold", "kfold_indices",
           "Timer", "Accumulator"]
