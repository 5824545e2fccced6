"""ember.vision.transforms.functional: hand-computed results on small images, PIL and tensor
paths agreeing on the same image, and PyTorch itself (interpolate, grid_sample, pad) as the
oracle for the resampling that torchvision's tensor path delegates to it."""
import colorsys

import numpy as np
import pytest
import torch

import ember
from ember.vision.transforms import InterpolationMode
from ember.vision.transforms import functional as F
from ember.vision.transforms._sampling import affine_output_size, inverse_affine_matrix

Image = pytest.importorskip("PIL.Image", reason="Pillow is an optional dependency of ember")

# a 4x5 image with known values: pixel (i, j) of channel c is 50 * c + 10 * i + j
HWC = np.array([[[50 * c + 10 * i + j for c in range(3)] for j in range(5)] for i in range(4)], dtype=np.uint8)
CHW = np.ascontiguousarray(HWC.transpose(2, 0, 1))
RNG = np.random.default_rng(0)


def pil_rgb(a=HWC):
    return Image.fromarray(np.ascontiguousarray(a))


def t_u8(a=CHW):
    return ember.from_numpy(np.ascontiguousarray(a))


def pil_chw(img) -> np.ndarray:
    a = np.asarray(img)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def random_u8(h, w, c=3):
    return RNG.integers(0, 256, size=(h, w, c), dtype=np.uint8)


# ------------------------------------------------------------------ conversions
def test_to_tensor_pil_rgb_and_gray():
    t = F.to_tensor(pil_rgb())
    assert t.shape == (3, 4, 5) and t.dtype == ember.float32
    np.testing.assert_allclose(t.numpy(), CHW.astype(np.float32) / 255, rtol=0, atol=0)
    g = F.to_tensor(Image.fromarray(HWC[:, :, 0]))
    assert g.shape == (1, 4, 5)
    assert g[0, 2, 3].item() == pytest.approx(23 / 255)


def test_to_tensor_ndarray_dtypes():
    t = F.to_tensor(HWC)
    assert t.shape == (3, 4, 5) and t.dtype == ember.float32
    assert t[1, 3, 4].item() == pytest.approx((50 + 34) / 255)
    assert F.to_tensor(HWC[:, :, 0]).shape == (1, 4, 5)
    f = F.to_tensor(HWC.astype(np.float64))  # other dtypes keep their values and dtype
    assert f.dtype == ember.float64 and f[2, 1, 1].item() == 111.0
    ember.set_default_dtype(ember.float64)
    assert F.to_tensor(HWC).dtype == ember.float64


def test_to_tensor_pil_modes():
    one = Image.fromarray(np.array([[0, 255], [255, 0]], dtype=np.uint8)).convert("1")
    np.testing.assert_array_equal(F.to_tensor(one).numpy(), [[[0.0, 1.0], [1.0, 0.0]]])
    i32 = Image.fromarray(np.array([[7, -3]], dtype=np.int32), mode="I")
    t = F.to_tensor(i32)
    assert t.dtype == ember.int32 and t.tolist() == [[[7, -3]]]
    f32 = Image.fromarray(np.array([[0.25, 3.5]], dtype=np.float32), mode="F")
    assert F.to_tensor(f32).tolist() == [[[0.25, 3.5]]]


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="PIL Image or ndarray"):
        F.to_tensor([1, 2])
    with pytest.raises(ValueError, match="2/3 dimensional"):
        F.to_tensor(np.zeros((1, 2, 3, 4), dtype=np.uint8))


def test_pil_to_tensor_keeps_uint8():
    t = F.pil_to_tensor(pil_rgb())
    assert t.dtype == ember.uint8 and t.shape == (3, 4, 5)
    np.testing.assert_array_equal(t.numpy(), CHW)
    with pytest.raises(TypeError, match="PIL Image"):
        F.pil_to_tensor(HWC)


