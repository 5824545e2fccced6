"""``ImageFolder``/``DatasetFolder``: one sub-directory per class (``root/cat/1.png``)."""
from __future__ import annotations

import os

from ..vision_dataset import VisionDataset

__all__ = ["DatasetFolder", "ImageFolder", "IMG_EXTENSIONS", "pil_loader", "default_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path: str):
    """Open an image file as an RGB PIL image (needs Pillow)."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("ImageFolder needs Pillow: pip install Pillow") from None
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


default_loader = pil_loader


class DatasetFolder(VisionDataset):
    """Samples ``(loader(path), class_index)`` from ``root/<class>/<file>``; classes sorted."""

    def __init__(self, root: str, loader=None, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        if (extensions is None) == (is_valid_file is None):
            raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.loader = loader
        self.extensions = extensions
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.targets = [t for _, t in self.samples]

    @staticmethod
    def find_classes(directory: str):
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"Couldn't find any class folder in {directory}: it is not a directory.")
        classes = sorted(e.name for e in os.scandir(directory) if e.is_dir())
        if not classes:
            raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
        return classes, {c: i for i, c in enumerate(classes)}

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        if is_valid_file is None:
            exts = tuple(e.lower() for e in extensions)

            def is_valid_file(p):
                return p.lower().endswith(exts)
        samples = []
        for cls in sorted(class_to_idx):
            folder = os.path.join(directory, cls)
            found = False
            for dirpath, _, files in sorted(os.walk(folder, followlinks=True)):
                for name in sorted(files):
                    path = os.path.join(dirpath, name)
                    if is_valid_file(path):
                        samples.append((path, class_to_idx[cls]))
                        found = True
            if not found and not allow_empty:
                raise FileNotFoundError(f"Found no valid file for the classes {cls}. Supported extensions are: "
                                        f"{', '.join(extensions) if extensions else 'custom'}")
        return samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target


class ImageFolder(DatasetFolder):
    """Images in class folders, loaded as RGB PIL images."""

    def __init__(self, root: str, transform=None, target_transform=None, loader=default_loader,
                 is_valid_file=None, allow_empty: bool = False) -> None:
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform,
                         target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples
