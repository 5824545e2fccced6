"""``weights=`` for the zoo builders: local checkpoints only, never a download.

torchvision's builders take ``weights=ResNet18_Weights.IMAGENET1K_V1`` (or the string
``"DEFAULT"``) and download the file.  ember runs offline, so ``weights`` here is a path to a
local ``.pth`` / ``.pt`` (PyTorch zip checkpoint), ``.safetensors`` or ember file holding a
state_dict, or a state_dict itself; a weights enum or tag raises a ``RuntimeError`` that says
how to pass a local file instead.  The enums exist so torchvision programs that *name* them
(``ResNet18_Weights.DEFAULT``) still import and fail with that clear message.
"""
from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from typing import Any, Callable

__all__ = ["WeightsEnum", "resolve_weights", "load_weights", "check_legacy_pretrained", "weights_enum"]


class WeightsEnum(enum.Enum):
    """torchvision's weights-enum shape (``.DEFAULT``, ``.IMAGENET1K_V1``); the value is the
    file name torchvision would download, shown in the error ember raises instead."""

    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            return cls[obj.replace(cls.__name__ + ".", "")]
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received {type(obj).__name__}.")

    @property
    def url(self) -> str:
        return "https://download.pytorch.org/models/" + self.value

    def get_state_dict(self, *args, **kwargs):
        raise _no_download(type(self).__name__ + "." + self.name, self.value)

    def transforms(self, *args, **kwargs):
        """ImageNet's evaluation preprocessing (resize 256, center-crop 224, normalise)."""
        from ..vision import transforms as T
        return T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                          T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])


def weights_enum(name: str, files: dict[str, str], default: str) -> type:
    """A ``WeightsEnum`` subclass with members ``files`` (tag -> torchvision file name) and
    ``DEFAULT`` as an alias of ``default``."""
    members = dict(files)
    members["DEFAULT"] = files[default]
    return WeightsEnum(name, members)


def _no_download(what: str, file: str | None = None) -> RuntimeError:
    hint = f" (torchvision's file is {file})" if file else ""
    return RuntimeError(f"pretrained weights {what} would need a download, which ember never does{hint}; "
                        "download the checkpoint yourself and pass weights='/path/to/file.pth' (a PyTorch "
                        "state_dict, or a .safetensors file) instead")


def check_legacy_pretrained(builder: str, kwargs: dict) -> None:
    """torchvision's old ``pretrained=True`` meant "download ImageNet weights": refuse it
    clearly; ``pretrained=False`` is accepted and dropped."""
    for key in ("pretrained", "pretrained_backbone"):
        if key in kwargs:
            if kwargs.pop(key):
                raise _no_download(f"{builder}({key}=True)")


def _unwrap(obj: Any, source: str) -> Mapping:
    """The state_dict inside what a file held: the dict itself, or the one under a
    ``state_dict`` / ``model`` key (common training-checkpoint layouts)."""
    from ..tensor import Tensor
    if isinstance(obj, Mapping):
        if obj and all(isinstance(v, Tensor) for v in obj.values()):
            return obj
        for key in ("state_dict", "model", "model_state_dict"):
            inner = obj.get(key)
            if isinstance(inner, Mapping) and inner and all(isinstance(v, Tensor) for v in inner.values()):
                return inner
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        return obj.state_dict()
    raise RuntimeError(f"{source} does not hold a state_dict (a mapping of parameter names to tensors); "
                       f"got {type(obj).__name__}")


def resolve_weights(weights: Any, builder: str) -> dict | None:
    """The state_dict ``weights`` names (None, a local file path or a mapping), read before
    the model is built, so a weights enum, a hub tag or a missing file fails at once.

    A ``module.`` prefix on every key (``nn.DataParallel`` checkpoints) is stripped."""
    if weights is None:
        return None
    if isinstance(weights, WeightsEnum):
        raise _no_download(f"{type(weights).__name__}.{weights.name}", weights.value)
    if isinstance(weights, (str, os.PathLike)):
        path = os.fspath(weights)
        if not os.path.exists(path):
            if isinstance(weights, str) and os.sep not in path and "." not in path:
                raise _no_download(f"'{path}' for {builder}")
            raise FileNotFoundError(f"ember.models.{builder}: weights file '{path}' does not exist")
        from ..serialization import load
        state = _unwrap(load(path, map_location="cpu", weights_only=True), f"ember.models.{builder}: '{path}'")
    elif isinstance(weights, Mapping):
        state = _unwrap(weights, f"ember.models.{builder}: weights")
    else:
        raise TypeError(f"ember.models.{builder}: weights must be None, a path to a local checkpoint or a "
                        f"state_dict, got {type(weights).__name__}")
    state = dict(state)
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def load_weights(model, state: dict | None, remap: Callable[[dict], dict] | None = None):
    """Load a ``resolve_weights`` result into ``model`` strictly and return the model.

    ``remap`` rewrites legacy key names (DenseNet's old ``norm.1`` style); BN
    ``num_batches_tracked`` buffers absent from old files keep the model's value."""
    if state is None:
        return model
    if remap is not None:
        state = remap(state)
    # checkpoints older than PyTorch 0.4.1 have no BN ``num_batches_tracked``: keep the model's
    # (PyTorch's BatchNorm fills it the same way for such files)
    for name, buf in model.named_buffers():
        if name.endswith("num_batches_tracked") and name not in state:
            state[name] = buf
    model.load_state_dict(state, strict=True)
    return model
