"""ember.text.Vocab: d2l's ordering, min_freq, reserved tokens, lookups, save/load."""
import json

import numpy as np
import pytest

import ember
from ember.text import Vocab, tokenize


def test_order_frequency_then_first_appearance():
    v = Vocab(tokenize(["b a c", "a c d", "e"]))
    # counts a:2 c:2 b:1 d:1 e:1; equal counts keep first-appearance order (b before d before e)
    assert v.idx_to_token == ["<unk>", "a", "c", "b", "d", "e"]
    assert v.token_freqs == [("a", 2), ("c", 2), ("b", 1), ("d", 1), ("e", 1)]
    assert len(v) == 6 and v.unk == 0
    assert v.token_to_idx == {t: i for i, t in enumerate(v.idx_to_token)}


def test_flat_and_nested_tokens_agree():
    lines = tokenize(["x y x", "z"])
    flat = [t for line in lines for t in line]
    assert Vocab(lines).idx_to_token == Vocab(flat).idx_to_token


def test_min_freq_and_reserved():
    v = Vocab([["a", "a", "b", "c", "c", "c"]], min_freq=2, reserved_tokens=["<pad>", "<bos>", "<eos>"])
    assert v.idx_to_token == ["<unk>", "<pad>", "<bos>", "<eos>", "c", "a"]
    assert v["b"] == 0 and "b" not in v and "a" in v
    # <unk> given as reserved is not duplicated; a reserved token that also occurs keeps its slot
    v2 = Vocab([["<pad>", "x"]], reserved_tokens=["<unk>", "<pad>"])
    assert v2.idx_to_token == ["<unk>", "<pad>", "x"]


def test_lookups():
    v = Vocab([["a", "b", "b"]])
    assert v["b"] == 1 and v["zz"] == 0
    assert v[["b", "a", "q"]] == [1, 2, 0]
    assert v[[["a"], ["b", "b"]]] == [[2], [1, 1]]
    assert v.to_tokens(2) == "a"
    assert v.to_tokens([1, 2, 0]) == ["b", "a", "<unk>"]
    assert v.to_tokens(ember.tensor([2, 1])) == ["a", "b"]
    assert v.to_tokens(ember.tensor(1)) == "b"
    assert v.to_tokens(np.int64(2)) == "a"
    assert v.lookup_indices(["a"]) == [2] and v.lookup_tokens([0]) == ["<unk>"]
    assert list(v) == v.get_itos() == ["<unk>", "b", "a"]
    with pytest.raises(IndexError, match="index 3 is out of range for a vocabulary of 3"):
        v.to_tokens(3)
    with pytest.raises(TypeError, match="expected int"):
        v.to_tokens("a")


def test_empty_and_bad_input():
    v = Vocab()
    assert len(v) == 1 and v.token_freqs == [] and v["x"] == 0
    with pytest.raises(TypeError, match="not a str"):
        Vocab("hello")
    with pytest.raises(TypeError, match="reserved token 3"):
        Vocab([["a"]], reserved_tokens=[3])


def test_save_load_roundtrip(tmp_path):
    v = Vocab(tokenize(["héllo wörld héllo", "x"], "char"), min_freq=1, reserved_tokens=["<pad>"])
    p = tmp_path / "v.json"
    v.save(p)
    w = Vocab.load(p)
    assert w == v and w.idx_to_token == v.idx_to_token and w.token_freqs == v.token_freqs
    assert w["é"] == v["é"]
    assert [f.name for f in tmp_path.iterdir()] == ["v.json"]  # no temporary file left
    assert json.loads(p.read_text(encoding="utf-8"))["format"] == "ember.text.Vocab"


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        Vocab.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not a vocabulary JSON"):
        Vocab.load(bad)
    bad.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a vocabulary saved by"):
        Vocab.load(bad)
    bad.write_text(json.dumps({"format": "ember.text.Vocab", "idx_to_token": ["a", "<unk>"]}))
    with pytest.raises(ValueError, match="starting with '<unk>'"):
        Vocab.load(bad)
