"""CIFAR-10 and CIFAR-100 from their official "python version" pickles, read safely.

The batch files are pickles of dicts holding NumPy arrays.  They are read with an
unpickler that resolves only NumPy's array-rebuilding names, so a tampered file cannot
run code."""
from __future__ import annotations

import os
import pickle
import tarfile

import numpy as np

from ...tensor.creation import from_numpy
from ..vision_dataset import VisionDataset
from .utils import SYSTEM_DIR, DatasetNotFoundError, download_url

__all__ = ["CIFAR10", "CIFAR100", "safe_pickle_load"]

_NUMPY_NAMES = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"), ("_codecs", "encode"),  # protocol-2 bytes are str.encode(latin1)
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _NUMPY_NAMES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"CIFAR batch file refers to '{module}.{name}': refused (only NumPy arrays "
                                     "are allowed in dataset pickles)")


def safe_pickle_load(path: str):
    """Load a dataset pickle that may hold only containers, numbers, bytes and arrays."""
    with open(path, "rb") as f:
        try:
            return _text_keys(_ArrayUnpickler(f, encoding="latin1").load())
        except pickle.UnpicklingError:
            raise
        except Exception as e:
            raise RuntimeError(f"cannot read {path}: {type(e).__name__}: {e}") from None


def _text_keys(obj):
    """Dict keys and lists of names as str whether the pickle was written by Python 2 or 3."""
    if isinstance(obj, dict):
        return {(k.decode("latin1") if isinstance(k, bytes) else k): _text_keys(v) for k, v in obj.items()}
    if isinstance(obj, list) and obj and all(isinstance(x, bytes) for x in obj):
        return [x.decode("latin1") for x in obj]
    return obj


class CIFAR10(VisionDataset):
    """``CIFAR10(root, train=True, transform=None, target_transform=None, download=False)``;
    ``data`` is a uint8 NumPy array (N, 32, 32, 3) and ``targets`` a list of ints, as torchvision."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [f"data_batch_{i}" for i in range(1, 6)]
    test_list = ["test_batch"]
    meta = ("batches.meta", "label_names")
    label_key = "labels"
    system_name = "cifar-10"

    def __init__(self, root: str = "data", train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        folder = self._folder(download)
        data, targets = [], []
        for name in (self.train_list if train else self.test_list):
            entry = safe_pickle_load(os.path.join(folder, name))
            data.append(np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            targets.extend(int(x) for x in entry[self.label_key])
        self.data = np.concatenate(data).transpose(0, 2, 3, 1).copy()
        self.targets = targets
        meta = safe_pickle_load(os.path.join(folder, self.meta[0]))
        self.classes = list(meta[self.meta[1]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _folder(self, download: bool) -> str:
        candidates = [os.path.join(SYSTEM_DIR, self.system_name, self.base_folder),
                      os.path.join(SYSTEM_DIR, self.system_name), os.path.join(self.root, self.base_folder)]
        for c in candidates:
            if os.path.isfile(os.path.join(c, self.meta[0])):
                return c
        if download:
            archive = download_url(self.url, self.root, self.filename, self.tgz_md5)
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(self.root, filter="data")
            return os.path.join(self.root, self.base_folder)
        raise DatasetNotFoundError(f"Dataset not found: {type(self).__name__} looked in {', '.join(candidates)}. "
                                   "You can use download=True to download it.")

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        img, target = self.data[index], self.targets[index]
        try:
            from PIL import Image
            img = Image.fromarray(img)
        except ImportError:
            img = from_numpy(np.array(img))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = ["train"]
    test_list = ["test"]
    meta = ("meta", "fine_label_names")
    label_key = "fine_labels"
    system_name = "cifar-100"
