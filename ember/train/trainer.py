"""``Trainer``: the train/evaluate/predict loop the notes write by hand (001 L760-880),
once, with device placement, metric accumulation, gradient clipping, callbacks and
checkpoints that resume a run exactly (model, optimizer, scheduler, epoch and every
RNG state)."""
from __future__ import annotations

import random
import time

import numpy as np

from ..autograd.grad_mode import no_grad
from ..backend.random import default_generator
from ..serialization import load, save
from ..tensor.tensor import Tensor
from .callbacks import Callback, ProgressBar
from .metrics import make_metric

__all__ = ["Trainer", "to_device", "batch_size_of"]


def to_device(batch, device):
    """Move every tensor inside a (nested) batch to ``device``."""
    if device is None:
        return batch
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    return batch


def batch_size_of(targets) -> int:
    return targets.shape[0] if isinstance(targets, Tensor) and targets.dim() else 1


class Trainer:
    """Fit ``model`` with ``loss_fn`` and ``optimizer``.

    Batches are ``(inputs, targets)``; ``metrics`` are names ('accuracy', 'top5_accuracy',
    'mse', 'perplexity') or ``Metric`` objects; ``grad_clip`` clips the global gradient
    norm; ``scheduler`` is stepped once per epoch (``scheduler_per_batch=True`` per batch)."""

    def __init__(self, model, loss_fn, optimizer, *, device=None, metrics=("accuracy",), scheduler=None,
                 scheduler_per_batch: bool = False, grad_clip: float | None = None,
                 callbacks: list[Callback] | None = None, progress: bool = True) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.device = device
        if device is not None:
            model.to(device)
        self.metric_specs = list(metrics)
        self.scheduler, self.scheduler_per_batch = scheduler, scheduler_per_batch
        self.grad_clip = grad_clip
        self.callbacks = list(callbacks or [])
        if progress and not any(isinstance(c, ProgressBar) for c in self.callbacks):
            self.callbacks.insert(0, ProgressBar())
        self.epoch = 0
        self.epochs = 0
        self.history: list[dict] = []
        self.stop_training = False
        self.train_loader = None

    # ------------------------------------------------------------------ loops
    def fit(self, train_loader, epochs: int = 1, val_loader=None) -> list[dict]:
        """Train until ``epochs`` epochs have run in total (a resumed trainer continues)."""
        self.train_loader, self.epochs = train_loader, epochs
        self.stop_training = False
        for cb in self.callbacks:
            cb.on_fit_start(self)
        while self.epoch < epochs and not self.stop_training:
            for cb in self.callbacks:
                cb.on_epoch_start(self, self.epoch)
            logs = self.train_epoch(train_loader)
            if val_loader is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(val_loader).items()})
            if self.scheduler is not None and not self.scheduler_per_batch:
                if type(self.scheduler).__name__ == "ReduceLROnPlateau":
                    self.scheduler.step(logs.get("val_loss", logs["loss"]))
                else:
                    self.scheduler.step()
            self.epoch += 1
            logs = {"epoch": self.epoch, **logs}
            self.history.append(logs)
            for cb in self.callbacks:
                cb.on_epoch_end(self, self.epoch - 1, logs)
        for cb in self.callbacks:
            cb.on_fit_end(self, self.history[-1] if self.history else {})
        return self.history

    def train_epoch(self, loader) -> dict:
        self.model.train()
        metrics = [make_metric(m) for m in self.metric_specs]
        total_loss, n, step = 0.0, 0, 0
        start = time.perf_counter()
        for batch in loader:
            x, y = to_device(batch, self.device)
            out = self.model(x)
            loss = self.loss_fn(out, y)
            self.optimizer.zero_grad()
            loss.backward()
            if self.grad_clip is not None:
                from ..nn.utils import clip_grad_norm_
                clip_grad_norm_(self.model.parameters(), self.grad_clip)
            self.optimizer.step()
            if self.scheduler is not None and self.scheduler_per_batch:
                self.scheduler.step()
            bs = batch_size_of(y)
            lv = float(loss.item())
            total_loss += lv * bs
            n += bs
            for m in metrics:
                m.update(out.detach(), y, lv)
            step += 1
            logs = {"loss": total_loss / n, "samples_per_s": n / max(time.perf_counter() - start, 1e-9)}
            for cb in self.callbacks:
                cb.on_batch_end(self, step, logs)
        elapsed = time.perf_counter() - start
        logs = {"loss": total_loss / max(n, 1)}
        logs.update({m.name: m.compute() for m in metrics})
        logs.update({"lr": float(self.optimizer.param_groups[0]["lr"]), "time": elapsed,
                     "samples_per_s": n / max(elapsed, 1e-9)})
        return logs

    def evaluate(self, loader) -> dict:
        """Mean loss and metrics over ``loader`` in eval mode without gradients."""
        was_training = self.model.training
        self.model.eval()
        metrics = [make_metric(m) for m in self.metric_specs]
        total_loss, n = 0.0, 0
        with no_grad():
            for batch in loader:
                x, y = to_device(batch, self.device)
                out = self.model(x)
                lv = float(self.loss_fn(out, y).item())
                bs = batch_size_of(y)
                total_loss += lv * bs
                n += bs
                for m in metrics:
                    m.update(out, y, lv)
        self.model.train(was_training)
        return {"loss": total_loss / max(n, 1), **{m.name: m.compute() for m in metrics}}

    def predict(self, data) -> Tensor:
        """Model outputs for a tensor, or concatenated over a loader of (x, ...) batches."""
        import ember
        was_training = self.model.training
        self.model.eval()
        try:
            with no_grad():
                if isinstance(data, Tensor):
                    return self.model(to_device(data, self.device))
                outs = []
                for batch in data:
                    x = batch[0] if isinstance(batch, (list, tuple)) else batch
                    outs.append(self.model(to_device(x, self.device)))
                return ember.cat(outs)
        finally:
            self.model.train(was_training)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """Everything needed to continue the run exactly."""
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "epoch": self.epoch, "history": self.history,
                 "rng": {"ember": default_generator.get_state(),
                         "numpy": _np_state(), "python": _py_state()}}
        if self.scheduler is not None:
            state["scheduler"] = self.scheduler.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and "scheduler" in state:
            self.scheduler.load_state_dict(state["scheduler"])
        self.epoch = int(state["epoch"])
        self.history = list(state.get("history", []))
        rng = state.get("rng")
        if rng:
            default_generator.set_state(rng["ember"])
            _set_np_state(rng["numpy"])
            _set_py_state(rng["python"])

    def save_checkpoint(self, path: str) -> None:
        save(self.state_dict(), path)

    def load_checkpoint(self, path: str) -> None:
        self.load_state_dict(load(path, map_location=self.device))


def _np_state():
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    return {"name": name, "keys": [int(k) for k in keys], "pos": int(pos), "has_gauss": int(has_gauss),
            "gauss": float(gauss)}


def _set_np_state(s) -> None:
    np.random.set_state((s["name"], np.array(s["keys"], dtype=np.uint32), s["pos"], s["has_gauss"], s["gauss"]))


def _py_state():
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def _set_py_state(s) -> None:
    random.setstate((s[0], tuple(s[1]), s[2]))
