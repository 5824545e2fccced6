"""The default device: ``set_default_device``, ``get_default_device`` and ``with
ember.device(...)``, against PyTorch 2.13.

PyTorch here is a CPU build, so its stand-in for "another device" is ``meta`` (its
default-device mode is the same for every device type: it fills in ``device=`` of the
factories it lists); ember's is ``cuda``, which on a machine without a GPU makes every
factory that consults the default raise the "no CUDA" error.  So which factories follow
the default is compared on any machine; what lands on a real GPU is checked in
tests/backend/test_cuda_end_to_end.py."""
import sys
import threading

import numpy as np
import pytest
import torch

import ember
from ember.backend.device import CudaUnavailableError

DM = sys.modules["ember.backend.device"]  # the module (ember.backend.device is the class)
NO_GPU = not ember.cuda.is_available()


@pytest.fixture(autouse=True)
def _reset_defaults():
    """Every test starts and ends with the built-in cpu default in both libraries."""
    ember.set_default_device(None)
    torch.set_default_device(None)
    yield
    ember.set_default_device(None)
    torch.set_default_device(None)
    assert DM.DEFAULT_IN_USE[0] == 0, "a default device was left set"


def _r(lib):
    return repr(lib.get_default_device())


# ---------------------------------------------------------------------- get / set / reset
def test_initial_default_is_cpu():
    assert _r(ember) == _r(torch) == "device(type='cpu')"
    assert isinstance(ember.get_default_device(), ember.device)
    assert ember.get_default_device() == ember.device("cpu")


@pytest.mark.parametrize("dev", ["cpu", "cpu:0", "device", "device:0"])
def test_set_get_reset(dev):
    for lib in (ember, torch):
        d = {"device": lib.device("cpu"), "device:0": lib.device("cpu", 0)}.get(dev, dev)
        lib.set_default_device(d)
    assert _r(ember) == _r(torch)
    assert str(ember.get_default_device()) == str(torch.get_default_device())
    assert ember.zeros(2).device == ember.device("cpu")
    ember.set_default_device(None)
    torch.set_default_device(None)
    assert _r(ember) == _r(torch) == "device(type='cpu')"


def test_setting_twice_replaces():
    for lib in (ember, torch):
        lib.set_default_device("cpu:0")
        lib.set_default_device("cpu")
    assert _r(ember) == _r(torch) == "device(type='cpu')"


# ---------------------------------------------------------------------- the context manager
def test_with_device_sets_and_restores():
    seen = {}
    for lib in (ember, torch):
        d = lib.device("cpu:0")
        with d as entered:
            assert entered is d
            seen[lib.__name__] = [_r(lib)]
            with lib.device("cpu"):
                seen[lib.__name__].append(_r(lib))
            seen[lib.__name__].append(_r(lib))
        seen[lib.__name__].append(_r(lib))
    assert seen["ember"] == seen["torch"]
    assert seen["ember"] == ["device(type='cpu', index=0)", "device(type='cpu')",
                             "device(type='cpu', index=0)", "device(type='cpu')"]


def test_same_device_object_entered_twice():
    out = {}
    for lib in (ember, torch):
        d = lib.device("cpu", 0)
        with d:
            with d:
                inner = _r(lib)
            middle = _r(lib)
        out[lib.__name__] = (inner, middle, _r(lib))
    assert out["ember"] == out["torch"]


def test_with_restores_on_exception():
    for lib in (ember, torch):
        lib.set_default_device("cpu:0")
        with pytest.raises(ValueError):
            with lib.device("cpu"):
                with lib.device("cpu:0"):
                    raise ValueError("boom")
    assert _r(ember) == _r(torch) == "device(type='cpu', index=0)"


def test_with_inside_set_default_returns_to_it():
    for lib in (ember, torch):
        lib.set_default_device("cpu:0")
        with lib.device("cpu"):
            assert _r(lib) == "device(type='cpu')"
        assert _r(lib) == "device(type='cpu', index=0)"


