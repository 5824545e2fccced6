"""The CUDA backend end to end: layers, models, optimizers, saving and the Trainer give on
the GPU what they give on the CPU (ember against itself; the op suite compares each op with
PyTorch under EMBER_TEST_DEVICE=cuda).  Skipped, with that reason, where there is no GPU."""
import copy
import os

import numpy as np
import pytest

import ember
import ember.models
import ember.nn as nn

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not ember.cuda.is_available(), reason="no CUDA GPU/CuPy on this machine")]


def _host(t):
    return np.asarray(t.detach().cpu().numpy())


def _same_on_gpu(model, *inputs, train=True, atol=1e-4, rtol=1e-3):
    """Forward + backward of ``model`` on the CPU and of a deep copy on the GPU agree."""
    ember.manual_seed(0)
    gpu = copy.deepcopy(model).to("cuda")
    model.train(train)
    gpu.train(train)
    out_c = model(*[ember.tensor(x) for x in inputs])
    out_g = gpu(*[ember.tensor(x, device="cuda") for x in inputs])
    out_c = out_c[0] if isinstance(out_c, tuple) else out_c
    out_g = out_g[0] if isinstance(out_g, tuple) else out_g
    assert out_g.device.type == "cuda"
    np.testing.assert_allclose(_host(out_g), _host(out_c), atol=atol, rtol=rtol)
    w = np.random.default_rng(1).standard_normal(tuple(out_c.shape)).astype(np.float32)
    (out_c * ember.tensor(w)).sum().backward()
    (out_g * ember.tensor(w, device="cuda")).sum().backward()
    for (name, pc), (_, pg) in zip(model.named_parameters(), gpu.named_parameters()):
        if pc.grad is None:
            assert pg.grad is None, name
            continue
        assert pg.grad.device.type == "cuda", name
        np.testing.assert_allclose(_host(pg.grad), _host(pc.grad), atol=atol * 10, rtol=rtol * 10, err_msg=name)


def _lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


X28 = np.random.default_rng(0).random((8, 1, 28, 28), dtype=np.float32)


def test_lenet():
    ember.manual_seed(0)
    _same_on_gpu(_lenet(), X28)


@pytest.mark.parametrize("train", [True, False])
def test_resnet18_with_batchnorm(train):
    ember.manual_seed(0)
    x = np.random.default_rng(2).random((4, 1, 64, 64), dtype=np.float32)
    _same_on_gpu(ember.models.resnet18(num_classes=10, in_channels=1), x, train=train)


@pytest.mark.parametrize("cell", ["RNN", "GRU", "LSTM"])
def test_recurrent_layers(cell):
    ember.manual_seed(0)
    layer = getattr(nn, cell)(5, 7, num_layers=2, bidirectional=True, batch_first=True)
    x = np.random.default_rng(3).standard_normal((3, 6, 5)).astype(np.float32)
    _same_on_gpu(layer, x)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder(norm_first):
    ember.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True,
                                       norm_first=norm_first)
    enc = nn.TransformerEncoder(layer, num_layers=2)
    x = np.random.default_rng(6).standard_normal((3, 7, 16)).astype(np.float32)
    _same_on_gpu(enc, x)


