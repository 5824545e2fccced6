"""``ember.vision.transforms.functional``: torchvision's functional transforms.

Each function takes a PIL image or an ember tensor image (..., C, H, W) and dispatches
to ``_pil`` or ``_tensor``; ``to_tensor``/``to_pil_image`` also take NumPy HxWxC arrays.
Anything else is a TypeError, as in torchvision."""
from __future__ import annotations

import numbers
import sys
import warnings
from enum import Enum

import numpy as np

from ...backend import dtypes as D
from ...tensor.creation import from_numpy
from ...tensor.tensor import Tensor
from . import _pil as F_pil
from . import _tensor as F_t
from ._sampling import inverse_affine_matrix

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels", "to_tensor",
           "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize", "resize", "crop", "center_crop",
           "resized_crop", "pad", "hflip", "vflip", "rgb_to_grayscale", "to_grayscale", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue", "rotate"]


class InterpolationMode(Enum):
    """Interpolation modes; the values are the names PyTorch's ``interpolate`` uses."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    # PIL only
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# PIL's resampling constants (Image.Resampling.*)
pil_modes_mapping = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0,
                     InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4,
                     InterpolationMode.HAMMING: 5, InterpolationMode.LANCZOS: 1}
_FROM_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
             4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def interpolation_mode(interpolation) -> InterpolationMode:
    """An InterpolationMode from the enum or a Pillow integer constant."""
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, int) and not isinstance(interpolation, bool):
        if interpolation not in _FROM_INT:
            raise ValueError(f"interpolation {interpolation} is not a Pillow resampling constant "
                             f"(expected one of {sorted(_FROM_INT)})")
        return _FROM_INT[interpolation]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                    f"constant, got {interpolation!r}")


# ------------------------------------------------------------------ sizes
def get_dimensions(img) -> list[int]:
    """[channels, height, width] of a PIL image or tensor image."""
    if isinstance(img, Tensor):
        return F_t.get_dimensions(img)
    return F_pil.get_dimensions(img)


def get_image_size(img) -> list[int]:
    """[width, height]."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    return get_dimensions(img)[0]


