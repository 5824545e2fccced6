"""ember.train: the Trainer's loop, metrics, callbacks and exact resumption."""
import json
import os

import numpy as np
import pytest

import ember
from ember import nn
from ember.train import (Accumulator, CSVLogger, CurvePlot, EarlyStopping, JSONLogger, ModelCheckpoint, Timer,
                         Trainer, accuracy, confusion_matrix, kfold, kfold_indices, precision_recall_f1,
                         topk_accuracy)
from ember.utils.data import DataLoader, TensorDataset


class Tiny(nn.Module):
    """Softmax regression with a random perturbation in training (exercises the RNG)."""

    def __init__(self, d=4, k=3):
        super().__init__()
        self.w = nn.Parameter(ember.randn(d, k) * 0.1)
        self.b = nn.Parameter(ember.zeros(k))

    def forward(self, x):
        if self.training:
            x = x + 0.01 * ember.randn(*x.shape)
        return x @ self.w + self.b


def xent(logits, y):
    logp = logits - logits.logsumexp(dim=1, keepdim=True)
    return -logp[ember.arange(len(y)), y].mean()


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1).astype(np.int64)
    return TensorDataset(ember.tensor(x), ember.tensor(y))


def make(seed=0):
    ember.manual_seed(seed)
    model = Tiny()
    opt = ember.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    return model, opt, sched


def test_fit_learns_and_reports_metrics():
    model, opt, sched = make()
    loader = DataLoader(data(), batch_size=16, shuffle=True)
    tr = Trainer(model, xent, opt, scheduler=sched, metrics=["accuracy", "top2_accuracy"], progress=False)
    hist = tr.fit(loader, epochs=4, val_loader=DataLoader(data(48, 1), batch_size=16))
    assert [h["epoch"] for h in hist] == [1, 2, 3, 4]
    assert hist[-1]["loss"] < hist[0]["loss"]
    assert hist[-1]["val_accuracy"] > 0.7 and hist[-1]["top2_accuracy"] >= hist[-1]["accuracy"]
    assert hist[1]["lr"] == pytest.approx(0.25)
    ev = tr.evaluate(DataLoader(data(48, 1), batch_size=16))
    assert ev["accuracy"] == pytest.approx(hist[-1]["val_accuracy"])
    assert model.training
    pred = tr.predict(DataLoader(data(48, 1), batch_size=16))
    assert tuple(pred.shape) == (48, 3) and not pred.requires_grad


def test_resume_continues_bit_for_bit(tmp_path):
    model, opt, sched = make()
    Trainer(model, xent, opt, scheduler=sched, progress=False).fit(
        DataLoader(data(), batch_size=16, shuffle=True), epochs=3)
    straight = [p.detach().numpy().copy() for p in model.parameters()]

    model, opt, sched = make()
    tr = Trainer(model, xent, opt, scheduler=sched, progress=False)
    tr.fit(DataLoader(data(), batch_size=16, shuffle=True), epochs=1)
    tr.save_checkpoint(tmp_path / "ck.pt")
    ember.manual_seed(12345)  # disturb every RNG before resuming
    np.random.seed(7)
    model2, opt2, sched2 = make(seed=99)
    tr2 = Trainer(model2, xent, opt2, scheduler=sched2, progress=False)
    tr2.load_checkpoint(tmp_path / "ck.pt")
    assert tr2.epoch == 1
    tr2.fit(DataLoader(data(), batch_size=16, shuffle=True), epochs=3)
    resumed = [p.detach().numpy() for p in model2.parameters()]
    for a, b in zip(straight, resumed):
        assert np.array_equal(a, b)


def test_callbacks_write_logs_curves_checkpoints(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is a test extra")
    model, opt, _ = make()
    cbs = [CSVLogger(str(tmp_path / "m.csv")), JSONLogger(str(tmp_path / "m.jsonl")),
           CurvePlot(str(tmp_path / "curve.png")), ModelCheckpoint(str(tmp_path / "ck"), monitor="accuracy")]
    Trainer(model, xent, opt, callbacks=cbs, progress=False).fit(DataLoader(data(), batch_size=32), epochs=2)
    rows = (tmp_path / "m.csv").read_text().strip().splitlines()
    assert rows[0].startswith("epoch,loss,accuracy") and len(rows) == 3
    recs = [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in recs] == [1, 2]
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.path.exists(tmp_path / "ck" / "last.pt") and os.path.exists(tmp_path / "ck" / "best.pt")
    state = ember.load(tmp_path / "ck" / "last.pt")
    assert state["epoch"] == 2 and set(state["model"]) == {"w", "b"}


def test_early_stopping_and_grad_clip():
    model, opt, _ = make()
    for g in opt.param_groups:
        g["lr"] = 0.0  # nothing improves
    tr = Trainer(model, xent, opt, grad_clip=0.1, callbacks=[EarlyStopping("loss", patience=2, min_delta=1.0)],
                 progress=False)
    hist = tr.fit(DataLoader(data(), batch_size=32), epochs=10)
    assert len(hist) == 3


def test_metric_functions_against_hand_computed():
    logits = ember.tensor([[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [1.0, 0.0, 2.0], [2.0, 0.0, 1.0]])
    y = ember.tensor([0, 2, 2, 1])
    assert accuracy(logits, y) == 0.5
    assert topk_accuracy(logits, y, k=2) == 0.75
    cm = confusion_matrix(logits, y, 3)
    assert cm.tolist() == [[1, 0, 0], [1, 0, 0], [0, 1, 1]]
    p, r, f = precision_recall_f1(logits, y, 3)
    assert p == pytest.approx((0.5 + 0 + 1) / 3) and r == pytest.approx((1 + 0 + 0.5) / 3)
    acc = Accumulator(2)
    acc.add(1, 2)
    acc.add(3, 4)
    assert acc[0] == 4 and acc[1] == 6
    t = Timer()
    t.stop()
    assert t.sum() >= 0 and len(t.cumsum()) == 1


def test_kfold():
    folds = list(kfold_indices(10, 3))
    assert [len(v) for _, v in folds] == [3, 3, 4]
    assert all(sorted(t + v) == list(range(10)) for t, v in folds)
    out = kfold(5, list(range(20)), lambda tr, va, i: {"n_valid": len(va), "fold": i})
    assert [f["n_valid"] for f in out["folds"]] == [4] * 5 and out["mean"]["n_valid"] == 4
    with pytest.raises(ValueError):
        list(kfold_indices(3, 1))