def test_multihead_attention_with_masks():
    ember.manual_seed(0)
    mha = nn.MultiheadAttention(16, 4, batch_first=True)
    gpu = copy.deepcopy(mha).to("cuda")
    rng = np.random.default_rng(7)
    q, k = rng.standard_normal((2, 5, 16)).astype(np.float32), rng.standard_normal((2, 6, 16)).astype(np.float32)
    pad = np.array([[False] * 6, [False] * 4 + [True] * 2])
    causal = nn.Transformer.generate_square_subsequent_mask(6)[:5]
    outs = []
    for m, dev in ((mha, "cpu"), (gpu, "cuda")):
        out, w = m(ember.tensor(q, device=dev), ember.tensor(k, device=dev), ember.tensor(k, device=dev),
                   key_padding_mask=ember.tensor(pad, device=dev), attn_mask=causal.to(dev))
        outs.append((out, w))
    np.testing.assert_allclose(_host(outs[1][0]), _host(outs[0][0]), atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(_host(outs[1][1]), _host(outs[0][1]), atol=1e-6)


def test_embedding_and_cross_entropy():
    ember.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(50, 8)
            self.fc = nn.Linear(8, 5)

        def forward(self, idx):
            return self.fc(self.emb(idx).mean(1))

    net = Net()
    idx = np.random.default_rng(4).integers(0, 50, (6, 9))
    gpu = copy.deepcopy(net).to("cuda")
    y = np.arange(6) % 5
    loss_c = nn.functional.cross_entropy(net(ember.tensor(idx)), ember.tensor(y))
    loss_g = nn.functional.cross_entropy(gpu(ember.tensor(idx, device="cuda")), ember.tensor(y, device="cuda"))
    np.testing.assert_allclose(float(loss_g), float(loss_c), rtol=1e-5)
    loss_c.backward()
    loss_g.backward()
    np.testing.assert_allclose(_host(gpu.emb.weight.grad), _host(net.emb.weight.grad), atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda p: ember.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    lambda p: ember.optim.Adam(p, lr=1e-2),
    lambda p: ember.optim.AdamW(p, lr=1e-2),
    lambda p: ember.optim.RMSprop(p, lr=1e-2),
])
def test_optimizers_step_the_same(make):
    ember.manual_seed(0)
    net = _lenet()
    gpu = copy.deepcopy(net).to("cuda")
    oc, og = make(net.parameters()), make(gpu.parameters())
    y = np.arange(8) % 10
    for _ in range(3):
        for m, o, dev in ((net, oc, "cpu"), (gpu, og, "cuda")):
            o.zero_grad()
            nn.functional.cross_entropy(m(ember.tensor(X28, device=dev)), ember.tensor(y, device=dev)).backward()
            o.step()
    for (name, pc), (_, pg) in zip(net.named_parameters(), gpu.named_parameters()):
        np.testing.assert_allclose(_host(pg), _host(pc), atol=3e-4, rtol=1e-3, err_msg=name)  # Adam amplifies GPU summation-order differences


def test_save_load_between_devices(tmp_path):
    ember.manual_seed(0)
    gpu = _lenet().to("cuda")
    path = os.path.join(tmp_path, "m.pt")
    ember.save(gpu.state_dict(), path)
    on_cpu = ember.load(path, map_location="cpu")
    assert all(v.device.type == "cpu" for v in on_cpu.values())
    back = ember.load(path, map_location="cuda")
    assert all(v.device.type == "cuda" for v in back.values())
    for k, v in gpu.state_dict().items():
        np.testing.assert_array_equal(_host(on_cpu[k]), _host(v))
        np.testing.assert_array_equal(_host(back[k]), _host(v))


