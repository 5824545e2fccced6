"""Loss functions and loss modules against PyTorch 2.13: values, input and target
gradients, float32/float64, N-d inputs, every reduction and option; errors, warnings,
reprs and buffers; extreme inputs; the study notes' usages."""
import warnings

import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand

RNG = np.random.default_rng(11)
REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float32, np.float64]


def T(lib, a):
    """A constant tensor (no grad) of ``lib`` from a NumPy array."""
    return lib.tensor(a.copy())


def F(lib):
    return lib.nn.functional


def classes(c, *shape, ignore=None, every=3):
    t = RNG.integers(0, c, size=shape).astype(np.int64)
    if ignore is not None:
        t.reshape(-1)[::every] = ignore
    return t


def probs(*shape, dtype=np.float32, axis=1):
    p = RNG.uniform(0.05, 1.0, size=shape)
    return (p / p.sum(axis=axis, keepdims=True)).astype(dtype)


def unit(*shape, dtype=np.float32, low=0.02, high=0.98):
    return RNG.uniform(low, high, size=shape).astype(dtype)


# ---------------------------------------------------------------------------------------------
# regression losses

@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_pointwise_losses(name, reduction, dtype):
    for shape in [(4, 3), (2, 3, 4), (5,), ()]:
        check(lambda lib, x, y: getattr(F(lib), name)(x, y, reduction=reduction), rand(*shape, dtype=dtype),
              rand(*shape, dtype=dtype))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_smooth_l1_beta_and_huber_delta(reduction):
    x, y = rand(6, 5, low=-3, high=3), rand(6, 5, low=-3, high=3)
    for beta in [0.0, 0.3, 1.0, 2.5]:
        check(lambda lib, a, b: F(lib).smooth_l1_loss(a, b, reduction=reduction, beta=beta), x, y)
    for delta in [0.3, 1.0, 2.5]:
        check(lambda lib, a, b: F(lib).huber_loss(a, b, reduction=reduction, delta=delta), x, y)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_regression(name, reduction):
    w = unit(4, 3, low=0.1, high=2.0)
    check(lambda lib, x, y: getattr(F(lib), name)(x, y, reduction=reduction, weight=T(lib, w)),
          rand(4, 3), rand(4, 3))


