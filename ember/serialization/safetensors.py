"""The ``.safetensors`` format, read and written without the safetensors package.

File = 8-byte little-endian header length N, N bytes of JSON header
(``{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
"__metadata__": {str: str}}``), then the tensors' bytes (C order, little-endian).
The same API as ``safetensors.torch``: ``save_file``, ``load_file``, ``save``, ``load``."""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from ..backend import dtypes as D
from .atomic import atomic_write
from .errors import LoadError

__all__ = ["save_file", "load_file", "save", "load", "is_safetensors"]

_CODES = {"F16": D.float16, "F32": D.float32, "F64": D.float64, "I8": D.int8, "I16": D.int16,
          "I32": D.int32, "I64": D.int64, "U8": D.uint8, "BOOL": D.bool_}
_NAMES = {v.name: k for k, v in _CODES.items()}


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """Serialise a dict name -> tensor to safetensors bytes."""
    from ..tensor.tensor import Tensor
    header: dict = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if not isinstance(name, str):
            raise TypeError(f"safetensors: tensor names must be strings, got {type(name).__name__}")
        if not isinstance(t, Tensor):
            raise TypeError(f"safetensors: value for '{name}' is {type(t).__name__}, expected a Tensor")
        arr = np.ascontiguousarray(np.asarray(t.detach().__array__())).astype(t.dtype.np.newbyteorder("<"))
        raw = arr.tobytes()
        header[name] = {"dtype": _NAMES[t.dtype.name], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("safetensors: metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 8)
    return struct.pack("<Q", len(js)) + js + b"".join(blobs)


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write a safetensors file atomically."""
    data = save(tensors, metadata)
    with atomic_write(filename) as f:
        f.write(data)


def is_safetensors(head: bytes, total: int) -> bool:
    """Whether the first bytes look like a safetensors header."""
    if len(head) < 9:
        return False
    n = struct.unpack("<Q", head[:8])[0]
    return 2 <= n <= total - 8 and head[8:9] == b"{"


def load(data: bytes, device="cpu") -> dict:
    """Parse safetensors bytes into a dict name -> tensor (validating every offset)."""
    from collections import OrderedDict
    from .tensors import make_tensor
    if len(data) < 8:
        raise LoadError("safetensors: file too short for a header")
    n = struct.unpack("<Q", data[:8])[0]
    if n > len(data) - 8:
        raise LoadError(f"safetensors: header length {n} exceeds the file size {len(data)}")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise LoadError(f"safetensors: the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise LoadError("safetensors: the header is not a JSON object")
    body = memoryview(data)[8 + n:]
    out = OrderedDict()
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dt = _CODES[info["dtype"]]
            shape = tuple(int(s) for s in info["shape"])
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise LoadError(f"safetensors: bad or unsupported entry for '{name}': {str(info)[:80]}") from None
        count = int(np.prod(shape)) if shape else 1
        if any(s < 0 for s in shape) or begin < 0 or end > len(body) or end - begin != count * dt.itemsize:
            raise LoadError(f"safetensors: entry '{name}' has offsets [{begin}, {end}] inconsistent with shape "
                            f"{list(shape)}, dtype {info['dtype']} and a data section of {len(body)} bytes")
        spans.append((begin, end))
        arr = np.frombuffer(body[begin:end], dtype=dt.np.newbyteorder("<")).astype(dt.np).reshape(shape)
        out[name] = make_tensor(arr, False, False, "cpu", device)
    spans.sort()
    pos = 0
    for b, e in spans:
        if b != pos:
            raise LoadError("safetensors: tensor data overlaps or leaves gaps (corrupted file)")
        pos = e
    if pos != len(body):
        raise LoadError(f"safetensors: {len(body) - pos} trailing bytes after the last tensor (corrupted file)")
    return out


def load_file(filename, device="cpu") -> dict:
    """Read a safetensors file into a dict name -> tensor."""
    with open(os.fspath(filename), "rb") as f:
        return load(f.read(), device)
