"""AdaptiveAvgPool3d / AdaptiveMaxPool3d and MaxUnpool1d/2d/3d (modules and functional)
against torch: values, indices, gradients, output_size, reprs and errors."""
import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand


def distinct(*shape, seed=3):
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) / 7.0).astype(np.float32)


@pytest.mark.parametrize("out", [2, (1, 3, 2), (None, 2, 5), (3, 3, 3), 1, (4, 5, 6)])
@pytest.mark.parametrize("batched", [True, False])
def test_adaptive_pool3d(out, batched):
    shape = (2, 3, 4, 5, 6) if batched else (3, 4, 5, 6)
    check(lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x, out), rand(*shape))
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool3d(x, out, return_indices=True), distinct(*shape))
    check(lambda lib, x: lib.nn.AdaptiveMaxPool3d(out)(x), distinct(*shape))
    check(lambda lib, x: lib.nn.AdaptiveAvgPool3d(out)(x), rand(*shape, dtype=np.float64))


def test_adaptive_pool3d_modules_repr_and_with_indices():
    for make in (lambda nn: nn.AdaptiveAvgPool3d((2, None, 3)), lambda nn: nn.AdaptiveMaxPool3d(2, True)):
        assert repr(make(ember.nn)) == repr(make(torch.nn))
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool3d_with_indices(x, (2, 1, 3)), distinct(1, 2, 4, 3, 5))


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x[0, 0], 2),          # 3-d input
    lambda lib, x: lib.nn.functional.adaptive_max_pool3d(x[0, 0], 2),
    lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x, (2, 2)),           # output_size of length 2
    lambda lib, x: lib.nn.functional.adaptive_max_pool3d(x, (2, 2)),
    lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x, -1),
    lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x.long(), 2),
    lambda lib, x: lib.nn.functional.adaptive_max_pool3d(x.long(), 2),
    lambda lib, x: lib.nn.functional.adaptive_max_pool3d(x[:, :, :0], 2),
])
def test_adaptive_pool3d_errors(fn):
    check_error(fn, rand(1, 2, 3, 4, 5))


# ---------------------------------------------------------------- max unpooling
POOLS = [
    (1, dict(kernel_size=2), (2, 3, 8)),
    (1, dict(kernel_size=3, stride=2, padding=1), (2, 3, 9)),
    (2, dict(kernel_size=2), (2, 3, 6, 6)),
    (2, dict(kernel_size=3, stride=2, padding=1), (1, 2, 7, 7)),
    (2, dict(kernel_size=(2, 3), stride=(2, 1)), (2, 2, 6, 5)),
    (3, dict(kernel_size=2), (1, 2, 4, 4, 6)),
    (3, dict(kernel_size=(1, 2, 2), stride=(1, 2, 2)), (2, 2, 3, 4, 4)),
]


@pytest.mark.parametrize("nd,kw,shape", POOLS)
def test_max_unpool_inverts_max_pool(nd, kw, shape):
    def fn(lib, x):
        y, i = getattr(lib.nn.functional, f"max_pool{nd}d")(x, return_indices=True, **kw)
        return getattr(lib.nn.functional, f"max_unpool{nd}d")(y, i, output_size=x.shape, **kw)
    check(fn, distinct(*shape))

    def mod(lib, x):
        y, i = getattr(lib.nn, f"MaxPool{nd}d")(return_indices=True, **kw)(x)
        return getattr(lib.nn, f"MaxUnpool{nd}d")(**kw)(y, i)
    check(mod, distinct(*shape))


def test_max_unpool_unbatched_and_output_size_forms():
    check(lambda lib, x: lib.nn.functional.max_unpool2d(*lib.nn.functional.max_pool2d(x, 2, return_indices=True),
                                                        2, output_size=[5, 5]), distinct(3, 5, 5))
    check(lambda lib, x: lib.nn.functional.max_unpool2d(*lib.nn.functional.max_pool2d(x, 2, return_indices=True),
                                                        2, output_size=(1, 3, 5, 4)), distinct(1, 3, 5, 4))
    check(lambda lib, x: lib.nn.functional.max_unpool1d(*lib.nn.functional.max_pool1d(x, 2, return_indices=True),
                                                        2), distinct(3, 6).astype(np.float64))