def test_regression_broadcast_warns():
    for name in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]:
        with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3\]\)\) that is different to "
                                             r"the input size \(torch.Size\(\[3, 1\]\)\)"):
            check(lambda lib, x, y: getattr(F(lib), name)(x, y), rand(3, 1), rand(3))
    with pytest.warns(UserWarning):
        check_error(lambda lib, x, y: F(lib).mse_loss(x, y), rand(3, 2), rand(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F(ember).mse_loss(ember.ones(3), ember.zeros(3))  # same size: no warning


def test_regression_mixed_dtypes_and_empty():
    check(lambda lib, x, y: F(lib).mse_loss(x, y), rand(3, 2), rand(3, 2, dtype=np.float64))
    check(lambda lib, x, y: F(lib).mse_loss(x, y), rand(3, 2), rand(3, 2, dtype=np.int64), grad=False)
    check(lambda lib, x, y: F(lib).l1_loss(x, y, reduction="sum"), rand(3, dtype=np.int64),
          rand(3, dtype=np.int64))
    for name in ["mse_loss", "l1_loss", "smooth_l1_loss"]:
        check(lambda lib, x, y: getattr(F(lib), name)(x, y), rand(0, 3), rand(0, 3))  # nan, as PyTorch
    check(lambda lib, x, y: F(lib).mse_loss(x, y, reduction="sum"), rand(0, 3), rand(0, 3))


def test_regression_target_gradients_noncontiguous():
    x, y = rand(4, 6), rand(6, 4)
    check(lambda lib, a, b: F(lib).mse_loss(a[:, ::2], b.t()[:, 1::2], reduction="sum"), x, y)
    check(lambda lib, a, b: F(lib).smooth_l1_loss(a.t(), b, reduction="none", beta=0.5), x, y)


# ---------------------------------------------------------------------------------------------
# cross-entropy and nll

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
def test_cross_entropy_indices(reduction, dtype, weighted, ignore_index, smoothing):
    w = unit(5, dtype=dtype, low=0.2, high=2.0) if weighted else None
    y = classes(5, 8, ignore=ignore_index)
    check(lambda lib, x: F(lib).cross_entropy(x, T(lib, y), weight=None if w is None else T(lib, w),
                                              ignore_index=ignore_index, reduction=reduction,
                                              label_smoothing=smoothing), rand(8, 5, dtype=dtype, low=-4, high=4))


@pytest.mark.parametrize("shape", [(2, 4, 3), (2, 4, 3, 2), (2, 4, 2, 1, 3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_nd(shape, reduction):
    w = unit(4, low=0.2, high=2.0)
    y = classes(4, shape[0], *shape[2:], ignore=2, every=4)
    for kw in [{}, dict(ignore_index=2), dict(weight=w, ignore_index=2, label_smoothing=0.2)]:
        def fn(lib, x):
            k = dict(kw)
            if "weight" in k:
                k["weight"] = T(lib, k["weight"])
            return F(lib).cross_entropy(x, T(lib, y), reduction=reduction, **k)
        check(fn, rand(*shape))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_unbatched(reduction):
    y = np.array(3)
    check(lambda lib, x: F(lib).cross_entropy(x, T(lib, y), reduction=reduction), rand(5))
    check(lambda lib, x: F(lib).cross_entropy(x, T(lib, y), reduction=reduction, label_smoothing=0.3), rand(5))
    check(lambda lib, x, p: F(lib).cross_entropy(x, p, reduction=reduction), rand(5), probs(5, axis=0))
    check(lambda lib, x: F(lib).nll_loss(x, T(lib, y), reduction=reduction), rand(5))
    # (C,) input with a one-element target: PyTorch's own backward rejects it, so forward only
    check(lambda lib, x: F(lib).nll_loss(x, T(lib, np.array([2])), reduction=reduction), rand(5), grad=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probabilities(reduction, dtype, smoothing, weighted):
    w = unit(4, dtype=dtype, low=0.2, high=2.0) if weighted else None
    for shape in [(6, 4), (2, 4, 3)]:
        check(lambda lib, x, p: F(lib).cross_entropy(x, p, weight=None if w is None else T(lib, w),
                                                     reduction=reduction, label_smoothing=smoothing),
              rand(*shape, dtype=dtype), probs(*shape, dtype=dtype))


def test_cross_entropy_probability_dtypes_and_empty():
    # mixed precision: ember promotes before the log-softmax, PyTorch after: float32-level agreement
    check(lambda lib, x, p: F(lib).cross_entropy(x, p), rand(3, 4), probs(3, 4, dtype=np.float64), atol=1e-6,
          rtol=1e-5)
    check(lambda lib, x, p: F(lib).cross_entropy(x, p, weight=T(lib, np.ones(4))), rand(3, 4), probs(3, 4),
          atol=1e-6, rtol=1e-5)
    check(lambda lib, x, p: F(lib).cross_entropy(x, p), rand(0, 4), probs(0, 4))
    check(lambda lib, x: F(lib).cross_entropy(x, T(lib, np.zeros(0, np.int64))), rand(0, 4))
    check(lambda lib, x: F(lib).cross_entropy(x, T(lib, np.zeros(0, np.int64)), reduction="sum"), rand(0, 4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(reduction, dtype, weighted):
    w = unit(5, dtype=dtype, low=0.2, high=2.0) if weighted else None
    for shape in [(7, 5), (2, 5, 3), (2, 5, 3, 2), (2, 5, 1, 2, 2)]:
        y = classes(5, shape[0], *shape[2:], ignore=0, every=3)
        for ii in [-100, 0]:
            check(lambda lib, x: F(lib).nll_loss(x, T(lib, y), weight=None if w is None else T(lib, w),
                                                 ignore_index=ii, reduction=reduction), rand(*shape, dtype=dtype))


def test_uint8_targets_and_all_ignored():
    y = np.array([1, 0, 3], dtype=np.uint8)
    check(lambda lib, x: F(lib).cross_entropy(x, T(lib, y)), rand(3, 4))
    ign = np.full(3, -100)
    for red in REDUCTIONS:  # mean of nothing is nan; gradients are zero
        check(lambda lib, x: F(lib).cross_entropy(x, T(lib, ign), reduction=red), rand(3, 4))
        check(lambda lib, x: F(lib).cross_entropy(x, T(lib, ign), reduction=red, label_smoothing=0.2), rand(3, 4))
        check(lambda lib, x: F(lib).nll_loss(x, T(lib, ign), reduction=red), rand(3, 4))


def test_cross_entropy_extreme_logits():
    x = np.array([[1e4, -1e4, 0.0, 5.0], [-1e4, -1e4, 1e4, 1e4], [0.0, 0.0, 0.0, -1e4]], dtype=np.float32)
    y = np.array([1, 2, 3])
    for kw in [{}, dict(label_smoothing=0.1), dict(reduction="none")]:
        e, t = check(lambda lib, a: F(lib).cross_entropy(a, T(lib, y), **kw), x)
        assert np.isfinite(e.detach().numpy()).all()
    check(lambda lib, a, p: F(lib).cross_entropy(a, p), x, probs(3, 4))


def test_cross_entropy_grad_fn_and_dtype():
    x = ember.randn(3, 4, requires_grad=True)
    loss = ember.nn.functional.cross_entropy(x, ember.tensor([0, 1, 2]))
    assert loss.grad_fn.name() == "NllLossBackward0" and loss.dtype == ember.float32 and loss.shape == ()
    assert ember.nn.functional.nll_loss(x, ember.tensor([0, 1, 2])).grad_fn.name() == "NllLossBackward0"


def test_class_index_errors():
    x = rand(3, 5)
    cases = [
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([0, 1, 10])), r"^Target 10 is out of bounds\.$"),
        (lambda lib, a: F(lib).nll_loss(a, lib.tensor([0, -3, 1])), r"^Target -3 is out of bounds\.$"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([0.0, 1.0, 2.0])),
         "expected target dtype to be Long or Byte, but got Float"),
        (lambda lib, a: F(lib).nll_loss(a, lib.tensor([0, 1, 2], dtype=lib.int32)),
         "expected target dtype to be Long or Byte, but got Int"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([0, 1])),
         r"Expected input batch_size \(3\) to match target batch_size \(2\)\."),
        (lambda lib, a: F(lib).nll_loss(a, lib.tensor(1)), r"batch_size \(3\) to match target batch_size \(0\)"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([0, 1, 2]), weight=lib.ones(4)),
         r"weight tensor should be defined either for all 5 classes or no classes but got weight tensor of "
         r"shape: \[4\]"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([0, 1, 2]), weight=lib.ones(5, dtype=lib.float64)),
         "expected scalar type Float but found Double"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.rand(3, 5), weight=lib.ones(4)),
         r"cross_entropy: weight tensor should be defined"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.rand(3, 4)), "multi-target not supported"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([0, 1, 2]), label_smoothing=1.5),
         r"label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.rand(3, 5), ignore_index=1),
         "ignore_index is not supported for floating point target"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([0, 1, 2]), reduction="foo"),
         "foo is not a valid value for reduction"),
        (lambda lib, a: F(lib).cross_entropy(a.long(), lib.tensor([1, 2, 3])), "not implemented for 'Long'"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([True, False, True])), "but got Bool"),
        (lambda lib, a: F(lib).cross_entropy(a, lib.tensor([0, 1, 2]), weight=lib.ones(5, requires_grad=True)),
         "not differentiable with respect to argument 'weight'"),
    ]
    for i, (fn, match) in enumerate(cases):
        try:
            check_error(fn, x, match=match)
        except BaseException as exc:
            raise AssertionError(f"case {i} ({match}): {exc}") from exc
    check_error(lambda lib, a: F(lib).nll_loss(a, lib.tensor(0)), np.array(2.0, np.float32),
                match=r"Expected 1 or more dimensions \(got 0\)")
    check_error(lambda lib, a: F(lib).cross_entropy(a, lib.tensor(0)), np.array(2.0, np.float32),
                match="Expected floating point type for target with class probabilities, got Long")
    check_error(lambda lib, a: F(lib).nll_loss(a, lib.tensor([1, 2, 3])), rand(5),
                match="For 1D input, 1D target must have size 1, but got target size: 3")
    x3, x4 = rand(2, 5, 3), rand(2, 5, 3, 4)
    check_error(lambda lib, a: F(lib).nll_loss(a, lib.zeros(2, 2, dtype=lib.int64)), x3,
                match=r"Expected target size \[2, 3\], got \[2, 2\]")
    check_error(lambda lib, a: F(lib).cross_entropy(a, lib.zeros(2, dtype=lib.int64)), x4,
                match="only batches of spatial targets supported")
    check_error(lambda lib, a: F(lib).nll_loss(a, lib.zeros(2, 3, 5, dtype=lib.int64)), x4,
                match=r"size mismatch \(got input: \[2, 5, 3, 4\] , target: \[2, 3, 5\]")
    check_error(lambda lib, a: F(lib).nll_loss(a, lib.full((2, 3, 4), 7)), x4, match="Target 7 is out of bounds")


