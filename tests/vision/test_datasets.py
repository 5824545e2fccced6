"""Vision datasets read small files of each real format, generated here."""
import gzip
import os
import pickle
import struct

import numpy as np
import pytest

from ember.vision import datasets
from ember.vision.datasets.mnist import read_idx


def write_idx(path, arr, gz=True):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}
    header = bytes([0, 0, codes[arr.dtype], arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    data = header + arr.tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)


@pytest.fixture
def mnist_root(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.mnist, "SYSTEM_DIR", str(tmp_path / "nosystem"))
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 3, 9, 8, 7], dtype=np.uint8)
    write_idx(raw / "train-images-idx3-ubyte.gz", imgs)
    write_idx(raw / "train-labels-idx1-ubyte.gz", labels)
    write_idx(raw / "t10k-images-idx3-ubyte", imgs[:3], gz=False)
    write_idx(raw / "t10k-labels-idx1-ubyte", labels[:3], gz=False)
    return tmp_path, imgs, labels


def test_idx_reader_roundtrip(tmp_path):
    a = np.arange(24, dtype=">i4").reshape(2, 3, 4)
    write_idx(tmp_path / "a.idx", a, gz=False)
    assert np.array_equal(read_idx(str(tmp_path / "a.idx")), a)
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(RuntimeError, match="IDX"):
        read_idx(str(tmp_path / "bad.idx"))
    (tmp_path / "short.idx").write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"abc")
    with pytest.raises(RuntimeError, match="expected"):
        read_idx(str(tmp_path / "short.idx"))


def test_fashion_mnist_reads_train_and_test(mnist_root):
    root, imgs, labels = mnist_root
    train = datasets.FashionMNIST(str(root), train=True)
    assert len(train) == 7 and tuple(train.data.shape) == (7, 28, 28)
    assert str(train.data.dtype) == "torch.uint8" and str(train.targets.dtype) == "torch.int64"
    img, y = train[4]
    assert y == 9 and np.array_equal(np.asarray(img), imgs[4])
    test = datasets.FashionMNIST(str(root), train=False, transform=lambda im: np.asarray(im).sum(),
                                 target_transform=lambda t: t * 10)
    assert len(test) == 3 and test[1] == (int(imgs[1].astype(np.int64).sum()), 10)
    assert train.classes[9] == "Ankle boot"
    assert repr(train).startswith("Dataset FashionMNIST\n    Number of datapoints: 7\n")


def test_system_directory_is_searched_first(mnist_root, monkeypatch):
    root, imgs, labels = mnist_root
    system = root / "system"
    (system / "fashion-mnist").mkdir(parents=True)
    write_idx(system / "fashion-mnist" / "t10k-images-idx3-ubyte.gz", imgs[:2])
    write_idx(system / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz", labels[:2])
    monkeypatch.setattr(datasets.mnist, "SYSTEM_DIR", str(system))
    assert len(datasets.FashionMNIST(str(root), train=False)) == 2


def test_missing_dataset_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.mnist, "SYSTEM_DIR", str(tmp_path / "none"))
    with pytest.raises(RuntimeError, match="apt-get install dataset-fashion-mnist"):
        datasets.FashionMNIST(str(tmp_path), train=True)


def test_mismatched_counts_raise(mnist_root):
    root, imgs, labels = mnist_root
    write_idx(root / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte.gz", labels[:5])
    with pytest.raises(RuntimeError, match="labels"):
        datasets.FashionMNIST(str(root))


def _cifar_files(folder, n_per_batch=4, hundred=False):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    if hundred:
        for name, n in (("train", 6), ("test", 2)):
            d = {b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), b"fine_labels": list(range(n)),
                 b"coarse_labels": [0] * n}
            (folder / name).write_bytes(pickle.dumps(d, protocol=2))
        (folder / "meta").write_bytes(pickle.dumps({b"fine_label_names": [f"c{i}".encode() for i in range(100)]},
                                                   protocol=2))
        return
    for i in range(1, 6):
        d = {b"data": rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8),
             b"labels": [(i + j) % 10 for j in range(n_per_batch)], b"batch_label": b"x"}
        (folder / f"data_batch_{i}").write_bytes(pickle.dumps(d, protocol=2))
    d = {b"data": rng.integers(0, 256, size=(3, 3072), dtype=np.uint8), b"labels": [1, 2, 3]}
    (folder / "test_batch").write_bytes(pickle.dumps(d, protocol=2))
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [n.encode() for n in names]}, protocol=2))


def test_cifar10_and_100(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.cifar, "SYSTEM_DIR", str(tmp_path / "none"))
    _cifar_files(tmp_path / "cifar-10-batches-py")
    train = datasets.CIFAR10(str(tmp_path), train=True)
    assert train.data.shape == (20, 32, 32, 3) and len(train.targets) == 20
    raw = pickle.loads((tmp_path / "cifar-10-batches-py" / "data_batch_1").read_bytes())
    assert np.array_equal(train.data[0], raw[b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0))
    img, y = train[0]
    assert y == 1 and np.asarray(img).shape == (32, 32, 3)
    assert datasets.CIFAR10(str(tmp_path), train=False).targets == [1, 2, 3]
    assert train.classes[0] == "airplane"
    _cifar_files(tmp_path / "cifar-100-python", hundred=True)
    c100 = datasets.CIFAR100(str(tmp_path), train=True)
    assert len(c100) == 6 and c100.targets == list(range(6))


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_cifar_pickle_cannot_run_code(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.cifar, "SYSTEM_DIR", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)
    _cifar_files(tmp_path / "cifar-10-batches-py")
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps({b"data": _Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        datasets.CIFAR10(str(tmp_path), train=False)
    assert not (tmp_path / "PWNED").exists()


def test_image_folder(tmp_path):
    Image = pytest.importorskip("PIL.Image", reason="Pillow is a test extra")
    for cls, color in (("dog", (255, 0, 0)), ("cat", (0, 255, 0))):
        (tmp_path / cls).mkdir()
        for i in range(2):
            Image.new("RGB", (5, 4), color).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(str(tmp_path))
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 4 and [t for _, t in ds.samples] == [0, 0, 1, 1]
    img, y = ds[3]
    assert y == 1 and img.size == (5, 4) and img.getpixel((0, 0)) == (255, 0, 0)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError):
        datasets.ImageFolder(str(tmp_path))
