"""``ember.save`` and ``ember.load``: the entry points, format detection, map_location."""
from __future__ import annotations

import io
import os
import zipfile

from .atomic import atomic_write
from .ember_format import MAGIC_NAME, read_ember, write_ember
from .errors import LoadError
from .safetensors import is_safetensors, load as load_safetensors
from .torch_format import read_torch_zip

__all__ = ["save", "load"]


def save(obj, f, pickle_module=None, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (tensors, numbers, strings, None, and lists/tuples/dicts of them,
    e.g. state_dicts) in ember's format.  A path is written atomically: a crash
    mid-save leaves the previous file intact."""
    if isinstance(f, (str, os.PathLike)):
        buf = io.BytesIO()
        write_ember(obj, buf)  # fail on unsupported objects before touching the file
        with atomic_write(f) as out:
            out.write(buf.getbuffer())
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"ember.save: expected a path or a writable binary file, got {type(f).__name__}")
    write_ember(obj, f)


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap=None,
         **pickle_load_args):
    """Load what ``ember.save`` wrote, a PyTorch ``.pt``/``.pth`` zip checkpoint, or a
    ``.safetensors`` file.  Nothing in the file can execute code; corrupted, truncated or
    foreign files raise ``LoadError`` (a RuntimeError) and refused pickles
    ``UnsafeCheckpointError`` (a pickle.UnpicklingError)."""
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as fh:
            data = fh.read()
    elif hasattr(f, "read"):
        data = f.read()
    else:
        raise TypeError(f"ember.load: expected a path or a readable binary file, got {type(f).__name__}")
    if isinstance(data, str):
        raise TypeError("ember.load: the file must be opened in binary mode")
    if data[:4] == b"PK\x03\x04":
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
            names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError, OSError) as e:
            raise LoadError(f"ember.load: the file is a damaged zip archive ({e}); it may be truncated") from None
        with z:
            if MAGIC_NAME in names:
                return read_ember(z, map_location)
            return read_torch_zip(z, map_location)
    if is_safetensors(data[:9], len(data)):
        return load_safetensors(data, map_location if map_location is not None else "cpu")
    if data[:2] in (b"\x80\x02", b"\x80\x04", b"\x80\x05"):
        raise LoadError("ember.load: this is a bare pickle (or PyTorch's legacy pre-1.6 format); ember reads only "
                        "its own format, PyTorch zip checkpoints and safetensors, so that loading never runs code")
    if not data:
        raise LoadError("ember.load: the file is empty")
    raise LoadError("ember.load: unrecognised file format (expected an ember or PyTorch checkpoint, or a "
                    ".safetensors file)")
