"""nn.MultiLabelMarginLoss / F.multilabel_margin_loss and
nn.TripletMarginWithDistanceLoss / F.triplet_margin_with_distance_loss against torch:
values, gradients, reductions, reprs and errors."""
import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand

TARGET = np.array([[3, 0, -1, 1], [1, 2, 3, 0], [-1, 0, 0, 0], [2, 2, -1, 3], [0, -1, -1, -1]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss(reduction):
    check(lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t, reduction=reduction), rand(5, 4), TARGET)
    check(lambda lib, x, t: lib.nn.MultiLabelMarginLoss(reduction=reduction)(x, t), rand(5, 4, dtype=np.float64),
          TARGET)
    check(lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t, reduction=reduction), rand(4), TARGET[0])


def test_multilabel_margin_loss_docs_example_and_legacy_flags():
    x, y = np.array([[0.1, 0.2, 0.4, 0.8]], np.float32), np.array([[3, 0, -1, 1]])
    e, _ = check(lambda lib, x, y: lib.nn.MultiLabelMarginLoss()(x, y), x, y)
    assert float(e) == pytest.approx(0.85, abs=1e-6)
    with pytest.warns(UserWarning):
        check(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduce=False), x, y)


def test_multilabel_margin_loss_scalar_and_ties():
    check(lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t), np.array(1.0, np.float32),
          np.array(0))
    x = np.array([[0.5, 0.5, -0.5, 1.5]], np.float32)  # z = 0 exactly at some pairs: no gradient there
    check(lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t, reduction="sum"), x, np.array([[0, -1, 1, 2]]))
    assert repr(ember.nn.MultiLabelMarginLoss()) == repr(torch.nn.MultiLabelMarginLoss())


@pytest.mark.parametrize("fn,x,t", [
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t.int()), rand(5, 4), TARGET),
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t.float()), rand(5, 4), TARGET),
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t[:, :3]), rand(5, 4), TARGET),
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t + 5), rand(5, 4), TARGET),
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t - 2), rand(5, 4), TARGET),
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t), rand(1, 4), np.array([[3, 0, -1, 7]])),
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x.long(), t), rand(5, 4), TARGET),
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x[None], t[None]), rand(5, 4), TARGET),
    (lambda lib, x, t: lib.nn.functional.multilabel_margin_loss(x, t, reduction="bad"), rand(5, 4), TARGET),
])
def test_multilabel_margin_loss_errors(fn, x, t):
    check_error(fn, x, t)


# ---------------------------------------------------------------- triplet with distance
def cosine_distance(lib):
    return lambda a, b: 1.0 - lib.nn.functional.cosine_similarity(a, b)


@pytest.mark.parametrize("kw", [{}, {"margin": 0.5}, {"swap": True}, {"reduction": "sum"}, {"reduction": "none"},
                                {"margin": 2.0, "swap": True, "reduction": "none"}])
@pytest.mark.parametrize("dist", [None, cosine_distance, lambda lib: lib.nn.PairwiseDistance(p=1)])
def test_triplet_margin_with_distance_loss(kw, dist):
    a, p, n = rand(6, 4), rand(6, 4), rand(6, 4)

    def fn(lib, a, p, n):
        extra = dict(kw, distance_function=dist(lib)) if dist is not None else kw
        return lib.nn.functional.triplet_margin_with_distance_loss(a, p, n, **extra)
    check(fn, a, p, n)

    def mod(lib, a, p, n):
        extra = dict(kw, distance_function=dist(lib)) if dist is not None else kw
        return lib.nn.TripletMarginWithDistanceLoss(**extra)(a, p, n)
    check(mod, a, p, n)


def test_triplet_margin_with_distance_loss_unbatched_and_reprs():
    check(lambda lib, a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(a, p, n), rand(4), rand(4),
          rand(4))
    for kw in ({}, {"distance_function": lambda nn: nn.CosineSimilarity()}, {"margin": 3.0, "swap": True}):
        ek = {k: (v(ember.nn) if callable(v) else v) for k, v in kw.items()}
        tk = {k: (v(torch.nn) if callable(v) else v) for k, v in kw.items()}
        e, t = ember.nn.TripletMarginWithDistanceLoss(**ek), torch.nn.TripletMarginWithDistanceLoss(**tk)
        assert repr(e) == repr(t)
        assert (e.margin, e.swap, e.reduction) == (t.margin, t.swap, t.reduction)


def test_triplet_margin_with_distance_loss_errors():
    x = rand(3, 4)
    check_error(lambda lib, a: lib.nn.functional.triplet_margin_with_distance_loss(a, a, a, margin=0), x)
    check_error(lambda lib, a: lib.nn.functional.triplet_margin_with_distance_loss(a, a, a, reduction="avg"), x)
    check_error(lambda lib, a: lib.nn.functional.triplet_margin_with_distance_loss(a, a[0], a), x)
    check_error(lambda lib, a: lib.nn.TripletMarginWithDistanceLoss(margin=-1.0), x)
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                                         "-1.0 instead"):
        ember.nn.TripletMarginWithDistanceLoss(margin=-1.0)


def test_multilabel_margin_loss_under_cpu_autocast_runs_in_float32():
    x = rand(5, 4).astype(np.float16)
    outs = []
    for lib in (ember, torch):
        with lib.autocast("cpu", dtype=lib.float16):
            outs.append(lib.nn.functional.multilabel_margin_loss(lib.tensor(x), lib.tensor(TARGET)))
    assert str(outs[0].dtype) == str(outs[1].dtype) == "torch.float32"
    np.testing.assert_allclose(float(outs[0]), float(outs[1]), rtol=1e-6)