def test_to_pil_image_modes_and_scaling():
    assert F.to_pil_image(t_u8()).mode == "RGB"
    np.testing.assert_array_equal(np.asarray(F.to_pil_image(t_u8())), HWC)
    img = F.to_pil_image(ember.full((1, 2, 2), 0.5))  # floats: * 255 then truncated
    assert img.mode == "L" and np.asarray(img).tolist() == [[127, 127], [127, 127]]
    assert F.to_pil_image(ember.zeros(2, 3, 3, dtype=ember.uint8)).mode == "LA"
    assert F.to_pil_image(ember.zeros(4, 3, 3, dtype=ember.uint8)).mode == "RGBA"
    assert F.to_pil_image(ember.zeros(3, 3, dtype=ember.uint8)).mode == "L"
    assert F.to_pil_image(ember.zeros(1, 3, 3), mode="F").mode == "F"
    assert F.to_pil_image(ember.zeros(1, 3, 3, dtype=ember.int32)).mode == "I"
    assert F.to_pil_image(HWC).mode == "RGB" and F.to_pil_image(HWC, mode="HSV").mode == "HSV"
    assert F.to_pil_image(HWC[:, :, :2]).mode == "LA"
    # round trip ndarray -> PIL -> tensor
    np.testing.assert_array_equal(F.pil_to_tensor(F.to_pil_image(HWC)).numpy(), CHW)


def test_to_pil_image_errors():
    with pytest.raises(TypeError, match="Tensor or ndarray"):
        F.to_pil_image([1])
    with pytest.raises(ValueError, match="> 4 channels"):
        F.to_pil_image(ember.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="2/3 dimensional"):
        F.to_pil_image(ember.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match="Incorrect mode"):
        F.to_pil_image(ember.zeros(1, 2, 2, dtype=ember.uint8), mode="F")
    with pytest.raises(ValueError, match="Only modes"):
        F.to_pil_image(HWC, mode="RGBA")
    with pytest.raises(TypeError, match="not supported"):
        F.to_pil_image(HWC.astype(np.float64))


def test_convert_image_dtype():
    u = ember.tensor([[[0, 128, 255]]], dtype=ember.uint8)
    f = F.convert_image_dtype(u, ember.float32)
    np.testing.assert_allclose(f.numpy(), [[[0.0, 128 / 255, 1.0]]], rtol=1e-7)
    back = F.convert_image_dtype(ember.tensor([[[0.0, 0.5, 1.0]]]), ember.uint8)
    assert back.tolist() == [[[0, 127, 255]]]  # x * (255 + 1 - 0.001), truncated
    assert F.convert_image_dtype(u, ember.int16).tolist() == [[[0, 128 * 128, 255 * 128]]]
    big = ember.tensor([[[2 ** 31 - 1, 2 ** 24]]], dtype=ember.int32)
    assert F.convert_image_dtype(big, ember.uint8).tolist() == [[[255, 2]]]
    assert F.convert_image_dtype(u, ember.uint8) is u
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(ember.zeros(1, 2, 2), ember.int32)
    with pytest.raises(TypeError):
        F.convert_image_dtype(HWC, ember.float32)


# ------------------------------------------------------------------ normalize
def test_normalize_hand_computed():
    x = ember.tensor([[[0.0, 0.5], [1.0, 0.25]]])
    y = F.normalize(x, (0.5,), (0.25,))
    assert y.tolist() == [[[-2.0, 0.0], [2.0, -1.0]]]
    assert x.tolist() == [[[0.0, 0.5], [1.0, 0.25]]]  # not in place by default
    rgb = F.to_tensor(HWC)
    out = F.normalize(rgb, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    m = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
    s = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]
    np.testing.assert_allclose(out.numpy(), (CHW / np.float32(255) - m) / s, rtol=1e-6, atol=1e-6)
    batch = ember.stack([rgb, rgb])
    np.testing.assert_allclose(F.normalize(batch, (0.1, 0.2, 0.3), (1, 2, 3)).numpy()[1],
                               F.normalize(rgb, (0.1, 0.2, 0.3), (1, 2, 3)).numpy())