def test_trainer_fits_on_gpu():
    from ember.train import Trainer
    from ember.utils.data import DataLoader, TensorDataset
    ember.manual_seed(0)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((256, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = ember.optim.SGD(net.parameters(), lr=0.5)
    tr = Trainer(net, nn.CrossEntropyLoss(), opt, device="cuda", metrics=["accuracy"], progress=False)
    hist = tr.fit(DataLoader(TensorDataset(ember.tensor(x), ember.tensor(y)), batch_size=32, shuffle=True),
                  epochs=5)
    assert next(net.parameters()).device.type == "cuda"
    assert hist[-1]["loss"] < hist[0]["loss"]
    assert hist[-1]["accuracy"] > 0.9


def test_mixed_devices_raise_like_torch():
    a, b = ember.ones(3), ember.ones(3, device="cuda")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        a + b
    lin = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="same device"):
        lin(b)


@pytest.fixture
def _cuda_default_reset():
    ember.set_default_device(None)
    yield
    ember.set_default_device(None)


def test_default_device_puts_factories_and_layers_on_cuda(_cuda_default_reset):
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    cpu_t = ember.ones(2)
    ember.set_default_device("cuda")
    assert ember.get_default_device() == ember.device("cuda", ember.cuda.current_device())
    made = {"zeros": ember.zeros(2, 3), "ones": ember.ones(2), "full": ember.full((2,), 1.5),
            "empty": ember.empty(2), "arange": ember.arange(4), "linspace": ember.linspace(0, 1, 5),
            "logspace": ember.logspace(0, 1, 3), "eye": ember.eye(3), "rand": ember.rand(2),
            "randn": ember.randn(2), "randint": ember.randint(0, 5, (3,)), "randperm": ember.randperm(4),
            "tensor(list)": ember.tensor([1.0, 2.0]), "tensor(ndarray)": ember.tensor(arr),
            "as_tensor(ndarray)": ember.as_tensor(arr), "as_tensor(cpu tensor)": ember.as_tensor(cpu_t)}
    for name, t in made.items():
        assert t.device.type == "cuda", name
    np.testing.assert_array_equal(_host(made["tensor(ndarray)"]), arr)
    np.testing.assert_allclose(_host(made["linspace"]), np.linspace(0, 1, 5), rtol=1e-6)
    lin = nn.Linear(3, 2)
    assert lin.weight.device.type == "cuda" and lin.bias.device.type == "cuda"
    # what PyTorch's default-device mode leaves alone
    assert ember.from_numpy(arr).device.type == "cpu"
    assert ember.zeros_like(cpu_t).device.type == "cpu" and cpu_t.new_zeros(2).device.type == "cpu"
    assert ember.normal(0.0, 1.0, (2,)).device.type == "cpu"
    assert ember.zeros(2, device="cpu").device.type == "cpu"
    ember.set_default_device(None)
    assert ember.zeros(2).device.type == "cpu" and ember.tensor(arr).device.type == "cpu"


def test_with_device_builds_and_trains_a_model_on_cuda(_cuda_default_reset):
    ember.manual_seed(0)
    with ember.device("cuda"):
        net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        pe = nn.PositionalEncoding(4, max_len=6)
        x = ember.randn(5, 4)
        y = ember.tensor(np.array([0, 1, 1, 0, 1]))
    assert ember.zeros(1).device.type == "cpu"          # restored after the block
    assert all(p.device.type == "cuda" for p in net.parameters())
    assert pe.pe.device.type == "cuda" and x.device.type == "cuda" and y.device.type == "cuda"
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    assert all(p.grad.device.type == "cuda" for p in net.parameters())
    assert pe(ember.zeros(6, 1, 4, device="cuda")).device.type == "cuda"


def test_autocast_float16_and_grad_scaler_train_on_cuda():
    """Mixed precision on the GPU: the CUDA autocast lists (linear in float16; softmax, exp,
    cross_entropy in float32), float32 gradients on the parameters, and a loss that falls
    under GradScaler."""
    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((128, 16)).astype(np.float32)
    ys = (xs @ rng.standard_normal((16, 4))).argmax(1)
    x, y = ember.tensor(xs, device="cuda"), ember.tensor(ys, device="cuda")
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4)).to("cuda")
    opt = ember.optim.SGD(model.parameters(), lr=0.5)
    scaler = ember.amp.GradScaler("cuda", growth_interval=5)
    assert scaler.is_enabled()
    losses = []
    for step in range(40):
        opt.zero_grad()
        with ember.autocast("cuda"):
            assert ember.is_autocast_enabled() and ember.is_autocast_enabled("cuda")
            out = model(x)
            loss = nn.functional.cross_entropy(out, y)
            if step == 0:
                assert out.dtype is ember.float16 and loss.dtype is ember.float32
                assert nn.functional.softmax(out, 1).dtype is ember.float32
                assert ember.exp(out).dtype is ember.float32 and out.sum().dtype is ember.float32
                cpu = ember.mm(ember.ones(2, 2), ember.ones(2, 2))  # CPU tensors: CUDA autocast leaves them
                assert cpu.dtype is ember.float32
        scaler.scale(loss).backward()
        assert all(p.grad.dtype is ember.float32 and p.grad.device.type == "cuda" for p in model.parameters())
        scaler.step(opt)
        scaler.update()
        losses.append(float(loss))
    assert not ember.is_autocast_enabled("cuda")
    assert losses[-1] < 0.5 * losses[0], losses
    assert scaler.get_scale() >= 2.0 ** 16  # no overflow here: the scale only grew
    sd = scaler.state_dict()
    fresh = ember.amp.GradScaler("cuda")
    fresh.load_state_dict(sd)
    assert fresh.state_dict() == sd
