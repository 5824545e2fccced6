"""``download=True``: datasets fetch their files from the mirrors in order, verify the MD5,
write atomically, fall back to the next mirror, and fail with a clear error.  The mirrors are
an HTTP server on 127.0.0.1 started here, serving generated files of the real formats."""
import hashlib
import http.server
import os
import pickle
import tarfile
import threading

import numpy as np
import pytest

from ember.vision import datasets
from ember.vision.datasets.utils import DatasetNotFoundError, download_url

from test_datasets import write_idx  # noqa: E402  (tests/vision is on sys.path via rootdir conftest)


@pytest.fixture
def server(tmp_path):
    """(base_url, served_dir): a threaded HTTP server on a free loopback port."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(served), **kw)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    httpd.shutdown()
    httpd.server_close()


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def _mnist_files(folder, n_train=6, n_test=3):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8)
    labels = (np.arange(n_train) % 10).astype(np.uint8)
    write_idx(folder / "train-images-idx3-ubyte.gz", imgs)
    write_idx(folder / "train-labels-idx1-ubyte.gz", labels)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", imgs[:n_test])
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels[:n_test])
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz"]
    return imgs, labels, [(n, _md5(folder / n)) for n in names]


@pytest.fixture
def no_system_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.mnist, "SYSTEM_DIR", str(tmp_path / "nosystem"))
    monkeypatch.setattr(datasets.cifar, "SYSTEM_DIR", str(tmp_path / "nosystem"))


def test_fashion_mnist_downloads_from_second_mirror(server, tmp_path, monkeypatch, no_system_copy):
    base, served = server
    (served / "good").mkdir()
    imgs, labels, resources = _mnist_files(served / "good")
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", [base + "missing/", base + "good/"])
    monkeypatch.setattr(datasets.FashionMNIST, "resources", resources)
    root = tmp_path / "root"
    ds = datasets.FashionMNIST(str(root), train=True, download=True)
    assert len(ds) == 6
    np.testing.assert_array_equal(ds.data.numpy(), imgs)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    raw = root / "FashionMNIST" / "raw"
    assert sorted(os.listdir(raw)) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    test = datasets.FashionMNIST(str(root), train=False, download=True)
    assert len(test) == 3
    # a second construction finds the downloaded files without the network
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", [base + "missing/"])
    assert len(datasets.FashionMNIST(str(root), train=True, download=True)) == 6


def test_checksum_mismatch_leaves_nothing_behind(server, tmp_path, monkeypatch, no_system_copy):
    base, served = server
    (served / "m").mkdir()
    _, _, resources = _mnist_files(served / "m")
    bad = [(n, "0" * 32) for n, _ in resources]
    monkeypatch.setattr(datasets.MNIST, "mirrors", [base + "m/"])
    monkeypatch.setattr(datasets.MNIST, "resources", bad)
    root = tmp_path / "root"
    with pytest.raises(DatasetNotFoundError, match="checksum mismatch"):
        datasets.MNIST(str(root), train=True, download=True)
    raw = root / "MNIST" / "raw"
    assert not raw.exists() or os.listdir(raw) == []


def test_unreachable_mirrors_give_one_clear_error(server, tmp_path, monkeypatch, no_system_copy):
    base, _ = server
    monkeypatch.setattr(datasets.MNIST, "mirrors", [base + "a/", base + "b/"])
    with pytest.raises(DatasetNotFoundError) as exc:
        datasets.MNIST(str(tmp_path / "r"), train=True, download=True)
    msg = str(exc.value)
    assert "download failed" in msg and base + "a/" in msg and base + "b/" in msg


def test_without_download_the_error_says_how_to_get_it(tmp_path, no_system_copy):
    with pytest.raises(DatasetNotFoundError, match="apt-get install dataset-fashion-mnist") as exc:
        datasets.FashionMNIST(str(tmp_path), train=True)
    assert "download=True" in str(exc.value)


def test_cifar10_download_and_extract(server, tmp_path, monkeypatch, no_system_copy):
    base, served = server
    src = tmp_path / "build" / "cifar-10-batches-py"
    src.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, size=(2, 3072), dtype=np.uint8), b"labels": [1, 7]}
        with open(src / name, "wb") as f:
            pickle.dump(batch, f)
    with open(src / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [f"c{i}".encode() for i in range(10)]}, f)
    archive = served / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname="cifar-10-batches-py")
    monkeypatch.setattr(datasets.CIFAR10, "url", base + "cifar-10-python.tar.gz")
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", _md5(archive))
    ds = datasets.CIFAR10(str(tmp_path / "root"), train=True, download=True)
    assert len(ds) == 10
    img, label = ds[0]
    assert img.size == (32, 32) and label == 1


def test_download_url_is_atomic_and_reuses_a_verified_file(server, tmp_path):
    base, served = server
    (served / "f.bin").write_bytes(b"x" * 5000)
    md5 = _md5(served / "f.bin")
    out = tmp_path / "out"
    path = download_url(base + "f.bin", str(out), "f.bin", md5)
    assert open(path, "rb").read() == b"x" * 5000
    assert sorted(os.listdir(out)) == ["f.bin"]  # no .part left
    (served / "f.bin").unlink()
    assert download_url(base + "f.bin", str(out), "f.bin", md5) == path  # verified copy reused
