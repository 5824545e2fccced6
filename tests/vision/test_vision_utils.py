"""ember.vision.utils: make_grid's layout (torchvision's size formula and pixel placement)
and save_image writing a PNG that reads back to the grid."""
import io

import numpy as np
import pytest

import ember
from ember.vision import utils as U

RNG = np.random.default_rng(0)


def batch(b, c, h, w):
    return ember.from_numpy(RNG.random((b, c, h, w)).astype(np.float32))


@pytest.mark.parametrize("b, nrow, padding", [(5, 2, 2), (8, 8, 2), (3, 8, 0), (7, 3, 1), (2, 1, 3)])
def test_make_grid_shape_formula(b, nrow, padding):
    h, w = 4, 6
    g = U.make_grid(batch(b, 3, h, w), nrow=nrow, padding=padding)
    xmaps = min(nrow, b)
    ymaps = -(-b // xmaps)
    assert g.shape == (3, ymaps * (h + padding) + padding, xmaps * (w + padding) + padding)


def test_make_grid_pixel_placement_and_pad_value():
    x = batch(5, 3, 4, 6)
    g = U.make_grid(x, nrow=2, padding=2, pad_value=0.5).numpy()
    assert g.shape == (3, 20, 18)
    for k in range(5):
        y, xx = divmod(k, 2)
        top, left = y * 6 + 2, xx * 8 + 2
        np.testing.assert_array_equal(g[:, top:top + 4, left:left + 6], x.numpy()[k])
    assert (g[:, :2, :] == 0.5).all() and (g[:, :, :2] == 0.5).all()
    assert (g[:, 14:, 10:] == 0.5).all()  # the empty sixth cell is padding


def test_make_grid_single_channel_and_single_image():
    x = batch(4, 1, 3, 3)
    g = U.make_grid(x, nrow=4, padding=1)
    assert g.shape == (3, 5, 17)
    np.testing.assert_array_equal(g.numpy()[0], g.numpy()[2])  # gray repeated to RGB
    np.testing.assert_array_equal(g.numpy()[1, 1:4, 5:8], x.numpy()[1, 0])
    one = batch(1, 3, 4, 5)
    np.testing.assert_array_equal(U.make_grid(one).numpy(), one.numpy()[0])  # one image: no padding
    assert U.make_grid(ember.rand(1, 4, 5)).shape == (3, 4, 5)
    assert U.make_grid(ember.rand(4, 5)).shape == (3, 4, 5)
    listed = U.make_grid([one[0], one[0]], padding=0)
    assert listed.shape == (3, 4, 10)


def test_make_grid_normalize():
    x = ember.tensor([[[[0.0, 2.0]]], [[[4.0, 8.0]]]])
    g = U.make_grid(x, padding=0, normalize=True)
    np.testing.assert_allclose(g.numpy()[0], [[0.0, 0.25, 0.5, 1.0]])
    g = U.make_grid(x, padding=0, normalize=True, scale_each=True)
    np.testing.assert_allclose(g.numpy()[0], [[0.0, 1.0, 0.0, 1.0]])
    g = U.make_grid(x, padding=0, normalize=True, value_range=(0.0, 4.0))
    np.testing.assert_allclose(g.numpy()[0], [[0.0, 0.5, 1.0, 1.0]])
    assert x[1, 0, 0, 1].item() == 8.0  # the input is not modified


def test_make_grid_errors():
    with pytest.raises(TypeError, match="tensor or list of tensors"):
        U.make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(TypeError, match="list containing"):
        U.make_grid([ember.rand(3, 2, 2), np.zeros((3, 2, 2))])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        U.make_grid(batch(2, 3, 2, 2), normalize=True, value_range=[0, 1])


def test_save_image_png_reads_back(tmp_path):
    Image = pytest.importorskip("PIL.Image", reason="Pillow is an optional dependency of ember")
    x = batch(6, 3, 5, 4)
    path = tmp_path / "grid.png"
    U.save_image(x, str(path), nrow=3, padding=1, pad_value=1.0)
    img = Image.open(path)
    assert img.format == "PNG" and img.mode == "RGB"
    grid = U.make_grid(x, nrow=3, padding=1, pad_value=1.0).numpy()
    expect = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(np.asarray(img), expect)
    assert np.abs(np.asarray(img) / 255.0 - grid.transpose(1, 2, 0)).max() <= 0.5 / 255 + 1e-6
    buf = io.BytesIO()
    U.save_image(x[0], buf, format="png")
    buf.seek(0)
    assert Image.open(buf).size == (4, 5)
