"""ember.device and ember.cuda, compared with PyTorch's CPU build on this machine."""
import io
import os
import contextlib

import pytest
import torch

import ember

SNIPPETS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "seed-snippets")
needs_cuda = pytest.mark.skipif(not ember.cuda.is_available(), reason="no CUDA GPU/CuPy on this machine")


@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:0",), ("cuda:1",), ("cuda", 1), ("cpu", 0)])
def test_device_objects_match_torch(args):
    e, t = ember.device(*args), torch.device(*args)
    assert repr(e) == repr(t) and str(e) == str(t)
    assert e.type == t.type and e.index == t.index
    assert e == ember.device(str(t)) and hash(e) == hash(ember.device(str(t)))


@pytest.mark.parametrize("args", [("gpu",), ("cuda:x",), ("cuda:0", 1), ("cuda", -1), (1.5,)])
def test_device_errors_match_torch(args):
    with pytest.raises(Exception) as te:
        torch.device(*args)
    with pytest.raises(Exception) as ee:
        ember.device(*args)
    base = next(b for b in type(te.value).__mro__ if b.__module__ == "builtins")
    assert isinstance(ee.value, base), (ee.value, te.value)


def test_int_device_is_cuda():
    assert ember.device(0) == ember.device("cuda:0")


def test_cuda_queries_like_cpu_torch():
    if ember.cuda.is_available():
        pytest.skip("this machine has a GPU; the CPU-build behaviour does not apply")
    assert ember.cuda.is_available() is torch.cuda.is_available() is False
    assert ember.cuda.device_count() == torch.cuda.device_count() == 0
    for name in ("current_device", "get_device_name", "synchronize", "initial_seed", "get_device_properties"):
        with pytest.raises(AssertionError) as ee:
            getattr(ember.cuda, name)() if name != "get_device_properties" else ember.cuda.get_device_properties(0)
        assert "Torch not compiled with CUDA enabled" in str(ee.value)
        assert isinstance(ee.value, RuntimeError)  # also a RuntimeError, for code catching that
        with pytest.raises(AssertionError):
            getattr(torch.cuda, name)() if name != "get_device_properties" else torch.cuda.get_device_properties(0)
    # seeding and cache release are silent no-ops, as in torch
    assert ember.cuda.manual_seed(1) is None and torch.cuda.manual_seed(1) is None
    assert ember.cuda.manual_seed_all(1) is None and torch.cuda.manual_seed_all(1) is None
    assert ember.cuda.empty_cache() is None and torch.cuda.empty_cache() is None
    assert ember.cuda.memory_allocated() == 0


@pytest.mark.parametrize("fn", [lambda l: l.zeros(2).to("cuda"), lambda l: l.zeros(2, device="cuda"),
                                lambda l: l.zeros(2).cuda(), lambda l: l.tensor([1, 2], device="cuda"),
                                lambda l: l.randn(2, device="cuda:0"), lambda l: l.arange(3, device="cuda")])
def test_cuda_tensors_fail_clearly_without_gpu(fn):
    if ember.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(AssertionError):
        fn(torch)
    with pytest.raises(RuntimeError, match="not compiled with CUDA enabled.*CuPy"):
        fn(ember)


def test_factories_accept_cpu_devices():
    for dev in ("cpu", ember.device("cpu"), "cpu:0"):
        assert ember.zeros(2, device=dev).device == ember.device("cpu")
        assert ember.randn(2, device=dev).is_cpu
    assert ember.zeros(2).to("cpu").device.type == "cpu"


def test_seed_snippet_try_gpu_prints_like_torch():
    """004:L150-162 runs with ``import ember as torch`` and prints what torch prints."""
    path = os.path.join(SNIPPETS, "004_L150_try_gpu_try_all_gpus.py")
    src = open(path, encoding="utf-8").read()
    lines = src.rstrip().splitlines()
    body, last = "\n".join(lines[:-1]), lines[-1]
    outputs = []
    for lib in (ember, torch):
        ns = {"torch": lib}
        exec(compile(body, path, "exec"), ns)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            print(eval(last, ns))
        outputs.append(buf.getvalue())
    assert outputs[0] == outputs[1]
    if not ember.cuda.is_available():
        assert outputs[0] == "(device(type='cpu'), device(type='cpu'), [device(type='cpu')])\n"


def test_device_selection_idiom():
    dev = ember.device("cuda:0" if ember.cuda.is_available() else "cpu")
    x = ember.ones(2, 2, device=dev)
    assert x.device.type == dev.type
    assert repr(x.to(dev)) == repr(x)


@pytest.mark.cuda
@needs_cuda
def test_cuda_api_with_gpu():
    n = ember.cuda.device_count()
    assert n >= 1
    assert ember.cuda.current_device() == 0
    assert isinstance(ember.cuda.get_device_name(), str) and ember.cuda.get_device_name()
    ember.cuda.synchronize()
    x = ember.randn(3, 4, device="cuda")
    assert x.device == ember.device("cuda:0") and "device='cuda:0'" in repr(x)
    assert x.cpu().device.type == "cpu"
    y = ember.tensor([1.0, 2.0]).to("cuda")
    assert y.tolist() == [1.0, 2.0]
    ember.cuda.empty_cache()
    ember.cuda.manual_seed(3)
    a = ember.rand(5, device="cuda").tolist()
    ember.cuda.manual_seed(3)
    assert ember.rand(5, device="cuda").tolist() == a
    with ember.cuda.device(0):
        assert ember.cuda.current_device() == 0
