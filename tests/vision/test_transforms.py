"""ember.vision.transforms classes: torchvision's reprs, parameter checks and semantics,
random transforms reproducible under ember.manual_seed, and the study notes' pipelines."""
import gzip
import random
import struct

import numpy as np
import pytest

import ember
from ember import nn
from ember.vision import datasets
from ember.vision import transforms as T
from ember.vision.transforms import functional as F

Image = pytest.importorskip("PIL.Image", reason="Pillow is an optional dependency of ember")

HWC = np.array([[[50 * c + 10 * i + j for c in range(3)] for j in range(5)] for i in range(4)], dtype=np.uint8)
CHW = np.ascontiguousarray(HWC.transpose(2, 0, 1))
RNG = np.random.default_rng(0)
IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])


def photo(h=256, w=300):
    """A smooth RGB 'photo' (gradients), as a PIL image."""
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) * 255 // (h + w)], axis=-1)
    return Image.fromarray(a.astype(np.uint8))


def run_seeded(transform, img, seed):
    ember.manual_seed(seed)
    out = transform(img)
    return out.numpy() if isinstance(out, ember.Tensor) else np.asarray(out)


# ------------------------------------------------------------------ reprs
def test_compose_repr():
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    assert repr(tf) == "Compose(\n    ToTensor()\n    Normalize(mean=(0.1307,), std=(0.3081,))\n)"


def test_reprs_match_torchvision():
    cases = {
        T.Resize(256): "Resize(size=256, interpolation=bilinear, max_size=None, antialias=True)",
        T.Resize((32, 48), interpolation=T.InterpolationMode.NEAREST, max_size=None, antialias=False):
            "Resize(size=(32, 48), interpolation=nearest, max_size=None, antialias=False)",
        T.CenterCrop(224): "CenterCrop(size=(224, 224))",
        T.RandomCrop(32, padding=4): "RandomCrop(size=(32, 32), padding=4)",
        T.RandomHorizontalFlip(): "RandomHorizontalFlip(p=0.5)",
        T.RandomVerticalFlip(0.25): "RandomVerticalFlip(p=0.25)",
        T.RandomResizedCrop(224): "RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), ratio=(0.75, 1.3333), "
                                  "interpolation=bilinear, antialias=True)",
        T.ColorJitter(0.2, 0.1, 0.1, 0.1): "ColorJitter(brightness=(0.8, 1.2), contrast=(0.9, 1.1), "
                                           "saturation=(0.9, 1.1), hue=(-0.1, 0.1))",
        T.ColorJitter(): "ColorJitter(brightness=None, contrast=None, saturation=None, hue=None)",
        T.RandomRotation(45): "RandomRotation(degrees=[-45.0, 45.0], interpolation=nearest, expand=False, fill=0)",
        T.RandomRotation((0, 90), center=(1, 2)):
            "RandomRotation(degrees=[0.0, 90.0], interpolation=nearest, expand=False, center=(1, 2), fill=0)",
        T.Grayscale(3): "Grayscale(num_output_channels=3)",
        T.RandomGrayscale(0.025): "RandomGrayscale(p=0.025)",
        T.Pad((1, 2), fill=3, padding_mode="edge"): "Pad(padding=(1, 2), fill=3, padding_mode=edge)",
        T.Lambda(lambda x: x): "Lambda()",
        T.ToPILImage(): "ToPILImage()",
        T.ToPILImage("RGB"): "ToPILImage(mode=RGB)",
        T.PILToTensor(): "PILToTensor()",
        T.ConvertImageDtype(ember.float32): "ConvertImageDtype()",
        T.RandomApply([T.Grayscale()], p=0.3): "RandomApply(\n    p=0.3\n    Grayscale(num_output_channels=1)\n)",
        T.RandomChoice([T.Pad(1), T.Grayscale()]):
            "RandomChoice(\n    Pad(padding=1, fill=0, padding_mode=constant)\n    Grayscale(num_output_channels=1)\n)"
            "(p=None)",
        T.RandomOrder([T.Grayscale()]): "RandomOrder(\n    Grayscale(num_output_channels=1)\n)",
    }
    for t, expect in cases.items():
        assert repr(t) == expect


def test_module_transforms_are_modules():
    assert isinstance(T.Normalize((0.5,), (0.5,)), nn.Module) and isinstance(T.RandomResizedCrop(8), nn.Module)
    assert not isinstance(T.Compose([]), nn.Module) and not isinstance(T.ToTensor(), nn.Module)
    seq = nn.Sequential(T.CenterCrop(2), T.RandomHorizontalFlip(1.0))
    np.testing.assert_array_equal(seq(ember.from_numpy(CHW)).numpy(), CHW[:, 1:3, 3:1:-1])


