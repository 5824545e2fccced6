"""ember's CUDA backend (CuPy) against PyTorch on the same GPU, in the same run.

    python benchmarks/gpu.py                         # print the table
    python benchmarks/gpu.py --out gpu.md            # also write the markdown section to a file
    python benchmarks/gpu.py --fashion DIR           # add one LeNet epoch on real Fashion-MNIST

Needs CuPy, PyTorch with CUDA and an NVIDIA GPU.  Every case is written once against a
framework module ``lib`` (ember or torch); inputs come from the same NumPy arrays.  Times
are the best of several batches of calls, each batch ended by a device synchronisation,
so they measure GPU work plus the Python/launch overhead a training loop also pays.
The ratio is ember's time over PyTorch's (lower is better)."""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember  # noqa: E402
import ember.models  # noqa: E402,F401
import torch  # noqa: E402

RNG = np.random.default_rng(0)
DEV = "cuda"


def _arr(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def sync(lib):
    if lib is torch:
        torch.cuda.synchronize()
    else:
        import cupy
        cupy.cuda.Device().synchronize()


def t_(lib, a, rg=False):
    return lib.tensor(a, device=DEV, requires_grad=rg)


BIG_A, BIG_B = _arr(4096, 4096), _arr(4096, 4096)
M1 = _arr(1024, 1024)
SMALL = _arr(10)


def small_add_grad(lib):
    a, b = t_(lib, SMALL, True), t_(lib, SMALL, True)
    return lambda: a + b


def add_16m(lib):
    a, b = t_(lib, BIG_A), t_(lib, BIG_B)
    return lambda: a + b


def exp_16m(lib):
    a = t_(lib, BIG_A)
    return lambda: a.exp()


def sigmoid_16m(lib):
    a = t_(lib, BIG_A)
    return lambda: lib.sigmoid(a)


def sum_16m(lib):
    a = t_(lib, BIG_A)
    return lambda: a.sum()


def softmax_rows(lib):
    a = t_(lib, BIG_A)
    return lambda: lib.softmax(a, dim=-1)


def matmul_4096(lib):
    a, b = t_(lib, BIG_A), t_(lib, BIG_B)
    return lambda: a @ b


def matmul_1024_fwd_bwd(lib):
    a, b = t_(lib, M1, True), t_(lib, M1, True)

    def step():
        (a @ b).sum().backward()
    return step


CONV_X, CONV_W = _arr(64, 64, 56, 56), _arr(64, 64, 3, 3) * 0.05


def conv_fwd_bwd(lib):
    x, w = t_(lib, CONV_X, True), t_(lib, CONV_W, True)
    F = lib.nn.functional

    def step():
        F.conv2d(x, w, padding=1).sum().backward()
    return step


def _lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def _copy_weights(e_model, t_model):
    """ember model gets the torch model's initial weights (same starting point)."""
    sd = {k: ember.tensor(v.detach().cpu().numpy()) for k, v in t_model.state_dict().items()}
    e_model.load_state_dict(sd)


_MODELS = {}


def _model(lib, name):
    """The same initial weights for both frameworks (built once in torch, copied to ember)."""
    if name not in _MODELS:
        torch.manual_seed(0)
        _MODELS[name] = _lenet(torch.nn)
    tm = _MODELS[name]
    if lib is torch:
        import copy
        return copy.deepcopy(tm).to(DEV)
    em = _lenet(ember.nn)
    _copy_weights(em, tm)
    return em.to(DEV)


def _train_step(lib, model, x, y, lr=0.1):
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


LENET_X, LENET_Y = RNG.random((256, 1, 28, 28), dtype=np.float32), RNG.integers(0, 10, 256)


def lenet_step(lib):
    model = _model(lib, "lenet")
    return _train_step(lib, model, t_(lib, LENET_X), lib.tensor(LENET_Y, device=DEV), lr=0.9)


RES_X, RES_Y = RNG.random((128, 1, 96, 96), dtype=np.float32), RNG.integers(0, 10, 128)


def resnet18_step(lib):
    """torchvision-layout ResNet-18 (1 input channel, 96x96), batch 128, same initial weights."""
    if lib is torch:
        model = _torch_resnet18()
    else:
        model = ember.models.resnet18(num_classes=10, in_channels=1)
        _copy_weights(model, _torch_resnet18(cpu=True))
    model = model.to(DEV)
    return _train_step(lib, model, t_(lib, RES_X), lib.tensor(RES_Y, device=DEV), lr=0.05)


_TV = []


def _torch_resnet18(cpu=False):
    """torchvision's ResNet-18 layout built from torch.nn (tests/models/tv_reference.py)."""
    import copy
    if not _TV:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "models"))
        import tv_reference
        torch.manual_seed(0)
        _TV.append(tv_reference.torchvision_reference("resnet18", num_classes=10, in_channels=1))
    m = copy.deepcopy(_TV[0])
    return m if cpu else m.to(DEV)


TF_X = RNG.standard_normal((64, 64, 128)).astype(np.float32)


def transformer_step(lib):
    """2-layer encoder (d_model 128, 4 heads, ff 512), batch 64 x seq 64, same weights, Adam."""
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True),
                                     num_layers=2)
    if lib is torch:
        model = tm.to(DEV)
    else:
        model = ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0,
                                                                             batch_first=True), num_layers=2)
        _copy_weights(model, tm)
        model = model.to(DEV)
    x = t_(lib, TF_X)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
    return step


GRU_X = RNG.integers(0, 28, (32, 35))


