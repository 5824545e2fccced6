"""ember.save / ember.load: round trips, PyTorch checkpoints, safetensors, corruption, atomicity."""
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from ember.serialization import LoadError, UnsafeCheckpointError, safetensors as est
from helpers import assert_close


def test_seed002_tensor_list_dict_roundtrip(tmp_path):
    x = ember.tensor(np.arange(4))
    ember.save(x, tmp_path / "x-file")
    x2 = ember.load(tmp_path / "x-file")
    assert x2.tolist() == [0, 1, 2, 3] and x2.dtype is ember.int64
    y = ember.tensor(np.zeros(4, np.float32))
    ember.save([x, y], tmp_path / "x-files")
    a, b = ember.load(tmp_path / "x-files")
    assert a.tolist() == [0, 1, 2, 3] and b.tolist() == [0.0] * 4
    mydict = {"x": x, "y": y}
    ember.save(mydict, tmp_path / "mydict")
    got = ember.load(tmp_path / "mydict")
    assert list(got) == ["x", "y"] and got["y"].dtype is ember.float32


def test_rich_tree_roundtrip(tmp_path):
    t = ember.tensor(np.random.rand(3, 2))
    obj = {"state": {0: {"step": ember.tensor(3.0), "exp_avg": t}, 1: {}},
           "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False,
                             "name": None, "eps": float("inf")}],
           "shared": [t, t], "od": OrderedDict(a=1), "dtype": ember.float16, "size": ember.Size([2, 3])}
    ember.save(obj, tmp_path / "opt.pt")
    got = ember.load(tmp_path / "opt.pt")
    assert got["state"][0]["exp_avg"].tolist() == t.tolist() and got["state"][0]["exp_avg"].dtype is ember.float64
    assert got["param_groups"][0]["betas"] == (0.9, 0.999) and got["param_groups"][0]["eps"] == float("inf")
    assert got["shared"][0] is got["shared"][1]
    assert isinstance(got["od"], OrderedDict) and got["dtype"] is ember.float16
    assert repr(got["size"]) == "torch.Size([2, 3])"
    assert set(got["state"]) == {0, 1}