# ------------------------------------------------------------------ argument checks
def test_argument_errors():
    with pytest.raises(ValueError, match="two dimensions"):
        T.CenterCrop((1, 2, 3))
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="1 or 2 values"):
        T.Resize((1, 2, 3))
    with pytest.raises(TypeError, match="Scale should be a sequence"):
        T.RandomResizedCrop(8, scale=0.5)
    with pytest.warns(UserWarning, match="min, max"):
        T.RandomResizedCrop(8, scale=(1.0, 0.5))
    with pytest.raises(ValueError, match="must be positive"):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="sequence of length 2"):
        T.RandomRotation([1, 2, 3])
    with pytest.raises(TypeError, match="Fill should be"):
        T.RandomRotation(3, fill={"r": 1})
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)
    with pytest.raises(TypeError, match="sequence"):
        T.RandomChoice(T.Grayscale())
    with pytest.raises(TypeError, match="padding"):
        T.Pad("2")
    with pytest.raises(ValueError, match="constant, edge"):
        T.Pad(2, padding_mode="wrap")
    with pytest.raises(TypeError, match="InterpolationMode"):
        T.Resize(4, interpolation="bilinear")
    assert T.Resize(4, interpolation=3).interpolation is T.InterpolationMode.BICUBIC


def test_colorjitter_parameter_semantics():
    cj = T.ColorJitter(brightness=1.5, contrast=(0.2, 0.9), saturation=[1, 1], hue=0.5)
    assert cj.brightness == (0.0, 2.5)  # 1 - 1.5 clipped at 0
    assert cj.contrast == (0.2, 0.9) and cj.saturation is None and cj.hue == (-0.5, 0.5)
    with pytest.raises(ValueError, match="non negative"):
        T.ColorJitter(brightness=-0.1)
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.6)
    with pytest.raises(TypeError, match="list/tuple with length 2"):
        T.ColorJitter(contrast=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="between"):
        T.ColorJitter(saturation=(-1, 1))


# ------------------------------------------------------------------ deterministic transforms
def test_totensor_normalize_pipeline_hand_computed():
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    out = tf(Image.fromarray(HWC))
    np.testing.assert_allclose(out.numpy(), (CHW / np.float32(255) - 0.5) / 0.5, atol=1e-6)
    assert T.PILToTensor()(Image.fromarray(HWC)).dtype == ember.uint8
    back = T.ToPILImage()(T.ToTensor()(HWC))
    np.testing.assert_array_equal(np.asarray(back), HWC)
    f = T.ConvertImageDtype(ember.float32)(ember.from_numpy(CHW))
    np.testing.assert_allclose(f.numpy(), CHW / np.float32(255))


def test_pad_crop_flip_grayscale_classes():
    x = ember.from_numpy(CHW)
    assert T.Pad(1)(x).shape == (3, 6, 7) and T.Pad((1, 2, 3, 4))(Image.fromarray(HWC)).size == (9, 10)
    np.testing.assert_array_equal(T.CenterCrop((2, 3))(x).numpy(), CHW[:, 1:3, 1:4])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x).numpy(), CHW[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(x).numpy(), CHW[:, ::-1, :])
    assert T.RandomHorizontalFlip(p=0.0)(x) is x and T.RandomVerticalFlip(p=0.0)(x) is x
    assert T.Grayscale()(x).shape == (1, 4, 5) and T.Grayscale(3)(Image.fromarray(HWC)).mode == "RGB"
    g = T.RandomGrayscale(p=1.0)(x)  # keeps the channel count
    assert g.shape == (3, 4, 5) and (g.numpy()[0] == g.numpy()[2]).all()
    assert T.RandomGrayscale(p=0.0)(x) is x
    assert T.Resize(2)(Image.fromarray(HWC)).size == (2, 2) and T.Resize((3, 4))(x).shape == (3, 3, 4)
    assert T.Lambda(lambda im: im.flip(0))(x)[0, 0, 0].item() == 100


def test_random_apply_choice_order():
    x = ember.from_numpy(CHW)
    assert T.RandomApply([T.Grayscale()], p=1.0)(x).shape == (1, 4, 5)
    assert T.RandomApply([T.Grayscale()], p=0.0)(x) is x
    assert T.RandomChoice([T.Grayscale(), T.Pad(1)], p=[0.0, 1.0])(x).shape == (3, 6, 7)
    assert T.RandomChoice([T.Grayscale(), T.Pad(1)], p=[1.0, 0.0])(x).shape == (1, 4, 5)
    seen = set()
    ember.manual_seed(0)
    for _ in range(30):
        seen.add(tuple(T.RandomChoice([T.Grayscale(), T.Pad(1)])(x).shape))
    assert seen == {(1, 4, 5), (3, 6, 7)}
    orders = set()
    for _ in range(30):  # Pad then CenterCrop differs from CenterCrop then Pad
        orders.add(tuple(T.RandomOrder([T.Pad(1), T.CenterCrop(2)])(x).shape))
    assert orders == {(3, 2, 2), (3, 4, 4)}