# ---------------------------------------------------------------------------------------------
# binary cross-entropy

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_shape", [None, (4,), (3, 4), (3, 1)])
def test_bce(reduction, dtype, weight_shape):
    w = None if weight_shape is None else unit(*weight_shape, dtype=dtype, low=0.2, high=2.0)
    check(lambda lib, x, y: F(lib).binary_cross_entropy(x, y, weight=None if w is None else T(lib, w),
                                                        reduction=reduction),
          unit(3, 4, dtype=dtype), unit(3, 4, dtype=dtype, low=0.0, high=1.0))


def test_bce_clamps_log():
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.3], dtype=np.float32)
    e, t = check(lambda lib, a, b: F(lib).binary_cross_entropy(a, b, reduction="none"), x, y)
    assert np.isfinite(e.detach().numpy()).all()
    check(lambda lib, a, b: F(lib).binary_cross_entropy(a, b), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits(reduction, dtype, weighted, pos_weighted):
    w = unit(3, 1, dtype=dtype, low=0.2, high=2.0) if weighted else None
    pw = unit(4, dtype=dtype, low=0.2, high=4.0) if pos_weighted else None
    for shape in [(3, 4), (2, 3, 4)]:
        check(lambda lib, x, y: F(lib).binary_cross_entropy_with_logits(
            x, y, weight=None if w is None else T(lib, w), pos_weight=None if pw is None else T(lib, pw),
            reduction=reduction), rand(*shape, dtype=dtype, low=-6, high=6), unit(*shape, dtype=dtype, low=0, high=1))


def test_bce_with_logits_extreme_and_mixed_dtypes():
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0, 30.0, -30.0], dtype=np.float32)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.2, 0.9], dtype=np.float32)
    pw = np.array([3.0], dtype=np.float32)
    for kw in [{}, dict(reduction="none")]:
        e, _ = check(lambda lib, a, b: F(lib).binary_cross_entropy_with_logits(a, b, **kw), x, y)
        assert np.isfinite(e.detach().numpy()).all()
        check(lambda lib, a, b: F(lib).binary_cross_entropy_with_logits(a, b, pos_weight=T(lib, pw), **kw), x, y)
    check(lambda lib, a, b: F(lib).binary_cross_entropy_with_logits(a, b), rand(3), unit(3, dtype=np.float64),
          atol=1e-6, rtol=1e-5)


