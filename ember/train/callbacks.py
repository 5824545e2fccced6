"""Trainer callbacks: progress bar, training curves, metric logs, checkpoints, early
stopping, learning-rate schedules.  Each hook gets the trainer and a ``logs`` dict."""
from __future__ import annotations

import csv
import json
import os
import sys

__all__ = ["Callback", "ProgressBar", "CurvePlot", "CSVLogger", "JSONLogger", "ModelCheckpoint", "EarlyStopping",
           "LRSchedulerCallback"]


class Callback:
    """Base class; override any of the hooks."""

    def on_fit_start(self, trainer) -> None: ...
    def on_epoch_start(self, trainer, epoch: int) -> None: ...
    def on_batch_end(self, trainer, step: int, logs: dict) -> None: ...
    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None: ...
    def on_fit_end(self, trainer, logs: dict) -> None: ...


class ProgressBar(Callback):
    """A tqdm bar per epoch showing loss, metric and throughput, and one summary line per
    epoch; ``bar=False`` keeps only the summary lines (for logs)."""

    def __init__(self, file=None, bar: bool = True) -> None:
        self.file, self.show_bar, self.bar = file or sys.stderr, bar, None

    def on_epoch_start(self, trainer, epoch):
        if not self.show_bar:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            self.bar = None
            return
        total = None
        try:
            total = len(trainer.train_loader)
        except TypeError:
            pass
        self.bar = tqdm(total=total, desc=f"epoch {epoch + 1}/{trainer.epochs}", file=self.file, leave=False,
                        dynamic_ncols=True)

    def on_batch_end(self, trainer, step, logs):
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{logs['loss']:.4f}", **{k: f"{v:.3f}" for k, v in logs.items()
                                                              if k not in ("loss", "samples_per_s")},
                                 ips=f"{logs.get('samples_per_s', 0):.0f}")

    def on_epoch_end(self, trainer, epoch, logs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        parts = [f"{k} {v:.4f}" for k, v in logs.items() if isinstance(v, float) and k != "epoch"]
        print(f"epoch {epoch + 1}/{trainer.epochs}: " + ", ".join(parts), file=self.file, flush=True)


class CurvePlot(Callback):
    """Training curves (d2l's Animator): a PNG rewritten every epoch, and, inside
    Jupyter, the figure updated in place."""

    def __init__(self, path: str | None = None, keys: list[str] | None = None) -> None:
        self.path, self.keys, self.history = path, keys, []

    def on_epoch_end(self, trainer, epoch, logs):
        self.history.append(dict(logs))
        try:
            import matplotlib
            if "ipykernel" not in sys.modules:
                matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return
        keys = self.keys or [k for k, v in logs.items() if isinstance(v, float) and k not in ("epoch", "lr", "time",
                                                                                                "samples_per_s")]
        fig, ax = plt.subplots(figsize=(4.5, 3.2))
        xs = [h["epoch"] for h in self.history]
        for k in keys:
            ax.plot(xs, [h.get(k, float("nan")) for h in self.history], marker="o", label=k)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        if self.path:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            fig.savefig(self.path, dpi=100)
        if "ipykernel" in sys.modules:
            from IPython import display
            display.clear_output(wait=True)
            display.display(fig)
        plt.close(fig)


class CSVLogger(Callback):
    """One CSV row of epoch logs per epoch."""

    def __init__(self, path: str) -> None:
        self.path, self.fields = path, None

    def on_epoch_end(self, trainer, epoch, logs):
        new = not os.path.exists(self.path) or self.fields is None
        if self.fields is None:
            self.fields = list(logs)
        with open(self.path, "a" if not new else "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore")
            if new:
                w.writeheader()
            w.writerow(logs)


class JSONLogger(Callback):
    """One JSON line per epoch (and optionally per batch)."""

    def __init__(self, path: str, per_batch: bool = False) -> None:
        self.path, self.per_batch = path, per_batch

    def _write(self, rec):
        with open(self.path, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def on_batch_end(self, trainer, step, logs):
        if self.per_batch:
            self._write({"step": step, **logs})

    def on_epoch_end(self, trainer, epoch, logs):
        self._write(logs)


class ModelCheckpoint(Callback):
    """Save a full training checkpoint every epoch (``last``), and the best by ``monitor``."""

    def __init__(self, directory: str, monitor: str | None = None, mode: str = "max") -> None:
        if mode not in ("max", "min"):
            raise ValueError("mode must be 'max' or 'min'")
        self.directory, self.monitor, self.mode, self.best = directory, monitor, mode, None

    def on_epoch_end(self, trainer, epoch, logs):
        os.makedirs(self.directory, exist_ok=True)
        trainer.save_checkpoint(os.path.join(self.directory, "last.pt"))
        if self.monitor and self.monitor in logs:
            v = logs[self.monitor]
            if self.best is None or (v > self.best if self.mode == "max" else v < self.best):
                self.best = v
                trainer.save_checkpoint(os.path.join(self.directory, "best.pt"))


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", patience: int = 3, mode: str = "min", min_delta: float = 0.0):
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, min_delta
        self.best, self.wait = None, 0

    def on_epoch_end(self, trainer, epoch, logs):
        v = logs.get(self.monitor)
        if v is None:
            return
        better = self.best is None or (v < self.best - self.min_delta if self.mode == "min"
                                       else v > self.best + self.min_delta)
        if better:
            self.best, self.wait = v, 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True


class LRSchedulerCallback(Callback):
    """Step a learning-rate scheduler per epoch (or per batch); ReduceLROnPlateau gets ``monitor``."""

    def __init__(self, scheduler, per_batch: bool = False, monitor: str = "val_loss") -> None:
        self.scheduler, self.per_batch, self.monitor = scheduler, per_batch, monitor

    def on_batch_end(self, trainer, step, logs):
        if self.per_batch:
            self.scheduler.step()

    def on_epoch_end(self, trainer, epoch, logs):
        if self.per_batch:
            return
        if type(self.scheduler).__name__ == "ReduceLROnPlateau":
            self.scheduler.step(logs.get(self.monitor, logs.get("loss")))
        else:
            self.scheduler.step()
