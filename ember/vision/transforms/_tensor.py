"""The tensor side of ``ember.vision.transforms.functional`` (torchvision's ``_functional_tensor``).

Images are ember tensors of shape (..., C, H, W).  ``normalize``, ``crop`` (inside the
image) and the flips use ember ops, so they keep autograd history; the other functions
compute on the raw array (NumPy or CuPy) and return a new tensor without history.
Integer images are worked on in float32 and cast back as torchvision does: truncation
for colour blends and grayscale, rounding for resampling.
"""
from __future__ import annotations

import numpy as np

from ...backend import dtypes as D
from ...backend.device import array_module
from ...tensor.tensor import Tensor
from ._sampling import affine_output_size, affine_sample, resize_array

__all__ = ["get_dimensions", "convert_image_dtype", "normalize", "crop", "hflip", "vflip", "pad", "resize",
           "rgb_to_grayscale", "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
           "rotate", "max_value"]

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.int32): 2 ** 31 - 1, np.dtype(np.int64): 2 ** 63 - 1}


def max_value(npdt) -> float | int:
    """The value of 'full intensity' for an image dtype: 1.0 for floats, the largest value for ints."""
    npdt = np.dtype(npdt)
    if npdt.kind == "f":
        return 1.0
    if npdt in _INT_MAX:
        return _INT_MAX[npdt]
    raise TypeError(f"image dtype {npdt} is not supported: expected a float or signed/uint8 integer dtype")


def _wrap(arr) -> Tensor:
    return Tensor._make(arr)


def _assert_image_tensor(img: Tensor) -> None:
    if img.ndim < 2:
        raise TypeError(f"Tensor is not a torch image: expected at least 2 dims (..., H, W), got shape "
                        f"{tuple(img.shape)}")


def get_dimensions(img: Tensor) -> list[int]:
    """[channels, height, width]; a 2-D tensor is one channel."""
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def _assert_channels(img: Tensor, permitted: list[int]) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def _float_work(a):
    """The array in a float dtype to compute in (float32 unless it is float32/float64 already)."""
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float32)


def _cast_out(a, npdt, rounding: bool):
    """Cast a float result back to the image dtype (rounded to nearest for integer dtypes when
    ``rounding``, else truncated as ``Tensor.to`` does)."""
    if a.dtype == npdt:
        return a
    if np.dtype(npdt).kind in "iu" and rounding:
        a = array_module(a).rint(a)
    return a.astype(npdt)


