"""``ember.vision.transforms``: torchvision's (v1) image transforms.

    from ember.vision import transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])

They take PIL images (Pillow is an optional dependency, imported on use) and ember
tensors (..., C, H, W); ``ToTensor``/``ToPILImage`` also take HxWxC NumPy arrays.
``functional`` holds the per-image functions (``to_tensor``, ``resize``, ``adjust_hue`` ...)."""
from . import functional
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, Grayscale, Lambda, Normalize, Pad,
                         PILToTensor, RandomApply, RandomChoice, RandomCrop, RandomGrayscale, RandomHorizontalFlip,
                         RandomOrder, RandomResizedCrop, RandomRotation, RandomVerticalFlip, Resize, ToPILImage,
                         ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "Pad", "Lambda", "RandomApply", "RandomChoice",
           "RandomOrder", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomResizedCrop",
           "ColorJitter", "RandomRotation", "Grayscale", "RandomGrayscale"]
