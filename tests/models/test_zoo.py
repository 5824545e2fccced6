"""ember.models against PyTorch: torchvision's key names and shapes (committed lists),
identical outputs and gradients with copied weights, d2l's shape walks, weights= loading,
and the initialisation schemes."""
from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.models as M
from d2l_reference import D2L_BUILDERS, SHAPE_WALKS
from tv_reference import PUBLISHED_PARAMS, TORCHVISION_NAMES, torchvision_reference

KEYS_DIR = os.path.join(os.path.dirname(__file__), "torchvision_keys")
RNG = np.random.default_rng(5)


@pytest.fixture(autouse=True)
def _seeded():
    """Deterministic reference weights and inputs: a test passes or fails the same way each run."""
    global RNG
    torch.manual_seed(0)
    RNG = np.random.default_rng(5)


INIT_FUNCS = ("uniform_", "normal_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
              "xavier_normal_", "constant_", "ones_", "zeros_")


@pytest.fixture
def no_init(monkeypatch):
    """Zeros instead of random initialisation while building: structure-only tests (keys,
    shapes) and tests that overwrite every weight anyway stay fast on the 100M-parameter
    models (random fills of those dominate otherwise)."""
    def zero(tensor, *args, **kwargs):
        with ember.no_grad():
            return tensor.zero_()
    for name in INIT_FUNCS:
        monkeypatch.setattr(ember.nn.init, name, zero)


@pytest.fixture
def init_calls(monkeypatch):
    """Record every nn.init call as (function, tensor id, args, kwargs) instead of filling:
    checks *which* scheme a model applies to each weight without paying for 100M random draws."""
    calls = []

    def recorder(fname):
        def record(tensor, *args, **kwargs):
            calls.append((fname, id(tensor), args, kwargs))
            return tensor
        return record
    for name in INIT_FUNCS:
        monkeypatch.setattr(ember.nn.init, name, recorder(name))
    return calls


def last_init(calls, tensor):
    """The last init call on ``tensor`` (the one that decides its values)."""
    mine = [c for c in calls if c[1] == id(tensor)]
    assert mine, "tensor was never initialised"
    return mine[-1][0], mine[-1][2], mine[-1][3]


def build(name: str, **kw):
    if name == "googlenet":
        kw.setdefault("init_weights", False)
    return M.get_model(name, **kw)


def copy_weights(tm: torch.nn.Module, em: ember.nn.Module) -> None:
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def set_mode(model, train: bool, torch_side: bool, bn_train: bool = True) -> None:
    """Train mode, but dropout off (its random masks differ between frameworks); batch norm
    in eval mode too unless ``bn_train``."""
    model.train(train)
    lib = torch.nn if torch_side else ember.nn
    for m in model.modules():
        if isinstance(m, lib.Dropout) or (not bn_train and isinstance(m, lib.BatchNorm2d)):
            m.eval()


def _flat(out):
    return [o for o in out if o is not None] if isinstance(out, tuple) else [out]


def compare(tm, em, shape, dtype=np.float64, train=False, rtol=None, frozen=(), bn_train=True):
    """Same input through both models: outputs, input gradient, every parameter gradient and
    (in train mode) the updated batch-norm running statistics agree.  Parameters whose names
    start with a prefix in ``frozen`` get no gradient on either side (keeps the 100M-parameter
    classifiers cheap).  Gradient tolerances are relative to each tensor's own scale, plus a
    floor relative to the largest parameter gradient: a conv bias followed by batch norm has a
    gradient that is zero up to rounding."""
    copy_weights(tm, em)
    if dtype == np.float64:
        tm.double()
        em.double()
    for model in (tm, em):
        for name, p in model.named_parameters():
            if name.startswith(tuple(frozen)):
                p.requires_grad_(False)
    set_mode(tm, train, True, bn_train)
    set_mode(em, train, False, bn_train)
    x = RNG.standard_normal(shape).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    xe = ember.tensor(x, requires_grad=True)
    outs_t, outs_e = _flat(tm(xt)), _flat(em(xe))
    assert len(outs_t) == len(outs_e)
    rtol = rtol or (1e-7 if dtype == np.float64 else 2e-4)

    def close(e, t, what, floor=0.0):
        e, t = np.asarray(e.detach().numpy()), t.detach().numpy()
        assert e.shape == t.shape, f"{what}: shape {e.shape} != {t.shape}"
        scale = max(float(np.abs(t).max()) if t.size else 0.0, 1e-30)
        np.testing.assert_allclose(e, t, rtol=rtol, atol=rtol * scale + floor, err_msg=what)

    for i, (oe, ot) in enumerate(zip(outs_e, outs_t)):
        close(oe, ot, f"output {i}")
        assert str(oe.dtype) == str(ot.dtype)
    grads = [RNG.standard_normal(tuple(o.shape)).astype(dtype) for o in outs_t]
    sum((o * torch.tensor(g)).sum() for o, g in zip(outs_t, grads)).backward()
    sum((o * ember.tensor(g)).sum() for o, g in zip(outs_e, grads)).backward()
    close(xe.grad, xt.grad, "input grad")
    pt = dict(tm.named_parameters())
    floor = 0.1 * rtol * max([float(p.grad.abs().max()) for p in pt.values() if p.grad is not None] or [0.0])
    for name, p in em.named_parameters():
        if pt[name].grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
            continue
        close(p.grad, pt[name].grad, f"grad of {name}", floor)
    if train:
        bt = dict(tm.named_buffers())
        for name, b in em.named_buffers():
            close(b, bt[name], f"buffer {name}")


# ----------------------------------------------------------------------------- keys
@pytest.mark.parametrize("name", TORCHVISION_NAMES)
def test_state_dict_keys_match_torchvision(name, no_init):
    with open(os.path.join(KEYS_DIR, f"{name}.json")) as f:
        ref = json.load(f)
    model = build(name, aux_logits=True) if name == "googlenet" else build(name)
    got = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    assert got == ref["state_dict"]
    n = sum(p.numel() for k, p in model.named_parameters() if not k.startswith("aux"))
    assert n == ref["num_params"] == PUBLISHED_PARAMS[name]


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "densenet121", "googlenet", "alexnet", "vgg11_bn"])
def test_reference_matches_committed_keys(name):
    """The committed lists are what the torch references produce (regenerate with
    make_torchvision_keys.py if a reference changes)."""
    with open(os.path.join(KEYS_DIR, f"{name}.json")) as f:
        ref = json.load(f)
    tm = torchvision_reference(name)
    assert [[k, list(v.shape)] for k, v in tm.state_dict().items()] == ref["state_dict"]


def test_googlenet_without_aux_has_torchvisions_published_keys(no_init):
    model = build("googlenet", aux_logits=False)
    keys = list(model.state_dict())
    assert not any(k.startswith("aux") for k in keys) and "fc.weight" in keys
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED_PARAMS["googlenet"]


def test_reprs_match_torch_reference(no_init):
    assert repr(build("resnet18")) == repr(torchvision_reference("resnet18"))
    assert repr(build("alexnet")) == repr(torchvision_reference("alexnet"))
    assert repr(M.d2l.nin()) == repr(D2L_BUILDERS["nin"]())
    assert repr(M.lenet_bn()) == repr(D2L_BUILDERS["lenet_bn"]())


# ----------------------------------------------------------------------------- numerics: torchvision
def test_resnet18_train_mode_matches_torch(no_init):
    """float64 in train mode (batch statistics, running-stat updates); a small input, down to
    1x1 in the last stage, where only float64 keeps batch norm over 2 values well-conditioned.
    (d2l's BN models are compared in train mode below as well.)"""
    compare(torchvision_reference("resnet18"), build("resnet18"), (2, 3, 32, 32), np.float64, train=True)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "densenet121"])
def test_torchvision_float32_eval_match_torch(name, no_init):
    """float32 in eval mode (running statistics): BasicBlock, Bottleneck, dense blocks."""
    compare(torchvision_reference(name), build(name), (1, 3, 32, 32), np.float32)


