"""LeNet on Fashion-MNIST: ember against PyTorch in the same run.

Same model (d2l's LeNet: sigmoid, average pooling, Xavier-uniform init), same data
(the Debian package's files, scaled to [0, 1]), same batch size, same optimizer (SGD,
lr 0.9), same number of epochs.  Prints seconds per epoch and test accuracy for both,
and the ratio of the median epoch times; ``--write`` puts the table into docs/performance.md.

The two frameworks' epochs alternate (ember, PyTorch, PyTorch, ember, ...), so a change
in the machine's load during the run hits both alike.  Thread counts are left at their
defaults unless ``--threads N`` sets both (``--threads 1`` compares the kernels per
thread on a machine others are using: PyTorch's threads spin-wait for each other and
lose whole time slices when the cores are busy).

    .venv/bin/python benchmarks/train_lenet.py --epochs 10 --write docs/performance.md
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _harness import replace_block  # noqa: E402  (benchmarks/ is the script directory)


def load_fashion(subset):
    from ember.vision.datasets.mnist import read_idx
    root = "/usr/share/datasets/fashion-mnist"
    xs, ys = [], []
    for prefix in ("train", "t10k"):
        x = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
        y = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
        if subset:
            n = subset if prefix == "train" else max(1, subset // 5)
            x, y = x[:n], y[:n]
        xs.append(x[:, None])
        ys.append(y)
    return xs[0], ys[0], xs[1], ys[1]


def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def run(lib, data, epochs, batch_size, lr, seed):
    """Train with ``lib`` (ember or torch), one epoch per iteration: yields that epoch's
    (seconds, test accuracy, the process's peak RSS in MiB)."""
    xtr, ytr, xte, yte = data
    lib.manual_seed(seed)
    net = lenet(lib.nn)

    def init(m):
        if type(m) in (lib.nn.Linear, lib.nn.Conv2d):
            lib.nn.init.xavier_uniform_(m.weight)
    net.apply(init)
    opt = lib.optim.SGD(net.parameters(), lr=lr)
    loss_fn = lib.nn.CrossEntropyLoss()
    Xtr, Ytr = lib.tensor(xtr), lib.tensor(ytr)
    Xte, Yte = lib.tensor(xte), lib.tensor(yte)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        net.train()
        perm = lib.tensor(rng.permutation(len(ytr)))
        start = time.perf_counter()
        for i in range(0, len(ytr), batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(Xtr[idx]), Ytr[idx])
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        net.eval()
        correct = 0
        with lib.no_grad():
            for i in range(0, len(yte), 1000):
                correct += int((net(Xte[i:i + 1000]).argmax(dim=1) == Yte[i:i + 1000]).sum())
        yield seconds, correct / len(yte), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.9)
    ap.add_argument("--subset", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--frameworks", default="ember,torch")
    ap.add_argument("--threads", type=int, default=None, help="set ember's and PyTorch's thread counts")
    ap.add_argument("--write", default=None)
    args = ap.parse_args()
    data = load_fashion(args.subset)
    names = args.frameworks.split(",")
    libs = {name: __import__(name) for name in names}
    if args.threads:
        for lib in libs.values():
            lib.set_num_threads(args.threads)
    loops = {name: run(lib, data, args.epochs, args.batch_size, args.lr, args.seed) for name, lib in libs.items()}
    rows = {name: ([], [], []) for name in names}
    load_start = os.getloadavg()[0]
    for epoch in range(args.epochs):
        for name in (names if epoch % 2 == 0 else names[::-1]):  # alternate who goes first
            for col, v in zip(rows[name], next(loops[name])):
                col.append(v)
    for name, (t, a, r) in rows.items():
        print(f"{name}: s/epoch {[round(x, 2) for x in t]}, test acc {[round(x, 4) for x in a]}, "
              f"peak RSS MiB {[round(x) for x in r]}", flush=True)
    if "ember" in rows and "torch" in rows:
        import torch
        e, tt = rows["ember"], rows["torch"]
        med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
        table = [
            "<!-- BEGIN benchmarks/train_lenet.py -->",
            "## LeNet on Fashion-MNIST (`ember train lenet` model), ember vs PyTorch",
            "",
            f"Command: `.venv/bin/python benchmarks/train_lenet.py --epochs {args.epochs}"
            + (f" --subset {args.subset}" if args.subset else "") + (f" --threads {args.threads}" if args.threads else "")
            + (" --write docs/performance.md`" if args.write else "`"),
            "",
            f"- {platform.machine()}, {os.cpu_count()} cores; PyTorch {torch.__version__} "
            f"({torch.get_num_threads()} threads), ember {libs['ember'].get_num_threads()} threads"
            f"{' (--threads)' if args.threads else ' (defaults)'}; load average at start {load_start:.1f}, "
            f"at end {os.getloadavg()[0]:.1f}",
            "- epochs alternate between the frameworks (ember, PyTorch, PyTorch, ember, ...)",
            f"- batch {args.batch_size}, SGD lr {args.lr}, {args.epochs} epochs, "
            f"{len(data[1])} training / {len(data[3])} test images",
            "",
            "| framework | median s/epoch | final test accuracy | peak RSS after epoch 1 / last (MiB) |",
            "|---|---:|---:|---:|",
            f"| ember | {med(e[0]):.2f} | {e[1][-1]:.4f} | {e[2][0]:.0f} / {e[2][-1]:.0f} |",
            f"| PyTorch | {med(tt[0]):.2f} | {tt[1][-1]:.4f} | {tt[2][0]:.0f} / {tt[2][-1]:.0f} |",
            "",
            f"ember / PyTorch epoch time: **{med(e[0]) / med(tt[0]):.2f}x** (target: within 2x).",
            "(Peak RSS is the whole process's, both frameworks together, read after each framework's epochs 1 and last.)",
            "<!-- END benchmarks/train_lenet.py -->",
        ]
        text = "\n".join(table)
        print(text)
        if args.write:
            replace_block(args.write, text)


if __name__ == "__main__":
    main()