def test_normalize_inplace_and_grad():
    x = ember.ones(2, 2, 2)
    y = F.normalize(x, (0.5, 0.0), (0.5, 2.0), inplace=True)
    assert y is x and x[0].tolist() == [[1.0, 1.0], [1.0, 1.0]] and x[1, 0, 0].item() == 0.5
    z = ember.rand(3, 2, 2, requires_grad=True)
    F.normalize(z, (0.1, 0.2, 0.3), (2.0, 4.0, 8.0)).sum().backward()
    np.testing.assert_allclose(z.grad.numpy()[:, 0, 0], [0.5, 0.25, 0.125])


def test_normalize_errors():
    x = ember.rand(3, 2, 2)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(x, (0.5, 0.5, 0.5), (1.0, 0.0, 1.0))
    with pytest.raises(RuntimeError, match="3 channels"):
        F.normalize(x, (0.5, 0.5), (1.0, 1.0))
    with pytest.raises(TypeError, match="float tensor"):
        F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), (0.5,), (0.5,))
    with pytest.raises(ValueError, match=r"\(..., C, H, W\)"):
        F.normalize(ember.rand(2, 2), (0.5,), (0.5,))
    with pytest.raises(TypeError, match="Tensor Image"):
        F.normalize(HWC, (0.5,), (0.5,))


# ------------------------------------------------------------------ crops, flips, pad
def test_crop_hand_computed_pil_and_tensor_agree():
    t = F.crop(t_u8(), 1, 2, 2, 3)
    np.testing.assert_array_equal(t.numpy(), CHW[:, 1:3, 2:5])
    np.testing.assert_array_equal(pil_chw(F.crop(pil_rgb(), 1, 2, 2, 3)), CHW[:, 1:3, 2:5])
    # a box reaching outside the image is zero-padded on both paths
    out = F.crop(t_u8(), -1, 3, 3, 4)
    expect = np.zeros((3, 3, 4), dtype=np.uint8)
    expect[:, 1:, :2] = CHW[:, 0:2, 3:5]
    np.testing.assert_array_equal(out.numpy(), expect)
    np.testing.assert_array_equal(pil_chw(F.crop(pil_rgb(), -1, 3, 3, 4)), expect)


def test_center_crop_and_padding_when_larger():
    np.testing.assert_array_equal(F.center_crop(t_u8(), 2).numpy(), CHW[:, 1:3, 2:4])  # round(1.5) = 2
    np.testing.assert_array_equal(pil_chw(F.center_crop(pil_rgb(), [2])), CHW[:, 1:3, 2:4])
    np.testing.assert_array_equal(F.center_crop(t_u8(), (3, 3)).numpy(), CHW[:, 0:3, 1:4])  # round(0.5) = 0
    big = F.center_crop(t_u8(), (6, 8))  # pad 1 top/left, 2 right, 1 bottom
    expect = np.zeros((3, 6, 8), dtype=np.uint8)
    expect[:, 1:5, 1:6] = CHW
    np.testing.assert_array_equal(big.numpy(), expect)
    np.testing.assert_array_equal(pil_chw(F.center_crop(pil_rgb(), (6, 8))), expect)


def test_flips_hand_computed():
    np.testing.assert_array_equal(F.hflip(t_u8()).numpy(), CHW[:, :, ::-1])
    np.testing.assert_array_equal(F.vflip(t_u8()).numpy(), CHW[:, ::-1, :])
    np.testing.assert_array_equal(pil_chw(F.hflip(pil_rgb())), CHW[:, :, ::-1])
    np.testing.assert_array_equal(pil_chw(F.vflip(pil_rgb())), CHW[:, ::-1, :])
    batch = ember.stack([t_u8(), t_u8()])
    assert F.hflip(batch).shape == (2, 3, 4, 5)
    x = ember.rand(1, 2, 3, requires_grad=True)
    (F.hflip(x) * ember.tensor([1.0, 2.0, 3.0])).sum().backward()  # differentiable
    assert x.grad[0, 0].tolist() == [3.0, 2.0, 1.0]
    with pytest.raises(TypeError, match="PIL Image"):
        F.hflip(HWC)


