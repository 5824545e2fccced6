"""``ember.vision.utils``: ``make_grid`` and ``save_image`` (torchvision's layout rules).

A batch (B, C, H, W) is laid out row by row, ``nrow`` images per row, each image framed by
``padding`` pixels of ``pad_value``: the grid is
``(C, ceil(B / nrow) * (H + padding) + padding, min(nrow, B) * (W + padding) + padding)``.
Single-channel images are repeated to 3 channels (RGB)."""
from __future__ import annotations

import math

import numpy as np

from ..tensor.joining import cat, stack
from ..tensor.tensor import Tensor

__all__ = ["make_grid", "save_image"]


def _norm_(img: Tensor, low: float, high: float) -> None:
    """Clamp to [low, high] and map it to [0, 1], in place."""
    img.clamp_(min=low, max=high)
    img.sub_(low).div_(max(high - low, 1e-5))


def _norm_range_(t: Tensor, value_range) -> None:
    if value_range is not None:
        _norm_(t, value_range[0], value_range[1])
    else:
        _norm_(t, float(t.min()), float(t.max()))


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Arrange a (B, C, H, W) batch (or a list of C x H x W images) into one C x H' x W' image.

    ``normalize`` maps ``value_range`` (default: the tensor's min and max; per image with
    ``scale_each``) to [0, 1].  A batch of one image is returned without padding, as in
    torchvision."""
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = stack(tensor, dim=0)
    if tensor.dim() == 2:  # a single H x W image
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # a single image
        if tensor.size(0) == 1:  # single channel -> RGB
            tensor = cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4:
        raise ValueError(f"make_grid: expected a (B, C, H, W) batch, a (C, H, W) or (H, W) image, got shape "
                         f"{tuple(tensor.shape)}")
    if tensor.size(1) == 1:  # single-channel images -> RGB
        tensor = cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()  # normalise a copy, never the caller's tensor
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        if scale_each is True:
            for t in tensor:  # each image of the batch
                _norm_range_(t, value_range)
        else:
            _norm_range_(tensor, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    num_channels = tensor.size(1)
    grid = tensor.new_full((num_channels, height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            top, left = y * height + padding, x * width + padding
            grid[:, top:top + height - padding, left:left + width - padding] = tensor[k]
            k += 1
    return grid


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:
    """Save a tensor (or batch, laid out by ``make_grid(**kwargs)``) as an image file with
    Pillow.  Values in [0, 1] map to 0..255 rounding to nearest; ``format`` overrides the
    file extension."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("save_image needs Pillow: pip install Pillow (ember's optional 'extras')") from None
    grid = make_grid(tensor, **kwargs)
    # + 0.5 rounds to nearest when the cast to uint8 truncates
    arr = grid.detach().cpu().numpy()
    arr = arr if arr.dtype.kind == "f" else arr.astype(np.float32)
    ndarr = np.clip(arr * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if ndarr.shape[2] == 1:
        ndarr = ndarr[:, :, 0]
    Image.fromarray(np.ascontiguousarray(ndarr)).save(fp, format=format)
