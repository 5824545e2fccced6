"""char-rnn perplexity: ember's ``ember train char-rnn`` model against the same model in PyTorch.

Both frameworks train d2l's character language model (one-hot input, one recurrent layer,
Linear read-out; hidden 256, 35 steps, batch 32, SGD lr 1, gradient norm clipped to 1,
sequential partitioning with the state detached between minibatches) on the same text
(default: /usr/share/common-licenses/GPL-3, cleaned as d2l cleans The Time Machine),
starting from the same weights (ember's initialisation copied into PyTorch) and seeing the
same minibatches in the same order (drawn once per epoch by ``ember.text.SeqDataLoader``).
ember runs the recipe's own code (``ember.text.rnn_lm`` and ``ember.text.train_epoch``).
Reported: the training perplexity of every epoch, then the perplexity of each final model
over the whole text (one pass, no training), and ember / PyTorch.

    .venv/bin/python benchmarks/char_rnn_reference.py                      # GRU, 50 epochs
    .venv/bin/python benchmarks/char_rnn_reference.py --epochs 5 --max-tokens 10000
    .venv/bin/python benchmarks/char_rnn_reference.py --write docs/performance.md
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "EMBER_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from _harness import replace_block  # noqa: E402  (benchmarks/ is the script directory)

import ember  # noqa: E402
import ember.text as T  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
MARK = "char-rnn"


class TorchRNNModel(torch.nn.Module):
    """The PyTorch twin of ember.text.RNNModel (same parameter names, same forward)."""

    def __init__(self, cell: str, vocab_size: int, hidden: int, num_layers: int) -> None:
        super().__init__()
        layer = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
        self.rnn = layer(vocab_size, hidden, num_layers=num_layers)
        self.vocab_size, self.hidden, self.num_layers = vocab_size, hidden, num_layers
        self.linear = torch.nn.Linear(hidden, vocab_size)

    def forward(self, inputs, state):
        X = torch.nn.functional.one_hot(inputs.T.long(), self.vocab_size).to(torch.float32)
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape((-1, Y.shape[-1]))), state

    def begin_state(self, batch_size: int):
        h = torch.zeros((self.num_layers, batch_size, self.hidden))
        return (h, torch.zeros_like(h)) if isinstance(self.rnn, torch.nn.LSTM) else h


def torch_train_epoch(net, batches, loss, opt, clip: float) -> float:
    """d2l's train_epoch_ch8 in PyTorch (the mirror of ember.text.train_epoch)."""
    state, total, n = None, 0.0, 0
    for X, Y in batches:
        if state is None:
            state = net.begin_state(X.shape[0])
        else:
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        y = Y.T.reshape(-1)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        opt.zero_grad()
        l.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
        opt.step()
        total += l.item() * y.numel()
        n += y.numel()
    return math.exp(total / n)


def torch_perplexity(net, batches) -> float:
    state, total, n = None, 0.0, 0
    with torch.no_grad():
        for X, Y in batches:
            state = net.begin_state(X.shape[0]) if state is None else state
            y_hat, state = net(X, state)
            total += float(torch.nn.functional.cross_entropy(y_hat, Y.T.reshape(-1), reduction="sum"))
            n += Y.numel()
    return math.exp(total / n)