@pytest.mark.parametrize("mode, expect", [("constant", [9, 9, 1, 2, 3, 9]), ("edge", [1, 1, 1, 2, 3, 3]),
                                          ("reflect", [3, 2, 1, 2, 3, 2]), ("symmetric", [2, 1, 1, 2, 3, 3])])
def test_pad_modes_hand_computed(mode, expect):
    row = np.array([[1, 2, 3]], dtype=np.uint8)
    t = F.pad(ember.from_numpy(row[None]), [2, 0, 1, 0], fill=9, padding_mode=mode)
    assert t.shape == (1, 1, 6) and t[0, 0].tolist() == expect
    p = F.pad(Image.fromarray(row), [2, 0, 1, 0], fill=9, padding_mode=mode)
    assert np.asarray(p)[0].tolist() == expect


@pytest.mark.parametrize("padding", [1, (1,), (2, 1), (1, 2, 0, 3), [0, 1, 2, 0], (-1, 1, 2, -2)])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_pil_tensor_agree(padding, mode):
    t = F.pad(t_u8(), padding, fill=7, padding_mode=mode)
    p = F.pad(pil_rgb(), padding, fill=7, padding_mode=mode)
    np.testing.assert_array_equal(t.numpy(), pil_chw(p))


@pytest.mark.parametrize("mode, tmode", [("constant", "constant"), ("edge", "replicate"), ("reflect", "reflect")])
def test_pad_matches_torch_pad(mode, tmode):
    a = RNG.random((2, 3, 4, 5)).astype(np.float32)
    e = F.pad(ember.from_numpy(a), (1, 2, 3, 1), fill=0.5, padding_mode=mode)
    kw = {"value": 0.5} if mode == "constant" else {}
    t = torch.nn.functional.pad(torch.from_numpy(a), (1, 3, 2, 1), mode=tmode, **kw)  # (l, r, t, b)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_pad_errors():
    with pytest.raises(ValueError, match="1, 2, or 4 element"):
        F.pad(t_u8(), (1, 2, 3))
    with pytest.raises(ValueError, match="constant, edge, reflect or symmetric"):
        F.pad(t_u8(), 1, padding_mode="wrap")
    with pytest.raises(TypeError, match="fill"):
        F.pad(t_u8(), 1, fill=(1, 2, 3))
    with pytest.raises(RuntimeError, match="reflect padding 4"):
        F.pad(t_u8(), 4, padding_mode="reflect")
    with pytest.raises(ValueError, match="does not match the number of channels"):
        F.pad(pil_rgb(), 1, fill=(1, 2))
    with pytest.raises(TypeError, match="padding"):
        F.pad(pil_rgb(), "1")


# ------------------------------------------------------------------ resize
@pytest.mark.parametrize("hw, size, max_size, expect", [
    ((10, 15), 4, None, [4, 6]), ((15, 10), [4], None, [6, 4]), ((4, 5), 2, None, [2, 2]),
    ((10, 15), (3, 7), None, [3, 7]), ((10, 30), 8, 12, [4, 12]), ((10, 15), None, 9, [6, 9])])
def test_resize_output_size(hw, size, max_size, expect):
    t = F.resize(ember.zeros(3, *hw), size, max_size=max_size)
    p = F.resize(Image.new("RGB", hw[::-1]), size, max_size=max_size)
    assert list(t.shape[-2:]) == expect and [p.height, p.width] == expect


def test_resize_same_size_returns_input_and_errors():
    x = ember.rand(3, 4, 6)
    assert F.resize(x, 4) is x
    with pytest.raises(ValueError, match="1 or 2 element"):
        F.resize(x, [1, 2, 3])
    with pytest.raises(ValueError, match="max_size should only be passed"):
        F.resize(x, [2, 3], max_size=5)
    with pytest.raises(ValueError, match="strictly greater"):
        F.resize(x, 4, max_size=4)
    with pytest.raises(TypeError, match="InterpolationMode"):
        F.resize(x, 2, interpolation="bilinear")
    with pytest.raises(ValueError, match="only supported for PIL"):
        F.resize(x, 2, interpolation=InterpolationMode.BOX)
    with pytest.warns(UserWarning, match="Anti-alias"):
        F.resize(pil_rgb(), 2, antialias=False)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("shape, size", [((3, 10, 12), (5, 7)), ((2, 3, 9, 8), (17, 13)), ((1, 7, 20), (7, 6))])