def test_googlenet_matches_torch(no_init):
    """Train mode returns (logits, aux_logits2, aux_logits1): all three compared, with batch
    norm on running statistics so float32 stays well-conditioned at 32x32; eval mode returns
    the logits alone."""
    tm, em = torchvision_reference("googlenet", transform_input=True), build("googlenet", transform_input=True)
    out = em.train()(ember.randn(2, 3, 32, 32))
    assert isinstance(out, M.GoogLeNetOutputs) and tuple(out.aux_logits1.shape) == (2, 1000)
    compare(tm, em, (2, 3, 32, 32), np.float32, train=True, bn_train=False)   # copies the weights again
    em.eval()
    tm.eval()
    x = RNG.standard_normal((1, 3, 32, 32)).astype(np.float32)
    with ember.no_grad(), torch.no_grad():
        np.testing.assert_allclose(em(ember.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,shape", [("alexnet", (1, 3, 64, 64)), ("vgg11_bn", (2, 3, 64, 64))])
def test_alexnet_vgg_match_torch(name, shape, no_init):
    """float32 (these 60-130M-parameter models would be heavy in float64), eval mode, with
    the big classifier frozen.  Plain VGG differs from vgg11_bn only by the BN layers
    ``make_layers`` leaves out; its structure is checked by the key lists."""
    compare(torchvision_reference(name), build(name), shape, np.float32,
            frozen=("classifier.0", "classifier.1", "classifier.3", "classifier.4"))


# ----------------------------------------------------------------------------- numerics: d2l
# (name, input size, builder kwargs, parameters kept frozen to spare the 4096-wide classifiers)
D2L_CASES = [("lenet", 28, {}, ()), ("lenet_relu", 28, {}, ()), ("lenet_bn", 28, {}, ()), ("resnet_mini", 28, {}, ()),
             ("alexnet", 224, {}, ("14.", "17.")), ("vgg", 224, {"ratio": 8}, ("6.", "9.")), ("nin", 96, {}, ()),
             ("googlenet", 32, {}, ()), ("resnet18", 32, {}, ()), ("densenet", 64, {}, ())]


@pytest.mark.parametrize("name,size,kw,frozen", D2L_CASES, ids=[c[0] for c in D2L_CASES])
def test_d2l_models_match_torch(name, size, kw, frozen, no_init):
    """float64 (d2l's Xavier-initialised nets have many near-zero ReLU inputs, so a float32
    comparison of gradients would depend on rounding); train mode where there is BN.  The
    book's input sizes where a Linear fixes them (AlexNet, VGG: 224), smaller otherwise (the
    shape walks below use the book's sizes)."""
    ref_kw = {"conv_arch": tuple((n, c // kw["ratio"]) for n, c in M.d2l.VGG11_ARCH)} if name == "vgg" else {}
    tm = D2L_BUILDERS[name](**ref_kw)
    em = getattr(M.d2l, name)(**kw)
    has_bn = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in tm.modules())
    batch = 2 if has_bn else 1
    compare(tm, em, (batch, 1, size, size), np.float64, train=has_bn, frozen=frozen)


@pytest.mark.parametrize("name", ["lenet", "lenet_relu", "lenet_bn", "resnet_mini"])
def test_d2l_small_models_float32(name):
    """The float32 path, eval mode: in train mode the gradient through several batch norms is
    dominated by cancellation and float32 rounding (float64 covers train mode above)."""
    compare(D2L_BUILDERS[name](), getattr(M.d2l, name)(), (4, 1, 28, 28), np.float32)


@pytest.mark.parametrize("name", list(SHAPE_WALKS))
def test_d2l_shape_walk(name, no_init):
    """``for layer in net: X = layer(X); print(layer.__class__.__name__, X.shape)`` prints
    what d2l prints (e.g. AlexNet's last layer: Linear torch.Size([1, 10]))."""
    size, walk = SHAPE_WALKS[name]
    net = getattr(M.d2l, name)()
    net.eval()
    X = ember.rand(1, 1, size, size)
    got = []
    with ember.no_grad():
        for layer in net:
            X = layer(X)
            got.append((layer.__class__.__name__, tuple(X.shape)))
    assert got == walk
    assert isinstance(X.shape, ember.Size) and repr(X.shape) == f"torch.Size({list(walk[-1][1])})"


def test_top_level_d2l_names_and_arguments(no_init):
    assert M.lenet is M.d2l.lenet and M.nin is M.d2l.nin and M.resnet_mini is M.d2l.resnet_mini
    net = M.lenet_bn(num_classes=4, in_channels=3)
    assert tuple(net(ember.rand(2, 3, 28, 28)).shape) == (2, 4)
    assert tuple(M.resnet_mini(num_classes=7)(ember.rand(2, 1, 28, 28)).shape) == (2, 7)
    assert tuple(M.resnet18(num_classes=10, in_channels=1)(ember.rand(2, 1, 64, 64)).shape) == (2, 10)
    assert M.d2l.alexnet(in_channels=3)[0].in_channels == 3
    assert M.alexnet(num_classes=10, in_channels=1).features[0].in_channels == 1
    assert M.vgg.make_layers(M.vgg.cfgs["A"], in_channels=1)[0].in_channels == 1
    assert M.densenet121(in_channels=1).features.conv0.in_channels == 1


# ----------------------------------------------------------------------------- weights=
def _torch_state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_weights_from_torch_pth_file(tmp_path, no_init):
    tm = torchvision_reference("resnet18", num_classes=10)
    tm.eval()
    with torch.no_grad():  # non-trivial BN statistics so the buffers matter
        for m in tm.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    path = tmp_path / "resnet18.pth"
    torch.save(tm.state_dict(), path)
    em = M.resnet18(weights=str(path), num_classes=10)
    em.eval()
    x = RNG.standard_normal((2, 3, 32, 32)).astype(np.float32)
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    for k, v in tm.state_dict().items():
        assert np.array_equal(em.state_dict()[k].numpy(), v.numpy()), k


def test_weights_from_safetensors_file(tmp_path, no_init):
    from safetensors.torch import save_file
    tm = torchvision_reference("resnet18", num_classes=5)
    path = tmp_path / "resnet18.safetensors"
    save_file({k: v.contiguous() for k, v in tm.state_dict().items()}, str(path))
    em = M.resnet18(weights=path, num_classes=5)
    for k, v in tm.state_dict().items():
        assert np.array_equal(em.state_dict()[k].numpy(), v.numpy()), k


def test_weights_googlenet_checkpoint_drops_aux_heads(tmp_path, no_init):
    """torchvision's googlenet file holds aux1/aux2; loading keeps them only if asked."""
    tm = torchvision_reference("googlenet")
    path = tmp_path / "googlenet.pth"
    torch.save(tm.state_dict(), path)
    em = M.googlenet(weights=str(path))
    assert em.aux1 is None and em.aux2 is None and em.transform_input
    assert np.array_equal(em.fc.weight.detach().numpy(), tm.fc.weight.detach().numpy())
    em2 = M.googlenet(weights=str(path), aux_logits=True)
    assert np.array_equal(em2.aux1.fc2.weight.detach().numpy(), tm.aux1.fc2.weight.detach().numpy())


def test_weights_state_dict_nested_and_legacy_densenet_keys(no_init):
    tm = torchvision_reference("densenet121", num_classes=3)
    state = {}
    for k, v in tm.state_dict().items():   # the 2017 file: denselayer1.norm.1.weight, no num_batches_tracked
        if ".denselayer" in k and k.endswith("num_batches_tracked"):
            continue
        for old, new in (("norm1", "norm.1"), ("norm2", "norm.2"), ("conv1", "conv.1"), ("conv2", "conv.2")):
            if ".denselayer" in k and f".{old}." in k:
                k = k.replace(f".{old}.", f".{new}.")
        state["module." + k] = ember.tensor(v.numpy())
    em = M.densenet121(weights={"state_dict": state}, num_classes=3)
    assert np.array_equal(em.features.denseblock1.denselayer1.norm1.weight.detach().numpy(),
                          tm.features.denseblock1.denselayer1.norm1.weight.detach().numpy())


def test_weights_errors(tmp_path, no_init):
    with pytest.raises(RuntimeError, match="download"):
        M.resnet18(weights=M.ResNet18_Weights.IMAGENET1K_V1)
    with pytest.raises(RuntimeError, match="download"):
        M.resnet152(weights="DEFAULT")
    with pytest.raises(RuntimeError, match="download"):
        M.resnet18(pretrained=True)
    assert isinstance(M.resnet18(pretrained=False), M.ResNet)
    assert M.ResNet50_Weights.DEFAULT is M.ResNet50_Weights.IMAGENET1K_V2
    assert M.ResNet152_Weights.IMAGENET1K_V1.url.endswith(".pth")
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        M.resnet18(weights=str(tmp_path / "missing.pth"))
    with pytest.raises(TypeError, match="weights must be"):
        M.resnet18(weights=3)
    tm = torchvision_reference("resnet18")      # 1000 classes into a 10-class model
    with pytest.raises(RuntimeError, match="fc.weight"):
        M.resnet18(weights={k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()}, num_classes=10)
    with pytest.raises(ValueError, match="Unknown model"):
        M.get_model("resnet9000")


def test_weights_fail_before_building(init_calls, tmp_path):
    """A hub name or a missing file fails before a 140M-parameter model is built."""
    with pytest.raises(RuntimeError, match="VGG19_Weights.IMAGENET1K_V1.*vgg19-dcbb9e9d.pth"):
        M.vgg19(weights=M.VGG19_Weights.DEFAULT)
    with pytest.raises(FileNotFoundError):
        M.googlenet(weights=tmp_path / "nope.pth")
    assert init_calls == []


def test_list_and_get_model(no_init):
    assert "resnet18" in M.list_models() and M.list_models(include="vgg1[16]") == ["vgg11", "vgg16"]
    assert "vgg11_bn" not in M.list_models(include="vgg*", exclude="*_bn")
    assert isinstance(M.get_model("ResNet18", num_classes=3), M.ResNet)
    import ember.vision.models as VM
    assert VM.resnet18 is M.resnet18 and VM.googlenet is M.googlenet


def test_fine_tuning_head_replacement(no_init):
    """The notes' pattern: replace ``fc`` with a new head, freeze the backbone."""
    model = M.resnet18()
    for p in model.parameters():
        p.requires_grad = False
    model.fc = ember.nn.Sequential(ember.nn.Linear(model.fc.in_features, 102), ember.nn.LogSoftmax(dim=-1))
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["fc.0.weight", "fc.0.bias"]
    g = M.googlenet(init_weights=False, aux_logits=False)
    assert g.fc.in_features == 1024


# ----------------------------------------------------------------------------- initialisation
def _std(t):
    return float(t.detach().numpy().std())


def test_resnet_init_as_torchvision():
    model = M.resnet18()
    w = model.layer3[0].conv1.weight         # fan_out = 256 * 9
    assert abs(_std(w) - (2 / (256 * 9)) ** 0.5) < 0.05 * (2 / (256 * 9)) ** 0.5
    assert np.all(model.layer1[0].bn2.weight.detach().numpy() == 1) and not np.any(model.bn1.bias.detach().numpy())
    z = M.resnet50(zero_init_residual=True)
    assert not np.any(z.layer2[1].bn3.weight.detach().numpy()) and np.all(z.layer2[1].bn2.weight.detach().numpy() == 1)
    z18 = M.resnet18(zero_init_residual=True)
    assert not np.any(z18.layer4[1].bn2.weight.detach().numpy())
    bound = 1 / 512 ** 0.5                    # fc keeps Linear's default U(-1/sqrt(in), 1/sqrt(in))
    fc = model.fc.weight.detach().numpy()
    assert fc.min() >= -bound and fc.max() <= bound and abs(fc.std() - bound / 3 ** 0.5) < 0.05 * bound


def test_densenet_init_as_torchvision(init_calls):
    d = M.densenet121()
    conv = d.features.denseblock2.denselayer1.conv2
    assert last_init(init_calls, conv.weight)[0] == "kaiming_normal_"
    assert last_init(init_calls, d.classifier.bias) == ("constant_", (0,), {})
    assert last_init(init_calls, d.classifier.weight)[0] == "kaiming_uniform_"     # Linear's default
    assert last_init(init_calls, d.features.norm5.weight) == ("constant_", (1,), {})


def test_googlenet_init_as_torchvision(init_calls):
    with pytest.warns(FutureWarning):
        g = M.GoogLeNet(aux_logits=True)
    for m in g.modules():
        if isinstance(m, (ember.nn.Conv2d, ember.nn.Linear)):
            assert last_init(init_calls, m.weight) == ("trunc_normal_", (), {"mean": 0.0, "std": 0.01, "a": -2, "b": 2})
        elif isinstance(m, ember.nn.BatchNorm2d):
            assert last_init(init_calls, m.weight) == ("constant_", (1,), {})
            assert last_init(init_calls, m.bias) == ("constant_", (0,), {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        M.googlenet(init_weights=False, aux_logits=False)
    assert g.inception4e.branch2[1].bn.eps == 0.001 and g.inception4e.branch3[1].conv.kernel_size == (3, 3)


def test_vgg_init_as_torchvision(init_calls):
    model = M.vgg11_bn(num_classes=10)
    for m in model.modules():
        if isinstance(m, ember.nn.Conv2d):
            assert last_init(init_calls, m.weight) == ("kaiming_normal_", (), {"mode": "fan_out",
                                                                                "nonlinearity": "relu"})
            assert last_init(init_calls, m.bias) == ("constant_", (0,), {})
        elif isinstance(m, ember.nn.Linear):
            assert last_init(init_calls, m.weight) == ("normal_", (0, 0.01), {})
            assert last_init(init_calls, m.bias) == ("constant_", (0,), {})
        elif isinstance(m, ember.nn.BatchNorm2d):
            assert last_init(init_calls, m.weight) == ("constant_", (1,), {})
    n_calls = len(init_calls)
    M.vgg16(init_weights=False)
    assert all(c[0] in ("kaiming_uniform_", "uniform_") for c in init_calls[n_calls:])   # layer defaults only


def test_d2l_models_start_from_xavier():
    net = M.d2l.resnet18()
    w = net[2][0].conv1.weight                 # 64 -> 128, 3x3: bound sqrt(6 / (64*9 + 128*9))
    bound = (6 / (64 * 9 + 128 * 9)) ** 0.5
    a = w.detach().numpy()
    assert a.min() >= -bound and a.max() <= bound and abs(a.std() - bound / 3 ** 0.5) < 0.05 * bound
