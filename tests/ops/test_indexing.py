"""Indexing reads and the index-driven functions, against torch: values, dtypes,
shapes, gradients (repeated indices accumulate), errors; gradcheck in float64 and
second derivatives through the backward formulas (create_graph)."""
import numpy as np
import pytest
import torch

import ember
from helpers import check, check_error, rand


def T(lib, a):
    """An index tensor in either framework."""
    return lib.tensor(np.asarray(a))


# ---------------------------------------------------------------------------- basic getitem
BASIC = [
    1, -1, slice(1, 3), slice(None, None, 2), slice(-3, None), (1, 2), (-1, -2), (slice(None), 1),
    (slice(None), slice(1, None, 2)), (Ellipsis, 0), (None,), (None, 1, None), (1, Ellipsis, None),
    Ellipsis, (), (slice(0, 0),), (slice(5, 10),), (slice(None), None, slice(None, None, 3)),
    (0, 0, 0), (slice(-100, 100),),
]


@pytest.mark.parametrize("key", BASIC, ids=[repr(k) for k in BASIC])
def test_basic_getitem(key):
    check(lambda lib, x: x[key], rand(3, 4, 5))


@pytest.mark.parametrize("key", [0, -1, (Ellipsis,), None, ()])
def test_basic_getitem_small(key):
    check(lambda lib, x: x[key], rand(4))
    if key is not None and key != 0 and key != -1:
        check(lambda lib, x: x[key], rand())


def test_basic_getitem_is_a_view():
    x = ember.arange(12.).reshape(3, 4)
    v = x[1]
    assert v._base is not None and v._version is x._version
    v[0] = 100.0
    assert x[1, 0].item() == 100.0
    s = x[:, ::2]
    s.mul_(0)
    assert x.tolist() == [[0.0, 1.0, 0.0, 3.0], [0.0, 5.0, 0.0, 7.0], [0.0, 9.0, 0.0, 11.0]]


def test_basic_getitem_grad_fn_names():
    x = ember.ones(3, 4, requires_grad=True)
    assert x[1].grad_fn.name() == "SelectBackward0"
    assert x[1:].grad_fn.name() == "SliceBackward0"
    assert x[[0, 1]].grad_fn.name() == "IndexBackward0"


def test_noncontiguous_base():
    check(lambda lib, x: x.t()[1:, ::2], rand(4, 5))
    check(lambda lib, x: x[:, ::2][[0, 2]], rand(4, 6))
    check(lambda lib, x: x.t()[[1, 1, 3]], rand(4, 5))


def test_zero_size():
    check(lambda lib, x: x[1:1], rand(3, 4))
    check(lambda lib, x: x[:, 2:], rand(0, 4))
    check(lambda lib, x: x[T(lib, np.zeros(0, np.int64))], rand(3, 4))
    check(lambda lib, x: x[T(lib, np.zeros(3, bool))], rand(3, 4))


