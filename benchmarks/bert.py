"""BERT-tiny pretraining-step throughput: ember against PyTorch in the same run.

BERT-tiny (2 blocks, hidden 128, 2 heads, feed-forward 512, GELU, post-norm) with the MLM
head tied to the token embedding, vocabulary 4000, sequences of 64 tokens (padded, valid
lengths 32..64), 10 masked positions per sequence, batch 32.  One training step =
forward, MLM + NSP cross-entropy, backward, AdamW step.  Both frameworks get the same
weights (the PyTorch model is ``tests/models/transformer_reference.py``, built from
torch.nn layers with the same module names) and the same batches; dropout is 0.1 in both.
Reported: sequences per second (best of several timed rounds) and ember / PyTorch
(higher is better; issue 7 target >= 0.5).

    .venv/bin/python benchmarks/bert.py
    .venv/bin/python benchmarks/bert.py --threads 1
    .venv/bin/python benchmarks/bert.py --write docs/performance.md
"""
from __future__ import annotations

import argparse
import os
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import command_args, early_threads, machine, write_block  # noqa: E402  (before NumPy)

THREADS = early_threads(sys.argv[1:])

import numpy as np  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "models"))

import ember  # noqa: E402
import torch  # noqa: E402
from ember.models.bert import bert_tiny  # noqa: E402
from transformer_reference import BERTModel as TorchBERT  # noqa: E402
from transformer_reference import copy_to_ember  # noqa: E402

if THREADS:
    torch.set_num_threads(THREADS)

VOCAB, STEPS, BATCH, PREDS = 4000, 64, 32, 10
MARK = "bert"


def batches(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        valid = rng.integers(STEPS // 2, STEPS + 1, size=BATCH)
        tokens = rng.integers(5, VOCAB, size=(BATCH, STEPS))
        tokens[np.arange(STEPS)[None] >= valid[:, None]] = 1
        segments = (np.arange(STEPS)[None] >= (valid // 2)[:, None]).astype(np.int64)
        positions = np.sort(rng.integers(1, STEPS // 2, size=(BATCH, PREDS)), axis=1)
        labels = rng.integers(5, VOCAB, size=(BATCH, PREDS))
        weights = np.ones((BATCH, PREDS), dtype=np.float32)
        nsp = rng.integers(0, 2, size=BATCH)
        out.append((tokens, segments, valid.astype(np.float32), positions, weights, labels, nsp))
    return out


def bert_loss(lib, net, batch):
    """d2l's ``_get_batch_loss_bert``: weighted MLM cross-entropy + NSP cross-entropy."""
    tokens, segments, valid, positions, weights, labels, nsp = batch
    _, mlm, nsp_hat = net(tokens, segments, valid, positions)
    ce = lib.nn.functional.cross_entropy
    mlm_l = ce(mlm.reshape(-1, VOCAB), labels.reshape(-1), reduction="none") * weights.reshape(-1)
    return mlm_l.sum() / (weights.sum() + 1e-8) + ce(nsp_hat, nsp)


def time_training(lib, net, data, rounds: int, steps: int) -> float:
    """Best seconds per training step over ``rounds`` rounds of ``steps`` steps."""
    opt = lib.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01)
    tensors = [tuple(lib.tensor(a) for a in b) for b in data]
    net.train()

    def step(batch):
        opt.zero_grad()
        loss = bert_loss(lib, net, batch)
        loss.backward()
        opt.step()
        return loss

    step(tensors[0])  # warm-up
    best = float("inf")
    for r in range(rounds):
        t0 = time.perf_counter()
        for i in range(steps):
            step(tensors[(r * steps + i) % len(tensors)])
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def same_loss_check(data) -> float:
    """|ember loss - PyTorch loss| on the first batch with dropout off (the models agree)."""
    torch.manual_seed(0)
    tm = TorchBERT(VOCAB, dropout=0.0, max_len=STEPS)
    em = bert_tiny(VOCAB, dropout=0.0, max_len=STEPS)
    copy_to_ember(tm, em)
    lt = bert_loss(torch, tm, tuple(torch.tensor(a) for a in data[0])).item()
    le = bert_loss(ember, em, tuple(ember.tensor(a) for a in data[0])).item()
    return abs(lt - le)



def run(rounds: int, steps: int) -> tuple[float, float, float]:
    data = batches(4)
    diff = same_loss_check(data)
    torch.manual_seed(0)
    tm = TorchBERT(VOCAB, max_len=STEPS)
    em = bert_tiny(VOCAB, max_len=STEPS)
    copy_to_ember(tm, em)
    t_t = time_training(torch, tm, data, rounds, steps)
    t_e = time_training(ember, em, data, rounds, steps)
    return BATCH / t_e, BATCH / t_t, diff


def table(e: float, t: float, diff: float) -> str:
    return "\n".join([
        "| model | ember seq/s | PyTorch seq/s | ember / PyTorch | loss difference (dropout 0) |",
        "|---|---:|---:|---:|---:|",
        f"| BERT-tiny (2 blocks, hidden 128, 2 heads, seq {STEPS}, batch {BATCH}, vocab {VOCAB}), AdamW step | "
        f"{e:,.1f} | {t:,.1f} | {e / t:.2f} | {diff:.1e} |"])


def write(path: str, text: str, argv) -> None:
    write_block(path, MARK, "bert.py", argv, text, THREADS, title="## BERT-tiny training step (`benchmarks/bert.py`)")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="timed rounds (the best is kept)")
    p.add_argument("--steps", type=int, default=5, help="training steps per round")
    p.add_argument("--threads", type=int, help="threads for NumPy/ember and PyTorch alike (default: their own)")
    p.add_argument("--write", metavar="MD", help="put the table into this markdown file")
    args = p.parse_args(argv)
    print("\n".join(machine(THREADS)))
    text = table(*run(args.rounds, args.steps))
    print(text)
    if args.write:
        write(args.write, text, command_args(argv, args.write))


if __name__ == "__main__":
    main()