def test_resize_tensor_matches_torch_interpolate(mode, antialias, shape, size):
    a = RNG.random(shape).astype(np.float32)
    e = F.resize(ember.from_numpy(a), list(size), interpolation=InterpolationMode(mode), antialias=antialias)
    ta = torch.from_numpy(a)
    aa = antialias and mode in ("bilinear", "bicubic")
    kw = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
    t = torch.nn.functional.interpolate(ta if ta.ndim == 4 else ta[None], size=size, mode=mode, antialias=aa, **kw)
    t = t if ta.ndim == 4 else t[0]
    assert e.dtype == ember.float32
    np.testing.assert_allclose(e.numpy(), t.numpy(), atol=2e-6, rtol=1e-5)


def test_resize_uint8_tensor_rounds_and_agrees_with_pil():
    a = random_u8(9, 11)
    t = F.resize(ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))), [5, 6])
    assert t.dtype == ember.uint8
    ref = torch.nn.functional.interpolate(torch.from_numpy(a.transpose(2, 0, 1)).float()[None], size=(5, 6),
                                          mode="bilinear", antialias=True, align_corners=False)[0]
    assert np.abs(t.numpy().astype(int) - ref.round().numpy().astype(int)).max() <= 1
    for size, mode in [([5, 6], InterpolationMode.BILINEAR), ([14, 17], InterpolationMode.BILINEAR),
                       ([5, 6], InterpolationMode.BICUBIC)]:
        tt = F.resize(ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))), size, mode)
        pp = pil_chw(F.resize(pil_rgb(a), size, mode))
        assert np.abs(tt.numpy().astype(int) - pp.astype(int)).max() <= 1, (size, mode)
    # PIL's NEAREST samples pixel centres, which is the tensor path's NEAREST_EXACT
    tn = F.resize(ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))), [4, 3], InterpolationMode.NEAREST_EXACT)
    np.testing.assert_array_equal(tn.numpy(), pil_chw(F.resize(pil_rgb(a), [4, 3], 0)))


def test_resized_crop():
    t = F.resized_crop(t_u8(), 1, 1, 2, 2, [4, 4], InterpolationMode.NEAREST)
    np.testing.assert_array_equal(t.numpy(), CHW[:, 1:3, 1:3].repeat(2, axis=1).repeat(2, axis=2))
    p = F.resized_crop(pil_rgb(), 1, 1, 2, 2, [4, 4], InterpolationMode.NEAREST)
    np.testing.assert_array_equal(pil_chw(p), t.numpy())


# ------------------------------------------------------------------ rotate
def _torch_rotate(img, angle, mode, expand, center, fill):
    """torchvision's tensor rotate, re-built from torch ops: affine grid + grid_sample + fill mask."""
    h, w = img.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, [w, h])]
    matrix = inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = affine_output_size(matrix, w, h) if expand else (w, h)
    theta = torch.tensor(matrix, dtype=torch.float32).reshape(1, 2, 3)
    base = torch.empty(1, oh, ow, 3)
    base[..., 0].copy_(torch.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, steps=ow))
    base[..., 1].copy_(torch.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, steps=oh).unsqueeze_(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, oh * ow, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h])).view(1, oh, ow, 2)
    x = torch.cat((img[None], torch.ones(1, 1, h, w)), 1)
    x = torch.nn.functional.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    mask, x = x[:, -1:].expand(1, img.shape[0], oh, ow), x[:, :-1]
    fill_img = torch.tensor(fill).view(1, len(fill), 1, 1).expand_as(x)
    if mode == "nearest":
        x = torch.where(mask < 0.5, fill_img, x)
    else:
        x = x * mask + (1.0 - mask) * fill_img
    return x[0]