# ---------------------------------------------------------------------------- advanced getitem
ADV = {
    "int_list": lambda lib, x: x[[0, 2, 2]],
    "int_tensor": lambda lib, x: x[T(lib, [2, 0, -1, 0])],
    "int_tensor_2d": lambda lib, x: x[T(lib, [[0, 1], [2, 2]])],
    "int32_tensor": lambda lib, x: x[T(lib, np.array([0, 2], np.int32))],
    "two_arrays": lambda lib, x: x[T(lib, [0, 1, 1]), T(lib, [3, 0, 3])],
    "range_and_tensor": lambda lib, x: x[range(3), T(lib, [1, 0, 3])],
    "broadcast_arrays": lambda lib, x: x[T(lib, [[0], [2]]), T(lib, [1, 3])],
    "slice_then_array": lambda lib, x: x[:, [3, 3, 0]],
    "array_slice_array": lambda lib, x: x[[0, 1], :, [1, 2]],
    "separated_by_none": lambda lib, x: x[[0, 1], None, [1, 2]],
    "int_then_arrays": lambda lib, x: x[1, [0, 2], [1, 1]],
    "array_int_array": lambda lib, x: x[[0, 2], 1, [4, 0]],
    "slice_array_int": lambda lib, x: x[:, [0, 2], 1],
    "zero_d_int_tensor": lambda lib, x: x[:, T(lib, 1), T(lib, [0, 4])],
    "ellipsis_array": lambda lib, x: x[..., [0, 4]],
    "ellipsis_array_none": lambda lib, x: x[..., [0, 4], None],
    "bool_mask": lambda lib, x: x[x > 0],
    "bool_mask_rows": lambda lib, x: x[T(lib, [True, False, True])],
    "bool_list": lambda lib, x: x[[True, False, True]],
    "bool_mask_2d": lambda lib, x: x[x[:, :, 0] > 0],
    "bool_mask_middle": lambda lib, x: x[:, T(lib, [True, False, True, True])],
    "mask_and_array": lambda lib, x: x[T(lib, [True, False, True]), :, [0, 1]],
    "bool_scalar": lambda lib, x: x[True],
    "bool_false": lambda lib, x: x[False],
    "zero_d_bool_tensor": lambda lib, x: x[T(lib, np.array(True))],
    "none_array": lambda lib, x: x[None, [1, 0]],
    "negative_steps_free_slice": lambda lib, x: x[1:, [0, 0], ::2],
    "empty_list": lambda lib, x: x[[]],
    "tuple_in_tuple": lambda lib, x: x[(0, 2), ],
    "numpy_int": lambda lib, x: x[np.int64(1), 1:],
    "numpy_array": lambda lib, x: x[np.array([2, 0])],
    "numpy_mask": lambda lib, x: x[:, np.array([True, False, True, False])],
}


@pytest.mark.parametrize("name", sorted(ADV))
def test_advanced_getitem(name):
    check(ADV[name], rand(3, 4, 5))


def test_seed_cross_entropy_pick():
    # the notes: -log(y_hat[range(len(y_hat)), y])
    y = np.array([0, 2, 1, 2])
    check(lambda lib, yh: -lib.log(yh[range(len(yh)), lib.tensor(y)]), rand(4, 3, low=0.1, high=1.0))


def test_repeated_indices_accumulate():
    e = ember.ones(4, requires_grad=True)
    e[[0, 0, 0, 3]].sum().backward()
    assert e.grad.tolist() == [3.0, 0.0, 0.0, 1.0]


def test_advanced_is_a_copy():
    x = ember.zeros(3)
    y = x[[0, 1]]
    y[0] = 5.0
    assert x.tolist() == [0.0, 0.0, 0.0]


def test_uint8_mask_warns():
    x = rand(3, 4)
    with pytest.warns(UserWarning, match="uint8"):
        e = ember.tensor(x)[ember.tensor(np.array([1, 0, 1], np.uint8))]
    np.testing.assert_array_equal(e.numpy(), x[[0, 2]])


def test_list_of_index_lists_is_a_tuple():
    x = rand(3, 4)
    np.testing.assert_array_equal(ember.tensor(x)[[[0, 1], [1, 3]]].numpy(), x[[0, 1], [1, 3]])