def run(args) -> dict:
    corpus, vocab = T.load_corpus(args.data, max_tokens=args.max_tokens)
    ember.manual_seed(args.seed)
    enet = T.rnn_lm(len(vocab), args.cell, args.hidden)
    tnet = TorchRNNModel(args.cell, len(vocab), args.hidden, 1)
    tnet.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in enet.state_dict().items()})
    eopt = ember.optim.SGD(enet.parameters(), lr=args.lr)
    topt = torch.optim.SGD(tnet.parameters(), lr=args.lr)
    eloss, tloss = ember.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    loader = T.SeqDataLoader(corpus, args.batch_size, args.num_steps,
                             generator=ember.Generator().manual_seed(args.seed))
    rows, etime, ttime = [], 0.0, 0.0
    for epoch in range(args.epochs):
        batches = [(x.numpy(), y.numpy()) for x, y in loader]            # this epoch's order, shared
        t0 = time.perf_counter()
        ep, _ = T.train_epoch(enet, [(ember.from_numpy(x), ember.from_numpy(y)) for x, y in batches], eloss, eopt,
                              clip=args.clip)
        t1 = time.perf_counter()
        tp = torch_train_epoch(tnet, [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches], tloss, topt,
                               args.clip)
        t2 = time.perf_counter()
        etime, ttime = etime + t1 - t0, ttime + t2 - t1
        rows.append((epoch + 1, ep, tp))
        print(f"epoch {epoch + 1:3d}: ember {ep:8.3f}   PyTorch {tp:8.3f}   ({t1 - t0:.1f}s / {t2 - t1:.1f}s)",
              flush=True)
    full = [(x.numpy(), y.numpy()) for x, y in T.SeqDataLoader(corpus, args.batch_size, args.num_steps,
                                                                 generator=ember.Generator().manual_seed(0))]
    e_eval = T.evaluate_perplexity(enet, [(ember.from_numpy(x), ember.from_numpy(y)) for x, y in full])
    t_eval = torch_perplexity(tnet, [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in full])
    prefix = vocab[list("the ")]
    sample = "".join(vocab.to_tokens(T.predict(prefix, 60, enet)))
    return {"rows": rows, "eval": (e_eval, t_eval), "time": (etime, ttime), "tokens": len(corpus),
            "vocab": len(vocab), "sample": sample}


def report(args, res, argv) -> str:
    rows = res["rows"]
    e_last, t_last = rows[-1][1], rows[-1][2]
    e_eval, t_eval = res["eval"]
    show = sorted({0, len(rows) - 1, *range(0, len(rows), max(1, len(rows) // 10))})
    cmd = ".venv/bin/python benchmarks/char_rnn_reference.py " + " ".join(argv)
    lines = [f"Command: `{cmd.strip()}`", "",
             f"- {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; NumPy "
             f"{np.__version__}, PyTorch {torch.__version__} (1 thread each)",
             f"- text: {args.data or T.DEFAULT_CORPUS}, {res['tokens']} characters, vocabulary {res['vocab']}",
             f"- {args.cell.upper()}, hidden {args.hidden}, {args.num_steps} steps, batch {args.batch_size}, "
             f"SGD lr {args.lr}, clip {args.clip}, sequential partitioning, {args.epochs} epochs, seed {args.seed}",
             f"- measured {time.strftime('%Y-%m-%d')}; training time ember {res['time'][0]:.0f}s, "
             f"PyTorch {res['time'][1]:.0f}s", "",
             "| epoch | ember training perplexity | PyTorch training perplexity |", "|---:|---:|---:|"]
    lines += [f"| {rows[i][0]} | {rows[i][1]:.3f} | {rows[i][2]:.3f} |" for i in show]
    lines += ["", f"Final model over the whole text: ember **{e_eval:.3f}**, PyTorch **{t_eval:.3f}** "
              f"(ember / PyTorch {e_eval / t_eval:.3f}); last training epoch {e_last:.3f} vs {t_last:.3f} "
              f"({e_last / t_last:.3f}). Target: within 10%.", "",
              f"ember's greedy sample: `{res['sample']}`"]
    return "\n".join(lines)


def write(path: str, text: str) -> None:
    block = f"<!-- BEGIN {MARK} -->\n## char-rnn perplexity, ember vs PyTorch (`benchmarks/char_rnn_reference.py`)\n\n" \
            f"{text}\n<!-- END {MARK} -->"
    replace_block(path, block)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=None, help="text file (default GPL-3)")
    p.add_argument("--cell", choices=["rnn", "gru", "lstm"], default="gru")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--num-steps", type=int, default=35)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1.0)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--max-tokens", type=int, default=-1, help="first N characters only (-1: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--write", metavar="MD", help="put the result into this markdown file (char-rnn markers)")
    args = p.parse_args(argv)
    res = run(args)
    text = report(args, res, [a for a in argv if a not in ("--write", args.write)])
    print(text)
    if args.write:
        write(args.write, text)


if __name__ == "__main__":
    main()
