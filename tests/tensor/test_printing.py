"""repr/str of tensors must be PyTorch's, character for character: each case builds
the same data in both frameworks and compares ``repr``."""
import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _restore_print_options():
    yield
    torch.set_printoptions(profile="default")
    ember.set_printoptions(profile="default")


def same_repr(arr, **kw):
    e, t = ember.tensor(arr, **kw), torch.tensor(arr, **kw)
    assert repr(e) == repr(t), f"\nember:\n{e!r}\ntorch:\n{t!r}"
    assert str(e) == repr(e)


CASES = {
    "int-valued floats": np.array([1.0, 2.0], np.float32),
    "precision 4": np.array([0.12345, 2.0], np.float32),
    "sci small": np.array([1.9944e-02, 3.7010e-04, 6.7949e-06], np.float32),
    "0-d float": np.array(2.9932, np.float32),
    "0-d int": np.array(20),
    "0-d bool": np.array(True),
    "bools padded": np.array([True, False]),
    "ints aligned": np.array([[1, -2], [300, 4]]),
    "negatives": RNG.standard_normal((3, 4)).astype(np.float32),
    "3-d": RNG.standard_normal((2, 3, 4)).astype(np.float32),
    "4-d": RNG.standard_normal((2, 2, 2, 2)).astype(np.float32),
    "summarised 2-d": np.arange(2000, dtype=np.float32).reshape(40, 50),
    "summarised 1-d": RNG.standard_normal(1500).astype(np.float32),
    "summarised 3-d": RNG.standard_normal((10, 10, 20)).astype(np.float32),
    "summarised ints": RNG.integers(-1000, 1000, (30, 40)),
    "nan inf": np.array([np.nan, np.inf, -np.inf], np.float32),
    "int mode with nan": np.array([1.0, np.nan], np.float32),
    "float with nan": np.array([1.5, np.nan, -np.inf], np.float32),
    "negative zero": np.array([-0.0, 1.0], np.float32),
    "all zeros": np.zeros(3, np.float32),
    "large ratio ints": np.array([100000.0, 1.0], np.float32),
    "above 1e8": np.array([1e9, 1.0], np.float32),
    "tiny": np.array([1e-5, 1.0], np.float32),
    "0-d tiny": np.array(1e-10, np.float32),
    "big 2-d": np.array([[1e10]], np.float32),
    "line wrapping": (RNG.standard_normal(30) * 1000).astype(np.float32),
    "empty float": np.zeros(0, np.float32),
    "empty int": np.zeros(0, np.int64),
    "empty 2-d": np.zeros((0, 3), np.float32),
    "empty 3-d float64": np.zeros((2, 0, 3)),
    "float64 dtype": np.array([1.5, 2.0]),
    "int32 dtype": np.array([1, 2], np.int32),
    "uint8 dtype": np.array([1, 2], np.uint8),
    "float16": np.array([1.5, 2.25], np.float16),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    same_repr(CASES[name])


OPTIONS = [
    dict(precision=2, edgeitems=2, threshold=50, linewidth=75),  # the notes' setting (SEEDS §1.15)
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(edgeitems=0, threshold=5),
    dict(profile="short"),
    dict(profile="full"),
    dict(linewidth=30),
    dict(threshold=5, edgeitems=1),
]


@pytest.mark.parametrize("opts", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_print_options_match_torch(opts):
    torch.set_printoptions(**opts)
    ember.set_printoptions(**opts)
    for arr in CASES.values():
        same_repr(arr)


def test_notes_wine_printout():
    """000:L88-158: a (4898, 11) standardised table printed with the notes' options."""
    ember.set_printoptions(precision=2, edgeitems=2, threshold=50, linewidth=75)
    torch.set_printoptions(precision=2, edgeitems=2, threshold=50, linewidth=75)
    data = (RNG.standard_normal((4898, 11)) * np.array([1, 1e-2, 1, 10, 1e-3, 100, 1e3, 1e-5, 1, 1e-2, 1])
            ).astype(np.float32)
    same_repr(data)
    same_repr(np.array([6.0, 6.0, 5.0, 7.0, 6.0], np.float32))
    e = repr(ember.zeros(4898, 10))
    assert e == "tensor([[0., 0.,  ..., 0., 0.],\n        [0., 0.,  ..., 0., 0.],\n        ...,\n" \
                "        [0., 0.,  ..., 0., 0.],\n        [0., 0.,  ..., 0., 0.]])"


def test_get_printoptions_and_context():
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
    with ember.printoptions(precision=1):
        assert repr(ember.tensor([0.25, 1.5])) == "tensor([0.2, 1.5])"
    assert ember.get_printoptions()["precision"] == 4
    ember.set_printoptions(profile="unknown")  # ignored, as torch does
    assert ember.get_printoptions()["precision"] == 4


def test_grad_suffixes():
    a = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert repr(a) == "tensor([1., 2., 3.], requires_grad=True)"
    d = ember.sigmoid(3 * a + 1).sum()
    assert repr(d).startswith("tensor(") and repr(d).endswith(", grad_fn=<SumBackward0>)")
    x = ember.arange(4.0, requires_grad=True)
    assert repr(2 * ember.dot(x, x)) == "tensor(28., grad_fn=<MulBackward0>)"
    b = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    assert repr(b) == repr(torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True))


def test_notes_e1_exact():
    """001:L303-317: the printed loss and gradient."""
    a = ember.tensor([1, 2, 3], dtype=ember.float32, requires_grad=True)
    assert a.grad is None
    e = ember.tensor([1, 2, 3], dtype=ember.float32)
    d = ember.sigmoid(3 * a + 1 + e).sum()
    assert repr(d) == "tensor(2.9932, grad_fn=<SumBackward0>)"
    d.backward()
    assert repr(a.grad) == "tensor([1.9944e-02, 3.7010e-04, 6.7949e-06])"


def test_suffix_wraps_at_linewidth():
    arr = RNG.standard_normal((2, 9)).astype(np.float64)
    e = ember.tensor(arr, requires_grad=True)
    t = torch.tensor(arr, requires_grad=True)
    assert repr(e) == repr(t)
    assert repr(e * 2) == repr(t * 2)


def test_default_dtype_changes_suffix():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        same_repr(np.array([1.5, 2.0], np.float32))
        same_repr(np.array([1.5, 2.0]))
        same_repr(np.zeros(0, np.float32))
    finally:
        torch.set_default_dtype(torch.float32)


def test_size_and_dtype_reprs():
    assert repr(ember.zeros(2, 3).shape) == "torch.Size([2, 3])"
    assert str(ember.zeros(4898, 11).shape) == "torch.Size([4898, 11])"
    assert repr(ember.float32) == "torch.float32" and str(ember.bool) == "torch.bool"


def test_format_of_0d():
    assert "{:6.2f}".format(ember.tensor(3.14159)) == "  3.14"
    assert f"{ember.tensor([1.0, 2.0])}" == "tensor([1., 2.])"


def test_non_contiguous_and_views():
    arr = RNG.standard_normal((4, 6)).astype(np.float32)
    e, t = ember.tensor(arr), torch.tensor(arr)
    assert repr(e.t()) == repr(t.t())
    assert repr(e[:, ::2]) == repr(t[:, ::2])


@pytest.mark.cuda
@pytest.mark.skipif(not ember.cuda.is_available(), reason="no CUDA GPU/CuPy on this machine")
def test_cuda_device_suffix():
    x = ember.tensor([1.0, 2.0], device="cuda")
    assert repr(x) == "tensor([1., 2.], device='cuda:0')"


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=80, deadline=None)
@given(shape=st.lists(st.integers(0, 7), min_size=0, max_size=3),
       dtype=st.sampled_from(["float32", "float64", "int64", "int32", "bool", "float16"]),
       scale=st.sampled_from([1e-6, 1e-3, 1.0, 37.0, 1e5, 1e9]),
       integral=st.booleans(), specials=st.booleans(),
       opts=st.fixed_dictionaries({"precision": st.integers(1, 6), "threshold": st.sampled_from([5, 20, 1000]),
                                   "edgeitems": st.integers(0, 3), "linewidth": st.integers(20, 100),
                                   "sci_mode": st.sampled_from([None, True, False])}),
       seed=st.integers(0, 2 ** 16))
def test_random_tensors_print_like_torch(shape, dtype, scale, integral, specials, opts, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * scale
    if integral:
        a = np.round(a)
    if specials and a.size:
        a.flat[rng.integers(0, a.size)] = rng.choice([np.nan, np.inf, -np.inf, 0.0])
    if dtype == "bool":
        a = a > 0
    elif dtype in ("int64", "int32"):
        a = np.nan_to_num(np.clip(a, -1e6, 1e6)).astype(dtype)
    else:
        a = a.astype(dtype)
    torch.set_printoptions(**opts)
    ember.set_printoptions(**opts)
    same_repr(a)
