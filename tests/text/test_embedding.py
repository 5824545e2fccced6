"""ember.text.TokenEmbedding on small GloVe and word2vec text files written by the tests."""
import numpy as np
import pytest
import torch

import ember
from ember.text import TokenEmbedding

WORDS = ["king", "queen", "man", "woman", "apple", "pear", "car"]


def _vectors(seed=0, dim=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((len(WORDS), dim)).astype(np.float32)


def _write(path, vecs, word2vec=False):
    with open(path, "w", encoding="utf-8") as f:
        if word2vec:
            f.write(f"{len(WORDS)} {vecs.shape[1]}\n")
        for w, v in zip(WORDS, vecs):
            f.write(w + " " + " ".join(repr(float(x)) for x in v) + "\n")


@pytest.fixture(params=["glove", "word2vec"])
def emb(request, tmp_path):
    vecs = _vectors()
    p = tmp_path / "vec.txt"
    _write(p, vecs, word2vec=request.param == "word2vec")
    return TokenEmbedding(p), vecs


def test_table_and_lookup(emb):
    e, vecs = emb
    assert e.idx_to_token == ["<unk>"] + WORDS and len(e) == 8 and e.dim == 6
    assert e.idx_to_vec.dtype == ember.float32 and tuple(e.idx_to_vec.shape) == (8, 6)
    np.testing.assert_array_equal(e.idx_to_vec.numpy()[0], 0)
    np.testing.assert_allclose(e["queen"].numpy(), vecs[1])
    got = e[["man", "nope", "car"]].numpy()
    np.testing.assert_allclose(got, np.stack([vecs[2], np.zeros(6), vecs[6]]))
    np.testing.assert_allclose(e.get_vecs_by_tokens(["King"], lower_case_backup=True).numpy()[0], vecs[0])
    assert e.get_vecs_by_tokens("King").abs().sum().item() == 0
    assert e.stoi["king"] == 1 and e.itos[1] == "king" and e.vectors is e.idx_to_vec
    assert "car" in e and "bus" not in e


def test_knn_matches_torch(emb):
    e, _ = emb
    W = torch.from_numpy(e.idx_to_vec.numpy())
    q = np.random.default_rng(1).standard_normal((3, 6)).astype(np.float32)
    qt = torch.from_numpy(q)
    cos = (qt @ W.T) / (torch.sqrt((W * W).sum(1) + 1e-9) * torch.sqrt((qt * qt).sum(1, keepdim=True) + 1e-9))
    tv, ti = torch.topk(cos, 4, dim=1)
    idx, val = e.knn(ember.tensor(q), 4)
    assert idx.tolist() == ti.tolist()
    np.testing.assert_allclose(val.numpy(), tv.numpy(), rtol=1e-5, atol=1e-6)
    idx1, val1 = e.knn(q[0], 2)                      # one query: 1-d results
    assert idx1.tolist() == ti[0, :2].tolist() and tuple(val1.shape) == (2,)


def test_similar_and_analogy(tmp_path):
    # hand-made vectors where the answers are known
    rows = {"king": [1, 1, 0], "queen": [1, 1, 1], "man": [1, 0, 0], "woman": [1, 0, 1],
            "apple": [0, -1, 0], "pear": [0, -1, 0.1]}
    p = tmp_path / "g.txt"
    p.write_text("".join(f"{w} {' '.join(map(str, v))}\n" for w, v in rows.items()))
    e = TokenEmbedding(p)
    assert e.get_analogy("man", "woman", "king") == "queen"
    sims = e.get_similar_tokens("apple", 2)
    assert [t for t, _ in sims] == ["pear", "man"] or sims[0][0] == "pear"
    assert sims[0][1] == pytest.approx(1 / np.sqrt(1.01), rel=1e-5)
    assert all(t not in ("apple", "<unk>") for t, _ in e.get_similar_tokens("apple", 10))
    assert len(e.get_similar_tokens("apple", 10)) == 5
    with pytest.raises(KeyError, match="'banana' is not in the embedding"):
        e.get_similar_tokens("banana")
    with pytest.raises(KeyError, match="'<unk>'"):
        e.get_analogy("man", "<unk>", "king")


def test_name_lookup_and_directory(tmp_path):
    d = tmp_path / "glove.tiny"
    d.mkdir()
    _write(d / "vec.txt", _vectors())
    assert len(TokenEmbedding(d)) == 8                            # d2l's directory layout
    assert len(TokenEmbedding("glove.tiny", data_dir=str(tmp_path))) == 8
    with pytest.raises(FileNotFoundError, match="no embedding file 'glove.huge'"):
        TokenEmbedding("glove.huge", data_dir=str(tmp_path))


def test_tokens_with_spaces_and_duplicates(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("new york 1 2\nyork 3 4\nyork 5 6\n<unk> 9 9\n")
    e = TokenEmbedding(p)
    assert e.idx_to_token == ["<unk>", "new york", "york"]
    assert e["york"].tolist() == [3, 4] and e["<unk>"].tolist() == [0, 0]


@pytest.mark.parametrize("text,match", [
    ("", "is empty"),
    ("a 1 2\nb 1\n", "line 2 has 1 values, expected 2"),
    ("a 1 x\n", "non-numeric"),
    ("3 2\na 1 2\nb 3 4\n", "header says 3 tokens, the file has 2"),
    ("word\n", "have no vector values"),
])
def test_bad_files(tmp_path, text, match):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        TokenEmbedding(p)


def test_knn_errors(emb):
    e, _ = emb
    with pytest.raises(ValueError, match=r"queries must be \(6,\) or \(n, 6\), got \(5,\)"):
        e.knn(ember.zeros(5), 1)
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 8\], got 9"):
        e.knn(ember.zeros(6), 9)
