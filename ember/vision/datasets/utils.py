"""Finding, checking and downloading dataset files.

Search order for a dataset's files (DESIGN.md "Data"): the system directory
``/usr/share/datasets/<name>/`` (Debian's ``dataset-fashion-mnist`` installs there), then
``root`` (and torchvision's ``root/<Class>/raw`` layout), then a download from the
official location with checksum verification when ``download=True``."""
from __future__ import annotations

import hashlib
import os
import urllib.request

__all__ = ["SYSTEM_DIR", "find_file", "download_url", "md5sum", "DatasetNotFoundError"]

SYSTEM_DIR = os.environ.get("EMBER_SYSTEM_DATASETS", "/usr/share/datasets")


class DatasetNotFoundError(RuntimeError):
    """The files of a dataset are nowhere to be found (the message says how to get them)."""


def md5sum(path: str, chunk: int = 1 << 20) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def find_file(candidates_dirs: list[str], names: list[str]) -> str | None:
    """The first existing ``dir/name`` over dirs (outer) and names (inner)."""
    for d in candidates_dirs:
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p):
                return p
    return None


def download_url(url: str, folder: str, filename: str, md5: str | None = None, timeout: float = 30) -> str:
    """Download ``url`` into ``folder/filename`` (atomically) and verify its MD5."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, filename)
    if os.path.isfile(path) and (md5 is None or md5sum(path) == md5):
        return path
    tmp = path + ".part"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r, open(tmp, "wb") as f:
            while True:
                block = r.read(1 << 20)
                if not block:
                    break
                f.write(block)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise DatasetNotFoundError(f"could not download {url}: {e}") from None
    if md5 is not None and md5sum(tmp) != md5:
        os.unlink(tmp)
        raise DatasetNotFoundError(f"checksum mismatch for {url}: the download is corrupted")
    os.replace(tmp, path)
    return path
