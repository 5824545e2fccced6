"""ember.text padding helpers (d2l's truncate_pad / build_array_nmt)."""
import pytest

import ember
from ember.text import Vocab, build_array, pad, truncate_pad


def test_truncate_pad():
    assert truncate_pad([1, 2, 3], 5, 0) == [1, 2, 3, 0, 0]
    assert truncate_pad([1, 2, 3], 2, 0) == [1, 2]
    assert truncate_pad(["a"], 1, "<pad>") == ["a"]
    assert truncate_pad([], 2, "<pad>") == ["<pad>", "<pad>"]
    assert truncate_pad((1, 2), 0, 9) == []
    with pytest.raises(ValueError, match="num_steps must be a non-negative int, got -1"):
        truncate_pad([1], -1, 0)


def test_build_array():
    v = Vocab([["go", "go", "now"]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    arr, valid = build_array([["go"], ["now", "go", "go", "go"], []], v, 4)
    go, now, eos, p = v["go"], v["now"], v["<eos>"], v["<pad>"]
    assert arr.tolist() == [[go, eos, p, p], [now, go, go, go], [eos, p, p, p]]
    # int32 sums to int64, as in torch (d2l's valid_len is int64)
    assert arr.dtype == ember.int64 and valid.dtype == ember.int64
    assert valid.tolist() == [2, 4, 1]
    with pytest.raises(ValueError, match="no '<pad>' token"):
        build_array([["go"]], Vocab([["go"]]), 3)


def test_pad():
    out = pad([[1, 2, 3], [4], ember.tensor([5, 6])], padding_value=-1)
    assert out.tolist() == [[1, 2, 3], [4, -1, -1], [5, 6, -1]] and out.dtype == ember.int64
    assert pad([[1, 2, 3]], length=2).tolist() == [[1, 2]]
    assert tuple(pad([]).shape) == (0, 0)