# ---------------------------------------------------------------------------- getitem errors
def test_getitem_errors():
    x = rand(3, 4)
    check_error(lambda lib, x: x[5], x, match=r"^index 5 is out of bounds for dimension 0 with size 3$")
    check_error(lambda lib, x: x[-4], x, match="index -4 is out of bounds for dimension 0 with size 3")
    check_error(lambda lib, x: x[:, 4], x, match="index 4 is out of bounds for dimension 1 with size 4")
    check_error(lambda lib, x: x[1, 2, 3], x, match=r"^too many indices for tensor of dimension 2$")
    check_error(lambda lib, x: x[[0, 1], 2, 3], x, match="too many indices for tensor of dimension 2")
    check_error(lambda lib, x: x[T(lib, [0, 5])], x, match="index 5 is out of bounds for dimension 0 with size 3")
    check_error(lambda lib, x: x[T(lib, [1.0])], x,
                match="tensors used as indices must be long, int, byte or bool tensors")
    check_error(lambda lib, x: x[T(lib, np.ones(4, bool))], x,
                match=r"The shape of the mask \[4\] at index 0 does not match the shape of the indexed "
                      r"tensor \[3, 4\] at index 0")
    check_error(lambda lib, x: x[:, T(lib, np.ones(3, bool))], x,
                match=r"The shape of the mask \[3\] at index 0 does not match the shape of the indexed "
                      r"tensor \[3, 4\] at index 1")
    check_error(lambda lib, x: x[::-1], x, match="^step must be greater than zero$")
    check_error(lambda lib, x: x[:, ::-2], x, match="step must be greater than zero")
    check_error(lambda lib, x: x[[0], ::-1], x, match="step must be greater than zero")
    check_error(lambda lib, x: x[::0], x, match="slice step cannot be zero")
    check_error(lambda lib, x: x[1.5], x, match="only integers")
    check_error(lambda lib, x: x[T(lib, [0, 1]), T(lib, [0, 1, 2])], x, match="shape mismatch")
    with pytest.raises(IndexError, match="single ellipsis"):  # torch accepts it, with odd results
        ember.tensor(x)[..., 0, ...]
    check_error(lambda lib, x: x[0], np.array(1.0), match="invalid index of a 0-dim tensor")


# ---------------------------------------------------------------------------- gather / take / select
def test_gather():
    idx = np.array([[0, 3, 3], [1, 1, 0], [2, 0, 0]])
    check(lambda lib, x: lib.gather(x, 1, T(lib, idx)), rand(3, 4))
    check(lambda lib, x: x.gather(0, T(lib, idx[:, :2] % 3)), rand(3, 4))
    check(lambda lib, x: x.gather(-1, T(lib, idx[:2, :2])), rand(3, 4))  # smaller index than input
    check(lambda lib, x: x.gather(1, T(lib, idx.astype(np.int32))), rand(3, 4))
    check(lambda lib, x: x.t().gather(0, T(lib, [[1, 2, 0]])), rand(3, 4))
    check(lambda lib, x: x.gather(0, T(lib, 2)), rand(3))
    check(lambda lib, x: x.gather(0, T(lib, np.zeros((0,), np.int64))), rand(3))
    check(lambda lib, x: x.gather(2, T(lib, np.zeros((2, 2, 1), np.int64))), rand(2, 3, 4))


def test_gather_errors():
    x = rand(3, 4)
    check_error(lambda lib, x: x.gather(1, T(lib, [[0.0]])), x, match="gather\\(\\): Expected dtype int32/int64")
    check_error(lambda lib, x: x.gather(1, T(lib, [0, 1])), x, match="same number of dimensions")
    check_error(lambda lib, x: x.gather(1, T(lib, np.zeros((4, 1), np.int64))), x,
                match=r"Size does not match at dimension 0 expected index \[4, 1\] to be no larger than "
                      r"self \[3, 4\] apart from dimension 1")
    check_error(lambda lib, x: x.gather(1, T(lib, [[5]])), x,
                match="index 5 is out of bounds for dimension 1 with size 4")
    check_error(lambda lib, x: x.gather(1, T(lib, [[-1]])), x, match="index -1 is out of bounds")
    check_error(lambda lib, x: x.gather(2, T(lib, [[0]])), x, match="Dimension out of range")


def test_index_select():
    check(lambda lib, x: x.index_select(0, T(lib, [2, 0, 2])), rand(3, 4))
    check(lambda lib, x: lib.index_select(x, -1, T(lib, np.array([3, 3, 1], np.int32))), rand(3, 4))
    check(lambda lib, x: x.index_select(1, T(lib, 1)), rand(3, 4))
    check(lambda lib, x: x.t().index_select(1, T(lib, [0, 0])), rand(3, 4))
    check(lambda lib, x: x.index_select(0, T(lib, np.zeros(0, np.int64))), rand(3, 4))
    x = rand(3, 4)
    check_error(lambda lib, x: x.index_select(0, T(lib, [0, 5])), x, match="index out of range in self")
    check_error(lambda lib, x: x.index_select(0, T(lib, [-1])), x, match="index out of range in self")
    check_error(lambda lib, x: x.index_select(0, T(lib, [[0, 1]])), x, match="Index is supposed to be a vector")
    check_error(lambda lib, x: x.index_select(0, T(lib, [1.0])), x, match="int32 or int64")


