"""Reading PyTorch's ``.pt``/``.pth`` zip checkpoints without torch, and safely.

A PyTorch checkpoint is a zip holding ``<name>/data.pkl`` (a pickle of the object
tree) and ``<name>/data/<key>`` (raw little-endian storage bytes).  The pickle is read
by ``RestrictedUnpickler``: its ``find_class`` admits only the names a tensor or
state_dict needs (tensor and parameter rebuild functions, storage types, OrderedDict,
Size, dtypes, device), each mapped to an ember function that builds data, never code.
Any other global — ``os.system``, ``builtins.eval``, an arbitrary class — is refused
before it is looked up, so a malicious file executes nothing."""
from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict

import numpy as np

from ..backend import dtypes as D
from .errors import LoadError, UnsafeCheckpointError

__all__ = ["read_torch_zip", "RestrictedUnpickler"]

_STORAGE_DTYPES = {
    "FloatStorage": D.float32, "DoubleStorage": D.float64, "HalfStorage": D.float16,
    "LongStorage": D.int64, "IntStorage": D.int32, "ShortStorage": D.int16, "CharStorage": D.int8,
    "ByteStorage": D.uint8, "BoolStorage": D.bool_,
}


class _StorageType:
    """Stands for ``torch.FloatStorage`` etc. in a pickle: just a dtype."""

    def __init__(self, dtype: D.dtype) -> None:
        self.dtype = dtype


class _Storage:
    """A storage read from the zip: a flat NumPy array and where it was saved."""

    def __init__(self, array: np.ndarray, location: str) -> None:
        self.array, self.location = array, location


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    if not isinstance(storage, _Storage):
        raise UnsafeCheckpointError("ember.load: _rebuild_tensor_v2 got something other than a storage")
    arr = storage.array
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise LoadError("ember.load: tensor size and stride disagree in length")
    if any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise LoadError("ember.load: negative size or stride in checkpoint")
    extent = storage_offset + sum((s - 1) * st for s, st in zip(size, stride)) + 1 if all(size) else storage_offset
    if storage_offset < 0 or extent > arr.size:
        raise LoadError(f"ember.load: tensor of size {list(size)} at offset {storage_offset} exceeds its storage "
                        f"of {arr.size} elements")
    item = arr.itemsize
    view = np.lib.stride_tricks.as_strided(arr[storage_offset:], shape=size,
                                           strides=tuple(st * item for st in stride), writeable=False)
    from .tensors import make_tensor
    return make_tensor(np.array(view), bool(requires_grad), False, storage.location, _MAP[0])


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None):
    t = _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
    return t if t.dtype is dtype else t.to(dtype)


def _rebuild_parameter(data, requires_grad, backward_hooks, *state):
    from ..nn.parameter import Parameter
    return Parameter(data, requires_grad=bool(requires_grad))


_ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}
_MAP = [None]  # map_location for the load in progress


def _allowed_torch_name(name: str):
    if name in _STORAGE_DTYPES:
        return _StorageType(_STORAGE_DTYPES[name])
    if name == "Size":
        from ..tensor.size import Size
        return Size
    if name == "device":
        from ..backend.device import device
        return device
    try:
        d = D.to_dtype(name)
        if name in ("float", "int", "bool", "long", "double", "half", "short") or d.name == name:
            return d
    except TypeError:
        pass
    return None


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only tensor-rebuilding names (see module docstring)."""

    def __init__(self, file, storages) -> None:
        super().__init__(file)
        self._storages = storages

    def find_class(self, module: str, name: str):
        fn = _ALLOWED.get((module, name))
        if fn is not None:
            return fn
        if module == "torch":
            obj = _allowed_torch_name(name)
            if obj is not None:
                return obj
        raise UnsafeCheckpointError(
            f"ember.load refuses to load global '{module}.{name}': a checkpoint may contain only tensors, "
            "numbers, strings and containers of them. Nothing was executed.")

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
            raise UnsafeCheckpointError(f"ember.load: unexpected persistent id {str(pid)[:60]!r}")
        _, stype, key, location, numel = pid[:5]
        if not isinstance(stype, _StorageType):
            raise UnsafeCheckpointError("ember.load: storage type is not a known tensor storage")
        return self._storages(str(key), stype.dtype, int(numel), str(location))


def read_torch_zip(z: zipfile.ZipFile, map_location=None):
    """Load the object tree of a PyTorch zip checkpoint."""
    names = z.namelist()
    pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
    if not pkl:
        raise LoadError("ember.load: zip file is neither an ember nor a PyTorch checkpoint (no data.pkl)")
    prefix = pkl[0][: -len("data.pkl")]
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = z.read(prefix + "byteorder").decode("ascii", "replace").strip()
    loaded: dict = {}

    def storage(key: str, dtype: D.dtype, numel: int, location: str) -> _Storage:
        if key in loaded:
            return loaded[key]
        name = f"{prefix}data/{key}"
        try:
            raw = z.read(name)
        except KeyError:
            raise LoadError(f"ember.load: storage {name} is missing from the checkpoint") from None
        if len(raw) < numel * dtype.itemsize:
            raise LoadError(f"ember.load: storage {key} holds {len(raw)} bytes, expected "
                            f"{numel * dtype.itemsize}")
        npd = dtype.np.newbyteorder("<" if byteorder == "little" else ">")
        arr = np.frombuffer(raw, dtype=npd, count=numel).astype(dtype.np)
        loaded[key] = _Storage(arr, location)
        return loaded[key]

    _MAP[0] = map_location
    try:
        return RestrictedUnpickler(io.BytesIO(z.read(pkl[0])), storage).load()
    except (UnsafeCheckpointError, LoadError):
        raise
    except zipfile.BadZipFile as e:
        raise LoadError(f"ember.load: the checkpoint is corrupted ({e})") from None
    except Exception as e:  # malformed pickle streams raise many types
        raise LoadError(f"ember.load: the checkpoint's pickle is corrupted ({type(e).__name__}: {e})") from None
    finally:
        _MAP[0] = None