def test_set_inside_with_takes_effect_and_stays():
    # PyTorch 2.13 raises AssertionError("Found nested DeviceContext...") when the block
    # ends in this case; ember lets the latest setting win (docs/differences.md).
    with ember.device("cpu"):
        ember.set_default_device("cpu:0")
        assert _r(ember) == "device(type='cpu', index=0)"
        with ember.device("cpu"):
            assert _r(ember) == "device(type='cpu')"
        assert _r(ember) == "device(type='cpu', index=0)"
    assert _r(ember) == "device(type='cpu', index=0)"


def test_default_is_thread_local():
    got = {}
    for lib in (ember, torch):
        lib.set_default_device("cpu:0")

        def worker(lib=lib):
            before = _r(lib)
            with lib.device("cpu:0"):
                inside = _r(lib)
            lib.set_default_device("cpu:0")
            got[lib.__name__] = (before, inside, _r(lib))

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        lib.set_default_device(None)
        assert _r(lib) == "device(type='cpu')"   # the thread's setting did not leak here
    assert got["ember"] == got["torch"] == ("device(type='cpu')", "device(type='cpu', index=0)",
                                            "device(type='cpu', index=0)")


def test_finished_thread_stops_counting():
    """A thread that ends with a default set no longer slows this thread's factories."""
    def worker():
        ember.set_default_device("cpu:0")
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert DM.DEFAULT_IN_USE[0] == 0
    assert DM.factory_device(None) is DM.CPU


# ---------------------------------------------------------------------- bad devices
@pytest.mark.parametrize("bad", ["foo", "cuda:x", "", "cpu:-1", "cuda:-1", 3.5, [1]])
def test_bad_device_errors_like_torch(bad):
    for setter in (lambda lib: lib.set_default_device(bad), lambda lib: lib.device(bad).__enter__()):
        with pytest.raises(Exception) as te:
            setter(torch)
        with pytest.raises(Exception) as ee:
            setter(ember)
        base = next(b for b in type(te.value).__mro__ if b.__module__ == "builtins")
        assert isinstance(ee.value, base), (bad, ee.value, te.value)
        assert _r(ember) == _r(torch) == "device(type='cpu')"   # nothing changed


# ---------------------------------------------------------------------- which factories follow it
def _np():
    return np.arange(6, dtype=np.float32).reshape(2, 3)


