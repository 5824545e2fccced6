"""Making the tensors a loader reads: where they go (PyTorch's ``map_location`` rules)
and whether they come back as Parameters."""
from __future__ import annotations

import numpy as np

__all__ = ["make_tensor"]


def _target_device(saved: str, map_location):
    """Where a tensor saved on ``saved`` should load, PyTorch's map_location rules."""
    from ..backend.device import cuda_available, device
    if map_location is None:
        dev = saved
    elif isinstance(map_location, dict):
        dev = map_location.get(saved, saved)
    elif isinstance(map_location, (str, device)):
        dev = map_location
    elif callable(map_location):
        from ..errors import UnsupportedError
        raise UnsupportedError("ember.load: map_location as a function is not supported by ember; pass a device, "
                               "a string or a dict")
    else:
        raise TypeError(f"ember.load: map_location should be a device, string or dict, got "
                        f"{type(map_location).__name__}")
    dev = device(dev) if not isinstance(dev, device) else dev
    if dev.type == "cuda" and not cuda_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                           "False. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    return dev


def make_tensor(arr: np.ndarray, requires_grad: bool, parameter: bool, saved_device, map_location):
    """A loaded tensor (or Parameter) on the device map_location picks."""
    from ..tensor.tensor import Tensor
    t = Tensor._make(arr if arr.flags.c_contiguous and arr.flags.writeable else arr.copy())
    dev = _target_device(str(saved_device), map_location)
    if dev.type != "cpu":
        t = t.to(dev)
    if parameter:
        from ..nn.parameter import Parameter
        return Parameter(t, requires_grad=requires_grad)
    if requires_grad and t.is_floating_point():
        t.requires_grad_(True)
    return t