def test_take():
    idx = np.array([[0, 11], [-12, 3], [3, 3]])
    check(lambda lib, x: x.take(T(lib, idx)), rand(3, 4))
    check(lambda lib, x: lib.take(x.t(), T(lib, [1, 5, 1])), rand(3, 4))
    check(lambda lib, x: x.take(T(lib, [[0, 0]])), rand())
    x = rand(3, 4)
    check_error(lambda lib, x: x.take(T(lib, [12])), x,
                match=r"out of range: tried to access index 12 on a tensor of 12 elements\.")
    check_error(lambda lib, x: x.take(T(lib, [-13])), x, match="index -13")
    check_error(lambda lib, x: x.take(T(lib, [1.0])), x, match="Expected a long tensor for index")


def test_take_along_dim():
    check(lambda lib, x: lib.take_along_dim(x, T(lib, [[0], [1], [3]]), 1), rand(3, 4))
    check(lambda lib, x: lib.take_along_dim(x, T(lib, [[0, 1, 1]]), 1), rand(3, 4))  # broadcast index
    check(lambda lib, x: lib.take_along_dim(x, T(lib, [[2, 0, 1, 1]]), 0), rand(3, 1))  # broadcast input
    check(lambda lib, x: x.take_along_dim(T(lib, [3, 11, 3])), rand(3, 4))
    check(lambda lib, x: lib.take_along_dim(x, x.argsort(dim=1), dim=1) if hasattr(x, "argsort")
          else lib.take_along_dim(x, T(lib, [[1, 0], [0, 1]]), 1), rand(2, 2))
    x = rand(3, 4)
    check_error(lambda lib, x: lib.take_along_dim(x, T(lib, [[[0]]]), 1), x, match="same number of dimensions")
    check_error(lambda lib, x: lib.take_along_dim(x, T(lib, [[0.0]]), 1), x, match="should be Long")
    check_error(lambda lib, x: lib.take_along_dim(x, T(lib, [[0, 1]]), 0), x, match="must match the size")
    check_error(lambda lib, x: lib.take_along_dim(x, T(lib, [12])), x, match="out of bounds")


def test_masked_select():
    x = rand(3, 4)
    m = x > 0
    check(lambda lib, x: x.masked_select(T(lib, m)), x)
    check(lambda lib, x: lib.masked_select(x, T(lib, m[0])), x)  # mask broadcast over rows
    check(lambda lib, x: x.masked_select(T(lib, np.ones((2, 3, 4), bool))), x)  # input broadcast
    check(lambda lib, x: x[0].masked_select(T(lib, m)), x)
    check(lambda lib, x: x.masked_select(T(lib, np.array(True))), rand())
    check_error(lambda lib, x: x.masked_select(T(lib, np.ones(5, bool))), x, match="must match the size")
    check_error(lambda lib, x: x.masked_select(T(lib, np.ones(4))), x, match="expected BoolTensor")


# ---------------------------------------------------------------------------- writes that return copies
def test_masked_fill():
    x = rand(3, 4)
    m = x > 0
    check(lambda lib, x: x.masked_fill(T(lib, m), -1.5), x)
    check(lambda lib, x: lib.masked_fill(x, T(lib, m[1]), 0), x)
    check(lambda lib, x: x.masked_fill(T(lib, np.ones((2, 3, 4), bool)), 5.0), x)
    check(lambda lib, x, v: x.masked_fill(T(lib, m), v), x, rand())  # value grad: sum over the mask
    check(lambda lib, x: x.masked_fill(T(lib, m), float("-inf")).exp(), x)
    check(lambda lib: T(lib, np.arange(4)).masked_fill(T(lib, [True, False, True, False]), 2.7))
    check(lambda lib: T(lib, np.arange(4.0)).masked_fill(T(lib, [True, False, True, False]), T(lib, 7)))
    check_error(lambda lib, x: x.masked_fill(T(lib, np.ones((3, 4), np.float32)), 1), x,
                match="masked_fill_ only supports boolean masks, but got mask with dtype float")
    check_error(lambda lib, x: x.masked_fill(T(lib, np.ones((3, 4), np.int64)), 1), x, match="dtype long int")
    check_error(lambda lib, x: x.masked_fill(T(lib, m), T(lib, [5.0])), x,
                match="only supports a 0-dimensional value tensor, but got tensor with 1 dimension")


