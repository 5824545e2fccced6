"""Recurrent language-model training throughput: ember against PyTorch in the same run.

The d2l character language model: one-hot inputs over a vocabulary of 28, one recurrent
layer (GRU or LSTM, hidden 256), a Linear read-out to 28 logits, cross-entropy, SGD.
One training step = forward over 35 time steps x batch 32, backward, optimizer step.
Both frameworks get the same weights and the same batches.  Reported: tokens per second
(35 * 32 per step, best of several timed rounds) and ember / PyTorch throughput (higher
is better; issue 6 target >= 0.5).  A third row times ember's ``nn.GRUCell``/``nn.LSTMCell``
stepped in a Python loop (one fused primitive per step) against the whole-layer primitive
that ``nn.GRU``/``nn.LSTM`` use.

    .venv/bin/python benchmarks/rnn.py
    .venv/bin/python benchmarks/rnn.py --threads 1          # both on one BLAS thread
    .venv/bin/python benchmarks/rnn.py --write docs/performance.md
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

if THREADS:
    torch.set_num_threads(THREADS)

VOCAB, HIDDEN, STEPS, BATCH = 28, 256, 35, 32
MARK = "benchmarks/rnn.py" + (f" --threads {THREADS}" if THREADS else "")  # one docs block per setting


def make_model(lib, cell: str, stepwise: bool = False):
    """Recurrent layer (or a cell stepped in a loop) + Linear read-out."""
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            if stepwise:
                self.rnn = (nn.GRUCell if cell == "GRU" else nn.LSTMCell)(VOCAB, HIDDEN)
            else:
                self.rnn = getattr(nn, cell)(VOCAB, HIDDEN)
            self.out = nn.Linear(HIDDEN, VOCAB)

        def forward(self, x):
            if stepwise:
                state, ys = None, []
                for xt in x:
                    state = self.rnn(xt, state)
                    ys.append(state if cell == "GRU" else state[0])
                y = lib.stack(ys)
            else:
                y, _ = self.rnn(x)
            return self.out(y.reshape(-1, HIDDEN))
    return LM()


def copy_weights(src, dst, stepwise: bool) -> None:
    """Copy a torch layer's weights into an ember model (renaming for the cell variant)."""
    sd = {}
    for k, v in src.state_dict().items():
        if stepwise and k.startswith("rnn."):
            k = k[:-3] if k.endswith("_l0") else k
        sd[k] = ember.tensor(v.detach().numpy())
    dst.load_state_dict(sd)


def batches(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, VOCAB, size=(n, STEPS + 1, BATCH))
    eye = np.eye(VOCAB, dtype=np.float32)
    return [(eye[t[:-1]], t[1:].reshape(-1).astype(np.int64)) for t in tokens]


def time_training(lib, model, data, rounds: int, steps: int) -> float:
    """Best seconds per training step over ``rounds`` rounds of ``steps`` steps."""
    opt = lib.optim.SGD(model.parameters(), lr=1.0)
    loss_fn = lib.nn.CrossEntropyLoss()
    tensors = [(lib.tensor(x), lib.tensor(y)) for x, y in data]

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



def run(rounds: int, steps: int) -> list[tuple]:
    data = batches(8)
    rows = []
    for cell in ("GRU", "LSTM"):
        torch.manual_seed(0)
        tm = make_model(torch, cell)
        em = make_model(ember, cell)
        copy_weights(tm, em, False)
        es = make_model(ember, cell, stepwise=True)
        copy_weights(tm, es, True)
        t_t = time_training(torch, tm, data, rounds, steps)
        t_e = time_training(ember, em, data, rounds, steps)
        t_s = time_training(ember, es, data, rounds, steps)
        tok = STEPS * BATCH
        rows.append((cell, f"nn.{cell} (whole-layer primitive)", tok / t_e, tok / t_t))
        rows.append((cell, f"nn.{cell}Cell in a Python loop (per-step primitive)", tok / t_s, tok / t_t))
    return rows


def table(rows) -> str:
    out = ["| model | ember variant | ember tokens/s | PyTorch tokens/s | ember / PyTorch |",
           "|---|---|---:|---:|---:|"]
    for cell, variant, e, t in rows:
        out.append(f"| {cell} LM (vocab {VOCAB}, hidden {HIDDEN}, seq {STEPS}, batch {BATCH}) | {variant} | "
                   f"{e:,.0f} | {t:,.0f} | {e / t:.2f} |")
    return "\n".join(out)


def write(path: str, text: str, argv) -> None:
    write_block(path, MARK, "rnn.py", argv, text, THREADS)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="timed rounds (the best is kept)")
    p.add_argument("--steps", type=int, default=5, help="training steps per round")
    p.add_argument("--threads", type=int, help="BLAS threads for NumPy and PyTorch alike (default: their own)")
    p.add_argument("--write", metavar="MD", help="put the table into this markdown file")
    args = p.parse_args(argv)
    print("\n".join(machine(THREADS)))
    text = table(run(args.rounds, args.steps))
    print(text)
    if args.write:
        write(args.write, text, command_args(argv, args.write))


if __name__ == "__main__":
    main()
