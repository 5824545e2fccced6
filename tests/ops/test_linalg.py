"""Matrix products, einsum and ember.linalg against torch: values, dtypes, shapes,
gradients, errors, and float64 finite-difference checks."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from ember.autograd import gradcheck, gradgradcheck
from helpers import check, check_error, rand

F64 = np.float64


def t64(*shape, seed=0):
    """A float64 ember leaf requiring grad."""
    rng = np.random.default_rng(seed)
    return ember.tensor(rng.standard_normal(shape), requires_grad=True)


# ---------------------------------------------------------------- matmul: every dimensionality
MATMUL_SHAPES = [
    ((3,), (3,)),                 # dot
    ((2, 3), (3,)),               # mv
    ((3,), (3, 4)),               # vector @ matrix
    ((2, 3), (3, 4)),             # mm
    ((5, 2, 3), (3, 4)),          # batched @ matrix (folded into one GEMM)
    ((5, 2, 3), (5, 3, 4)),       # bmm-like
    ((2, 3), (5, 3, 4)),          # matrix @ batched
    ((5, 2, 3), (3,)),            # batched @ vector
    ((3,), (5, 3, 4)),            # vector @ batched
    ((2, 1, 2, 3), (5, 3, 4)),    # broadcast batch dims
    ((5, 2, 3), (1, 3, 4)),       # size-1 batch dim broadcast
    ((1, 4, 2, 3), (6, 1, 3, 2)),  # both broadcast
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes(sa, sb):
    check(lambda lib, a, b: lib.matmul(a, b), rand(*sa), rand(*sb))
    check(lambda lib, a, b: a @ b, rand(*sa), rand(*sb))


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_float64(sa, sb):
    check(lambda lib, a, b: a @ b, rand(*sa, dtype=F64), rand(*sb, dtype=F64))


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_gradcheck(sa, sb):
    a, b = t64(*sa, seed=1), t64(*sb, seed=2)
    assert gradcheck(lambda x, y: ember.matmul(x, y), (a, b))


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                   ((2, 2, 3), (3, 2)), ((2, 2, 3), (1, 3, 2))])
def test_matmul_second_derivative(sa, sb):
    a, b = t64(*sa, seed=3), t64(*sb, seed=4)
    assert gradgradcheck(lambda x, y: ember.matmul(x, y), (a, b))


def test_matmul_create_graph_against_torch():
    A, B = rand(3, 4, dtype=F64), rand(4, 2, dtype=F64)
    res = []
    for lib in (torch, ember):
        a = lib.tensor(A, requires_grad=True)
        b = lib.tensor(B, requires_grad=True)
        y = (a @ b).pow(2).sum()
        ga, = lib.autograd.grad(y, a, create_graph=True)
        (ga * ga).sum().backward()
        res.append((ga.detach().numpy(), b.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-10)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-10)


@pytest.mark.parametrize("sa,sb,name", [((3,), (3,), "DotBackward0"), ((2, 3), (3,), "MvBackward0"),
                                        ((2, 3), (3, 4), "MmBackward0"), ((5, 2, 3), (5, 3, 4), "UnsafeViewBackward0"),
                                        ((3,), (3, 4), "SqueezeBackward4"), ((2, 3), (5, 3, 4), "CloneBackward0")])
def test_matmul_grad_fn_names(sa, sb, name):
    a = ember.tensor(rand(*sa), requires_grad=True)
    b = ember.tensor(rand(*sb), requires_grad=True)
    t = torch.matmul(torch.tensor(rand(*sa), requires_grad=True), torch.tensor(rand(*sb), requires_grad=True))
    assert (a @ b).grad_fn.name() == name == t.grad_fn.name()


def test_grad_fn_names_of_products():
    a, b = ember.randn(2, 3, requires_grad=True), ember.randn(3, 4, requires_grad=True)
    assert ember.mm(a, b).grad_fn.name() == "MmBackward0"
    assert ember.mv(a, ember.randn(3)).grad_fn.name() == "MvBackward0"
    assert ember.dot(b[0], b[1]).grad_fn.name() == "DotBackward0"
    assert ember.bmm(a.unsqueeze(0), b.unsqueeze(0)).grad_fn.name() == "BmmBackward0"
    assert ember.addmm(ember.randn(4), a, b).grad_fn.name() == "AddmmBackward0"
    assert ember.addmv(ember.randn(2), a, ember.randn(3)).grad_fn.name() == "AddmvBackward0"
    assert ember.trace(a).grad_fn.name() == "TraceBackward0"
    assert ember.outer(a[0], b[0]).grad_fn.name() == "MulBackward0"


def test_matmul_result_dtype_stays_float32():
    a, b = ember.randn(8, 8), ember.randn(8, 8)
    assert (a @ b).dtype is ember.float32
    assert (a @ b)._data.dtype == np.float32


def test_matmul_non_contiguous_operands():
    check(lambda lib, a, b: a.t() @ b.t(), rand(3, 2), rand(4, 3))
    check(lambda lib, a, b: a[:, ::2] @ b[::2], rand(3, 6), rand(6, 4))
    check(lambda lib, a, b: a.transpose(1, 2) @ b, rand(5, 3, 2), rand(5, 3, 4))
    check(lambda lib, a, b: a @ b.transpose(0, 1), rand(5, 2, 3), rand(4, 3))
    check(lambda lib, a, b: a.permute(1, 0, 2) @ b[:, ::2], rand(2, 5, 3), rand(3, 8))


def test_matmul_zero_size():
    check(lambda lib, a, b: a @ b, rand(0, 3), rand(3, 4))
    check(lambda lib, a, b: a @ b, rand(2, 0), rand(0, 4))
    check(lambda lib, a, b: a @ b, rand(0), rand(0))
    check(lambda lib, a, b: a @ b, rand(0, 2, 3), rand(3, 4))
    check(lambda lib, a, b: a @ b, rand(4, 2, 3), rand(4, 3, 0))


def test_matmul_integers():
    check(lambda lib, a, b: a @ b, rand(2, 3, dtype=np.int64), rand(3, 4, dtype=np.int64))
    check(lambda lib, a, b: a @ b, rand(2, 3, dtype=np.int64), rand(3, dtype=np.int64))
    check(lambda lib, a, b: lib.dot(a, b), rand(3, dtype=np.int64), rand(3, dtype=np.int64))
    check(lambda lib, a, b: a @ b, rand(2, 2, 3, dtype=np.int32), rand(2, 3, 4, dtype=np.int32))


def test_matmul_half():
    check(lambda lib, a, b: a @ b, rand(2, 3, dtype=np.float16), rand(3, 4, dtype=np.float16), grad=False)


def test_imatmul_rebinds_like_torch():
    # PyTorch has no __imatmul__: `a @= b` computes a @ b and rebinds the name
    assert not hasattr(torch.Tensor, "__imatmul__")
    assert not hasattr(ember.Tensor, "__imatmul__")
    a = ember.ones(2, 3)
    before = a
    a @= ember.ones(3, 4)
    assert tuple(a.shape) == (2, 4) and tuple(before.shape) == (2, 3)


@settings(max_examples=60, deadline=None)
@given(batch_a=st.lists(st.integers(1, 3), max_size=2), batch_b=st.lists(st.integers(1, 3), max_size=2),
       n=st.integers(1, 3), k=st.integers(1, 3), p=st.integers(1, 3),
       vec_a=st.booleans(), vec_b=st.booleans())
def test_matmul_broadcast_property(batch_a, batch_b, n, k, p, vec_a, vec_b):
    sa = (k,) if vec_a else tuple(batch_a) + (n, k)
    sb = (k,) if vec_b else tuple(batch_b) + (k, p)
    # make the batch shapes broadcastable: where both have a dim, set one of them to 1 if they differ
    if not vec_a and not vec_b:
        ba, bb = list(batch_a), list(batch_b)
        for i in range(1, min(len(ba), len(bb)) + 1):
            if ba[-i] != bb[-i]:
                bb[-i] = 1
        sb = tuple(bb) + (k, p)
    check(lambda lib, a, b: a @ b, rand(*sa), rand(*sb))


# ---------------------------------------------------------------- the other products
def test_mm_bmm_mv_dot():
    check(lambda lib, a, b: lib.mm(a, b), rand(2, 3), rand(3, 4))
    check(lambda lib, a, b: a.mm(b), rand(2, 3), rand(3, 4))
    check(lambda lib, a, b: lib.bmm(a, b), rand(4, 2, 3), rand(4, 3, 5))
    check(lambda lib, a, b: a.bmm(b), rand(4, 2, 3), rand(4, 3, 5))
    check(lambda lib, a, b: lib.mv(a, b), rand(2, 3), rand(3))
    check(lambda lib, a, b: a.mv(b), rand(2, 3), rand(3))
    check(lambda lib, a, b: lib.dot(a, b), rand(5), rand(5))
    check(lambda lib, a, b: a.dot(b), rand(5), rand(5))
    check(lambda lib, a, b: lib.vdot(a, b), rand(5), rand(5))
    check(lambda lib, a, b: lib.inner(a, b), rand(5), rand(5))
    check(lambda lib, a, b: lib.inner(a, b), rand(2, 3), rand(4, 5, 3))
    check(lambda lib, a, b: lib.inner(a, b), rand(), rand(2, 3))
    check(lambda lib, a, b: lib.outer(a, b), rand(3), rand(4))
    check(lambda lib, a, b: lib.ger(a, b), rand(3), rand(4))
    check(lambda lib, a, b: a.outer(b), rand(3), rand(4, dtype=F64))


def test_notes_dot_example():
    # E19: y = 2 * dot(x, x); x.grad = 4x
    for lib in (torch, ember):
        x = lib.arange(4.0, requires_grad=True)
        y = 2 * lib.dot(x, x)
        y.backward()
        assert x.grad.tolist() == [0.0, 4.0, 8.0, 12.0]
        assert float(y.detach()) == 28.0


def test_add_products():
    check(lambda lib, i, a, b: lib.addmm(i, a, b), rand(4), rand(2, 3), rand(3, 4))
    check(lambda lib, i, a, b: lib.addmm(i, a, b, beta=0.5, alpha=2.0), rand(2, 4), rand(2, 3), rand(3, 4))
    check(lambda lib, i, a, b: i.addmm(a, b, beta=0, alpha=-1), rand(1, 4), rand(2, 3), rand(3, 4))
    check(lambda lib, i, a, b: lib.addmv(i, a, b, beta=2, alpha=3), rand(2), rand(2, 3), rand(3))
    check(lambda lib, i, a, b: lib.addmv(i, a, b), rand(1), rand(2, 3), rand(3))
    check(lambda lib, i, a, b: lib.baddbmm(i, a, b, alpha=0.5), rand(2, 1), rand(3, 2, 4), rand(3, 4, 5))
    check(lambda lib, i, a, b: lib.baddbmm(i, a, b, beta=0.0), rand(3, 2, 5), rand(3, 2, 4), rand(3, 4, 5))
    check(lambda lib, i, a, b: lib.addbmm(i, a, b, beta=2.0), rand(2, 5), rand(3, 2, 4), rand(3, 4, 5))
    check(lambda lib, i, a, b: lib.addbmm(i, a, b), rand(5), rand(3, 2, 4), rand(3, 4, 5))
    check(lambda lib, i, a, b: lib.addmm(i, a, b, alpha=2), rand(2, 4, dtype=np.int64),
          rand(2, 3, dtype=np.int64), rand(3, 4, dtype=np.int64))


def test_tensordot_kron_cross_trace():
    check(lambda lib, a, b: lib.tensordot(a, b), rand(2, 3, 4), rand(3, 4, 5))
    check(lambda lib, a, b: lib.tensordot(a, b, dims=([1, 2], [1, 0])), rand(2, 3, 4), rand(4, 3, 5))
    check(lambda lib, a, b: lib.tensordot(a, b, dims=0), rand(2), rand(3))
    check(lambda lib, a, b: lib.tensordot(a, b, dims=1), rand(2, 3), rand(3, 2))
    check(lambda lib, a, b: lib.kron(a, b), rand(2, 3), rand(4))
    check(lambda lib, a, b: lib.kron(a, b), rand(2, 2), rand(3, 1, 2))
    check(lambda lib, a, b: lib.linalg.cross(a, b), rand(4, 3), rand(4, 3))
    check(lambda lib, a, b: lib.linalg.cross(a, b, dim=0), rand(3, 4), rand(3, 1))
    check(lambda lib, a, b: lib.cross(a, b, dim=1), rand(2, 3), rand(2, 3))
    with pytest.warns(UserWarning):
        check(lambda lib, a, b: lib.cross(a, b), rand(3, 5), rand(3, 5))
    check(lambda lib, a: lib.trace(a), rand(3, 3))
    check(lambda lib, a: a.trace(), rand(2, 4))
    check(lambda lib, a: lib.trace(a), rand(3, 2, dtype=np.int32))


def test_chain_and_multi_dot():
    check(lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), rand(3), rand(3, 4), rand(4, 2))
    check(lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), rand(2, 3), rand(3, 4), rand(4))
    check(lambda lib, a, b: lib.linalg.multi_dot([a, b]), rand(3), rand(3))
    check(lambda lib, a, b: lib.linalg.vecdot(a, b), rand(2, 3), rand(3))


@pytest.mark.parametrize("fn,shapes", [
    (lambda lib, a, b: lib.mm(a, b), [(2, 3), (3, 4)]),
    (lambda lib, a, b: lib.bmm(a, b), [(2, 2, 3), (2, 3, 2)]),
    (lambda lib, a, b: lib.mv(a, b), [(2, 3), (3,)]),
    (lambda lib, a, b: lib.dot(a, b), [(4,), (4,)]),
    (lambda lib, a, b: lib.outer(a, b), [(3,), (2,)]),
    (lambda lib, a, b: lib.inner(a, b), [(2, 3), (4, 3)]),
    (lambda lib, i, a, b: lib.addmm(i, a, b, beta=0.5, alpha=2.0), [(3,), (2, 4), (4, 3)]),
    (lambda lib, i, a, b: lib.addmv(i, a, b, beta=0.5, alpha=2.0), [(2,), (2, 4), (4,)]),
    (lambda lib, i, a, b: lib.baddbmm(i, a, b, beta=0.5, alpha=2.0), [(1, 3), (2, 2, 4), (2, 4, 3)]),
    (lambda lib, i, a, b: lib.addbmm(i, a, b, beta=0.5, alpha=2.0), [(2, 3), (2, 2, 4), (2, 4, 3)]),
    (lambda lib, a, b: lib.linalg.cross(a, b), [(2, 3), (1, 3)]),
    (lambda lib, a: lib.trace(a), [(3, 3)]),
    (lambda lib, a, b: lib.kron(a, b), [(2, 2), (2, 3)]),
])
def test_products_gradcheck(fn, shapes):
    args = tuple(t64(*s, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(lambda *xs: fn(ember, *xs), args)


# ---------------------------------------------------------------- errors
def test_product_errors():
    # the notes' mismatched examples (SEEDS-INVENTORY §1.9, §10): they raise in PyTorch
    A = np.arange(20, dtype=np.float32).reshape(5, 4)
    x = np.arange(10, dtype=np.float32)
    check_error(lambda lib, a, v: lib.mv(a, v), A, x, match=r"mv.*size mismatch.*\(5x4\).*\(10\)")
    check_error(lambda lib, a: lib.mm(a, a), A, match=r"mm: mat1 and mat2 shapes cannot be multiplied \(5x4 and 5x4\)")
    check_error(lambda lib, a, b: a @ b, rand(2, 3), rand(4, 5), match=r"matmul.*\(2x3 and 4x5\)")
    check_error(lambda lib, a: lib.dot(a, a), rand(2, 2), match="1D tensors expected, but got 2D and 2D tensors")
    check_error(lambda lib, a, b: lib.dot(a, b), rand(3), rand(4), match="inconsistent tensor size")
    check_error(lambda lib, a, b: a @ b, rand(2, 3), rand(3, 4, dtype=F64),
                match="expected m1 and m2 to have the same dtype, but got: float != double")
    check_error(lambda lib, a, b: lib.mm(a, b), rand(2, 3), rand(3, 4, dtype=F64), match="same dtype")
    check_error(lambda lib, a, b: a @ b, rand(3), rand(3, dtype=F64), match="same dtype")
    check_error(lambda lib, a, b: a @ b, rand(2, 3), rand(3, dtype=np.int64))
    check_error(lambda lib, a, b: a @ b, rand(), rand(2, 3), match="at least 1D")
    check_error(lambda lib, a, b: a @ b, rand(2, 3), rand(4), match="size mismatch")
    check_error(lambda lib, a, b: a @ b, rand(4), rand(2, 3), match=r"\(1x4 and 2x3\)")
    check_error(lambda lib, a, b: a @ b, rand(2, 2, 3), rand(2, 4, 5))
    check_error(lambda lib, a, b: a @ b, rand(2, 2, 3), rand(3, 3, 5), match="must match the size")
    check_error(lambda lib, a, b: lib.mm(a, b), rand(2, 2, 3), rand(3, 4), match="matrix")
    check_error(lambda lib, a, b: lib.bmm(a, b), rand(2, 3), rand(3, 4), match="3D")
    check_error(lambda lib, a, b: lib.bmm(a, b), rand(2, 2, 3), rand(3, 3, 5), match="batch2")
    check_error(lambda lib, a, b: lib.mv(a, b), rand(5, 4), rand(4, 1))
    check_error(lambda lib, a, b: lib.outer(a, b), rand(2, 3), rand(3), match="1-D")
    check_error(lambda lib, a, b: lib.inner(a, b), rand(2, 3), rand(4), match="last dimension")
    check_error(lambda lib, a, b: lib.vdot(a, b), rand(2, 3), rand(2, 3), match="1D")
    check_error(lambda lib, i, a, b: lib.addmm(i, a, b), rand(3), rand(2, 3), rand(3, 4))
    check_error(lambda lib, i, a, b: lib.addmm(i, a, b), rand(2, 4), rand(2, 3), rand(4, 4), match="2x3 and 4x4")
    check_error(lambda lib, a: lib.trace(a), rand(3), match="expected a matrix")
    check_error(lambda lib, a, b: lib.linalg.cross(a, b), rand(2, 4), rand(2, 4), match="length 3")
    check_error(lambda lib, a, b: lib.tensordot(a, b, dims=1), rand(2, 3), rand(3, dtype=F64))
    check_error(lambda lib, a, b: a @ b, np.ones((2, 3), bool), np.ones((3, 2), bool))
    with pytest.raises(TypeError):
        ember.ones(2, 3) @ 2
    with pytest.raises(TypeError):
        2 @ ember.ones(2, 3)
    with pytest.raises(TypeError):
        ember.matmul(ember.ones(2, 3), 2)


# ---------------------------------------------------------------- einsum
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i->", [(4,), (4,)]),
    ("...ij,...jk->...ik", [(5, 1, 2, 3), (4, 3, 4)]),
    ("...ij,jk", [(5, 2, 3), (3, 4)]),
    ("i...j,j", [(2, 5, 3), (3,)]),
    ("...i,...i->i...", [(2, 3, 4), (3, 4)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),          # size-1 subscript broadcasts
    ("ba,Ac", [(2, 3), (4, 5)]),              # implicit output in ASCII order
    ("iij->j", [(3, 3, 2)]),
    ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    (",i->i", [(), (3,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum(eq, shapes):
    check(lambda lib, *xs: lib.einsum(eq, *xs), *[rand(*s) for s in shapes])


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum_gradcheck(eq, shapes):
    args = tuple(t64(*s, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(lambda *xs: ember.einsum(eq, *xs), args)


@pytest.mark.parametrize("eq,shapes", [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
                                       ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("i,j->ij", [(2,), (3,)]),
                                       ("ij->j", [(2, 3)])])
def test_einsum_second_derivative(eq, shapes):
    args = tuple(t64(*s, seed=i) for i, s in enumerate(shapes))
    assert gradgradcheck(lambda *xs: ember.einsum(eq, *xs), args)


def test_einsum_call_forms():
    check(lambda lib, a, b: lib.einsum("ij,jk->ik", [a, b]), rand(2, 3), rand(3, 4))
    check(lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [0, 2]), rand(2, 3), rand(3, 4))
    check(lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2]), rand(2, 3), rand(3, 4))
    check(lambda lib, a: lib.einsum("...->...", a), rand())
    check(lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), rand(0, 3), rand(3, 4))
    check(lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), rand(2, 3, dtype=np.int64), rand(3, 4, dtype=np.int64))
    check(lambda lib, a, b: lib.einsum("ij,jk->ik", a.t(), b), rand(3, 2), rand(3, 4))


def test_einsum_errors():
    check_error(lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), rand(2, 3), rand(4, 5), match="subscript j has size 4")
    check_error(lambda lib, a: lib.einsum("ij,jk", a), rand(2, 3), match="fewer operands")
    check_error(lambda lib, a: lib.einsum("ij->i", a, a), rand(2, 3), match="more operands")
    check_error(lambda lib, a: lib.einsum("ij->ii", a), rand(2, 3), match="appears more than once")
    check_error(lambda lib, a: lib.einsum("ijk->i", a), rand(2, 3), match="number of subscripts")
    check_error(lambda lib, a: lib.einsum("i1->i", a), rand(2, 3), match="invalid subscript")
    check_error(lambda lib, a: lib.einsum("ij->k", a), rand(2, 3), match="does not appear")
    check_error(lambda lib, a: lib.einsum("ii->i", a), rand(3, 4), match="repeated")
    check_error(lambda lib, a: lib.einsum("......->", a), rand(3, 4))
    check_error(lambda lib, a: lib.einsum("ijk...->", a), rand(3, 4), match="more than")
    check_error(lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), rand(2, 3), rand(3, 4, dtype=F64))


# ---------------------------------------------------------------- ember.linalg
def spd(n, dtype=np.float32, seed=0):
    m = np.random.default_rng(seed).standard_normal((n, n))
    return (m @ m.T + n * np.eye(n)).astype(dtype)


def well(n, batch=(), dtype=np.float32, seed=0):
    m = np.random.default_rng(seed).standard_normal(batch + (n, n)) + 3 * np.eye(n)
    return m.astype(dtype)


def test_inv_solve_det():
    check(lambda lib, a: lib.linalg.inv(a), well(3), atol=1e-4)
    check(lambda lib, a: lib.linalg.inv(a), well(3, (2,)), atol=1e-4)
    check(lambda lib, a: lib.inverse(a), well(3, dtype=F64))
    check(lambda lib, a: a.inverse(), well(2, dtype=F64))
    check(lambda lib, a, b: lib.linalg.solve(a, b), well(3), rand(3), atol=1e-4)
    check(lambda lib, a, b: lib.linalg.solve(a, b), well(3), rand(3, 2), atol=1e-4)
    check(lambda lib, a, b: lib.linalg.solve(a, b), well(2, (3,)), rand(2), atol=1e-4)
    check(lambda lib, a, b: lib.linalg.solve(a, b), well(2, (3,)), rand(3, 2), atol=1e-4)
    check(lambda lib, a, b: lib.linalg.solve(a, b), well(2), rand(3, 2, 5), atol=1e-4)
    check(lambda lib, a, b: lib.linalg.solve(a, b, left=False), well(2), rand(5, 2), atol=1e-4)
    check(lambda lib, a: lib.linalg.det(a), well(3), atol=1e-4)
    check(lambda lib, a: lib.det(a), well(3, (4, 2), dtype=F64))
    check(lambda lib, a: a.det(), rand(0, 0))
    check(lambda lib, a: lib.linalg.slogdet(a), well(3, (2,), dtype=F64))
    check(lambda lib, a: lib.logdet(a), spd(3, F64))
    check(lambda lib, a: lib.linalg.cholesky(a), spd(4, F64))
    check(lambda lib, a: lib.linalg.cholesky(a, upper=True), spd(3, F64))


def test_det_of_singular_matrix_and_its_gradient():
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    check(lambda lib, a: lib.linalg.det(a), A)
    # a batch mixing a singular matrix (zero gradient, as PyTorch) with a regular one
    check(lambda lib, a: lib.linalg.det(a), np.stack([A, np.array([[2.0, 1.0], [1.0, 3.0]])]))
    check(lambda lib, a: lib.linalg.det(a), np.zeros((3, 3)))


@pytest.mark.parametrize("fn,args", [
    (lambda a: ember.linalg.inv(a), [well(3, dtype=F64)]),
    (lambda a: ember.linalg.inv(a), [well(2, (2,), dtype=F64)]),
    (lambda a, b: ember.linalg.solve(a, b), [well(3, dtype=F64), rand(3, 2, dtype=F64)]),
    (lambda a, b: ember.linalg.solve(a, b), [well(2, (3,), dtype=F64), rand(2, dtype=F64)]),
    (lambda a: ember.linalg.det(a), [well(3, dtype=F64)]),
    (lambda a: ember.linalg.det(a), [well(2, (2,), dtype=F64)]),
    (lambda a: ember.linalg.slogdet(a)[1], [well(3, dtype=F64)]),
])
def test_linalg_gradcheck(fn, args):
    ts = tuple(ember.tensor(a, requires_grad=True) for a in args)
    assert gradcheck(fn, ts)


def test_inv_second_derivative():
    a = ember.tensor(well(3, dtype=F64), requires_grad=True)
    assert gradgradcheck(lambda x: ember.linalg.inv(x), (a,))


def test_linalg_errors():
    sing = np.array([[1.0, 2.0], [2.0, 4.0]], dtype=np.float32)
    e = check_error(lambda lib, a: lib.linalg.inv(a), sing, match="linalg.inv.*singular")
    assert isinstance(e, ember.linalg.LinAlgError) and isinstance(e, RuntimeError)
    check_error(lambda lib, a: lib.linalg.inv(a), np.stack([np.eye(2, dtype=np.float32), sing]),
                match="Batch element 1")
    check_error(lambda lib, a: lib.linalg.inv(a), rand(2, 3), match="square")
    check_error(lambda lib, a: lib.linalg.inv(a), rand(3), match="at least 2 dimensions")
    check_error(lambda lib, a: lib.linalg.inv(a), np.eye(2, dtype=np.int64), match="floating point")
    check_error(lambda lib, a, b: lib.linalg.solve(a, b), sing, rand(2), match="singular")
    check_error(lambda lib, a, b: lib.linalg.solve(a, b), well(2), rand(3), match="Incompatible shapes")
    check_error(lambda lib, a, b: lib.linalg.solve(a, b), well(2), rand(2, dtype=F64), match="same dtype")
    check_error(lambda lib, a: lib.linalg.det(a), rand(2, 3), match="square")
    check_error(lambda lib, a: lib.linalg.det(a), np.eye(2, dtype=np.int64), match="floating point")
    check_error(lambda lib, a: lib.linalg.cholesky(a), np.array([[1.0, 2.0], [2.0, 1.0]]),
                match="positive-definite")
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)


# ---------------------------------------------------------------- norms
INF = float("inf")


@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 0, 3, 0.5, -1])
def test_vector_norm_orders(ord):
    x = rand(3, 4)
    check(lambda lib, a: lib.linalg.vector_norm(a, ord), x)
    check(lambda lib, a: lib.linalg.vector_norm(a, ord, dim=1), x)
    check(lambda lib, a: lib.linalg.vector_norm(a, ord, dim=(0,), keepdim=True), x)
    check(lambda lib, a: lib.linalg.vector_norm(a, ord, dim=(0, 1)), x)


def test_vector_norm_zero_and_ties():
    check(lambda lib, a: lib.linalg.vector_norm(a), np.zeros(3, np.float32))
    check(lambda lib, a: lib.linalg.vector_norm(a, 3), np.zeros(3, np.float32))
    check(lambda lib, a: lib.linalg.vector_norm(a, INF), np.array([2.0, -2.0, 1.0, 0.0], np.float32))
    check(lambda lib, a: lib.linalg.vector_norm(a, 0.5), np.array([2.0, -2.0, 1.0, 0.0], np.float32))
    check(lambda lib, a: lib.linalg.vector_norm(a), rand(0))
    check(lambda lib, a: lib.linalg.vector_norm(a, dtype=lib.float64), rand(3))


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, INF, -INF])
def test_matrix_norm_orders(ord):
    x = rand(3, 4)
    check(lambda lib, a: lib.linalg.matrix_norm(a, ord), x, atol=1e-4)
    check(lambda lib, a: lib.linalg.matrix_norm(a, ord, keepdim=True), rand(2, 3, 3), atol=1e-4)
    check(lambda lib, a: lib.linalg.matrix_norm(a, ord, dim=(0, 2)), rand(3, 2, 4), atol=1e-4)
    check(lambda lib, a: lib.linalg.norm(a, ord), x, atol=1e-4)


def test_matrix_norm_ties():
    check(lambda lib, a: lib.linalg.matrix_norm(a, ord=INF), np.array([[1.0, 1], [0, 2]], np.float32))
    check(lambda lib, a: lib.linalg.matrix_norm(a, ord=-1), np.array([[1.0, 1], [0, 1]], np.float32))


def test_norm_forms():
    A = np.arange(20, dtype=np.float32).reshape(5, 4)
    x = np.arange(10, dtype=np.float32)
    check(lambda lib, a: lib.norm(a), A)                       # Frobenius, 49.6991 (E23)
    check(lambda lib, a: lib.norm(a), x)                       # 16.8819
    check(lambda lib, a: a.norm(), np.array([3.0, -4.0], np.float32))
    check(lambda lib, a: lib.norm(a, p=1, dim=1), A)
    check(lambda lib, a: lib.norm(a, p="fro"), A)
    check(lambda lib, a: lib.norm(a, p="nuc"), rand(5, 4), atol=1e-3)  # full rank: a unique gradient
    check(lambda lib, a: lib.norm(a, p=2), A)
    check(lambda lib, a: lib.norm(a, p=INF, dim=(0, 1)), A)
    check(lambda lib, a: a.norm(dim=0, keepdim=True), A)
    check(lambda lib, a: a.norm(2, -1), rand(2, 3, 4))
    check(lambda lib, a: lib.linalg.norm(a), rand(2, 2, 2))
    check(lambda lib, a: lib.linalg.norm(a, dim=(1, 2)), rand(2, 2, 3))
    check(lambda lib, a: lib.linalg.norm(a, 1, dim=1), rand(2, 3))
    check(lambda lib, a: lib.linalg.norm(a, 3), rand(4))
    assert abs(float(ember.norm(ember.tensor([3.0, -4.0]))) - 5.0) < 1e-6


def test_norm_errors():
    check_error(lambda lib, a: lib.linalg.norm(a), rand(4).astype(np.int64), match="floating point")
    check_error(lambda lib, a: lib.norm(a), np.arange(4), match="floating point")
    check_error(lambda lib, a: lib.linalg.norm(a, ord=2), rand(2, 2, 2), match="1D or 2D")
    check_error(lambda lib, a: lib.linalg.norm(a, ord="fro"), rand(2), match="at least 2 dimensions")
    check_error(lambda lib, a: lib.linalg.matrix_norm(a, ord=3), rand(2, 2), match="Order 3 not supported")
    check_error(lambda lib, a: lib.linalg.vector_norm(a, ord="fro"), rand(2))
    check_error(lambda lib, a: lib.linalg.vector_norm(a, ord=INF), rand(0), match="empty")


@pytest.mark.parametrize("fn", [
    lambda a: ember.linalg.vector_norm(a),
    lambda a: ember.linalg.vector_norm(a, 1, dim=0),
    lambda a: ember.linalg.vector_norm(a, INF, dim=1, keepdim=True),
    lambda a: ember.linalg.vector_norm(a, 3),
    lambda a: ember.linalg.matrix_norm(a, "fro"),
    lambda a: ember.linalg.matrix_norm(a, 1),
    lambda a: ember.linalg.matrix_norm(a, -INF),
    lambda a: ember.linalg.matrix_norm(a, 2),
    lambda a: ember.linalg.matrix_norm(a, "nuc"),
    lambda a: ember.norm(a),
])
def test_norm_gradcheck(fn):
    assert gradcheck(fn, (t64(3, 4, seed=7),))


def test_norm_second_derivative():
    assert gradgradcheck(lambda a: ember.linalg.vector_norm(a), (t64(3, 4, seed=8),))
    assert gradgradcheck(lambda a: ember.linalg.vector_norm(a, 3, dim=1), (t64(3, 4, seed=9),))


def sym(n, batch=(), seed=0):
    m = np.random.default_rng(seed).standard_normal(batch + (n, n))
    return m + np.swapaxes(m, -1, -2)


def test_eigh():
    # eigenvalues compare directly; eigenvectors only up to sign, so compare V diag(f) V^T
    check(lambda lib, a: lib.linalg.eigvalsh(a), sym(4))
    check(lambda lib, a: lib.linalg.eigvalsh(a, UPLO="U"), sym(3, (2,)))
    check(lambda lib, a: lib.linalg.eigh(a)[0], sym(3, (2,)).astype(np.float32), atol=1e-4)

    def recon(lib, a):
        w, v = lib.linalg.eigh(a)
        return (v * lib.arange(1.0, 4.0, dtype=a.dtype)) @ v.mT

    check(recon, sym(3))
    check(recon, sym(3, (2,), seed=1))
    check_error(lambda lib, a: lib.linalg.eigh(a), rand(2, 3), match="square")


def test_eigh_gradcheck():
    def f(a):
        a = a + a.mT  # gradcheck perturbs every entry: symmetrise
        w, v = ember.linalg.eigh(a)
        return w, (v * ember.arange(1.0, 4.0, dtype=a.dtype)) @ v.mT

    assert gradcheck(f, (ember.tensor(sym(3, seed=3), requires_grad=True),))


def test_cholesky_gradcheck():
    eye = ember.eye(3, dtype=ember.float64)
    assert gradcheck(lambda a: ember.linalg.cholesky(a @ a.mT + 3 * eye), (t64(3, 3, seed=5),))
