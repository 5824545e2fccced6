"""CNN training throughput and peak memory: ember against PyTorch, same weights, same batches.

Models (Fashion-MNIST, SGD, cross-entropy; forward + backward + optimizer step per batch):
- LeNet (d2l 6.6: sigmoid, average pooling), batch 256, 28x28;
- the small ResNet of ``ember train resnet-mini`` (16-32-64 channels), batch 128, 28x28;
- d2l's ResNet-18 on images resized to 96x96 (the book's setting), batch 64, a few steps.

Each (framework, model) runs in a fresh child process, so the memory figure is that run's own:
**peak RSS growth** = the kernel's resident-size high-water mark (``VmHWM``, reset through
``/proc/self/clear_refs`` just before the first step) minus the resident size at that moment
(model, weights and the data already loaded), i.e. the activations, gradients, optimizer state,
temporaries and allocator/BLAS workspaces of training.  The same measure for both libraries (tracemalloc
sees NumPy's arrays but not PyTorch's allocator, so it cannot compare them).  ember's weights are
built first (``ember.manual_seed(0)``, d2l's Xavier init) and copied into the PyTorch model.
Throughput = images / second over the timed steps (after one untimed warm-up step), best of
``--rounds`` rounds.

    .venv/bin/python benchmarks/cnn.py --threads 1 --write docs/performance.md
    .venv/bin/python benchmarks/cnn.py --profile resnet-mini      # cProfile of ember's steps
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from _harness import replace_block  # noqa: E402  (benchmarks/ is the script directory)

# name: (batch size, image size, timed steps, lr, what)
MODELS = {
    "lenet": (256, 28, 20, 0.9, "LeNet (d2l), batch 256, 28x28"),
    "resnet-mini": (128, 28, 8, 0.1, "small ResNet (resnet-mini, 16-32-64), batch 128, 28x28"),
    "resnet18": (64, 96, 3, 0.05, "ResNet-18 (d2l), batch 64, 96x96"),
}


# ------------------------------------------------------------------------------ PyTorch mirrors
def torch_model(name: str):
    """PyTorch copies of ember.models.d2l's lenet / resnet_mini / resnet18 (same module tree,
    so ember's state_dict loads with the same keys)."""
    import torch.nn as nn
    import torch.nn.functional as F

    class Residual(nn.Module):
        def __init__(self, i, n, use_1x1conv=False, strides=1):
            super().__init__()
            self.conv1 = nn.Conv2d(i, n, 3, padding=1, stride=strides)
            self.conv2 = nn.Conv2d(n, n, 3, padding=1)
            self.conv3 = nn.Conv2d(i, n, 1, stride=strides) if use_1x1conv else None
            self.bn1, self.bn2 = nn.BatchNorm2d(n), nn.BatchNorm2d(n)

        def forward(self, X):
            Y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(X)))))
            return F.relu(Y + (self.conv3(X) if self.conv3 is not None else X))

    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
    if name == "resnet-mini":
        ch = (16, 32, 64)
        stages = [nn.Sequential(Residual(ch[0], ch[0]))]
        stages += [nn.Sequential(Residual(a, b, True, 2)) for a, b in zip(ch[:-1], ch[1:])]
        return nn.Sequential(nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU()), *stages,
                             nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(64, 10))

    def stage(i, n, k, first=False):
        return nn.Sequential(*[Residual(i, n, True, 2) if j == 0 and not first else Residual(n, n) for j in range(k)])
    stem = nn.Sequential(nn.Conv2d(1, 64, 7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.MaxPool2d(3, stride=2, padding=1))
    return nn.Sequential(stem, stage(64, 64, 2, True), stage(64, 128, 2), stage(128, 256, 2), stage(256, 512, 2),
                         nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 10))


def ember_model(name: str):
    import ember
    from ember.models import d2l
    ember.manual_seed(0)
    if name == "lenet":
        return d2l.lenet()
    if name == "resnet-mini":
        return d2l.resnet_mini(channels=(16, 32, 64))
    return d2l.resnet18()


