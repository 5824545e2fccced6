"""MNIST-family datasets read from IDX files (``train-images-idx3-ubyte[.gz]`` ...).

IDX: two zero bytes, a type code (0x08 = uint8), the number of dims, each dim as a
big-endian int32, then the data, big-endian."""
from __future__ import annotations

import gzip
import os

import numpy as np

from ...tensor.creation import from_numpy
from ..vision_dataset import VisionDataset
from .utils import SYSTEM_DIR, DatasetNotFoundError, download_url, find_file

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "read_idx"]

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a NumPy array."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise RuntimeError(f"read_idx: cannot read {path}: {e}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise RuntimeError(f"read_idx: {path} is not an IDX file (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    dt = np.dtype(_IDX_TYPES[data[2]])
    count = int(np.prod(dims)) if dims else 1
    if len(data) - header != count * dt.itemsize:
        raise RuntimeError(f"read_idx: {path} holds {len(data) - header} data bytes, expected "
                           f"{count * dt.itemsize} for shape {dims}")
    arr = np.frombuffer(data, dtype=dt, offset=header, count=count).reshape(dims)
    return arr.astype(dt.newbyteorder("="), copy=True)


class MNIST(VisionDataset):
    """``MNIST(root, train=True, transform=None, target_transform=None, download=False)``.

    ``data`` is a uint8 tensor (N, 28, 28), ``targets`` an int64 tensor; items are
    ``(PIL image, int)`` as torchvision's (or ``(uint8 tensor, int)`` without Pillow)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9646ae5c3b2a9c3ec8c1d8a8d6b59ea2"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    system_name = "mnist"
    install_hint = ""
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str = "data", train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        prefix = "train" if train else "t10k"
        images = self._locate(f"{prefix}-images-idx3-ubyte", download)
        labels = self._locate(f"{prefix}-labels-idx1-ubyte", download)
        self.data = from_numpy(read_idx(images))
        self.targets = from_numpy(read_idx(labels).astype(np.int64))
        if self.data.shape[0] != self.targets.shape[0]:
            raise RuntimeError(f"{type(self).__name__}: {images} has {self.data.shape[0]} images but {labels} has "
                               f"{self.targets.shape[0]} labels")
        self.files = (images, labels)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    def _search_dirs(self) -> list[str]:
        return [os.path.join(SYSTEM_DIR, self.system_name), self.raw_folder, self.root]

    def _locate(self, stem: str, download: bool) -> str:
        dirs = self._search_dirs()
        found = find_file(dirs, [stem + ".gz", stem])
        if found is not None:
            return found
        if download:
            name, md5 = next((n, m) for n, m in self.resources if n.startswith(stem))
            errors = []
            for mirror in self.mirrors:
                try:
                    return download_url(mirror + name, self.raw_folder, name, md5)
                except DatasetNotFoundError as e:
                    errors.append(str(e))
            raise DatasetNotFoundError(f"{type(self).__name__}: download failed: " + "; ".join(errors))
        raise DatasetNotFoundError(
            f"Dataset not found: {type(self).__name__} needs {stem}[.gz]; looked in {', '.join(dirs)}. "
            f"{self.install_hint}You can use download=True to download it.")

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index: int):
        img = self.data._data[index]
        target = int(self.targets._data[index])
        img = _to_pil(img, "L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey images of 10 clothing classes.  On Debian:
    ``apt-get install dataset-fashion-mnist`` puts the files in /usr/share/datasets/fashion-mnist."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    system_name = "fashion-mnist"
    install_hint = "On Debian/Ubuntu: apt-get install dataset-fashion-mnist. "
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (same IDX layout)."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    system_name = "kmnist"
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


def _to_pil(arr: np.ndarray, mode: str):
    """A PIL image when Pillow is installed (torchvision's item type), else a uint8 tensor."""
    try:
        from PIL import Image
    except ImportError:
        return from_numpy(np.array(arr))
    return Image.fromarray(np.ascontiguousarray(arr), mode=mode) if mode == "L" else Image.fromarray(arr)
