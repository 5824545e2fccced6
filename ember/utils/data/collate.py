"""``default_collate``: turn a list of samples into a batch, as PyTorch does.

Tensors are stacked along a new first dim; NumPy arrays and numbers become tensors;
strings stay as they are (a tuple of strings); dicts, namedtuples and sequences are
collated field by field (a tuple sample gives a list of fields, as PyTorch)."""
from __future__ import annotations

import collections.abc
import numbers

import numpy as np

__all__ = ["default_collate", "default_convert"]


def default_convert(data):
    """Arrays and numbers to tensors, recursively, without batching (for batch_size=None)."""
    from ...tensor.tensor import Tensor
    from ...tensor.creation import as_tensor
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and data.dtype.kind not in "SUO":
        return as_tensor(data)
    if isinstance(data, np.generic):
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()}) if not isinstance(data, dict) \
            else {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Collate a list of samples into a batch (see module docstring)."""
    from ...tensor.tensor import Tensor
    from ...tensor.creation import tensor as make_tensor
    import ember
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(b.shape) for b in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {sorted(shapes)} in the batch")
        return ember.stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SUO":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                            f"lists; found array of dtype {elem.dtype}")
        return default_collate([ember.as_tensor(b) for b in batch])
    if isinstance(elem, np.generic):
        return make_tensor(np.array(batch))
    if isinstance(elem, bool):
        return make_tensor(list(batch))
    if isinstance(elem, float):
        return make_tensor(list(batch), dtype=ember.float64)
    if isinstance(elem, numbers.Integral):
        return make_tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)({k: default_collate([d[k] for d in batch]) for k in elem})
        except TypeError:
            return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        try:
            return type(elem)([default_collate(s) for s in transposed])
        except TypeError:
            return [default_collate(s) for s in transposed]
    if elem is None:
        raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                        "found <class 'NoneType'>")
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem)}")