# ------------------------------------------------------------------ dtype, normalize
def convert_image_dtype(image: Tensor, dtype) -> Tensor:
    """Convert an image to ``dtype`` and rescale its values: ints map [0, max] to [0.0, 1.0];
    floats to ints multiply by ``max + 1 - 0.001`` and truncate (so 1.0 maps to max);
    int to int shifts by the ratio of the ranges."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    dtype = D.to_dtype(dtype)
    if image.dtype == dtype:
        return image
    a = image._data
    if image.dtype.is_floating_point:
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == D.float32 and dtype in (D.int32, D.int64)) or (image.dtype == D.float64
                                                                           and dtype == D.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        return _wrap((a * (float(max_value(dtype.np)) + 1.0 - eps)).astype(dtype.np))
    input_max = float(max_value(a.dtype))
    if dtype.is_floating_point:
        return _wrap((a.astype(dtype.np) / input_max).astype(dtype.np))
    output_max = float(max_value(dtype.np))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return _wrap((a // factor).astype(dtype.np))
    factor = int((output_max + 1) // (input_max + 1))
    return _wrap(a.astype(dtype.np) * factor)


def _stat_array(v, like, name: str):
    """``mean``/``std`` as an array of the image's dtype on its device (1-D ones as (C, 1, 1))."""
    xp = array_module(like)
    arr = v._data if isinstance(v, Tensor) else v
    arr = xp.asarray(arr, dtype=like.dtype)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1, 1)
    for i in range(1, arr.ndim + 1):
        s = arr.shape[-i]
        if i > like.ndim or (s != 1 and s != like.shape[-i]):
            raise RuntimeError(f"normalize: {name} has {arr.size} values (shape {tuple(arr.shape)}), which does not "
                               f"match the {like.shape[-3]} channels of the image of shape {tuple(like.shape)}")
    return arr


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """``(tensor - mean[c]) / std[c]`` per channel (dim -3).  A tensor that requires grad (or
    ``inplace=True``) goes through ember ops, so autograd and version counters see it; the
    common case, a fresh image in a data pipeline, is one NumPy expression."""
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    a = tensor._data
    std_a = _stat_array(std, a, "std")
    if bool((std_a == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    mean_a = _stat_array(mean, a, "mean")
    if inplace:
        return tensor.sub_(_wrap(mean_a)).div_(_wrap(std_a))
    if tensor.requires_grad:
        return tensor.sub(_wrap(mean_a)).div(_wrap(std_a))
    return _wrap((a - mean_a) / std_a)


# ------------------------------------------------------------------ geometry
def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """``img[..., top:top+height, left:left+width]``; the part outside the image is zero-padded."""
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def hflip(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    return img.flip(-1)


def vflip(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    return img.flip(-2)


def _parse_pad_padding(padding) -> list[int]:
    """[left, right, top, bottom] from an int or a 1, 2 (left/right, top/bottom) or 4 (l, t, r, b) sequence."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def pad(img: Tensor, padding, fill=0, padding_mode: str = "constant") -> Tensor:
    """Pad the last two dims.  Modes: constant (``fill``), edge (repeat the border pixel),
    reflect (mirror without repeating the border), symmetric (mirror repeating it).
    Negative padding crops."""
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError(f"Got inappropriate fill arg: a tensor image takes an int or float fill, got {fill!r}")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, right, top, bottom = (int(p) for p in _parse_pad_padding(padding))
    a = img._data
    xp = array_module(a)
    h, w = a.shape[-2:]
    # negative padding crops first
    a = a[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    left, right, top, bottom = max(left, 0), max(right, 0), max(top, 0), max(bottom, 0)
    if padding_mode == "reflect":
        for p, n, dim in ((left, a.shape[-1], -1), (right, a.shape[-1], -1), (top, a.shape[-2], -2),
                          (bottom, a.shape[-2], -2)):
            if p >= n:
                raise RuntimeError(f"pad: reflect padding {p} must be less than the image size {n} along dim "
                                   f"{a.ndim + dim} of the image of shape {tuple(img.shape)}")
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        out = xp.pad(a, widths, mode="constant", constant_values=np.asarray(fill).astype(a.dtype))
    else:
        out = xp.pad(a, widths, mode={"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode])
    return _wrap(xp.ascontiguousarray(out))


_TENSOR_MODES = ("nearest", "nearest-exact", "bilinear", "bicubic")


def resize(img: Tensor, size: list[int], interpolation: str = "bilinear", antialias: bool | None = True) -> Tensor:
    """Resize the last two dims to ``size = [h, w]`` (see ``_sampling.resize_array``).
    Antialiasing applies to bilinear and bicubic only, as in torchvision."""
    _assert_image_tensor(img)
    if interpolation not in _TENSOR_MODES:
        raise ValueError(f"resize: interpolation '{interpolation}' is only supported for PIL images; tensor images "
                         f"support {', '.join(_TENSOR_MODES)}")
    antialias = bool(antialias) and interpolation in ("bilinear", "bicubic")
    a = img._data
    if interpolation in ("nearest", "nearest-exact"):  # a pure gather: no float round trip
        return _wrap(resize_array(a, (int(size[0]), int(size[1])), interpolation, False))
    out = resize_array(_float_work(a), (int(size[0]), int(size[1])), interpolation, antialias)
    if interpolation == "bicubic" and a.dtype == np.uint8:
        out = array_module(out).clip(out, 0, 255)
    return _wrap(_cast_out(out, a.dtype, rounding=True))


def rotate(img: Tensor, matrix: list[float], interpolation: str = "nearest", expand: bool = False,
           fill=None) -> Tensor:
    """Rotate by the inverse affine ``matrix`` (see ``functional.rotate``).  Outside the input
    the result is ``fill`` (per channel; None leaves the zeros)."""
    _assert_image_tensor(img)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    num_channels = get_dimensions(img)[0]
    if fill is not None and isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != num_channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {num_channels})")
    a = img._data
    xp = array_module(a)
    h, w = a.shape[-2:]
    ow, oh = affine_output_size(matrix, w, h) if expand else (w, h)
    work = _float_work(a)
    out, mask = affine_sample(work, matrix, (ow, oh), interpolation)
    if fill is not None:
        fills = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = xp.asarray(fills, dtype=work.dtype)
        fill_img = fill_img.reshape(-1, 1, 1) if work.ndim >= 3 else fill_img.reshape(-1, 1)[:1]
        if interpolation == "nearest":
            out = xp.where(mask < 0.5, fill_img, out)
        else:
            # torchvision blends the (zero-padded) samples with the fill by the sampled mask
            out = out * mask + (1.0 - mask) * fill_img
    return _wrap(_cast_out(out.astype(work.dtype), a.dtype, rounding=True))


# ------------------------------------------------------------------ colour
def _blend(a, b, ratio: float):
    """``ratio * a + (1 - ratio) * b`` clamped to the dtype's range, cast back by truncation."""
    xp = array_module(a)
    work = _float_work(a)
    out = (ratio * work + (1.0 - ratio) * b).astype(work.dtype)
    return _cast_out(xp.clip(out, 0, max_value(a.dtype)), a.dtype, rounding=False)


def _gray_array(a):
    """0.2989 R + 0.587 G + 0.114 B over dim -3 (keepdim), in the image dtype (ints truncated)."""
    work = _float_work(a)
    r, g, b = work[..., 0, :, :], work[..., 1, :, :], work[..., 2, :, :]
    gray = (0.2989 * r + 0.587 * g + 0.114 * b).astype(work.dtype)
    return _cast_out(gray, a.dtype, rounding=False)[..., None, :, :]


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """Luma with ITU-R 601-2 weights; ``num_output_channels=3`` repeats it."""
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    a = img._data
    xp = array_module(a)
    gray = _gray_array(a) if a.shape[-3] == 3 else a.copy()
    if num_output_channels == 3:
        gray = xp.ascontiguousarray(xp.broadcast_to(gray, gray.shape[:-3] + (3,) + gray.shape[-2:]))
    return _wrap(gray)


def _check_factor(value: float, name: str) -> None:
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    """Blend with black: ``factor * img`` (clamped)."""
    _check_factor(brightness_factor, "brightness_factor")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    a = img._data
    return _wrap(_blend(a, 0.0, float(brightness_factor)))


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    """Blend with the mean of the grayscale image (per image of a batch)."""
    _check_factor(contrast_factor, "contrast_factor")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    a = img._data
    work_dt = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
    gray = _gray_array(a) if get_dimensions(img)[0] == 3 else a
    mean = gray.astype(work_dt).mean(axis=(-3, -2, -1), keepdims=True, dtype=work_dt)
    return _wrap(_blend(a, mean, float(contrast_factor)))


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    """Blend with the grayscale image; a 1-channel image is returned as is (as PIL does)."""
    _check_factor(saturation_factor, "saturation_factor")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    a = img._data
    return _wrap(_blend(a, _float_work(_gray_array(a)), float(saturation_factor)))


def _rgb2hsv(x):
    """RGB in [0, 1] (..., 3, H, W) to HSV with hue in [0, 1)."""
    xp = array_module(x)
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(axis=-3), x.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    s = cr / xp.where(eqc, 1.0, maxc).astype(x.dtype)
    div = xp.where(eqc, 1.0, cr).astype(x.dtype)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = xp.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0).astype(x.dtype)
    return h, s, maxc


def _hsv2rgb(h, s, v):
    """HSV (hue in [0, 1)) back to RGB stacked on dim -3: pick (r, g, b) from (v, p, q, t) by the hue sextant."""
    xp = array_module(h)
    i = xp.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = xp.clip(v * (1.0 - s), 0.0, 1.0)
    q = xp.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = xp.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    table = ((v, q, p, p, t, v), (t, v, v, q, p, p), (p, p, t, v, v, q))
    chans = [xp.select([i == k for k in range(6)], list(row)) for row in table]
    return xp.stack(chans, axis=-3).astype(h.dtype)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    """Shift the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in HSV space."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig = img.dtype
    x = convert_image_dtype(img, D.float32)._data
    h, s, v = _rgb2hsv(x)
    h = ((h + hue_factor) % 1.0).astype(x.dtype)
    return convert_image_dtype(_wrap(_hsv2rgb(h, s, v)), orig)