# ------------------------------------------------------------------ conversions
def to_tensor(pic) -> Tensor:
    """A PIL image or HxW(xC) ndarray as a CxHxW tensor; uint8 data becomes the default float
    dtype scaled to [0, 1], other dtypes keep their values (as torchvision's ``to_tensor``)."""
    default = D.get_default_dtype()
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        arr = np.array(pic.transpose((2, 0, 1)), order="C", copy=True)
        if arr.dtype == np.uint8:
            return from_numpy(arr.astype(default.np) / 255)
        return from_numpy(arr)
    if not F_pil.is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    mode_to_nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}
    arr = np.array(pic, mode_to_nptype.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        arr = 255 * arr
    arr = np.ascontiguousarray(arr.reshape(pic.size[1], pic.size[0], len(pic.getbands())).transpose((2, 0, 1)))
    if arr.dtype == np.uint8:
        return from_numpy(arr.astype(default.np) / 255)
    return from_numpy(arr)


def pil_to_tensor(pic) -> Tensor:
    """A PIL image as a CxHxW tensor of its own dtype (uint8 for 8-bit modes, values unscaled)."""
    if not F_pil.is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    if arr.dtype == np.uint16:  # 'I;16': ember has no uint16; int32 holds every value
        arr = arr.astype(np.int32)
    arr = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    return from_numpy(np.ascontiguousarray(arr.transpose((2, 0, 1))))


_MODES = {2: ["LA"], 4: ["RGBA", "CMYK", "RGBX"], 3: ["RGB", "YCbCr", "HSV"]}
_DEFAULT_MODE = {2: "LA", 4: "RGBA", 3: "RGB"}


def to_pil_image(pic, mode: str | None = None):
    """A CxHxW tensor or HxWxC ndarray as a PIL image.  Float tensors are scaled by 255 and
    truncated to uint8 (unless ``mode='F'``).  The mode follows the channel count and dtype:
    1 channel: L (uint8), I;16 (int16), I (int32), F (float32); 2: LA; 3: RGB; 4: RGBA."""
    Image = F_pil.pil()
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic.unsqueeze(0)
        if pic.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-3]} channels.")
        a = pic.detach().cpu().numpy()
        if pic.is_floating_point() and mode != "F":
            a = (a * 255).astype(np.uint8)
        npimg = np.transpose(a, (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if npimg.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    channels = npimg.shape[2]
    if channels == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                    np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = _MODES[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = _DEFAULT_MODE[channels]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    npimg = np.ascontiguousarray(npimg)
    if mode == "I;16":  # Pillow builds I;16 images from uint16 data
        return Image.fromarray(npimg.astype(np.uint16))
    return Image.fromarray(npimg, mode=mode)


def convert_image_dtype(image: Tensor, dtype=D.float32) -> Tensor:
    return F_t.convert_image_dtype(image, dtype)


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """Normalize a float tensor image per channel: ``(x - mean[c]) / std[c]``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean=mean, std=std, inplace=inplace)


# ------------------------------------------------------------------ geometry
def _compute_resized_output_size(image_size: tuple[int, int], size, max_size: int | None = None) -> list[int]:
    """[h, w]: a 1-element size matches the shorter edge keeping the aspect ratio (the longer
    edge is truncated), capped by ``max_size`` on the longer edge; ``size=None`` matches the
    longer edge to ``max_size``; a 2-element size is (h, w)."""
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if size is None:
        if max_size is None:
            raise ValueError("resize: size=None needs max_size (the length of the longer edge)")
        new_short, new_long = int(max_size * short / long), max_size
    elif len(size) == 1:
        requested = size[0]
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
    else:
        return [int(size[0]), int(size[1])]
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size: int | None = None,
           antialias: bool | None = True):
    """Resize to ``size``: an int matches the smaller edge (aspect ratio kept), (h, w) is exact.
    PIL images use PIL's resampling (always antialiased); tensors use ``_sampling``."""
    interpolation = interpolation_mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             "tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                             "size should be an int or a sequence of length 1 in torchscript mode.")
    elif size is not None and not isinstance(size, int):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    _, h, w = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    output_size = _compute_resized_output_size((h, w), size, max_size)
    if [h, w] == output_size:
        return img
    if output_size[0] <= 0 or output_size[1] <= 0:
        raise ValueError(f"resize: the output size {output_size} of an image of size {[h, w]} must be positive")
    if not isinstance(img, Tensor):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
        return F_pil.resize(img, output_size, pil_modes_mapping[interpolation])
    return F_t.resize(img, output_size, interpolation.value, antialias)


def crop(img, top: int, left: int, height: int, width: int):
    """The ``height x width`` box at (top, left); outside the image is zero."""
    if isinstance(img, Tensor):
        return F_t.crop(img, top, left, height, width)
    return F_pil.crop(img, top, left, height, width)


def center_crop(img, output_size):
    """The central ``output_size`` box (an int means square); zero-pads first if the image is smaller."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [(crop_width - image_width) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height) // 2 if crop_height > image_height else 0,
                        (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height + 1) // 2 if crop_height > image_height else 0]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True):
    """``crop`` then ``resize`` to ``size``."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad all sides (int), left/right and top/bottom (2), or left, top, right, bottom (4)."""
    if isinstance(img, Tensor):
        return F_t.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)
    return F_pil.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)


def hflip(img):
    """Mirror left-right."""
    if isinstance(img, Tensor):
        return F_t.hflip(img)
    return F_pil.hflip(img)


def vflip(img):
    """Mirror top-bottom."""
    if isinstance(img, Tensor):
        return F_t.vflip(img)
    return F_pil.vflip(img)


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
           fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` ((x, y) in pixels, default
    the image centre); ``expand`` grows the output to hold the whole rotated image; the area
    outside the input is ``fill``."""
    interpolation = interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError(f"Argument angle should be int or float, got {type(angle)}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if not isinstance(img, Tensor):
        return F_pil.rotate(img, angle=angle, interpolation=pil_modes_mapping[interpolation], expand=expand,
                            center=center, fill=fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        # centre in pixel coordinates, translated so that (0, 0) is the image centre
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    # the output->input map of a counter-clockwise rotation is a rotation by -angle
    matrix = inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.rotate(img, matrix=matrix, interpolation=interpolation.value, expand=expand, fill=fill)


# ------------------------------------------------------------------ colour
def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Grayscale with the ITU-R 601-2 luma weights (0.2989, 0.587, 0.114)."""
    if isinstance(img, Tensor):
        return F_t.rgb_to_grayscale(img, num_output_channels)
    return F_pil.to_grayscale(img, num_output_channels)


def to_grayscale(img, num_output_channels: int = 1):
    """PIL-only grayscale conversion (torchvision's name for images)."""
    if F_pil.is_pil_image(img):
        return F_pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def adjust_brightness(img, brightness_factor: float):
    """0 gives black, 1 the original, 2 doubles the brightness."""
    if isinstance(img, Tensor):
        return F_t.adjust_brightness(img, brightness_factor)
    return F_pil.adjust_brightness(img, brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    """0 gives a solid gray image (the mean gray level), 1 the original, 2 doubles the contrast."""
    if isinstance(img, Tensor):
        return F_t.adjust_contrast(img, contrast_factor)
    return F_pil.adjust_contrast(img, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    """0 gives the grayscale image, 1 the original, 2 doubles the saturation."""
    if isinstance(img, Tensor):
        return F_t.adjust_saturation(img, saturation_factor)
    return F_pil.adjust_saturation(img, saturation_factor)


def adjust_hue(img, hue_factor: float):
    """Rotate the hue by ``hue_factor`` (in [-0.5, 0.5]) of a full turn."""
    if isinstance(img, Tensor):
        return F_t.adjust_hue(img, hue_factor)
    return F_pil.adjust_hue(img, hue_factor)
