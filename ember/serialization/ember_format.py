"""ember's checkpoint format: a zip of one JSON tree plus raw tensor bytes.

Layout (zip, entries stored uncompressed, each with its CRC-32):

    ember.json          {"format": "ember", "version": 1, "root": NODE}
    tensors/<k>.bin     the k-th tensor's elements, C order, little-endian

NODE is one of: null, true/false, an int, a string, or an object with a ``"t"`` tag:
``float`` (``"v"``: a number or "nan"/"inf"/"-inf"), ``list``/``tuple`` (``"items"``),
``dict``/``odict`` (``"items"``: [[key NODE, value NODE], ...], so int keys survive),
``tensor`` (``"id"``, ``"dtype"``, ``"shape"``, ``"requires_grad"``, ``"parameter"``),
``size``, ``dtype``, ``device``.  Loading builds only these types: reading a file can
never run code.  The same tensor object saved twice is stored once and loaded as one
object."""
from __future__ import annotations

import io
import json
import math
import zipfile
from collections import OrderedDict

import numpy as np

from ..backend import dtypes as D
from .errors import LoadError

__all__ = ["write_ember", "read_ember", "MAGIC_NAME"]

MAGIC_NAME = "ember.json"


def _encode(obj, tensors: list, seen: dict):
    from ..tensor.tensor import Tensor
    from ..tensor.size import Size
    from ..backend.device import device
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        if math.isnan(obj):
            return {"t": "float", "v": "nan"}
        if math.isinf(obj):
            return {"t": "float", "v": "inf" if obj > 0 else "-inf"}
        return {"t": "float", "v": obj}
    if isinstance(obj, Tensor):
        key = id(obj)
        if key not in seen:
            seen[key] = len(tensors)
            tensors.append(obj)
        from ..nn.parameter import Parameter
        return {"t": "tensor", "id": seen[key], "dtype": obj.dtype.name, "shape": list(obj.shape),
                "requires_grad": bool(obj.requires_grad), "parameter": isinstance(obj, Parameter),
                "device": str(obj.device)}
    if isinstance(obj, Size):
        return {"t": "size", "v": list(obj)}
    if isinstance(obj, D.dtype):
        return {"t": "dtype", "v": obj.name}
    if isinstance(obj, device):
        return {"t": "device", "v": str(obj)}
    if isinstance(obj, np.ndarray):
        from ..tensor.creation import tensor
        return {"t": "ndarray", "v": _encode(tensor(obj, device="cpu"), tensors, seen)}
    if isinstance(obj, np.generic):
        return _encode(obj.item(), tensors, seen)
    if isinstance(obj, tuple):
        return {"t": "tuple", "items": [_encode(x, tensors, seen) for x in obj]}
    if isinstance(obj, list):
        return {"t": "list", "items": [_encode(x, tensors, seen) for x in obj]}
    if isinstance(obj, dict):
        tag = "odict" if isinstance(obj, OrderedDict) else "dict"
        node = {"t": tag, "items": [[_encode(k, tensors, seen), _encode(v, tensors, seen)] for k, v in obj.items()]}
        meta = getattr(obj, "_metadata", None)
        if isinstance(meta, dict):
            node["metadata"] = _encode(meta, tensors, seen)
        return node
    raise TypeError(f"ember.save: cannot save an object of type {type(obj).__name__}; ember's format holds "
                    "tensors, numbers, strings, None, and lists/tuples/dicts of them (see docs/serialization.md)")


def write_ember(obj, f) -> None:
    """Write ``obj`` to the binary file object ``f`` in ember's format."""
    tensors: list = []
    root = _encode(obj, tensors, {})
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(MAGIC_NAME, json.dumps({"format": "ember", "version": 1, "root": root}))
        for k, t in enumerate(tensors):
            arr = np.ascontiguousarray(np.asarray(t.detach().__array__()))
            if arr.dtype.byteorder == ">":
                arr = arr.astype(arr.dtype.newbyteorder("<"))
            z.writestr(f"tensors/{k}.bin", arr.tobytes())


def read_ember(z: zipfile.ZipFile, map_location=None):
    """Read the object tree of an ember-format zip (see module docstring)."""
    try:
        header = json.loads(z.read(MAGIC_NAME).decode("utf-8"))
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, KeyError) as e:
        raise LoadError(f"ember.load: the file is corrupted ({e})") from None
    if not isinstance(header, dict) or header.get("format") != "ember" or "root" not in header:
        raise LoadError("ember.load: not an ember checkpoint (bad header)")
    if header.get("version") != 1:
        raise LoadError(f"ember.load: unsupported ember format version {header.get('version')}")
    cache: dict = {}
    names = set(z.namelist())

    def tensor_of(node):
        k = node["id"]
        if k in cache:
            return cache[k]
        name = f"tensors/{k}.bin"
        if name not in names:
            raise LoadError(f"ember.load: tensor data {name} is missing from the file")
        dt = D.to_dtype(node["dtype"])
        shape = tuple(int(s) for s in node["shape"])
        try:
            raw = z.read(name)
        except zipfile.BadZipFile as e:
            raise LoadError(f"ember.load: the file is corrupted ({e})") from None
        n = int(np.prod(shape)) if shape else 1
        if len(raw) != n * dt.itemsize:
            raise LoadError(f"ember.load: tensor {k} has {len(raw)} bytes, expected {n * dt.itemsize} for shape "
                            f"{list(shape)} and dtype {dt}")
        arr = np.frombuffer(raw, dtype=dt.np.newbyteorder("<")).astype(dt.np).reshape(shape)
        from .tensors import make_tensor
        t = make_tensor(arr, node.get("requires_grad", False), node.get("parameter", False),
                        node.get("device", "cpu"), map_location)
        cache[k] = t
        return t

    def decode(node):
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if isinstance(node, float):
            return node
        if not isinstance(node, dict) or "t" not in node:
            raise LoadError(f"ember.load: malformed node {str(node)[:80]!r}")
        t = node["t"]
        if t == "float":
            v = node["v"]
            return float(v)
        if t == "list":
            return [decode(x) for x in node["items"]]
        if t == "tuple":
            return tuple(decode(x) for x in node["items"])
        if t in ("dict", "odict"):
            d = OrderedDict() if t == "odict" else {}
            for k, v in node["items"]:
                key = decode(k)
                if isinstance(key, list):
                    raise LoadError("ember.load: a dict key decoded to a list")
                d[key] = decode(v)
            if "metadata" in node and isinstance(d, OrderedDict):
                d._metadata = decode(node["metadata"])
            return d
        if t == "tensor":
            return tensor_of(node)
        if t == "ndarray":
            return decode(node["v"]).numpy()
        if t == "size":
            from ..tensor.size import Size
            return Size(node["v"])
        if t == "dtype":
            return D.to_dtype(node["v"])
        if t == "device":
            from ..backend.device import device
            return device(node["v"])
        raise LoadError(f"ember.load: unknown node type {t!r}")
    try:
        return decode(header["root"])
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, LoadError):
            raise
        raise LoadError(f"ember.load: the file is corrupted ({type(e).__name__}: {e})") from None


_ = io
