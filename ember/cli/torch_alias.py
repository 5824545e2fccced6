"""Run unmodified PyTorch programs on ember: ``import torch`` resolves to ember.

An import hook maps ``torch``, ``torch.<sub>`` and ``torchvision[.<sub>]`` to ember's
modules.  A PyTorch module ember lacks raises ModuleNotFoundError naming it and saying it
is not supported by ember; a missing attribute raises ``UnsupportedAttributeError``."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["install", "ALIASES"]

ALIASES = {
    "torch": "ember",
    "torch.nn": "ember.nn",
    "torch.nn.functional": "ember.nn.functional",
    "torch.nn.init": "ember.nn.init",
    "torch.nn.utils": "ember.nn.utils",
    "torch.nn.parameter": "ember.nn.parameter",
    "torch.nn.modules": "ember.nn.modules",
    "torch.optim": "ember.optim",
    "torch.optim.lr_scheduler": "ember.optim.lr_scheduler",
    "torch.utils": "ember.utils",
    "torch.utils.data": "ember.utils.data",
    "torch.autograd": "ember.autograd",
    "torch.cuda": "ember.cuda",
    "torch.cuda.amp": "ember.amp.cuda_amp",
    "torch.cpu": "ember.cpu",
    "torch.cpu.amp": "ember.amp.cpu_amp",
    "torch.amp": "ember.amp",
    "torch.linalg": "ember.linalg",
    "torch.distributions": "ember.distributions",
    "torch.distributions.multinomial": "ember.distributions.multinomial",
    "torch.distributions.categorical": "ember.distributions.categorical",
    "torch.distributions.normal": "ember.distributions.normal",
    "torch.distributions.bernoulli": "ember.distributions.bernoulli",
    "torch.distributions.uniform": "ember.distributions.uniform",
    "torch.return_types": "ember.return_types",
    "torch.backends": "ember.backends",
    "torch.backends.cudnn": "ember.backends.cudnn",
    "torch.backends.cuda": "ember.backends.cuda",
    "torch.backends.mps": "ember.backends.mps",
    "torch.compiler": "ember.compiler",
    "torch.nn.attention": "ember.nn.attention",
    "torchvision": "ember.vision",
    "torchvision.datasets": "ember.vision.datasets",
    "torchvision.transforms": "ember.vision.transforms",
    "torchvision.utils": "ember.vision.utils",
    "torchvision.models": "ember.models",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module) -> None:
        pass


class _TorchFinder(importlib.abc.MetaPathFinder):
    """Finds ``torch*`` / ``torchvision*`` imports and serves ember's modules instead."""

    def find_spec(self, fullname, path=None, target=None):
        root = fullname.split(".")[0]
        if root not in ("torch", "torchvision"):
            return None
        target_name = ALIASES.get(fullname)
        if target_name is None:
            guess = ("ember" if root == "torch" else "ember.vision") + fullname[len(root):]
            if importlib.util.find_spec(guess) is None if _parent_exists(guess) else True:
                raise ModuleNotFoundError(f"{fullname} is not supported by ember (no module named '{fullname}' "
                                          "in ember's PyTorch compatibility layer)", name=fullname)
            target_name = guess
        return importlib.util.spec_from_loader(fullname, _AliasLoader(target_name))


def _parent_exists(name: str) -> bool:
    parent = name.rpartition(".")[0]
    try:
        return not parent or importlib.util.find_spec(parent) is not None
    except ModuleNotFoundError:
        return False


def install() -> None:
    """Make ``import torch`` / ``import torchvision`` give ember (idempotent)."""
    if not any(isinstance(f, _TorchFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _TorchFinder())
    for k in [k for k in sys.modules if k == "torch" or k.startswith("torch.") or k.startswith("torchvision")]:
        if not getattr(sys.modules[k], "__name__", "").startswith("ember"):
            del sys.modules[k]