def gru_lm_step(lib):
    """GRU language model (vocab 28, hidden 256), batch 32 x seq 35 (the rnn benchmark's size)."""
    torch.manual_seed(0)
    t_gru, t_fc = torch.nn.GRU(28, 256), torch.nn.Linear(256, 28)
    if lib is torch:
        gru, fc = t_gru.to(DEV), t_fc.to(DEV)
    else:
        gru, fc = ember.nn.GRU(28, 256), ember.nn.Linear(256, 28)
        _copy_weights(gru, t_gru)
        _copy_weights(fc, t_fc)
        gru, fc = gru.to(DEV), fc.to(DEV)
    x = lib.nn.functional.one_hot(lib.tensor(GRU_X.T, device=DEV), 28).float()
    y = lib.tensor(GRU_X.T, device=DEV).reshape(-1)
    opt = lib.optim.SGD(list(gru.parameters()) + list(fc.parameters()), lr=1.0)

    def step():
        opt.zero_grad()
        out, _ = gru(x)
        lib.nn.functional.cross_entropy(fc(out.reshape(-1, 256)), y).backward()
        opt.step()
    return step


CASES = [
    ("small add with grad (10 elements): per-op overhead", small_add_grad),
    ("add, 4096x4096 float32", add_16m),
    ("exp, 4096x4096", exp_16m),
    ("sigmoid, 4096x4096", sigmoid_16m),
    ("sum, 4096x4096", sum_16m),
    ("softmax rows, 4096x4096", softmax_rows),
    ("matmul 4096x4096 @ 4096x4096", matmul_4096),
    ("matmul 1024 forward + backward", matmul_1024_fwd_bwd),
    ("conv2d 64x64x56x56, 3x3, forward + backward", conv_fwd_bwd),
    ("LeNet training step, batch 256", lenet_step),
    ("ResNet-18 training step, 1x96x96, batch 128", resnet18_step),
    ("Transformer encoder (2 layers, d 128, 4 heads) step, batch 64 x seq 64", transformer_step),
    ("GRU language model step (vocab 28, hidden 256), batch 32 x seq 35", gru_lm_step),
]


def timeit(lib, fn, budget):
    fn()
    sync(lib)  # warm-up (CuPy compiles kernels on first use)
    fn()
    sync(lib)
    start = time.perf_counter()
    fn()
    sync(lib)
    one = max(time.perf_counter() - start, 1e-7)
    n = max(1, int(0.05 / one))
    best = float("inf")
    end = time.perf_counter() + budget
    while time.perf_counter() < end or best == float("inf"):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        sync(lib)
        best = min(best, (time.perf_counter() - start) / n)
    return best


def fmt(s):
    return f"{s * 1e6:.1f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def lenet_epoch(lib, root):
    """One epoch of d2l LeNet on real Fashion-MNIST (data already on the GPU), seconds."""
    from ember.vision.datasets.mnist import read_idx
    x = read_idx(os.path.join(root, "train-images-idx3-ubyte.gz")).astype(np.float32)[:, None] / 255.0
    y = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    model = _model(lib, "lenet")
    X, Y = t_(lib, x), lib.tensor(y, device=DEV)
    step_opt = lib.optim.SGD(model.parameters(), lr=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()
    perm = lib.tensor(np.random.default_rng(0).permutation(len(y)), device=DEV)
    sync(lib)
    start = time.perf_counter()
    for i in range(0, len(y), 256):
        idx = perm[i:i + 256]
        step_opt.zero_grad()
        loss = loss_fn(model(X[idx]), Y[idx])
        loss.backward()
        step_opt.step()
    sync(lib)
    return time.perf_counter() - start, float(loss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=0.6, help="seconds of timing per case and framework")
    ap.add_argument("--out", default=None, help="write the markdown section to this file")
    ap.add_argument("--fashion", default=None, help="Fashion-MNIST directory: add a LeNet epoch")
    args = ap.parse_args()
    import cupy
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    lines = ["<!-- BEGIN benchmarks/gpu.py -->", "## CUDA backend (CuPy) vs PyTorch CUDA, same GPU, same run", "",
             f"Command: `python benchmarks/gpu.py --fashion DIR` on {name}; CuPy {cupy.__version__}, "
             f"PyTorch {torch.__version__}, NumPy {np.__version__}, Python {platform.python_version()}.", "",
             "| case | ember | PyTorch | ember/PyTorch |", "|---|---|---|---|"]
    for label, maker in CASES:
        try:
            te = timeit(ember, maker(ember), args.budget)
            tt = timeit(torch, maker(torch), args.budget)
            row = f"| {label} | {fmt(te)} | {fmt(tt)} | {te / tt:.2f} |"
        except Exception as err:  # a case ember cannot run on the GPU is reported, not hidden
            row = f"| {label} | error: {type(err).__name__}: {str(err).splitlines()[0][:80]} | | |"
        print(row, flush=True)
        lines.append(row)
    if args.fashion:
        for lib in (ember, torch):
            lenet_epoch(lib, args.fashion)  # warm-up epoch
        (te, le), (tt, lt) = lenet_epoch(ember, args.fashion), lenet_epoch(torch, args.fashion)
        row = (f"| LeNet epoch on Fashion-MNIST (60k, batch 256, data on GPU) | {te:.2f} s | {tt:.2f} s | "
               f"{te / tt:.2f} |")
        print(row, f"(last-batch loss ember {le:.3f}, torch {lt:.3f})", flush=True)
        lines.append(row)
    lines += ["<!-- END benchmarks/gpu.py -->", ""]
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines))


if __name__ == "__main__":
    main()
