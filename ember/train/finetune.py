"""Fine-tuning helpers (d2l 13.2 "hotdog", notes 004 C37, 001 L1440-1460): take a model
trained on a large source dataset, swap its classifier for a fresh one sized for the target
classes, then either freeze the feature extractor (train the head only) or train everything
with the new head learning 10x faster than the pretrained layers.

The classifier ("head") is found the way torchvision models name it: ``model.fc`` (ResNet,
GoogLeNet), the last ``nn.Linear`` of ``model.classifier`` (AlexNet, VGG) or ``model.classifier``
itself (DenseNet), else the last ``nn.Linear`` anywhere in the model (d2l's Sequential nets).
"""
from __future__ import annotations

from typing import Iterator

from .. import nn

__all__ = ["find_head", "replace_head", "head_parameters", "backbone_parameters", "freeze_backbone",
           "frozen_batchnorm_eval", "param_groups"]


def find_head(model: nn.Module) -> tuple[str, nn.Linear]:
    """``(dotted name, module)`` of the classifier layer: ``fc``, the last Linear of
    ``classifier`` (or ``classifier`` itself), else the model's last ``nn.Linear``."""
    fc = getattr(model, "fc", None)
    if isinstance(fc, nn.Linear):
        return "fc", fc
    classifier = getattr(model, "classifier", None)
    if isinstance(classifier, nn.Linear):
        return "classifier", classifier
    if isinstance(classifier, nn.Module):
        found = _last_linear(classifier, "classifier.")
        if found is not None:
            return found
    found = _last_linear(model, "")
    if found is None:
        raise ValueError(f"find_head: {type(model).__name__} has no nn.Linear layer to use as the classifier "
                         "(expected .fc, .classifier or a Linear somewhere in the model)")
    return found


def _last_linear(module: nn.Module, prefix: str):
    last = None
    for name, m in module.named_modules():
        if isinstance(m, nn.Linear):
            last = (prefix + name, m)
    return last


def _set_submodule(model: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)


def replace_head(model: nn.Module, num_classes: int, init: str = "xavier") -> nn.Linear:
    """Replace the classifier found by ``find_head`` by a new ``nn.Linear(in_features,
    num_classes)`` (same bias setting) and return it.  ``init='xavier'`` is d2l's
    ``xavier_uniform_`` on the new weight; ``'default'`` keeps nn.Linear's own init."""
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"replace_head: num_classes must be a positive int, got {num_classes!r}")
    if init not in ("xavier", "default"):
        raise ValueError(f"replace_head: init must be 'xavier' or 'default', got {init!r}")
    name, old = find_head(model)
    new = nn.Linear(old.in_features, num_classes, bias=old.bias is not None)
    if init == "xavier":
        nn.init.xavier_uniform_(new.weight)
    new.to(old.weight.device)
    _set_submodule(model, name, new)
    return new


def _head_ids(model: nn.Module, head: nn.Module | None) -> set[int]:
    head = find_head(model)[1] if head is None else head
    return {id(p) for p in head.parameters()}


def head_parameters(model: nn.Module, head: nn.Module | None = None) -> list:
    """The classifier's parameters (``head`` or the one ``find_head`` finds)."""
    ids = _head_ids(model, head)
    return [p for p in model.parameters() if id(p) in ids]


def backbone_parameters(model: nn.Module, head: nn.Module | None = None) -> Iterator:
    """``(name, parameter)`` for every parameter outside the classifier."""
    ids = _head_ids(model, head)
    return ((n, p) for n, p in model.named_parameters() if id(p) not in ids)


def freeze_backbone(model: nn.Module, head: nn.Module | None = None) -> list[str]:
    """``requires_grad_(False)`` on every parameter except the classifier's (the notes'
    ``param.requires_grad = False`` loop); returns the frozen parameter names.  The head is
    left trainable.  BatchNorm running statistics are buffers, not parameters: keep them
    fixed too with ``frozen_batchnorm_eval`` after each ``model.train()``."""
    names = []
    for name, p in backbone_parameters(model, head):
        p.requires_grad_(False)
        names.append(name)
    for p in head_parameters(model, head):
        p.requires_grad_(True)
    return names


def frozen_batchnorm_eval(model: nn.Module) -> int:
    """Put every batch-norm layer whose parameters are all frozen into eval mode, so its
    running mean/variance stop updating (a frozen feature extractor then computes exactly
    what it computed before fine-tuning).  Call after ``model.train()``; returns how many."""
    from ..nn.modules.batchnorm import _BatchNorm
    count = 0
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            params = list(m.parameters(recurse=False))
            if params and all(not p.requires_grad for p in params):
                m.eval()
                count += 1
    return count


def param_groups(model: nn.Module, lr: float, head_lr_mult: float = 10.0, head: nn.Module | None = None) -> list[dict]:
    """Optimizer parameter groups as in d2l's hotdog example: the pretrained layers at
    ``lr`` and the new classifier at ``lr * head_lr_mult``.  Frozen parameters
    (``requires_grad=False``) are left out; an empty group is dropped."""
    if not lr > 0 or not head_lr_mult > 0:
        raise ValueError(f"param_groups: lr and head_lr_mult must be positive, got lr={lr}, "
                         f"head_lr_mult={head_lr_mult}")
    body = [p for _, p in backbone_parameters(model, head) if p.requires_grad]
    top = [p for p in head_parameters(model, head) if p.requires_grad]
    groups = []
    if body:
        groups.append({"params": body, "lr": lr})
    if top:
        groups.append({"params": top, "lr": lr * head_lr_mult})
    if not groups:
        raise ValueError("param_groups: every parameter of the model is frozen; nothing to train")
    return groups