def test_masked_fill_inplace():
    x = rand(3, 4)
    m = x > 0
    check(lambda lib, x: (x * 1).masked_fill_(T(lib, m), 2.0), x)
    check(lambda lib, x, v: (x * 1).masked_fill_(T(lib, m), v), x, rand())
    check(lambda lib: lib.zeros(3).masked_fill_(T(lib, [True, False, True]), 1))
    check_error(lambda lib, x: x.masked_fill_(T(lib, np.ones((2, 3, 4), bool)), 5), x,
                match=r"output with shape \[3, 4\] doesn't match the broadcast shape \[2, 3, 4\]")


def test_scatter():
    idx = np.array([[1], [2], [3]])
    check(lambda lib, x, s: x.scatter(1, T(lib, idx), s), rand(3, 5), rand(3, 1))
    check(lambda lib, x, s: lib.scatter(x, 1, T(lib, idx), s), rand(3, 5), rand(3, 3), grad=False)
    check(lambda lib, x: x.scatter(0, T(lib, [[2, 0, 1]]), 1.5), rand(3, 3))
    check(lambda lib, x: x.scatter(1, T(lib, idx.astype(np.int32)), 2.0), rand(3, 5))
    check(lambda lib: lib.zeros(3, dtype=lib.int64).scatter(0, T(lib, [0]), 1.7))


def test_scatter_one_hot_seed():
    # the notes: torch.zeros(target.shape[0], 10).scatter_(1, target.unsqueeze(1), 1.0)
    y = np.array([3, 0, 9, 3])
    e = ember.zeros(4, 10).scatter_(1, ember.tensor(y).unsqueeze(1), 1.0)
    t = torch.zeros(4, 10).scatter_(1, torch.tensor(y).unsqueeze(1), 1.0)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert e.dtype == ember.float32


def test_scatter_errors():
    x = rand(3, 10)
    idx = np.array([[1], [2], [3]])
    check_error(lambda lib, x: x.scatter_(1, T(lib, idx.astype(float)), 1.0), x,
                match="scatter\\(\\): Expected dtype int32/int64 for index")
    check_error(lambda lib, x: x.scatter(1, T(lib, [[10], [2], [3]]), 1.0), x,
                match="index 10 is out of bounds for dimension 1 with size 10")
    check_error(lambda lib, x: x.scatter(1, T(lib, idx), lib.ones(2, 1)), x,
                match=r"Expected index \[3, 1\] to be no larger than self \[3, 10\] apart from dimension 1 "
                      r"and to be no larger size than src \[2, 1\]")
    check_error(lambda lib, x: x.scatter(1, T(lib, idx), lib.ones(3, 1, dtype=lib.float64)), x,
                match="Expected self.dtype to be equal to src.dtype")
    check_error(lambda lib, x: x.scatter(1, T(lib, [1, 2, 3]), 1.0), x, match="same number of dimensions")
    check_error(lambda lib, x: x.scatter(1, T(lib, idx), 1.0, reduce="foo"), x, match="add or multiply")


def test_scatter_reduce_legacy():
    idx = np.array([[0, 0, 1]])
    with pytest.warns(UserWarning, match="reduce argument of torch.scatter with Tensor src is deprecated"):
        check(lambda lib, x: x.scatter(1, T(lib, idx), lib.full((1, 3), 2.0), reduce="add"), rand(1, 3),
              grad=False)
    check(lambda lib, x: x.scatter(1, T(lib, idx), 3.0, reduce="multiply"), rand(1, 3), grad=False)
    e = ember.ones(1, 3, requires_grad=True)
    out = e.scatter(1, ember.tensor(idx), 3.0, reduce="add")
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        out.sum().backward()