def test_max_unpool_of_arbitrary_indices_and_double_backward():
    x = ember.tensor(rand(1, 1, 2, 2, dtype=np.float64), requires_grad=True)
    idx = ember.tensor(np.array([[[[0, 5], [10, 15]]]]))
    assert ember.autograd.gradcheck(lambda x: ember.nn.functional.max_unpool2d(x, idx, 2) ** 2, (x,))
    assert ember.autograd.gradgradcheck(lambda x: ember.nn.functional.max_unpool2d(x, idx, 2) ** 2, (x,))


def test_max_unpool_reprs():
    for make in (lambda nn: nn.MaxUnpool1d(3, 2, 1), lambda nn: nn.MaxUnpool2d(2),
                 lambda nn: nn.MaxUnpool3d((1, 2, 2), padding=1)):
        e, t = make(ember.nn), make(torch.nn)
        assert repr(e) == repr(t)
        assert (e.kernel_size, e.stride, e.padding) == (t.kernel_size, t.stride, t.padding)


def _pooled(lib, x):
    return lib.nn.functional.max_pool2d(x, 2, return_indices=True)


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.nn.functional.max_unpool2d(*_pooled(lib, x), 2, output_size=(7, 5)),
    lambda lib, x: lib.nn.functional.max_unpool2d(*_pooled(lib, x), 2, output_size=(5,)),
    lambda lib, x: lib.nn.functional.max_unpool2d(_pooled(lib, x)[0], _pooled(lib, x)[1] + 100, 2),
    lambda lib, x: lib.nn.functional.max_unpool2d(_pooled(lib, x)[0], -_pooled(lib, x)[1] - 1, 2),
    lambda lib, x: lib.nn.functional.max_unpool2d(_pooled(lib, x)[0], _pooled(lib, x)[1].int(), 2),
    lambda lib, x: lib.nn.functional.max_unpool2d(_pooled(lib, x)[0], _pooled(lib, x)[1][:, :1], 2),
    lambda lib, x: lib.nn.functional.max_unpool2d(_pooled(lib, x)[0][0, 0], _pooled(lib, x)[1][0, 0], 2),
    lambda lib, x: lib.nn.functional.max_unpool2d(_pooled(lib, x)[0].long(), _pooled(lib, x)[1], 2),
    lambda lib, x: lib.nn.functional.max_unpool1d(_pooled(lib, x)[0], _pooled(lib, x)[1], 2),
    lambda lib, x: lib.nn.functional.max_unpool3d(_pooled(lib, x)[0][0], _pooled(lib, x)[1][0], 2),
])
def test_max_unpool_errors(fn):
    check_error(fn, distinct(1, 2, 4, 4))


def test_max_unpool_error_messages():
    x = ember.tensor(distinct(1, 2, 4, 4))
    y, i = ember.nn.functional.max_pool2d(x, 2, return_indices=True)
    with pytest.raises(ValueError, match=r'invalid output_size "\(7, 5\)" \(dim 0 must be between 2 and 6\)'):
        ember.nn.functional.max_unpool2d(y, i, 2, output_size=(7, 5))
    with pytest.raises(RuntimeError, match=r"Found an invalid max index: \d+ \(output volumes are of size 4x4\)"):
        ember.nn.functional.max_unpool2d(y, i + 100, 2)


def test_adaptive_pool3d_under_cpu_autocast_runs_in_float32():
    x = rand(1, 2, 4, 4, 4).astype(np.float16)
    for fn in (lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x, 2),
               lambda lib, x: lib.nn.functional.adaptive_max_pool3d(x, (2, 1, 3))):
        outs = []
        for lib in (ember, torch):
            with lib.autocast("cpu", dtype=lib.float16):
                outs.append(fn(lib, lib.tensor(x)))
        assert str(outs[0].dtype) == str(outs[1].dtype) == "torch.float32"
        np.testing.assert_allclose(outs[0].numpy(), outs[1].numpy(), rtol=1e-6)
