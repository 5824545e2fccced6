"""F.grid_sample and F.affine_grid (4-D) against PyTorch: values and gradients with
respect to input, grid and theta, every mode / padding / align_corners, and errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.helpers import check, check_error, rand

MODES = ["bilinear", "nearest"]
PADS = ["zeros", "border", "reflection"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADS)
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample(mode, padding_mode, align_corners):
    fn = lambda lib, x, g: lib.nn.functional.grid_sample(x, g, mode=mode, padding_mode=padding_mode,  # noqa: E731
                                                          align_corners=align_corners)
    # points inside and well outside [-1, 1] (several reflections)
    check(fn, rand(2, 3, 4, 5), rand(2, 3, 6, 2, low=-1.3, high=1.3))
    check(fn, rand(1, 2, 3, 3, dtype=np.float64), rand(1, 5, 4, 2, dtype=np.float64, low=-4.0, high=4.0))
    check(fn, rand(2, 1, 1, 4), rand(2, 2, 2, 2))          # a size-1 axis
    check(fn, rand(1, 1, 1, 1), rand(1, 3, 1, 2))


@pytest.mark.parametrize("padding_mode", PADS)
def test_grid_sample_on_pixel_centres_and_edges(padding_mode):
    # exact pixel centres and corners: ties between neighbours, nearest's half-way rounding
    xs = np.linspace(-1, 1, 9, dtype=np.float32)
    grid = np.stack(np.meshgrid(xs, xs[::2], indexing="xy"), -1)[None]
    for mode in MODES:
        for ac in (False, True):
            check(lambda lib, x, g: lib.nn.functional.grid_sample(x, g, mode, padding_mode, ac),
                  rand(1, 2, 4, 4), grid)


def test_grid_sample_noncontiguous_and_identity():
    check(lambda lib, x, g: lib.nn.functional.grid_sample(x.transpose(2, 3), g[:, ::2], align_corners=False),
          rand(2, 3, 5, 4), rand(2, 6, 3, 2))
    # the identity affine grid reproduces the image (align_corners=True and False)
    x = ember.tensor(rand(2, 3, 4, 5))
    for ac in (False, True):
        theta = ember.tensor([[[1.0, 0, 0], [0, 1, 0]]] * 2)
        grid = ember.nn.functional.affine_grid(theta, (2, 3, 4, 5), align_corners=ac)
        y = ember.nn.functional.grid_sample(x, grid, align_corners=ac)
        np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-5)


def test_grid_sample_gradcheck_float64():
    x = ember.tensor(rand(1, 2, 3, 4, dtype=np.float64), requires_grad=True)
    # away from pixel boundaries, where bilinear sampling is not differentiable
    g = ember.tensor(rand(1, 2, 3, 2, dtype=np.float64, low=-0.9, high=0.9) + 0.013, requires_grad=True)
    for pad in PADS:
        assert ember.autograd.gradcheck(
            lambda a, b: ember.nn.functional.grid_sample(a, b, padding_mode=pad, align_corners=False), (x, g))


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(align_corners):
    fn = lambda lib, t: lib.nn.functional.affine_grid(t, (2, 3, 4, 5), align_corners=align_corners)  # noqa: E731
    check(fn, rand(2, 2, 3))
    check(fn, rand(2, 2, 3, dtype=np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # unit-size grids with align_corners=True warn (tested below)
        check(lambda lib, t: lib.nn.functional.affine_grid(t, [1, 1, 1, 3], align_corners=align_corners),
              rand(1, 2, 3))
        check(lambda lib, t: lib.nn.functional.affine_grid(t, ember.Size([1, 1, 2, 1]) if lib is ember else
                                                           torch.Size([1, 1, 2, 1]), align_corners=align_corners),
              rand(1, 2, 3))


def test_spatial_transformer_end_to_end():
    """affine_grid -> grid_sample, gradients reach theta and the image."""
    def stn(lib, x, theta):
        grid = lib.nn.functional.affine_grid(theta, x.shape, align_corners=False)
        return lib.nn.functional.grid_sample(x, grid, align_corners=False, padding_mode="border")
    theta = np.array([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.05]], [[1.2, 0.0, 0.2], [0.1, 0.8, 0.3]]], np.float32)
    check(stn, rand(2, 3, 6, 7), theta)


def test_unit_size_align_corners_warns_as_torch():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="unit-size grids"):
            lib.nn.functional.affine_grid(lib.tensor(rand(1, 2, 3)), (1, 1, 1, 3), align_corners=True)


def test_default_align_corners_warns_as_torch():
    x, g = rand(1, 1, 3, 3), rand(1, 2, 2, 2)
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            a = lib.nn.functional.grid_sample(lib.tensor(x), lib.tensor(g))
            lib.nn.functional.affine_grid(lib.tensor(rand(1, 2, 3)), (1, 1, 3, 3))
        assert sum("align_corners=False" in str(m.message) for m in w) == 2
        b = lib.nn.functional.grid_sample(lib.tensor(x), lib.tensor(g), align_corners=False)
        assert np.array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("fn", [
    lambda lib, x, g: lib.nn.functional.grid_sample(x, lib.ones(1, 2, 2, 3), align_corners=False),
    lambda lib, x, g: lib.nn.functional.grid_sample(x, lib.ones(2, 2, 2, 2), align_corners=False),
    lambda lib, x, g: lib.nn.functional.grid_sample(x, g, mode="foo", align_corners=False),
    lambda lib, x, g: lib.nn.functional.grid_sample(x, g, padding_mode="foo", align_corners=False),
    lambda lib, x, g: lib.nn.functional.grid_sample(x[0], g, align_corners=False),
    lambda lib, x, g: lib.nn.functional.grid_sample(x, g.double(), align_corners=False),
    lambda lib, x, g: lib.nn.functional.grid_sample(x.long(), g, align_corners=False),
    lambda lib, x, g: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (2, 1, 3), align_corners=False),
    lambda lib, x, g: lib.nn.functional.affine_grid(lib.ones(2, 3, 3), (2, 1, 3, 3), align_corners=False),
    lambda lib, x, g: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (3, 1, 3, 3), align_corners=False),
    lambda lib, x, g: lib.nn.functional.affine_grid(lib.ones(1, 2, 3, dtype=lib.long), (1, 1, 3, 3),
                                                    align_corners=False),
])
def test_errors(fn):
    check_error(fn, rand(1, 1, 3, 3), rand(1, 2, 2, 2))


def test_unsupported_modes_name_ember():
    x, g = ember.ones(1, 1, 3, 3), ember.zeros(1, 2, 2, 2)
    with pytest.raises(ember.errors.UnsupportedError, match="bicubic"):
        ember.nn.functional.grid_sample(x, g, mode="bicubic", align_corners=False)
    with pytest.raises(ember.errors.UnsupportedError, match="5-D"):
        ember.nn.functional.grid_sample(ember.ones(1, 1, 2, 2, 2), ember.zeros(1, 1, 1, 1, 3), align_corners=False)
