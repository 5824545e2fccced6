"""Transformer-encoder training throughput: ember against PyTorch in the same run.

A 2-layer ``nn.TransformerEncoder`` (d_model 128, 4 heads, dim_feedforward 512,
batch_first) over float inputs of batch 64 x seq 64, mean-pooled into a Linear
classifier of 10 classes, cross-entropy, SGD.  One training step = forward,
backward, optimizer step.  Both frameworks get the same weights and batches; PyTorch
runs with as many intra-op threads as ember (``ember.get_num_threads()``, or
``--threads``).  Reported: sequences per second (best of several timed rounds) and
ember / PyTorch throughput (higher is better; issue 7 target >= 0.5), with dropout
0.1 (training as usual) and 0 (the layers alone).

    .venv/bin/python benchmarks/transformer.py
    .venv/bin/python benchmarks/transformer.py --threads 1
    .venv/bin/python benchmarks/transformer.py --write docs/performance.md
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(THREADS or ember.get_num_threads())

D_MODEL, HEADS, FF, LAYERS, SEQ, BATCH, CLASSES = 128, 4, 512, 2, 64, 64, 10
MARK = "transformer"


def make_model(lib, dropout: float):
    nn = lib.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=dropout, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.head = nn.Linear(D_MODEL, CLASSES)

        def forward(self, x):
            return self.head(self.encoder(x).mean(1))
    return Classifier()


def batches(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((BATCH, SEQ, D_MODEL)).astype(np.float32),
             rng.integers(0, CLASSES, size=BATCH).astype(np.int64)) for _ in range(n)]


def time_training(lib, model, data, rounds: int, steps: int) -> float:
    """Best seconds per training step over ``rounds`` rounds of ``steps`` steps."""
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()
    tensors = [(lib.tensor(x), lib.tensor(y)) for x, y in data]
    model.train()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    step(*tensors[0])  # warm-up
    best = float("inf")
    for r in range(rounds):
        t0 = time.perf_counter()
        for i in range(steps):
            step(*tensors[(r * steps + i) % len(tensors)])
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def same_start(data) -> float:
    """Largest |ember - torch| of the loss on the first batch with dropout off (the
    weights really are the same)."""
    torch.manual_seed(0)
    tm = make_model(torch, 0.0)
    em = make_model(ember, 0.0)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x, y = data[0]
    lt = torch.nn.functional.cross_entropy(tm(torch.tensor(x)), torch.tensor(y)).item()
    le = ember.nn.functional.cross_entropy(em(ember.tensor(x)), ember.tensor(y)).item()
    return abs(lt - le)



def run(rounds: int, steps: int) -> list[tuple]:
    data = batches(4)
    rows = []
    for dropout in (0.1, 0.0):
        torch.manual_seed(0)
        tm = make_model(torch, dropout)
        em = make_model(ember, dropout)
        em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
        t_t = time_training(torch, tm, data, rounds, steps)
        t_e = time_training(ember, em, data, rounds, steps)
        rows.append((dropout, BATCH / t_e, BATCH / t_t, t_e, t_t))
    return rows


def table(rows) -> str:
    out = ["| model | dropout | ember seq/s (ms/step) | PyTorch seq/s (ms/step) | ember / PyTorch |",
           "|---|---:|---:|---:|---:|"]
    for dropout, e, t, te, tt in rows:
        out.append(f"| TransformerEncoder {LAYERS} layers, d_model {D_MODEL}, {HEADS} heads, ff {FF}; "
                   f"batch {BATCH} x seq {SEQ} | {dropout} | {e:,.0f} ({te * 1e3:.0f}) | {t:,.0f} ({tt * 1e3:.0f}) "
                   f"| {e / t:.2f} |")
    return "\n".join(out)


def write(path: str, text: str, argv) -> None:
    write_block(path, MARK, "transformer.py", argv, text, THREADS)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="timed rounds (the best is kept)")
    p.add_argument("--steps", type=int, default=3, help="training steps per round")
    p.add_argument("--threads", type=int, help="threads for ember, NumPy's BLAS and PyTorch alike")
    p.add_argument("--write", metavar="MD", help="put the table into this markdown file")
    args = p.parse_args(argv)
    print("\n".join(machine(THREADS)))
    print(f"same weights: |loss ember - loss torch| on batch 0 = {same_start(batches(1)):.2e}")
    text = table(run(args.rounds, args.steps))
    print(text)
    if args.write:
        write(args.write, text, command_args(argv, args.write))


if __name__ == "__main__":
    main()