def test_bce_errors():
    x, y = unit(3, 1), unit(3)
    check_error(lambda lib, a, b: F(lib).binary_cross_entropy(a, b), x, y,
                match=r"Using a target size \(torch.Size\(\[3\]\)\) that is different to the input size "
                      r"\(torch.Size\(\[3, 1\]\)\) is deprecated. Please ensure they have the same size.")
    check_error(lambda lib, a, b: F(lib).binary_cross_entropy_with_logits(a, b), x, y,
                match=r"Target size \(torch.Size\(\[3\]\)\) must be the same as input size")
    check_error(lambda lib, a, b: F(lib).binary_cross_entropy(a * 3, b), unit(3), y,
                match="all elements of input should be between 0 and 1")
    check_error(lambda lib, a, b: F(lib).binary_cross_entropy(a, b * 3), unit(3), y,
                match="all elements of target should be between 0 and 1")
    check_error(lambda lib, a, b: F(lib).binary_cross_entropy(a, b.double()), unit(3), y,
                match="Found dtype Double but expected Float")
    check_error(lambda lib, a, b: F(lib).binary_cross_entropy(a, b, weight=lib.ones(2)), unit(3), y)
    check_error(lambda lib, a, b: F(lib).binary_cross_entropy_with_logits(a, b, pos_weight=lib.ones(3)),
                unit(3, 4), unit(3, 4))
    check_error(lambda lib, a, b: F(lib).binary_cross_entropy_with_logits(
        a, b, pos_weight=lib.ones(4, requires_grad=True)), unit(3, 4), unit(3, 4),
        match="not differentiable with respect to argument 'pos_weight'")


