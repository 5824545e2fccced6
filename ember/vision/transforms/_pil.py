"""The PIL side of ``ember.vision.transforms.functional`` (torchvision's ``_functional_pil``).

Pillow is an optional dependency of ember: it is imported when a function runs, and a
missing Pillow is reported as an ImportError that says how to install it."""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["pil", "is_pil_image", "get_dimensions", "hflip", "vflip", "crop", "resize", "pad", "to_grayscale",
           "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue", "rotate", "parse_fill"]


def pil():
    """The ``PIL.Image`` module, or an ImportError naming the fix."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("ember.vision.transforms: this operation needs Pillow for PIL images; install it with "
                          "`pip install Pillow` (ember's optional 'extras')") from None
    return Image


def is_pil_image(img) -> bool:
    """True for a PIL image (False, without importing Pillow, when Pillow is absent)."""
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def _check(img, op: str) -> None:
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}" + (f" (in {op})" if op else ""))


def get_dimensions(img) -> list[int]:
    _check(img, "get_dimensions")
    width, height = img.size
    return [len(img.getbands()), height, width]


def hflip(img):
    _check(img, "hflip")
    return img.transpose(pil().Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    _check(img, "vflip")
    return img.transpose(pil().Transpose.FLIP_TOP_BOTTOM)


def crop(img, top: int, left: int, height: int, width: int):
    """PIL's crop; the part outside the image is black (zeros)."""
    _check(img, "crop")
    return img.crop((left, top, left + width, top + height))


def resize(img, size: list[int], interpolation: int):
    """``size = [h, w]``; ``interpolation`` is a PIL resampling constant (PIL antialiases when downsampling)."""
    _check(img, "resize")
    if not (isinstance(size, (list, tuple)) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize((int(size[1]), int(size[0])), interpolation)


def parse_fill(fill, img, name: str = "fillcolor") -> dict:
    """Turn ``fill`` into a PIL colour for ``img``: a number repeated per band, or a sequence
    with one value per band; ints unless the image is mode F."""
    num_channels = get_dimensions(img)[0]
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * num_channels
        elif len(fill) != num_channels:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad a PIL image: constant (``fill``), edge, reflect or symmetric; negative padding crops."""
    _check(img, "pad")
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(padding, numbers.Number):
        p = [int(padding)] * 4
    elif len(padding) == 2:
        p = [int(padding[0]), int(padding[1])] * 2
    else:
        p = [int(v) for v in padding]
    Image = pil()
    crop_l, crop_t, crop_r, crop_b = (max(-v, 0) for v in p)
    if crop_l or crop_t or crop_r or crop_b:
        img = img.crop((crop_l, crop_t, img.width - crop_r, img.height - crop_b))
    left, top, right, bottom = (max(v, 0) for v in p)
    if padding_mode == "constant":
        from PIL import ImageOps
        opts = parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            out = ImageOps.expand(img, border=(left, top, right, bottom), **opts)
            out.putpalette(palette)
            return out
        return ImageOps.expand(img, border=(left, top, right, bottom), **opts)
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    widths = [(top, bottom), (left, right)] + ([(0, 0)] if arr.ndim == 3 else [])
    out = Image.fromarray(np.pad(arr, widths, mode=padding_mode))
    if palette is not None:
        out.putpalette(palette)  # an 'L' image with a palette becomes 'P' again
    return out


def to_grayscale(img, num_output_channels: int = 1):
    """PIL's 'L' conversion (ITU-R 601-2 luma), optionally repeated to 3 channels (RGB)."""
    _check(img, "to_grayscale")
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        g = np.array(img.convert("L"), dtype=np.uint8)
        return pil().fromarray(np.dstack([g, g, g]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")


def _enhance(img, kind: str, factor: float):
    _check(img, "adjust_" + kind.lower())
    pil()
    from PIL import ImageEnhance
    return getattr(ImageEnhance, kind)(img).enhance(factor)


def adjust_brightness(img, brightness_factor: float):
    return _enhance(img, "Brightness", brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    return _enhance(img, "Contrast", contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    return _enhance(img, "Color", saturation_factor)


def adjust_hue(img, hue_factor: float):
    """Shift the H channel of the HSV image by ``hue_factor * 255`` (uint8 wrap-around)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img, "adjust_hue")
    Image = pil()
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    np_h += np.uint8(int(hue_factor * 255) % 256)  # wraps around the hue circle, as uint8
    h = Image.fromarray(np_h, "L")
    return Image.merge("HSV", (h, s, v)).convert(mode)


def rotate(img, angle: float, interpolation: int = 0, expand: bool = False, center=None, fill=None):
    _check(img, "rotate")
    opts = parse_fill(fill, img)
    return img.rotate(angle, interpolation, expand, center, **opts)