def test_file_objects_and_unsupported_objects(tmp_path):
    buf = io.BytesIO()
    ember.save({"a": ember.tensor([1.0])}, buf)
    buf.seek(0)
    assert ember.load(buf)["a"].tolist() == [1.0]
    with pytest.raises(TypeError, match="cannot save"):
        ember.save({"f": lambda: 0}, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_requires_grad_and_parameters_survive(tmp_path):
    p = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    ember.save({"p": p, "q": ember.tensor([3.0], requires_grad=True)}, tmp_path / "p")
    got = ember.load(tmp_path / "p")
    assert isinstance(got["p"], ember.nn.Parameter) and got["p"].requires_grad and got["q"].requires_grad


def torch_state(seed=0):
    g = torch.Generator().manual_seed(seed)
    return OrderedDict([("0.weight", torch.randn(4, 3, generator=g)), ("0.bias", torch.randn(4, generator=g)),
                        ("bn.running_mean", torch.randn(4, generator=g, dtype=torch.float64)),
                        ("bn.num_batches_tracked", torch.tensor(7)),
                        ("mask", torch.tensor([True, False])), ("half", torch.randn(2, 2).half()),
                        ("view", torch.arange(12.0).reshape(3, 4).t()[1:])])


def test_loads_pytorch_checkpoints(tmp_path):
    sd = torch_state()
    path = tmp_path / "model.pth"
    torch.save(sd, path)
    got = ember.load(path)
    assert list(got) == list(sd)
    for k in sd:
        assert_close(got[k], sd[k])
    # a parameter and nested containers, saved through a file object
    buf = io.BytesIO()
    torch.save({"w": torch.nn.Parameter(torch.ones(2)), "list": [torch.zeros(1), 3, "s"]}, buf)
    got = ember.load(io.BytesIO(buf.getvalue()))
    assert isinstance(got["w"], ember.nn.Parameter) and got["list"][1:] == [3, "s"]
    # an optimizer state_dict
    w = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.Adam([w])
    w.grad = torch.ones(3)
    opt.step()
    torch.save(opt.state_dict(), tmp_path / "opt.pt")
    osd = ember.load(tmp_path / "opt.pt")
    assert_close(osd["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
    assert osd["param_groups"][0]["lr"] == 0.001


def test_map_location_and_cuda_checkpoints(tmp_path):
    torch.save({"a": torch.ones(2)}, tmp_path / "a.pt")
    assert ember.load(tmp_path / "a.pt", map_location="cpu")["a"].device == ember.device("cpu")
    assert ember.load(tmp_path / "a.pt", map_location={"cpu": "cpu"})["a"].tolist() == [1.0, 1.0]
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            ember.load(tmp_path / "a.pt", map_location="cuda")


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_PICKLE",))


class _EvilImport:
    def __reduce__(self):
        import importlib
        return (importlib.import_module, ("this_module_must_not_load",))


def _craft_pt(path, payload):
    """A PyTorch-layout zip whose data.pkl is an arbitrary pickle."""
    import pickle
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(payload, protocol=2))
        z.writestr("archive/version", "3\n")
        z.writestr("archive/byteorder", "little")


@pytest.mark.parametrize("payload", [_Evil(), {"ok": 1, "bad": _Evil()}, _EvilImport(),
                                     [1, 2, _Evil()]])
def test_malicious_pickles_are_refused_and_do_nothing(tmp_path, monkeypatch, payload):
    monkeypatch.chdir(tmp_path)
    _craft_pt(tmp_path / "evil.pt", payload)
    with pytest.raises(UnsafeCheckpointError, match="refuses"):
        ember.load(tmp_path / "evil.pt")
    assert not (tmp_path / "PWNED_BY_PICKLE").exists()
    assert "this_module_must_not_load" not in sys.modules


def test_reduce_tricks_with_allowed_names_are_refused(tmp_path):
    # builtins.getattr / eval spelled through GLOBAL opcodes directly
    raw = b"\x80\x02cbuiltins\neval\nq\x00X\x0b\x00\x00\x00print(1+1)\nq\x01\x85q\x02Rq\x03."
    with zipfile.ZipFile(tmp_path / "e.pt", "w") as z:
        z.writestr("archive/data.pkl", raw)
    with pytest.raises(UnsafeCheckpointError):
        ember.load(tmp_path / "e.pt")
    # a storage id that names something other than a storage type
    raw = b"\x80\x02(X\x07\x00\x00\x00storageq\x00cos\nsystem\nq\x01X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQ."
    with zipfile.ZipFile(tmp_path / "p.pt", "w") as z:
        z.writestr("archive/data.pkl", raw)
    with pytest.raises(UnsafeCheckpointError):
        ember.load(tmp_path / "p.pt")
    # a bare pickle file
    import pickle
    (tmp_path / "bare.pkl").write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(LoadError):
        ember.load(tmp_path / "bare.pkl")


@pytest.mark.parametrize("fmt", ["ember", "torch"])
def test_truncated_and_bitflipped_files_raise(tmp_path, fmt):
    path = tmp_path / "m.pt"
    if fmt == "ember":
        ember.save({"w": ember.tensor(np.random.rand(50, 50))}, path)
    else:
        torch.save({"w": torch.rand(50, 50)}, path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        with pytest.raises(RuntimeError):
            ember.load(tmp_path / "cut.pt")
    rng = np.random.default_rng(1)
    flipped = 0
    for _ in range(20):
        b = bytearray(data)
        i = int(rng.integers(0, len(b)))
        b[i] ^= 0xFF
        (tmp_path / "flip.pt").write_bytes(bytes(b))
        try:
            out = ember.load(tmp_path / "flip.pt")
        except (RuntimeError, UnsafeCheckpointError):
            flipped += 1
            continue
        # a flip the format cannot notice (e.g. in zip padding) must still give the right data
        assert np.array_equal(np.asarray(out["w"].tolist()), np.asarray(ember.load(path)["w"].tolist()))
    assert flipped > 0
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(LoadError):
        ember.load(tmp_path / "text.pt")


def test_safetensors_both_directions(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch", reason="safetensors is a test extra")
    sd = {k: v.contiguous() for k, v in torch_state().items()}
    safetensors_torch.save_file(sd, tmp_path / "t.safetensors", metadata={"who": "torch"})
    got = ember.load(tmp_path / "t.safetensors")
    for k in sd:
        assert_close(got[k], sd[k])
    assert_close(est.load_file(tmp_path / "t.safetensors")["0.weight"], sd["0.weight"])
    ours = {k: ember.tensor(v.numpy()) for k, v in sd.items()}
    est.save_file(ours, tmp_path / "e.safetensors", metadata={"who": "ember"})
    back = safetensors_torch.load_file(tmp_path / "e.safetensors")
    for k in sd:
        assert torch.equal(back[k], sd[k])
    data = (tmp_path / "e.safetensors").read_bytes()
    (tmp_path / "bad.safetensors").write_bytes(data[:-3])
    with pytest.raises(LoadError):
        ember.load(tmp_path / "bad.safetensors")


_KILL_CHILD = r"""
import sys, numpy as np, ember, ember.serialization.atomic as A
real = A.atomic_write
import contextlib
@contextlib.contextmanager
def slow(path):
    with real(path) as f:
        class Slow:
            def write(self, b):
                mv = memoryview(b)
                for i in range(0, len(mv), 1 << 16):
                    f.write(mv[i:i + (1 << 16)])
                    if i == 0:
                        print("writing", flush=True)
                        import time; time.sleep(30)
        yield Slow()
A.atomic_write = slow
import ember.serialization.api as L
L.atomic_write = slow
ember.save({"w": ember.tensor(np.ones((512, 512), np.float32))}, sys.argv[1])
"""


def test_killed_save_leaves_previous_file_loadable(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"w": ember.tensor([1.0, 2.0])}, path)
    proc = subprocess.Popen([sys.executable, "-c", _KILL_CHILD, str(path)], stdout=subprocess.PIPE,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    line = proc.stdout.readline()
    assert b"writing" in line
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert ember.load(path)["w"].tolist() == [1.0, 2.0]