# ---------------------------------------------------------------------------------------------
# the other losses

@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_kl_div(reduction, log_target, dtype):
    tgt = probs(4, 5, dtype=dtype)
    if log_target:
        tgt = np.log(tgt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x, t: F(lib).kl_div(x, t, reduction=reduction, log_target=log_target),
              np.log(probs(4, 5, dtype=dtype)), tgt)


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        ember.nn.functional.kl_div(ember.rand(2, 3), ember.rand(2, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_and_embedding_losses(reduction):
    pm = lambda *s: np.where(RNG.random(s) < 0.5, -1.0, 1.0).astype(np.float32)
    r = reduction
    s5, s6, s34 = pm(5), pm(6), pm(3, 4)
    check(lambda lib, a, b: F(lib).cosine_embedding_loss(a, b, T(lib, s5), margin=0.2, reduction=r),
          rand(5, 4), rand(5, 4))
    check(lambda lib, a, b: F(lib).cosine_embedding_loss(a, b, T(lib, np.array(-1.0, np.float32)), reduction=r),
          rand(4), rand(4))
    check(lambda lib, a, b: F(lib).margin_ranking_loss(a, b, T(lib, s6), margin=0.3, reduction=r),
          rand(6), rand(6))
    check(lambda lib, a: F(lib).hinge_embedding_loss(a, T(lib, s34), margin=1.5, reduction=r), rand(3, 4))
    check(lambda lib, a: F(lib).soft_margin_loss(a, T(lib, s34), reduction=r), rand(3, 4))
    check(lambda lib, a, t: F(lib).multilabel_soft_margin_loss(a, t, reduction=r), rand(3, 4), unit(3, 4))
    w4 = unit(4)
    check(lambda lib, a, t: F(lib).multilabel_soft_margin_loss(a, t, weight=T(lib, w4), reduction=r),
          rand(3, 4), unit(3, 4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (1, False), (3, True), (2, True)])
def test_triplet_margin_loss(reduction, p, swap):
    check(lambda lib, a, b, c: F(lib).triplet_margin_loss(a, b, c, margin=0.7, p=p, swap=swap, reduction=reduction),
          rand(5, 4), rand(5, 4), rand(5, 4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss(reduction, p, weighted):
    w = unit(5, low=0.2, high=2) if weighted else None
    y = classes(5, 6)
    check(lambda lib, x: F(lib).multi_margin_loss(x, T(lib, y), p=p, margin=0.8,
                                                  weight=None if w is None else T(lib, w), reduction=reduction),
          rand(6, 5))
    check(lambda lib, x: F(lib).multi_margin_loss(x, T(lib, np.array(2)), p=p, reduction=reduction), rand(5))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll_loss(reduction, log_input, full):
    x = rand(4, 3) if log_input else unit(4, 3, low=0.1, high=3)
    t = RNG.poisson(2.0, size=(4, 3)).astype(np.float32)
    check(lambda lib, a, b: F(lib).poisson_nll_loss(a, b, log_input=log_input, full=full, reduction=reduction),
          x, t + 0.5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(reduction, full):
    v = unit(4, 3, low=0.1, high=2)
    v[0, 0] = 1e-9  # clamped to eps in value, gradient passes through
    check(lambda lib, a, b, var: F(lib).gaussian_nll_loss(a, b, var, full=full, reduction=reduction),
          rand(4, 3), rand(4, 3), v)
    check(lambda lib, a, b, var: F(lib).gaussian_nll_loss(a, b, var, reduction=reduction),
          rand(4, 3), rand(4, 3), unit(4, low=0.1, high=2))  # homoscedastic: one variance per row
    check(lambda lib, a, b: F(lib).gaussian_nll_loss(a, b, 0.5, reduction=reduction), rand(4, 3), rand(4, 3))


def test_other_errors():
    check_error(lambda lib, a, b: F(lib).gaussian_nll_loss(a, b, lib.rand(2)), rand(3), rand(3),
                match="var is of incorrect size")
    check_error(lambda lib, a, b: F(lib).gaussian_nll_loss(a, b, -lib.rand(3)), rand(3), rand(3),
                match="var has negative entry")
    check_error(lambda lib, a, b: F(lib).triplet_margin_loss(a, b, b, margin=0), rand(3, 2), rand(3, 2),
                match="margin must be greater than 0, got 0")
    check_error(lambda lib, a, b: F(lib).triplet_margin_loss(a, b, b[0]), rand(3, 2), rand(3, 2),
                match="same number of dimensions")
    check_error(lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([1, 2, 5])), rand(3, 5),
                match="target out of range")
    check_error(lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([1, 2])), rand(3, 5),
                match=r"Expected target size \[3\], but got \[2\]")
    check_error(lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([1, 2, 3]), p=3), rand(3, 5),
                match="only p == 1 and p == 2 supported")
    check_error(lambda lib, a, b: F(lib).margin_ranking_loss(a, b, lib.ones(3, 1)), rand(3), rand(3),
                match="All input tensors should have same dimension")
    check_error(lambda lib, a, b: F(lib).cosine_embedding_loss(a, b, lib.ones(3)), rand(3), rand(3),
                match="1D target tensor expects 2D input tensors")
    check_error(lambda lib, a, b: F(lib).smooth_l1_loss(a, b, beta=-1.0), rand(3), rand(3),
                match="smooth_l1_loss does not support negative values for beta.")
    check_error(lambda lib, a, b: F(lib).huber_loss(a, b, delta=0.0), rand(3), rand(3),
                match="huber_loss does not support non-positive values for delta.")
    check_error(lambda lib, a, b: F(lib).mse_loss(a, b, reduction="batchmean"), rand(3), rand(3),
                match="batchmean is not a valid value for reduction")
    check_error(lambda lib, a, b: F(lib).mse_loss(a, b, weight=lib.ones(2)), rand(3), rand(3),
                match="Weights and input must have the same size.")
    check_error(lambda lib, a, b: F(lib).mse_loss(a.long(), b.long()), rand(3), rand(3),
                match="\"mse_cpu\" not implemented for 'Long'")
    check_error(lambda lib, a, b: F(lib).l1_loss(a.long(), b.long()), rand(3), rand(3))


# ---------------------------------------------------------------------------------------------
# modules: options, reprs, buffers, legacy arguments

MODULES = [
    ("MSELoss", {}), ("MSELoss", {"reduction": "none"}), ("L1Loss", {"reduction": "sum"}),
    ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 2.0}),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "ignore_index": 2}), ("NLLLoss", {"reduction": "sum"}),
    ("BCELoss", {}), ("BCEWithLogitsLoss", {}), ("KLDivLoss", {"reduction": "batchmean", "log_target": True}),
    ("PoissonNLLLoss", {"log_input": False, "full": True}), ("GaussianNLLLoss", {"full": True, "eps": 1e-3}),
    ("CosineEmbeddingLoss", {"margin": 0.5}), ("MarginRankingLoss", {"margin": 1.0}),
    ("HingeEmbeddingLoss", {"margin": 2.0}), ("TripletMarginLoss", {"margin": 2.0, "p": 1, "swap": True}),
    ("SoftMarginLoss", {}), ("MultiLabelSoftMarginLoss", {}), ("MultiMarginLoss", {"p": 2, "margin": 0.5}),
]