def test_scatter_add():
    idx = np.array([[0, 1, 0], [2, 2, 2]])
    check(lambda lib, x, s: x.scatter_add(1, T(lib, idx), s), rand(2, 4), rand(2, 3))
    check(lambda lib, x, s: lib.scatter_add(x, 0, T(lib, [[1, 1]]), s), rand(2, 2), rand(2, 2), grad=False)
    check(lambda lib, x, s: (x * 1).scatter_add_(1, T(lib, idx), s), rand(2, 4), rand(2, 3))


def test_scatter_src_larger_than_index_grad():
    # torch refuses this backward (gradient of index's shape); ember pads it with zeros to src's shape
    for fn in (ember.scatter, ember.scatter_add):
        s = ember.ones(3, 3, requires_grad=True)
        fn(ember.zeros(3, 5), 1, ember.tensor([[1], [2], [3]]), s).sum().backward()
        assert s.grad.tolist() == [[1.0, 0.0, 0.0]] * 3


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    idx = np.array([0, 0, 2, 2, 2, 4])
    src = rand(6)
    src[3] = src[2]  # a tie for amax/amin
    check(lambda lib, x, s: x.scatter_reduce(0, T(lib, idx), s, reduce, include_self=include_self),
          rand(5), src)
    z = src.copy()
    z[0] = 0.0  # prod with a zero
    check(lambda lib, x, s: x.scatter_reduce(0, T(lib, idx), s, reduce, include_self=include_self),
          rand(5), z)
    check(lambda lib: T(lib, np.arange(5)).scatter_reduce(0, T(lib, idx), T(lib, np.arange(6) * 3), reduce,
                                                           include_self=include_self))


def test_index_add_copy_fill():
    idx = np.array([0, 2, 0])
    check(lambda lib, x, s: x.index_add(1, T(lib, idx), s), rand(2, 4), rand(2, 3))
    check(lambda lib, x, s: x.index_add(0, T(lib, [1, 1]), s, alpha=2.5), rand(2, 4), rand(2, 4))
    check(lambda lib, x, s: (x * 1).index_add_(1, T(lib, idx), s), rand(2, 4), rand(2, 3))
    check(lambda lib, x, s: x.index_copy(1, T(lib, [3, 0]), s), rand(2, 4), rand(2, 2))
    check(lambda lib, x, s: (x * 1).index_copy_(0, T(lib, [1]), s), rand(2, 4), rand(1, 4))
    check(lambda lib, x: x.index_fill(1, T(lib, [0, -1, 0]), -2.0), rand(2, 4))
    check(lambda lib, x, v: x.index_fill(1, T(lib, [0, 0, 2]), v), rand(3, 4), rand())
    check(lambda lib, x: (x * 1).index_fill_(0, T(lib, [1]), 7), rand(2, 4))
    x = rand(3, 4)
    check_error(lambda lib, x: x.index_add(1, T(lib, [0, 0]), lib.ones(3, 3)), x, match="Number of indices")
    check_error(lambda lib, x: x.index_add(1, T(lib, [0, -1]), lib.ones(3, 2)), x, match="index -1 is out")
    check_error(lambda lib, x: x.index_add(1, T(lib, [0, 1]), lib.ones(3, 2, dtype=lib.float64)), x,
                match=r"self \(Float\) and source \(Double\) must have the same scalar type")
    check_error(lambda lib, x: x.index_add(1, T(lib, [0.0, 1]), lib.ones(3, 2)), x, match="int32/int64")
    check_error(lambda lib, x: x.index_add(1, T(lib, [[0, 1]]), lib.ones(3, 2)), x, match="vector")
    check_error(lambda lib, x: x.index_fill(1, T(lib, [0, 5]), 1.0), x, match="index 5 is out of bounds")
    check_error(lambda lib, x: x.index_fill(1, T(lib, [0.0]), 1.0), x, match="Expected dtype int64")
    check_error(lambda lib, x: x.index_fill(1, T(lib, [0]), T(lib, [1.0])), x, match="0-dimensional")
    check_error(lambda lib, x: x.index_copy(1, T(lib, [0, 1]), lib.ones(3, 3)), x, match="Number of indices")
    check_error(lambda lib, x: x.index_copy(1, T(lib, [0, 1]), lib.ones(3, 2, dtype=lib.float64)), x,
                match="same dtype")