# ------------------------------------------------------------------------------ one child run
def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def _reset_peak() -> None:
    """Reset the kernel's resident-size high-water mark (VmHWM) to the current size (Linux >= 4.0),
    so the peak read later is the training's, not the data loading's before it."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_batches(name: str, steps: int, seed: int = 0):
    """The (steps + 1) batches of one run, as float32/int64 NumPy arrays (resized for ResNet-18)."""
    import numpy as np
    from ember.vision.datasets.mnist import read_idx
    bs, size, _, _, _ = MODELS[name]
    root = "/usr/share/datasets/fashion-mnist"
    x = read_idx(os.path.join(root, "train-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    idx = np.random.default_rng(seed).permutation(len(y))[:bs * (steps + 1)]
    xb = x[idx].astype(np.float32)[:, None] / 255.0
    if size != 28:
        import ember
        xb = ember.nn.functional.interpolate(ember.tensor(xb), size=(size, size), mode="bilinear",
                                             align_corners=False).numpy()
    return [(xb[i:i + bs], y[idx][i:i + bs]) for i in range(0, bs * (steps + 1), bs)]


def child(framework: str, name: str, rounds: int, profile: bool) -> dict:
    import numpy as np
    bs, _, steps, lr, _ = MODELS[name]
    batches = load_batches(name, steps)
    enet = ember_model(name)
    if framework == "torch":
        import torch
        lib = torch
        net = torch_model(name)
        net.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in enet.state_dict().items()})
        del enet
    else:
        import ember
        lib = ember
        net = enet
    batches = [(lib.tensor(x), lib.tensor(y)) for x, y in batches]
    opt = lib.optim.SGD(net.parameters(), lr=lr)
    loss_fn = lib.nn.CrossEntropyLoss()
    net.train()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return float(loss.item())

    import gc
    gc.collect()
    base = _rss_mib()
    _reset_peak()
    first_loss = step(*batches[0])                  # warm-up (allocates gradients, workspaces)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for x, y in batches[1:]:
            step(x, y)
        best = min(best, time.perf_counter() - start)
    peak = _peak_mib()
    out = {"framework": framework, "model": name, "images_per_s": steps * bs / best, "step_s": best / steps,
           "base_mib": base, "peak_mib": peak, "peak_growth_mib": peak - base, "first_loss": first_loss}
    if profile and framework == "ember":
        import cProfile
        import pstats
        pr = cProfile.Profile()
        pr.enable()
        for x, y in batches[1:]:
            step(x, y)
        pr.disable()
        pstats.Stats(pr, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    return out


# ------------------------------------------------------------------------------ driver
def run_child(framework: str, name: str, args) -> dict:
    env = dict(os.environ)
    if args.threads:
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "EMBER_NUM_THREADS"):
            env[k] = str(args.threads)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", framework, name, "--rounds", str(args.rounds)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if args.profile == name:
        cmd.append("--profile-child")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if args.profile == name and r.stderr:
        print(r.stderr, file=sys.stderr)
    if r.returncode != 0:
        raise SystemExit(f"{framework} {name} failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", type=int, default=1, help="threads for both libraries (0: their defaults)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--profile", default=None, choices=list(MODELS), help="print cProfile of ember's steps")
    ap.add_argument("--write", default=None, metavar="DOC")
    ap.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        framework, name = args.child
        if framework == "torch" and args.threads:
            import torch
            torch.set_num_threads(args.threads)
        if framework == "ember" and args.threads:
            import ember
            ember.set_num_threads(args.threads)
        print(json.dumps(child(framework, name, args.rounds, args.profile_child)))
        return
    import numpy as np
    import torch
    load0 = os.getloadavg()[0]
    rows = []
    for name in args.models.split(","):
        res = {fw: run_child(fw, name, args) for fw in ("ember", "torch")}
        e, t = res["ember"], res["torch"]
        rows.append((name, e, t))
        print(f"{name}: ember {e['images_per_s']:.0f} img/s, +{e['peak_growth_mib']:.0f} MiB; torch "
              f"{t['images_per_s']:.0f} img/s, +{t['peak_growth_mib']:.0f} MiB; throughput ratio "
              f"{e['images_per_s'] / t['images_per_s']:.2f}, memory ratio "
              f"{e['peak_growth_mib'] / max(t['peak_growth_mib'], 1e-9):.2f}; first losses "
              f"{e['first_loss']:.4f} / {t['first_loss']:.4f}", flush=True)
    threads = f"{args.threads} thread(s) each (--threads {args.threads})" if args.threads else "default threads"
    lines = [
        "<!-- BEGIN cnn -->",
        "## CNN training throughput and memory (`benchmarks/cnn.py`)",
        "",
        f"Command: `.venv/bin/python benchmarks/cnn.py --threads {args.threads} --rounds {args.rounds}"
        + (f" --models {args.models}" if args.models != ",".join(MODELS) else "")
        + (f" --write {args.write}`" if args.write else "`"),
        "",
        f"- {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}, NumPy {np.__version__}, "
        f"PyTorch {torch.__version__}; {threads}; load average {load0:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end",
        "- one training step = forward + cross-entropy + backward + SGD step; same initial weights (ember's, "
        "copied into PyTorch) and the same Fashion-MNIST batches; best of "
        f"{args.rounds} rounds after a warm-up step",
        "- memory: peak RSS growth of a fresh process per (library, model) from just before the first step "
        "(the VmHWM high-water mark, reset then, minus the resident size with model and data loaded); "
        "the same measure for both",
        "",
        "| model | ember img/s | PyTorch img/s | ember / PyTorch throughput (target >= 0.5) "
        "| ember peak MiB | PyTorch peak MiB | memory ratio (target <= 2) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, e, t in rows:
        lines.append(f"| {MODELS[name][4]} | {e['images_per_s']:.0f} | {t['images_per_s']:.0f} | "
                     f"**{e['images_per_s'] / t['images_per_s']:.2f}** | {e['peak_growth_mib']:.0f} | "
                     f"{t['peak_growth_mib']:.0f} | **{e['peak_growth_mib'] / max(t['peak_growth_mib'], 1e-9):.2f}** |")
    lines.append("<!-- END cnn -->")
    text = "\n".join(lines)
    print(text)
    if args.write:
        replace_block(args.write, text)


if __name__ == "__main__":
    main()
