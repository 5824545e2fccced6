"""Printing tensors in PyTorch's format (a first version; see set_printoptions)."""
from __future__ import annotations

import numpy as np

__all__ = ["tensor_repr"]


def tensor_repr(t) -> str:
    a = np.asarray(t.__array__())
    body = np.array2string(a, separator=", ", precision=4, prefix="tensor(")
    extras = []
    if t._node is not None:
        extras.append(f"grad_fn=<{t._node.name()}>")
    elif t._rg:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