def test_index_put_and_put():
    check(lambda lib, x, v: x.index_put((T(lib, [0, 2]), T(lib, [1, 1])), v), rand(3, 4), rand(2))
    check(lambda lib, x, v: x.index_put((T(lib, [0, 0]),), v, accumulate=True), rand(3, 4), rand(4))
    check(lambda lib, x, v: (x * 1).index_put_([T(lib, [1, 1]), T(lib, [0, 0])], v, accumulate=True),
          rand(3, 4), rand())
    check(lambda lib, x, s: x.put(T(lib, [0, -1, 5]), s), rand(3, 4), rand(3))
    check(lambda lib, x, s: (x * 1).put_(T(lib, [[0, 0]]), s, accumulate=True), rand(3, 4), rand(1, 2))
    x = rand(3, 4)
    check_error(lambda lib, x: x.put_(T(lib, [0, 1]), lib.ones(3)), x, match="same number of elements")
    check_error(lambda lib, x: x.put_(T(lib, [12]), lib.ones(1)), x, match="out of range")
    check_error(lambda lib, x: x.put_(T(lib, [0]), lib.ones(1, dtype=lib.float64)), x, match="same dtype")


def test_masked_scatter():
    m = np.array([True, False, True, True])
    check(lambda lib, x, s: x.masked_scatter(T(lib, m), s), rand(3, 4), rand(4, 5))
    check(lambda lib, x, s: x.masked_scatter(T(lib, np.ones((2, 4), bool)), s), rand(4), rand(8))
    check(lambda lib, x, s: (x * 1).masked_scatter_(T(lib, m), s), rand(3, 4), rand(9))
    x = rand(3, 4)
    check_error(lambda lib, x: x.masked_scatter(T(lib, m), lib.ones(5)), x, match="Number of elements of source")
    check_error(lambda lib, x: x.masked_scatter(T(lib, m), lib.ones(9, dtype=lib.float64)), x, match="same dtypes")


def test_nonzero_argwhere():
    a = np.array([[1, 0, 2], [0, 0, 3]])
    check(lambda lib: lib.nonzero(T(lib, a)))
    check(lambda lib: T(lib, a).nonzero(as_tuple=True))
    check(lambda lib: lib.argwhere(T(lib, a > 1)))
    check(lambda lib: lib.nonzero(T(lib, np.array(5))))
    check(lambda lib: lib.nonzero(T(lib, np.array(0.0)), as_tuple=True))
    check(lambda lib: lib.argwhere(T(lib, np.zeros((0, 3)))))


# ---------------------------------------------------------------------------- gradcheck, create_graph
def _x64(*shape):
    return ember.tensor(rand(*shape, dtype=np.float64), requires_grad=True)


def test_gradcheck():
    gc = ember.autograd.gradcheck
    idx = ember.tensor([[0, 2, 2], [1, 1, 0]])
    assert gc(lambda x: x[1:, ::2], (_x64(3, 4),))
    assert gc(lambda x: x[[0, 0, 2], 1:], (_x64(3, 4),))
    assert gc(lambda x: x[x > 0], (_x64(3, 4),))
    assert gc(lambda x: x.gather(1, idx), (_x64(2, 3),))
    assert gc(lambda x, s: x.scatter(1, ember.tensor([[0, 2], [1, 0]]), s), (_x64(2, 3), _x64(2, 2)))
    assert gc(lambda x: x.index_select(0, ember.tensor([1, 1, 0])), (_x64(2, 3),))
    assert gc(lambda x, v: x.masked_fill(x > 0, v), (_x64(2, 3), _x64()))
    assert gc(lambda x: ember.take_along_dim(x, idx, 1), (_x64(2, 3),))
    assert gc(lambda x, s: x.scatter_add(1, idx, s), (_x64(2, 3), _x64(2, 3)))


