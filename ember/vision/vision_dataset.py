"""``VisionDataset``: the base of the image datasets, with torchvision's repr."""
from __future__ import annotations

import os

from ..utils.data.dataset import Dataset

__all__ = ["VisionDataset"]


class VisionDataset(Dataset):
    """Holds ``root``, ``transform`` and ``target_transform``; prints like torchvision."""

    def __init__(self, root: str = "data", transforms=None, transform=None, target_transform=None) -> None:
        self.root = os.path.expanduser(str(root)) if root is not None else root
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = transforms

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += [l for l in self.extra_repr().splitlines() if l]
        if self.transform is not None:
            t = repr(self.transform).splitlines()
            lines.append("StandardTransform")
            lines.append("Transform: " + t[0])
            lines += [" " * 11 + x for x in t[1:]]
        if self.target_transform is not None:
            t = repr(self.target_transform).splitlines()
            if self.transform is None:
                lines.append("StandardTransform")
            lines.append("Target transform: " + t[0])
            lines += [" " * 18 + x for x in t[1:]]
        return "\n".join(["Dataset " + type(self).__name__] + ["    " + l for l in lines])
