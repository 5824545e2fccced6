"""quantile and nanquantile against PyTorch: values, shapes, gradients, NaN, errors."""
import numpy as np
import pytest

from tests.helpers import check, check_error, rand

MODES = ["linear", "lower", "higher", "midpoint", "nearest"]


def _distinct(*shape, dtype=np.float32):
    """Distinct values (ties would let the gradient pick either element)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(n).permutation(n) * 0.37 - 1).astype(dtype).reshape(shape)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_quantile_float_q(mode, dim, keepdim):
    for q in (0.0, 0.3, 0.5, 0.75, 1.0):
        check(lambda lib, x: lib.quantile(x, q, dim, keepdim, interpolation=mode), _distinct(3, 5))


@pytest.mark.parametrize("mode", MODES)
def test_quantile_tensor_q(mode):
    q = np.array([0.0, 0.1, 0.5, 1 / 6, 0.9, 1.0], dtype=np.float32)
    check(lambda lib, x, q: lib.quantile(x, q, dim=1, keepdim=True, interpolation=mode), _distinct(2, 4, 3), q,
          grad=False)
    check(lambda lib, x: lib.quantile(x, lib.tensor(q), dim=0, interpolation=mode), _distinct(7, 2))
    check(lambda lib, x: x.quantile(lib.tensor(0.4), interpolation=mode), _distinct(9))
    check(lambda lib, x: lib.quantile(x, lib.tensor(q, dtype=lib.float64), dim=-1, interpolation=mode),
          _distinct(3, 4, dtype=np.float64))


def test_quantile_nearest_rounds_half_to_even():
    check(lambda lib, x: lib.quantile(x, lib.tensor([0.5, 1 / 6, 0.5 / 3]), interpolation="nearest"),
          np.arange(4, dtype=np.float32))


def test_quantile_scalar_and_noncontiguous():
    check(lambda lib, x: lib.quantile(x, 0.5), np.array(3.0, dtype=np.float32))
    check(lambda lib, x: lib.quantile(x, 0.5, dim=0, keepdim=True), np.array(3.0, dtype=np.float32))
    check(lambda lib, x: lib.quantile(x.t()[::2], 0.25, dim=1), _distinct(4, 6))


@pytest.mark.parametrize("mode", MODES)
def test_nan_handling(mode):
    x = _distinct(4, 5)
    x[1, 2] = np.nan
    x[2, :] = np.nan
    x[3, [0, 4]] = np.nan
    q = np.array([0.2, 0.5, 1.0], dtype=np.float32)
    for fn in ("quantile", "nanquantile"):
        check(lambda lib, x: getattr(lib, fn)(x, lib.tensor(q), dim=1, interpolation=mode), x)
        # several NaN in one sort: which one lands last (and takes the gradient) is the sort's choice
        check(lambda lib, x: getattr(x, fn)(0.3, interpolation=mode), x, grad=fn == "nanquantile")
    check(lambda lib, x: lib.nanquantile(x, 0.5), x[2])


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.quantile(x, 1.5), lambda lib, x: lib.quantile(x, -0.1),
    lambda lib, x: lib.quantile(x, lib.tensor([0.5, 1.5])), lambda lib, x: lib.quantile(x, lib.tensor([[0.5]])),
    lambda lib, x: lib.quantile(x, [0.5]), lambda lib, x: lib.quantile(x.long(), 0.5),
    lambda lib, x: lib.quantile(x, lib.tensor([0.5], dtype=lib.float64)),
    lambda lib, x: lib.quantile(x, 0.5, interpolation="foo"), lambda lib, x: lib.quantile(x[:0], 0.5),
    lambda lib, x: lib.quantile(x, 0.5, dim=2), lambda lib, x: lib.nanquantile(x, 2.0),
])
def test_quantile_errors(fn):
    check_error(fn, rand(2, 3))