def test_second_derivative_through_getitem_and_gather():
    for fn in (lambda x: (x[[0, 0, 1]] ** 3).sum(), lambda x: (x[:, 1:] ** 3).sum(),
               lambda x: (x.gather(1, T(lib_of(x), [[0, 0], [1, 2]])) ** 3).sum(),
               lambda x: (x[x > 0] ** 3).sum()):
        xs = rand(2, 3, dtype=np.float64)
        grads = []
        for lib in (ember, torch):
            x = lib.tensor(xs, requires_grad=True)
            (g,) = lib.autograd.grad(fn(x), x, create_graph=True)
            (gg,) = lib.autograd.grad((g * g).sum(), x)
            grads.append((np.asarray(g.detach().numpy()), np.asarray(gg.numpy())))
        np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-10)
        np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10)


def lib_of(x):
    return ember if isinstance(x, ember.Tensor) else torch


def test_double_backward_gradgradcheck_like():
    # d/dx of the gradient of x[idx]**2 summed: 2 * count(idx) on the diagonal
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = ember.autograd.grad((x[[0, 0, 2]] ** 2).sum(), x, create_graph=True)
    assert g.tolist() == [4.0, 0.0, 6.0]
    (gg,) = ember.autograd.grad(g.sum(), x)
    assert gg.tolist() == [4.0, 0.0, 2.0]


def test_gradgradcheck():
    """Second derivatives of every primitive's backward (they are built from the same
    primitives, so they must be differentiable themselves)."""
    ggc = ember.autograd.gradgradcheck
    idx = ember.tensor([[0, 2, 2], [1, 1, 0]])

    def setitem(x, v):
        y = x * x
        y[[0, 1], 1:] = v[:2] * v[:2]
        y[0, 0] = v[2]
        return y
    cases = [
        (lambda x: x[1:, ::2] ** 2, (_x64(3, 4),)),
        (lambda x: x[[0, 0, 2], None] ** 2, (_x64(3, 2),)),
        (lambda x: x[x > 0] ** 2, (_x64(2, 3),)),
        (lambda x: x.gather(1, idx) ** 2, (_x64(2, 3),)),
        (lambda x, s: x.scatter(1, ember.tensor([[0, 2], [1, 0]]), s) ** 2, (_x64(2, 3), _x64(2, 2))),
        (lambda x, s: x.scatter_add(1, idx, s) ** 2, (_x64(2, 3), _x64(2, 3))),
        (lambda x: x.index_select(0, ember.tensor([1, 1, 0])) ** 2, (_x64(2, 3),)),
        (lambda x, v: x.masked_fill(ember.tensor([True, False, True]), v) ** 2, (_x64(2, 3), _x64())),
        (lambda x: x.take(ember.tensor([5, 0, 5])) ** 2, (_x64(2, 3),)),
        (setitem, (_x64(2, 3), _x64(3))),
        (lambda x, s: (x * 1).copy_(s) ** 2, (_x64(2, 3), _x64(3))),
    ]
    for fn, inputs in cases:
        assert ggc(fn, inputs)


def test_zero_d_inputs():
    s = np.array(1.5, np.float32)
    check(lambda lib, x: x[x > 0], s)
    check(lambda lib, x: x[x < 0], s)
    check(lambda lib, x: x[None, True], s)
    check(lambda lib, x: x.masked_fill(x > 0, 0.0), s)
    check(lambda lib, x: x.index_fill(0, T(lib, [0]), 2.0), s)
    check(lambda lib, x: x.index_fill(0, T(lib, np.zeros(0, np.int64)), 2.0), s)
    check(lambda lib, x: x.index_select(0, T(lib, [0])), s)
    check(lambda lib, x: x.gather(0, T(lib, 0)), s)
    check(lambda lib, x, v: x.scatter(0, T(lib, 0), v), s, np.array(2.5, np.float32))
    check(lambda lib, x, v: x.index_add(0, T(lib, [0]), v), s, np.array(2.5, np.float32))
    check(lambda lib, x: lib.take_along_dim(x, T(lib, 0)), rand(3))