@pytest.mark.parametrize("angle", [30.0, -45.0, 90.0, 12.3])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("expand, center", [(False, None), (True, None), (False, [2, 3])])
def test_rotate_tensor_matches_torch_grid_sample(angle, mode, expand, center):
    a = RNG.random((3, 9, 16)).astype(np.float32)
    fill = [0.25, 0.5, 0.75]
    e = F.rotate(ember.from_numpy(a), angle, InterpolationMode(mode), expand, center, fill)
    t = _torch_rotate(torch.from_numpy(a), angle, mode, expand, center, fill)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), atol=1e-5)


def test_rotate_hand_computed_and_pil_agree():
    a = random_u8(6, 6)
    chw = np.ascontiguousarray(a.transpose(2, 0, 1))
    ccw = np.rot90(chw, 1, axes=(1, 2))  # a quarter turn counter-clockwise maps pixel centres onto pixel centres
    np.testing.assert_array_equal(F.rotate(ember.from_numpy(chw), 90.0).numpy(), ccw)
    np.testing.assert_array_equal(pil_chw(F.rotate(pil_rgb(a), 90.0)), ccw)
    b = random_u8(32, 40)  # even sizes: PIL and the tensor path agree exactly for nearest
    tb = ember.from_numpy(np.ascontiguousarray(b.transpose(2, 0, 1)))
    for angle in (30.0, -17.5):
        for expand in (False, True):
            np.testing.assert_array_equal(F.rotate(tb, angle, expand=expand).numpy(),
                                          pil_chw(F.rotate(pil_rgb(b), angle, expand=expand)))
            t = F.rotate(tb, angle, InterpolationMode.BILINEAR, expand=expand).numpy().astype(int)
            p = pil_chw(F.rotate(pil_rgb(b), angle, InterpolationMode.BILINEAR, expand=expand)).astype(int)
            assert t.shape == p.shape and np.abs(t - p).mean() < 3  # PIL's bilinear rounds in fixed point
    assert F.rotate(ember.zeros(3, 4, 6), 90.0, expand=True).shape == (3, 6, 4)
    with pytest.raises(TypeError, match="angle"):
        F.rotate(pil_rgb(), "90")
    with pytest.raises(ValueError, match="unsupported with Tensor input"):
        F.rotate(t_u8(), 10.0, InterpolationMode.BICUBIC)


# ------------------------------------------------------------------ colour
def _gray(x):
    return 0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]


def test_rgb_to_grayscale_hand_computed():
    x = F.to_tensor(HWC)
    g = F.rgb_to_grayscale(x)
    assert g.shape == (1, 4, 5)
    np.testing.assert_allclose(g.numpy()[0], _gray(CHW / 255.0), rtol=1e-6)
    g3 = F.rgb_to_grayscale(t_u8(), num_output_channels=3)
    assert g3.dtype == ember.uint8 and g3.shape == (3, 4, 5)
    expect = np.trunc(_gray(CHW.astype(np.float32))).astype(np.uint8)  # ints truncate
    np.testing.assert_array_equal(g3.numpy()[2], expect)
    assert np.abs(pil_chw(F.rgb_to_grayscale(pil_rgb()))[0].astype(int) - expect).max() <= 1
    assert F.rgb_to_grayscale(pil_rgb(), 3).mode == "RGB"
    with pytest.raises(TypeError, match=r"\[1, 3\]"):
        F.rgb_to_grayscale(ember.zeros(2, 3, 3))
    with pytest.raises(ValueError, match="1 or 3"):
        F.rgb_to_grayscale(t_u8(), 2)


