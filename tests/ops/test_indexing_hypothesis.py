"""Property-based indexing tests: hypothesis draws a shape and an index expression
(ints, slices with steps, None, Ellipsis, integer tensors / lists / ranges, 0-d
integer tensors, bool masks, and their mixtures) and compares ember with torch:
getitem forward and backward, and setitem forward and backward with a value that
requires grad."""
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from helpers import check, rand

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def index_case(draw):
    """(shape, permute, key spec): a tensor shape, whether the base is a transposed
    (non-contiguous) view, and a list of key entries."""
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    permute = draw(st.booleans())
    view_shape = shape[::-1] if permute else shape
    arr_shape = draw(st.sampled_from([(), (1,), (2,), (3,), (2, 1), (1, 3)]))
    spec = []
    d = 0
    has_array = has_mask = False
    ellipsis_used = False
    while d < ndim:
        if draw(st.integers(0, 5)) == 0:
            spec.append(("none",))
        size = view_shape[d]
        kinds = ["slice", "stop"]
        if size:
            kinds += ["int", "int", "array", "tensor0d"]
            if not has_mask:
                kinds += ["list", "range"]
        if not has_array and not has_mask:
            kinds += ["mask"]
        if not ellipsis_used and d > 0:
            kinds += ["ellipsis"]
        kind = draw(st.sampled_from(kinds))
        if kind == "stop":
            break
        if kind == "ellipsis":
            ellipsis_used = True
            skip = draw(st.integers(0, ndim - d))
            spec.append(("ellipsis",))
            d += skip
            # after an ellipsis the remaining entries index the last dims: keep them basic
            rest = ndim - d
            for j in range(rest):
                s = view_shape[ndim - rest + j]
                spec.append(("int", draw(st.integers(-s, s - 1))) if s and draw(st.booleans())
                            else ("slice", _slice(draw, s)))
            d = ndim
            break
        if kind == "int":
            spec.append(("int", draw(st.integers(-size, size - 1))))
        elif kind == "tensor0d":
            spec.append(("tensor0d", draw(st.integers(-size, size - 1))))
        elif kind == "slice":
            spec.append(("slice", _slice(draw, size)))
        elif kind in ("array", "list", "range"):
            if kind == "range" or (kind == "list" and has_mask):
                n = 1 if not arr_shape else arr_shape[-1]
                start = draw(st.integers(0, max(size - n, 0)))
                if n > size or arr_shape not in ((), (n,), (1, n)) and len(arr_shape) > 1:
                    spec.append(("int", start))
                else:
                    spec.append(("range", range(start, start + n)) if kind == "range"
                                else ("list", list(range(start, start + n))))
            else:
                vals = draw(st.lists(st.integers(-size, size - 1), min_size=int(np.prod(arr_shape)),
                                     max_size=int(np.prod(arr_shape))))
                a = np.array(vals, dtype=np.int64).reshape(arr_shape)
                as_list = a.ndim == 1 and (kind == "list" or draw(st.booleans()))
                spec.append(("list", vals) if as_list else ("array", a))
            has_array = True
        elif kind == "mask":
            k = draw(st.integers(1, min(2, ndim - d)))
            mshape = view_shape[d:d + k]
            bits = draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)), max_size=int(np.prod(mshape))))
            spec.append(("mask", np.array(bits, dtype=bool).reshape(mshape)))
            has_mask = True
            d += k
            continue
        d += 1
    if draw(st.integers(0, 6)) == 0:
        spec.append(("none",))
    return shape, permute, spec


def _slice(draw, size):
    start = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
    stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
    step = draw(st.one_of(st.none(), st.integers(1, 3)))
    return slice(start, stop, step)


def build(lib, spec):
    out = []
    for e in spec:
        kind = e[0]
        if kind == "none":
            out.append(None)
        elif kind == "ellipsis":
            out.append(Ellipsis)
        elif kind in ("int", "slice", "list", "range"):
            out.append(e[1])
        elif kind == "tensor0d":
            out.append(lib.tensor(e[1]))
        else:
            out.append(lib.tensor(e[1]))
    return tuple(out)


def base(lib, x, permute):
    return x.permute(*reversed(range(x.ndim))) if permute else x


def torch_region(shape, permute, spec):
    x = base(torch, torch.arange(int(np.prod(shape))).reshape(shape), permute)
    try:
        return x[build(torch, spec)]
    except (IndexError, RuntimeError):
        return None


@SETTINGS
@given(index_case())
def test_getitem_matches_torch(case):
    shape, permute, spec = case
    assume(torch_region(shape, permute, spec) is not None)
    check(lambda lib, x: base(lib, x, permute)[build(lib, spec)], rand(*shape))


@SETTINGS
@given(index_case(), st.booleans(), st.booleans())
def test_setitem_matches_torch(case, broadcast, number):
    shape, permute, spec = case
    region = torch_region(shape, permute, spec)
    assume(region is not None)
    flat = region.reshape(-1)
    assume(flat.unique().numel() == flat.numel())  # repeated positions: the written value is unspecified

    if number:
        def fn(lib, x):
            y = base(lib, x * 1, permute)
            y[build(lib, spec)] = 1.5
            return y
        check(fn, rand(*shape))
        return
    vshape = tuple(region.shape[1:]) if broadcast and region.ndim else tuple(region.shape)

    def fn(lib, x, v):
        y = base(lib, x * 1, permute)
        y[build(lib, spec)] = v
        return y
    check(fn, rand(*shape), rand(*vshape))


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_gather_scatter_add_match_torch(shape, data):
    """gather forward/backward (repeats accumulate) and scatter_add, for a drawn dim and index."""
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    d = dim % len(shape)
    ishape = [data.draw(st.integers(1, s)) if k != d else data.draw(st.integers(0, 4))
              for k, s in enumerate(shape)]
    idx = np.array(data.draw(st.lists(st.integers(0, shape[d] - 1), min_size=int(np.prod(ishape)),
                                      max_size=int(np.prod(ishape)))), dtype=np.int64).reshape(ishape)
    check(lambda lib, x: x.gather(dim, lib.tensor(idx)), rand(*shape))
    check(lambda lib, x, s: x.scatter_add(dim, lib.tensor(idx), s), rand(*shape), rand(*ishape))


def test_strategy_draws_every_kind():
    """The strategy is not vacuous: a sample holds each kind of entry."""
    seen = set()

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)  # same draws every run
    @given(index_case())
    def collect(case):
        seen.update(e[0] for e in case[2])
    collect()
    assert {"int", "slice", "none", "ellipsis", "array", "list", "range", "tensor0d", "mask"} <= seen, seen


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
