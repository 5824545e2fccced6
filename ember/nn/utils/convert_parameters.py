"""Flattening parameters into one vector and back."""
from __future__ import annotations

from ...tensor.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    """Concatenate the flattened parameters (differentiable, like PyTorch's)."""
    import ember
    params = list(parameters)
    if not params:
        raise RuntimeError("parameters_to_vector: expected a non-empty iterable of tensors")
    dev = params[0].device
    for p in params:
        if p.device != dev:
            raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return ember.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters' storage."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: vector has {vec.numel()} elements, parameters need {total}")
    pointer = 0
    flat = vec.detach()._data.reshape(-1)
    for p in params:
        n = p.numel()
        p._data[...] = flat[pointer:pointer + n].reshape(p._data.shape)
        p._version[0] += 1
        pointer += n