def test_adjust_brightness_contrast_saturation_float_formulas():
    x = np.clip(RNG.random((3, 4, 5)).astype(np.float32) * 1.2, 0, 1)
    t = ember.from_numpy(x)
    # brightness: blend with black
    np.testing.assert_allclose(F.adjust_brightness(t, 1.5).numpy(), np.clip(1.5 * x, 0, 1), rtol=1e-6)
    # contrast: blend with the mean of the grayscale image
    m = _gray(x).mean()
    np.testing.assert_allclose(F.adjust_contrast(t, 0.3).numpy(), np.clip(0.3 * x + 0.7 * m, 0, 1), rtol=1e-5)
    # saturation: blend with the grayscale image
    np.testing.assert_allclose(F.adjust_saturation(t, 2.0).numpy(), np.clip(2.0 * x - _gray(x), 0, 1),
                               rtol=1e-5, atol=1e-6)
    # a batch uses each image's own mean
    batch = ember.stack([t, t * 0.5])
    np.testing.assert_allclose(F.adjust_contrast(batch, 0.3).numpy()[1],
                               F.adjust_contrast(t * 0.5, 0.3).numpy(), rtol=1e-6)


def test_adjust_uint8_truncates_and_pil_agrees():
    a = random_u8(6, 7)
    t = ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))
    x = a.transpose(2, 0, 1).astype(np.float32)
    out = F.adjust_brightness(t, 1.3)
    assert out.dtype == ember.uint8
    np.testing.assert_array_equal(out.numpy(), np.clip(1.3 * x, 0, 255).astype(np.uint8))
    gray = np.trunc(_gray(x)).astype(np.float32)
    np.testing.assert_array_equal(F.adjust_saturation(t, 0.4).numpy(),
                                  np.clip(np.float32(0.4) * x + np.float32(0.6) * gray, 0, 255).astype(np.uint8))
    for fn, factor in [(F.adjust_brightness, 1.3), (F.adjust_contrast, 0.7), (F.adjust_saturation, 1.4)]:
        diff = np.abs(fn(t, factor).numpy().astype(int) - pil_chw(fn(pil_rgb(a), factor)).astype(int))
        assert diff.max() <= 1, fn.__name__


def test_adjust_hue_against_colorsys():
    x = RNG.random((3, 3, 4)).astype(np.float32)
    out = F.adjust_hue(ember.from_numpy(x), 0.2).numpy()
    for i in range(3):
        for j in range(4):
            h, s, v = colorsys.rgb_to_hsv(*x[:, i, j])
            np.testing.assert_allclose(out[:, i, j], colorsys.hsv_to_rgb((h + 0.2) % 1.0, s, v), atol=1e-5)
    a = random_u8(5, 6)
    t = F.adjust_hue(ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))), -0.3)
    assert t.dtype == ember.uint8
    p = pil_chw(F.adjust_hue(pil_rgb(a), -0.3))  # PIL quantises the hue to 8 bits
    assert np.abs(t.numpy().astype(int) - p.astype(int)).mean() < 3
    gray = ember.rand(1, 3, 3)
    assert F.adjust_hue(gray, 0.3) is gray and F.adjust_saturation(gray, 0.3) is gray
    assert F.adjust_hue(Image.fromarray(HWC[:, :, 0]), 0.3).mode == "L"


def test_adjust_errors():
    t = ember.rand(3, 2, 2)
    with pytest.raises(ValueError, match="not non-negative"):
        F.adjust_brightness(t, -0.1)
    with pytest.raises(ValueError, match="not non-negative"):
        F.adjust_contrast(t, -1)
    with pytest.raises(ValueError, match=r"not in \[-0.5, 0.5\]"):
        F.adjust_hue(t, 0.6)
    with pytest.raises(TypeError, match=r"\[1, 3\]"):
        F.adjust_saturation(ember.rand(4, 2, 2), 0.5)
    with pytest.raises(TypeError, match="PIL Image"):
        F.adjust_brightness(HWC, 0.5)


def test_image_size_helpers():
    assert F.get_dimensions(pil_rgb()) == [3, 4, 5] == F.get_dimensions(t_u8())
    assert F.get_image_size(pil_rgb()) == [5, 4] and F.get_image_num_channels(ember.zeros(4, 4)) == 1
    assert F.interpolation_mode(2) is InterpolationMode.BILINEAR
    assert F.interpolation_mode(0) is InterpolationMode.NEAREST
