"""nn.utils.rnn against torch: pad_sequence, pack_padded_sequence / pad_packed_sequence (sorted
and unsorted, batch_first, total_length), pack_sequence, unpad/unpack_sequence,
invert_permutation, PackedSequence, gradients through packing, and errors."""
import re

import numpy as np
import pytest
import torch

import ember
from helpers import assert_close, check, check_error

RNG = np.random.default_rng(11)


def R(lib):
    return lib.nn.utils.rnn


def seqs(*lengths, rest=(3,)):
    return [RNG.uniform(-1, 1, (n,) + rest).astype(np.float32) for n in lengths]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("value", [0.0, -1.5])
def test_pad_sequence(batch_first, side, value):
    check(lambda lib, a, b, c: R(lib).pad_sequence([a, b, c], batch_first=batch_first, padding_value=value,
                                                   padding_side=side), *seqs(2, 5, 1))


def test_pad_sequence_tensor_and_scalar_sequences():
    check(lambda lib, x: R(lib).pad_sequence(x), RNG.uniform(-1, 1, (3, 4, 2)).astype(np.float32))
    check(lambda lib, a, b: R(lib).pad_sequence((a, b), batch_first=True), *seqs(3, 1, rest=()))


def test_pad_sequence_errors():
    check_error(lambda lib, a, b: R(lib).pad_sequence([a, b]), *seqs(2, 2, rest=(3,))[:1],
                RNG.uniform(size=(3, 4)).astype(np.float32),
                match=re.escape("The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                                "dimension 1"))
    check_error(lambda lib, a: R(lib).pad_sequence([a], padding_side="middle"), *seqs(2),
                match="Expected padding_side to be one of left or right, but got middle.")
    check_error(lambda lib: R(lib).pad_sequence([]), match="received an empty list of sequences")


def _pack_roundtrip(lengths, batch_first, enforce_sorted, total_length=None, value=0.0, as_tensor=False):
    def fn(lib, x):
        lens = lib.tensor(lengths) if as_tensor else lengths
        p = R(lib).pack_padded_sequence(x, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
        padded, out_lens = R(lib).pad_packed_sequence(p, batch_first=batch_first, padding_value=value,
                                                      total_length=total_length)
        extra = [p.sorted_indices, p.unsorted_indices] if p.sorted_indices is not None else []
        return [p.data, p.batch_sizes, padded, out_lens] + extra
    return fn


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([2, 5, 1, 5], False),
                                                    ([4, 4, 4, 4], True), ([1, 2, 3, 4], False)])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_and_pad_roundtrip(batch_first, lengths, enforce_sorted, as_tensor):
    shape = (4, 5, 3) if batch_first else (5, 4, 3)
    check(_pack_roundtrip(lengths, batch_first, enforce_sorted, as_tensor=as_tensor),
          RNG.uniform(-1, 1, shape).astype(np.float32))


def test_pad_packed_total_length_and_padding_value():
    x = RNG.uniform(-1, 1, (5, 3, 2)).astype(np.float32)
    check(_pack_roundtrip([3, 2, 1], False, True, total_length=7, value=9.0), x)
    check(_pack_roundtrip([3, 5, 1], True, False, total_length=6, value=-1.0), x.transpose(1, 0, 2).copy())


def test_pack_sequence_and_unpack():
    a, b, c = seqs(2, 4, 3)
    check(lambda lib, a, b, c: list(R(lib).pack_sequence([a, b, c], enforce_sorted=False)), a, b, c)
    check(lambda lib, a, b, c: list(R(lib).pack_sequence([b, c, a]))[:2], a, b, c)
    check(lambda lib, a, b, c: R(lib).unpack_sequence(R(lib).pack_sequence([a, b, c], enforce_sorted=False)),
          a, b, c)
    # x * 1: torch's unpad_sequence transposes a time-major input in place (ember leaves it alone)
    check(lambda lib, x: R(lib).unpad_sequence(x * 1, lib.tensor([3, 1, 2])), RNG.uniform(size=(3, 3, 2)).astype(
        np.float32))
    check(lambda lib, x: R(lib).unpad_sequence(x, lib.tensor([2, 3]), batch_first=True), RNG.uniform(size=(2, 3)).astype(
        np.float32))


def test_packed_sequence_fields_and_conversion():
    x = RNG.uniform(size=(4, 3, 2)).astype(np.float32)
    e = R(ember).pack_padded_sequence(ember.tensor(x), [4, 1, 3], enforce_sorted=False)
    t = R(torch).pack_padded_sequence(torch.tensor(x), [4, 1, 3], enforce_sorted=False)
    assert e._fields == t._fields
    assert_close(list(e), list(t))
    d = e.double()
    assert isinstance(d, R(ember).PackedSequence) and d.data.dtype == ember.float64
    assert d.batch_sizes is e.batch_sizes and e.to(ember.float32) is e
    assert e.is_cuda is False and e.cpu() is e
    assert "PackedSequence(data=" in repr(e)
    rebuilt = R(ember).PackedSequence(e.data, e.batch_sizes, e.sorted_indices)
    assert_close(rebuilt.unsorted_indices, t.unsorted_indices)


def test_invert_permutation():
    p = np.array([2, 0, 3, 1])
    assert_close(R(ember).invert_permutation(ember.tensor(p)), R(torch).invert_permutation(torch.tensor(p)))
    assert R(ember).invert_permutation(None) is None


def test_pack_errors():
    x = np.zeros((5, 3, 2), np.float32)
    check_error(lambda lib, x: R(lib).pack_padded_sequence(x, [3, 5, 2]), x,
                match=re.escape("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True"))
    check_error(lambda lib, x: R(lib).pack_padded_sequence(x, [5, 3, 0]), x,
                match="Length of all samples has to be greater than 0")
    check_error(lambda lib, x: R(lib).pack_padded_sequence(x, [5, 3]), x,
                match=re.escape("Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"))
    check_error(lambda lib, x: R(lib).pad_packed_sequence(R(lib).pack_padded_sequence(x, [5, 3, 1]),
                                                          total_length=3), x,
                match="Expected total_length to be at least the length of the longest sequence")
    with pytest.raises(RuntimeError, match="exceeds the padded sequence length"):
        R(ember).pack_padded_sequence(ember.tensor(x), [6, 3, 1])