# ------------------------------------------------------------------ random transforms
def test_random_crop_is_a_window_and_reproducible():
    a = RNG.integers(0, 256, size=(3, 12, 15), dtype=np.uint8)
    x = ember.from_numpy(a)
    tf = T.RandomCrop((5, 6))
    ember.manual_seed(3)
    i, j, h, w = T.RandomCrop.get_params(x, (5, 6))
    assert 0 <= i <= 7 and 0 <= j <= 9 and (h, w) == (5, 6)
    np.testing.assert_array_equal(run_seeded(tf, x, 3), a[:, i:i + 5, j:j + 6])
    corners = {tuple(run_seeded(tf, x, s)[:, 0, 0]) for s in range(20)}
    assert len(corners) > 5  # different seeds, different windows
    np.testing.assert_array_equal(run_seeded(tf, Image.fromarray(a.transpose(1, 2, 0)), 3).transpose(2, 0, 1),
                                  a[:, i:i + 5, j:j + 6])  # the PIL path draws the same window
    assert T.RandomCrop(4, padding=2)(x).shape == (3, 4, 4)
    assert T.RandomCrop((20, 4), pad_if_needed=True)(x).shape == (3, 20, 4)
    assert T.RandomCrop(15, pad_if_needed=True, padding_mode="edge")(Image.fromarray(HWC)).size == (15, 15)
    with pytest.raises(ValueError, match=r"Required crop size \(13, 13\) is larger than input image size \(12, 15\)"):
        T.RandomCrop(13)(x)


def test_random_draws_come_from_embers_generator():
    x = ember.from_numpy(RNG.integers(0, 256, size=(3, 40, 40), dtype=np.uint8))
    tf = T.Compose([T.RandomResizedCrop(16), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4, 0.1)])
    ember.manual_seed(7)
    random.seed(1)
    a = tf(x).numpy()
    ember.manual_seed(7)
    random.seed(2)  # Python's random module plays no part
    np.testing.assert_array_equal(tf(x).numpy(), a)
    ember.manual_seed(8)
    assert not np.array_equal(tf(x).numpy(), a)


def test_random_resized_crop_sizes_and_params():
    img = photo(64, 80)
    ember.manual_seed(0)
    for _ in range(20):
        i, j, h, w = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= i and 0 <= j and i + h <= 64 and j + w <= 80 and h > 0 and w > 0
        assert 0.08 * 64 * 80 * 0.8 <= h * w <= 64 * 80
    assert T.RandomResizedCrop(24)(img).size == (24, 24)
    assert T.RandomResizedCrop((10, 12))(ember.rand(3, 64, 80)).shape == (3, 10, 12)
    assert T.RandomResizedCrop(8)(ember.rand(2, 3, 20, 20)).shape == (2, 3, 8, 8)
    a = run_seeded(T.RandomResizedCrop(16), img, 5)
    np.testing.assert_array_equal(run_seeded(T.RandomResizedCrop(16), img, 5), a)


def test_random_resized_crop_fallback_is_central_crop():
    # scale > 1 never fits: after 10 tries the central crop, clamped to the ratio range
    wide = ember.rand(3, 10, 100)  # ratio 10 > 4/3: full height, width round(10 * 4/3) = 13
    assert T.RandomResizedCrop.get_params(wide, (2.0, 3.0), (3 / 4, 4 / 3)) == (0, 43, 10, 13)
    tall = ember.rand(3, 100, 10)  # ratio 0.1 < 3/4: full width, height round(10 / 0.75) = 13
    assert T.RandomResizedCrop.get_params(tall, (2.0, 3.0), (3 / 4, 4 / 3)) == (43, 0, 13, 10)
    square = ember.rand(3, 10, 11)
    assert T.RandomResizedCrop.get_params(square, (2.0, 3.0), (3 / 4, 4 / 3)) == (0, 0, 10, 11)