# (name, fn(lib, c)) with c a 2x3 float32 cpu tensor made before the block
FACTORIES = [
    ("zeros", lambda lib, c: lib.zeros(2, 3)),
    ("ones", lambda lib, c: lib.ones((2,), dtype=lib.int64)),
    ("empty", lambda lib, c: lib.empty(size=(2,))),
    ("full", lambda lib, c: lib.full((2, 2), 1.5)),
    ("arange", lambda lib, c: lib.arange(5)),
    ("arange float", lambda lib, c: lib.arange(0, 1, 0.25)),
    ("linspace", lambda lib, c: lib.linspace(0, 1, 5)),
    ("logspace", lambda lib, c: lib.logspace(0, 2, 3)),
    ("eye", lambda lib, c: lib.eye(2, 3)),
    ("rand", lambda lib, c: lib.rand(2)),
    ("randn", lambda lib, c: lib.randn(2, 2)),
    ("randint", lambda lib, c: lib.randint(0, 5, (3,))),
    ("randperm", lambda lib, c: lib.randperm(4)),
    ("tensor list", lambda lib, c: lib.tensor([1.0, 2.0])),
    ("tensor ndarray", lambda lib, c: lib.tensor(_np())),
    ("tensor tensor", lambda lib, c: lib.tensor(c.detach().clone())),
    ("as_tensor list", lambda lib, c: lib.as_tensor([1, 2])),
    ("as_tensor ndarray", lambda lib, c: lib.as_tensor(_np())),
    ("as_tensor tensor", lambda lib, c: lib.as_tensor(c)),
    ("nn.Linear weight", lambda lib, c: lib.nn.Linear(3, 2).weight),
    ("nn.Conv2d bias", lambda lib, c: lib.nn.Conv2d(1, 2, 3).bias),
    ("nn.Embedding weight", lambda lib, c: lib.nn.Embedding(4, 2).weight),
    ("nn.BatchNorm1d running_var", lambda lib, c: lib.nn.BatchNorm1d(3).running_var),
    ("nn.LSTM weight", lambda lib, c: lib.nn.LSTM(3, 2).weight_hh_l0),
    # these follow their input or stay on the cpu
    ("from_numpy", lambda lib, c: lib.from_numpy(_np())),
    ("zeros_like", lambda lib, c: lib.zeros_like(c)),
    ("ones_like", lambda lib, c: lib.ones_like(c, dtype=lib.float64)),
    ("empty_like", lambda lib, c: lib.empty_like(c)),
    ("full_like", lambda lib, c: lib.full_like(c, 7)),
    ("rand_like", lambda lib, c: lib.rand_like(c)),
    ("randn_like", lambda lib, c: lib.randn_like(c)),
    ("randint_like", lambda lib, c: lib.randint_like(c, 3)),
    ("new_zeros", lambda lib, c: c.new_zeros(2)),
    ("new_ones", lambda lib, c: c.new_ones((2, 2))),
    ("new_empty", lambda lib, c: c.new_empty(2)),
    ("new_full", lambda lib, c: c.new_full((2,), 3.0)),
    ("new_tensor", lambda lib, c: c.new_tensor([1.0, 2.0])),
    ("normal floats", lambda lib, c: lib.normal(0.0, 1.0, (3,))),
    ("normal tensor mean", lambda lib, c: lib.normal(c, 1.0)),
    ("bernoulli", lambda lib, c: lib.bernoulli(lib.full_like(c, 0.5))),
    ("legacy Tensor(2, 3)", lambda lib, c: lib.Tensor(2, 3)),
    ("legacy FloatTensor(list)", lambda lib, c: lib.FloatTensor([1.0, 2.0])),
    ("op on a cpu tensor", lambda lib, c: c * 2 + 1),
    ("clone", lambda lib, c: c.clone()),
]

FOLLOW_DEFAULT = {"zeros", "ones", "empty", "full", "arange", "arange float", "linspace", "logspace", "eye",
                  "rand", "randn", "randint", "randperm", "tensor list", "tensor ndarray", "tensor tensor",
                  "as_tensor list", "as_tensor ndarray", "as_tensor tensor", "nn.Linear weight", "nn.Conv2d bias",
                  "nn.Embedding weight", "nn.BatchNorm1d running_var", "nn.LSTM weight"}


def _where(lib, fn) -> str:
    """'default' when ``fn`` made its tensor on the default device, 'cpu' when on the cpu.

    torch's default is ``meta``; ember's is ``cuda``, which without a GPU raises the no-CUDA
    error at the first allocation there (that, too, shows the default was used)."""
    other = "meta" if lib is torch else "cuda"
    c = lib.ones(2, 3)
    with lib.device(other):
        try:
            out = fn(lib, c)
        except CudaUnavailableError:
            assert lib is ember and NO_GPU
            return "default"
    if out.device.type == other:
        return "default"
    assert out.device.type == "cpu", out.device
    return "cpu"


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor")
@pytest.mark.parametrize("name,fn", FACTORIES, ids=[n for n, _ in FACTORIES])
def test_which_factories_follow_the_default(name, fn):
    expected = "default" if name in FOLLOW_DEFAULT else "cpu"
    assert _where(torch, fn) == expected, "the list above no longer matches PyTorch"
    assert _where(ember, fn) == expected
    assert _r(ember) == "device(type='cpu')"


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor")
@pytest.mark.parametrize("name,fn", [f for f in FACTORIES if not f[0].startswith(("nn.", "legacy Tensor"))
                                     and f[0] not in ("empty", "new_empty", "empty_like")],
                         ids=[n for n, _ in FACTORIES if not n.startswith(("nn.", "legacy Tensor"))
                              and n not in ("empty", "new_empty", "empty_like")])