@pytest.mark.parametrize("name,kw", MODULES)
def test_module_attributes_and_repr(name, kw):
    e, t = getattr(ember.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(e) == repr(t)
    public = lambda m: {k: v for k, v in vars(m).items() if not k.startswith("_") and k != "training"}
    assert public(e) == public(t)
    assert list(e.state_dict()) == list(t.state_dict())


def test_weight_buffers():
    w = np.array([1.0, 2.0, 0.5], dtype=np.float32)
    for name, kw in [("CrossEntropyLoss", {"weight": w}), ("NLLLoss", {"weight": w}), ("BCELoss", {"weight": w}),
                     ("BCEWithLogitsLoss", {"weight": w, "pos_weight": w}), ("MultiMarginLoss", {"weight": w}),
                     ("MultiLabelSoftMarginLoss", {"weight": w})]:
        e = getattr(ember.nn, name)(**{k: T(ember, v) for k, v in kw.items()})
        t = getattr(torch.nn, name)(**{k: T(torch, v) for k, v in kw.items()})
        assert list(e.state_dict()) == list(t.state_dict()) and repr(e) == repr(t)
        assert [k for k, _ in e.named_buffers()] == [k for k, _ in t.named_buffers()]


@pytest.mark.parametrize("size_average,reduce,expected", [
    (False, None, "sum"), (None, False, "none"), (True, True, "mean"), (False, True, "sum"), (True, False, "none")])
def test_legacy_reduction_arguments(size_average, reduce, expected):
    msg = f"size_average and reduce args will be deprecated, please use reduction='{expected}' instead."
    with pytest.warns(UserWarning, match=msg):
        m = ember.nn.MSELoss(size_average=size_average, reduce=reduce)
    assert m.reduction == expected
    y = classes(4, 3)
    with pytest.warns(UserWarning, match=msg):
        check(lambda lib, x: F(lib).cross_entropy(x, T(lib, y), size_average=size_average,
                                                  reduce=reduce), rand(3, 4))
    with pytest.warns(UserWarning, match=msg):
        check(lambda lib, x, y: F(lib).binary_cross_entropy(x, y, size_average=size_average, reduce=reduce),
              unit(3), unit(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_modules_forward(reduction):
    w = unit(4, low=0.2, high=2)
    y = classes(4, 5, ignore=1)
    check(lambda lib, x: lib.nn.CrossEntropyLoss(weight=T(lib, w), ignore_index=1, label_smoothing=0.05,
                                                 reduction=reduction)(x, T(lib, y)), rand(5, 4))
    y2 = classes(4, 5)
    check(lambda lib, x: lib.nn.NLLLoss(weight=T(lib, w), reduction=reduction)(x, T(lib, y2)), rand(5, 4))
    check(lambda lib, x, t: lib.nn.MSELoss(reduction=reduction)(x, t), rand(5, 4), rand(5, 4))
    check(lambda lib, x, t: lib.nn.L1Loss(reduction=reduction)(x, t), rand(5, 4), rand(5, 4))
    check(lambda lib, x, t: lib.nn.BCELoss(weight=T(lib, w), reduction=reduction)(x, t), unit(5, 4), unit(5, 4))
    check(lambda lib, x, t: lib.nn.BCEWithLogitsLoss(pos_weight=T(lib, w), reduction=reduction)(x, t),
          rand(5, 4), unit(5, 4))
    check(lambda lib, x, t: lib.nn.GaussianNLLLoss(reduction=reduction)(x, t, lib.ones(5, 4)), rand(5, 4), rand(5, 4))
    check(lambda lib, a, b, c: lib.nn.TripletMarginLoss(reduction=reduction)(a, b, c),
          rand(3, 4), rand(3, 4), rand(3, 4))


def test_module_to_double_moves_weight():
    m = ember.nn.CrossEntropyLoss(weight=ember.ones(3)).double()
    assert m.weight.dtype == ember.float64
    x = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
    m(x, ember.tensor([0, 1, 2, 0])).backward()
    assert x.grad.dtype == ember.float64


# ---------------------------------------------------------------------------------------------
# the study notes' usages

def test_notes_mse_usages():
    check(lambda lib, a, b: lib.nn.MSELoss()(a, b), rand(8, 1), rand(8, 1))
    check(lambda lib, a, b: lib.nn.MSELoss(reduction="none")(a, b), rand(8, 1), rand(8, 1))
    # the notes treat MSELoss as (y_hat - f).pow(2).mean()
    a, b = ember.tensor(rand(8, 1)), ember.tensor(rand(8, 1))
    np.testing.assert_allclose(ember.nn.MSELoss()(a, b).item(), (a - b).pow(2).mean().item(), rtol=1e-6)


def test_notes_cross_entropy_on_linear_logits():
    lin_t = torch.nn.Linear(6, 4)
    lin_e = ember.nn.Linear(6, 4)
    lin_e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in lin_t.state_dict().items()})
    x, y = rand(10, 6), classes(4, 10)
    out_e = ember.nn.CrossEntropyLoss()(lin_e(ember.tensor(x)), ember.tensor(y))
    out_t = torch.nn.CrossEntropyLoss()(lin_t(torch.tensor(x)), torch.tensor(y))
    out_e.backward()
    out_t.backward()
    np.testing.assert_allclose(out_e.item(), out_t.item(), rtol=1e-5)
    np.testing.assert_allclose(lin_e.weight.grad.numpy(), lin_t.weight.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(lin_e.bias.grad.numpy(), lin_t.bias.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_notes_nll_after_log_softmax():
    y = classes(5, 7)
    e_x = ember.tensor(rand(7, 5), requires_grad=True)
    t_x = torch.tensor(e_x.detach().numpy(), requires_grad=True)
    e_lp = ember.nn.functional.log_softmax(e_x, dim=1)
    e_loss = ember.nn.functional.nll_loss(e_lp, ember.tensor(y))
    t_loss = torch.nn.functional.nll_loss(torch.nn.functional.log_softmax(t_x, dim=1), torch.tensor(y))
    e_loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(e_loss.item(), t_loss.item(), rtol=1e-5)
    np.testing.assert_allclose(e_x.grad.numpy(), t_x.grad.numpy(), rtol=1e-4, atol=1e-6)
    # and it equals cross_entropy on the logits
    np.testing.assert_allclose(ember.nn.functional.cross_entropy(e_x, ember.tensor(y)).item(), e_loss.item(),
                               rtol=1e-6)


def test_notes_hand_written_cross_entropy():
    """d2l's ``-log(y_hat[range(len(y_hat)), y])`` on softmax probabilities equals
    ``F.cross_entropy(log(y_hat), y, reduction='none')`` (log-probabilities are logits
    whose softmax is y_hat itself)."""
    y_hat = ember.tensor(probs(6, 4), requires_grad=True)
    y = ember.tensor(classes(4, 6))
    hand = -ember.log(y_hat[range(len(y_hat)), y])
    fused = ember.nn.functional.cross_entropy(ember.log(y_hat), y, reduction="none")
    np.testing.assert_allclose(hand.detach().numpy(), fused.detach().numpy(), rtol=1e-5, atol=1e-6)
    (g1,) = ember.autograd.grad(hand.sum(), (y_hat,))
    (g2,) = ember.autograd.grad(fused.sum(), (y_hat,))
    # the fused loss also differentiates through the normalisation: equal where rows sum to 1
    t_hat = torch.tensor(y_hat.detach().numpy(), requires_grad=True)
    torch.nn.functional.cross_entropy(torch.log(t_hat), torch.tensor(y.numpy()), reduction="none").sum().backward()
    np.testing.assert_allclose(g2.numpy(), t_hat.grad.numpy(), rtol=1e-4, atol=1e-6)
    assert g1.shape == g2.shape


def test_cross_entropy_noncontiguous_and_no_grad():
    y = classes(6, 4)
    check(lambda lib, x: F(lib).cross_entropy(x.t(), T(lib, y)), rand(6, 4))
    check(lambda lib, x: F(lib).cross_entropy(x[:, ::2], T(lib, y), label_smoothing=0.2), rand(4, 12))
    check(lambda lib, x: F(lib).nll_loss(x.t(), T(lib, y), reduction="none"), rand(6, 4))
    with ember.no_grad():
        x = ember.randn(4, 6, requires_grad=True)
        out = ember.nn.functional.cross_entropy(x, ember.tensor(y))
    assert out.grad_fn is None and not out.requires_grad
    with torch.no_grad():
        ref = torch.nn.functional.cross_entropy(torch.tensor(x.detach().numpy()), torch.tensor(y))
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-5)