def test_colorjitter_applies_drawn_factors_in_drawn_order():
    x = ember.from_numpy(np.clip(RNG.random((3, 6, 7)).astype(np.float32), 0, 1))
    cj = T.ColorJitter(0.5, 0.5, 0.5, 0.2)
    ember.manual_seed(11)
    order, b, c, s, h = T.ColorJitter.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
    assert sorted(order.tolist()) == [0, 1, 2, 3]
    assert 0.5 <= b <= 1.5 and 0.5 <= c <= 1.5 and 0.5 <= s <= 1.5 and -0.2 <= h <= 0.2
    expect = x
    fns = {0: (F.adjust_brightness, b), 1: (F.adjust_contrast, c), 2: (F.adjust_saturation, s), 3: (F.adjust_hue, h)}
    for k in order.tolist():
        fn, factor = fns[k]
        expect = fn(expect, factor)
    np.testing.assert_allclose(run_seeded(cj, x, 11), expect.numpy(), atol=1e-6)
    ember.manual_seed(0)
    only_b = T.ColorJitter(brightness=(0.5, 0.5))(x)  # a one-point range: exactly factor 0.5
    np.testing.assert_allclose(only_b.numpy(), 0.5 * x.numpy(), rtol=1e-6)
    assert T.ColorJitter(0.2, 0.1, 0.1, 0.1)(photo(8, 8)).size == (8, 8)


def test_random_rotation_draws_angle_and_fills():
    x = ember.from_numpy(RNG.integers(0, 256, size=(3, 8, 8), dtype=np.uint8))
    rot = T.RandomRotation((90, 90))
    np.testing.assert_array_equal(rot(x).numpy(), np.rot90(x.numpy(), 1, axes=(1, 2)))
    ember.manual_seed(2)
    angle = T.RandomRotation.get_params([-45.0, 45.0])
    assert -45 <= angle <= 45
    np.testing.assert_array_equal(run_seeded(T.RandomRotation(45), x, 2), F.rotate(x, angle, fill=[0.0] * 3).numpy())
    filled = T.RandomRotation((45, 45), fill=(10, 20, 30))(ember.zeros(3, 8, 8, dtype=ember.uint8))
    assert filled[:, 0, 0].tolist() == [10, 20, 30] and filled[:, 4, 4].tolist() == [0, 0, 0]
    pil = T.RandomRotation((45, 45), fill=200)(Image.fromarray(np.zeros((8, 8), dtype=np.uint8)))
    assert np.asarray(pil)[0, 0] == 200 and np.asarray(pil)[4, 4] == 0
    assert T.RandomRotation(30, expand=True)(photo(20, 20)).size[0] > 20


# ------------------------------------------------------------------ the study notes' pipelines
def _write_idx(path, arr):
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.tobytes())


def test_mnist_pipeline(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.mnist, "SYSTEM_DIR", str(tmp_path / "nosystem"))
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    imgs = RNG.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    _write_idx(raw / "train-images-idx3-ubyte.gz", imgs)
    _write_idx(raw / "train-labels-idx1-ubyte.gz", np.array([3, 1, 4, 1], dtype=np.uint8))
    preprocessing = T.Compose([T.ToTensor(), T.Normalize(mean=(0.1307,), std=(0.3081,))])
    mnist = datasets.MNIST(root=str(tmp_path), train=True, transform=preprocessing)
    x, y = mnist[2]
    assert y == 4 and x.shape == (1, 28, 28) and x.dtype == ember.float32
    np.testing.assert_allclose(x.numpy()[0], (imgs[2] / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081),
                               rtol=1e-5, atol=1e-5)
    loader = ember.utils.data.DataLoader(mnist, batch_size=2)
    xb, yb = next(iter(loader))
    assert xb.shape == (2, 1, 28, 28) and yb.tolist() == [3, 1]


def test_transfer_learning_pipelines():
    train_tf = T.Compose([T.RandomRotation(45), T.CenterCrop(224), T.RandomHorizontalFlip(0.5),
                          T.RandomVerticalFlip(0.5), T.ColorJitter(0.2, 0.1, 0.1, 0.1), T.RandomGrayscale(0.025),
                          T.ToTensor(), T.Normalize(*IMAGENET)])
    valid_tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(*IMAGENET)])
    rrc_tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(*IMAGENET)])
    img = photo(256, 300)
    ember.manual_seed(0)
    for tf in (train_tf, valid_tf, rrc_tf):
        out = tf(img)
        assert out.shape == (3, 224, 224) and out.dtype == ember.float32
        assert np.isfinite(out.numpy()).all()
    a = run_seeded(train_tf, img, 4)
    np.testing.assert_array_equal(run_seeded(train_tf, img, 4), a)
    # the same augmentations run on a tensor image too (before ToTensor's place in the pipeline)
    tensor_tf = T.Compose([T.RandomRotation(45), T.CenterCrop(224), T.RandomHorizontalFlip(0.5),
                           T.ColorJitter(0.2, 0.1, 0.1, 0.1), T.RandomGrayscale(0.025), T.Normalize(*IMAGENET)])
    assert tensor_tf(F.to_tensor(img)).shape == (3, 224, 224)