def test_factories_under_a_cpu_default_match_torch(name, fn):
    """With the default set to cpu explicitly, every factory gives what torch gives
    (values for the deterministic ones; shape, dtype and device for the samplers)."""
    outs = {}
    for lib in (ember, torch):
        lib.manual_seed(0)
        c = lib.ones(2, 3)
        with lib.device("cpu"):
            outs[lib.__name__] = fn(lib, c)
    e, t = outs["ember"], outs["torch"]
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
    assert e.device == ember.device("cpu") and t.device == torch.device("cpu")
    if not name.startswith(("rand", "normal", "bernoulli")):
        np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())


def test_as_tensor_keeps_sharing_under_a_cpu_default():
    a = _np()
    c = ember.ones(2)
    with ember.device("cpu"):
        assert ember.as_tensor(c) is c
        t = ember.as_tensor(a)
    t[0, 0] = 100.0
    assert a[0, 0] == 100.0


def test_requires_grad_and_dtype_under_the_default():
    with ember.device("cpu:0"):
        x = ember.randn(3, requires_grad=True, dtype=ember.float64)
        y = ember.zeros(2, device="cpu", dtype=ember.int32)
    assert x.requires_grad and x.dtype is ember.float64 and x.is_leaf
    assert y.dtype is ember.int32


# ---------------------------------------------------------------------- cuda default without a GPU
needs_no_gpu = pytest.mark.skipif(not NO_GPU, reason="checks the no-GPU error path; this machine has a CUDA GPU")


@needs_no_gpu
def test_cuda_default_errors_like_an_explicit_cuda_device():
    with pytest.raises(Exception) as explicit:
        ember.zeros(2, device="cuda")
    ember.set_default_device("cuda")          # accepted: the error comes at the first allocation
    torch.set_default_device("cuda")
    calls = [lambda lib: lib.zeros(2), lambda lib: lib.tensor([1.0]), lambda lib: lib.randn(2),
             lambda lib: lib.arange(3), lambda lib: lib.nn.Linear(2, 2), lambda lib: lib.get_default_device()]
    for call in calls:
        with pytest.raises(Exception) as te:
            call(torch)
        with pytest.raises(Exception) as ee:
            call(ember)
        assert type(ee.value) is type(explicit.value) is CudaUnavailableError
        assert isinstance(ee.value, type(te.value))   # torch: AssertionError("Torch not compiled with CUDA")
    # what does not consult the default still works
    assert ember.from_numpy(_np()).device.type == "cpu"
    assert ember.ones(2, device="cpu").device.type == "cpu"


@needs_no_gpu
def test_a_with_block_that_raised_leaves_nothing_changed():
    with pytest.raises(CudaUnavailableError):
        with ember.device("cuda"):
            ember.zeros(2)
    assert _r(ember) == "device(type='cpu')"
    assert DM.DEFAULT_IN_USE[0] == 0
    assert ember.zeros(2).device == ember.device("cpu")
    assert ember.tensor([1.0]).device == ember.device("cpu")


def test_positional_encoding_table_follows_the_default():
    """ember's PositionalEncoding makes its buffer like a parameter: on the default device."""
    if NO_GPU:
        with pytest.raises(CudaUnavailableError):
            with ember.device("cuda"):
                ember.nn.PositionalEncoding(4, max_len=5)
    with ember.device("cpu"):
        pe = ember.nn.PositionalEncoding(4, max_len=5).pe
    assert pe.device == ember.device("cpu") and tuple(pe.shape) == (5, 1, 4)


def test_rng_state_and_packed_batch_sizes_stay_on_cpu():
    """Internal tensors PyTorch always keeps on the cpu ignore the default."""
    with ember.device("cpu:0"):
        assert ember.get_rng_state().device.type == "cpu"
        packed = ember.nn.utils.rnn.pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
    assert packed.batch_sizes.device.type == "cpu"
