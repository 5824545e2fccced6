"""ember.text.bert_data: sentence splitting, corpus gathering, NSP pairs (50% balance), the
15% / 80-10-10 masking rule over many draws, padding, the Dataset and its loader."""
import os
import random

import pytest

import ember
from ember.text import Vocab
from ember.text import bert_data as bd


def _vocab(n=1000):
    words = [f"w{i}" for i in range(n)]
    return Vocab([words], reserved_tokens=bd.RESERVED_TOKENS), words


def test_split_and_tokenize():
    assert bd.split_sentences("One two.  Three?\nFour; five! six") == ["One two.", "Three?", "Four;", "five!", "six"]
    assert bd.split_sentences("v1.2 is not split") == ["v1.2 is not split"]
    assert bd.tokenize_sentence("The GPL-3, (c) 2007.") == ["the", "gpl", "-", "3", ",", "(", "c", ")", "2007", "."]
    assert bd.read_paragraphs("a b. c d.\n\n  \n\ne f.\n") == [["a b.", "c d."], ["e f."]]


def test_tokens_and_segments():
    tokens, segments = bd.get_tokens_and_segments(["a", "b"], ["c"])
    assert tokens == ["<cls>", "a", "b", "<sep>", "c", "<sep>"] and segments == [0, 0, 0, 0, 1, 1]
    tokens, segments = bd.get_tokens_and_segments(["a"])
    assert tokens == ["<cls>", "a", "<sep>"] and segments == [0, 0, 0]


def test_masking_rule_statistics():
    """Over many draws: round(15%) positions predicted, never <cls>/<sep>; of them 80% become
    <mask>, 10% a random token, 10% stay (a random draw may hit the original: 1/|V|)."""
    vocab, words = _vocab(1000)
    rng = random.Random(0)
    counts = {"mask": 0, "same": 0, "other": 0}
    for _ in range(2500):
        a = rng.choices(words, k=rng.randint(5, 40))
        b = rng.choices(words, k=rng.randint(5, 40))
        tokens, _ = bd.get_tokens_and_segments(a, b)
        ids, positions, labels = bd.get_mlm_data_from_tokens(tokens, vocab, rng)
        assert len(positions) == max(1, round(0.15 * len(tokens)))
        assert positions == sorted(set(positions))
        assert all(tokens[p] not in ("<cls>", "<sep>") for p in positions)
        assert labels == vocab[[tokens[p] for p in positions]]
        unpredicted = set(range(len(tokens))) - set(positions)
        assert all(ids[i] == vocab[tokens[i]] for i in unpredicted)
        for p in positions:
            tok = vocab.idx_to_token[ids[p]]
            counts["mask" if tok == "<mask>" else "same" if tok == tokens[p] else "other"] += 1
    n = sum(counts.values())
    assert n > 15000
    assert abs(counts["mask"] / n - 0.8) < 0.012
    assert abs(counts["same"] / n - 0.1) < 0.01
    assert abs(counts["other"] / n - 0.1) < 0.01


def test_masking_minimum_one_and_ratio():
    vocab, words = _vocab(20)
    rng = random.Random(1)
    tokens, _ = bd.get_tokens_and_segments(["w1"])
    _, positions, _ = bd.get_mlm_data_from_tokens(tokens, vocab, rng)
    assert positions == [1]
    tokens, _ = bd.get_tokens_and_segments(words[:18])
    _, positions, _ = bd.get_mlm_data_from_tokens(tokens, vocab, rng, mask_ratio=0.5)
    assert len(positions) == 10


def test_next_sentence_balance_and_truth():
    rng = random.Random(0)
    paragraphs = [[[f"p{i}s{j}"] for j in range(4)] for i in range(200)]
    is_next_count, n = 0, 0
    for paragraph in paragraphs * 10:
        for tokens, segments, is_next in bd.get_nsp_data_from_paragraph(paragraph, paragraphs, 16, rng):
            a, b = tokens[1], tokens[3]
            i, j = a[1:].split("s")
            if is_next:
                assert b == f"p{i}s{int(j) + 1}"
            is_next_count += is_next
            n += 1
            assert segments == [0, 0, 0, 1, 1]
    assert n == 6000
    assert abs(is_next_count / n - 0.5) < 0.02


def test_pairs_are_cut_to_max_len_longest_first():
    rng = random.Random(0)
    paragraph = [["a"] * 20, ["b"] * 6]
    out = []
    while not any(is_next for _, _, is_next in out):
        out = bd.get_nsp_data_from_paragraph(paragraph, [paragraph], 16, rng)
    tokens, segments, _ = out[0]
    assert len(tokens) == 16 and tokens.count("a") == 7 and tokens.count("b") == 6
    assert len(segments) == 16


def test_pad_bert_inputs():
    vocab, _ = _vocab(10)
    examples = [([2, 5, 6, 3], [1, 2], [5, 6], [0, 0, 0, 0], True), ([2, 7, 3, 8, 3], [1], [7], [0, 0, 0, 1, 1], False)]
    tok, seg, vl, pos, w, lab, nsp = bd.pad_bert_inputs(examples, 20, vocab)
    assert tuple(tok.shape) == (2, 20) and tok.dtype == ember.int64
    assert tok[0].tolist() == [2, 5, 6, 3] + [vocab["<pad>"]] * 16
    assert seg[1].tolist() == [0, 0, 0, 1, 1] + [0] * 15
    assert vl.tolist() == [4.0, 5.0] and vl.dtype == ember.float32
    assert tuple(pos.shape) == (2, 3) and pos.tolist() == [[1, 2, 0], [1, 0, 0]]
    assert w.tolist() == [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]] and w.dtype == ember.float32
    assert lab.tolist() == [[5, 6, 0], [7, 0, 0]] and nsp.tolist() == [1, 0]
    with pytest.raises(ValueError, match="at most 4 and 1"):
        bd.pad_bert_inputs(examples, 4, vocab, mask_ratio=0.25)


def _write_corpus(root):
    os.makedirs(root / "sub")
    text = "First sentence here. Second one follows.\n\nAlone.\n\nThird para; with two. Parts here.\n"
    (root / "a.txt").write_text(text)
    (root / "sub" / "b").write_text(text + "\nNew para one. New para two!\n")  # repeats are kept once
    os.symlink(root / "a.txt", root / "link.txt")
    return root


def test_corpus_files_and_load_corpus(tmp_path):
    root = _write_corpus(tmp_path / "c")
    files = bd.corpus_files(str(root))
    assert len(files) == 2  # the link resolves to a.txt
    assert bd.corpus_files([str(root / "a.txt"), str(root / "*.txt")]) == [str(root / "a.txt")]
    paragraphs = bd.load_corpus(str(root))
    assert paragraphs == [[["first", "sentence", "here", "."], ["second", "one", "follows", "."]],
                          [["third", "para", ";"], ["with", "two", "."], ["parts", "here", "."]],
                          [["new", "para", "one", "."], ["new", "para", "two", "!"]]]
    assert len(bd.load_corpus(str(root), max_paragraphs=2)) == 2
    with pytest.raises(FileNotFoundError, match="no text files"):
        bd.load_corpus(str(tmp_path / "missing"))
    (tmp_path / "one.txt").write_text("Just one sentence.\n")
    with pytest.raises(ValueError, match="2 or more sentences"):
        bd.load_corpus(str(tmp_path / "one.txt"))


@pytest.mark.skipif(not os.path.isdir("/usr/share/common-licenses"), reason="no /usr/share/common-licenses here")
def test_default_corpus_is_found():
    files = bd.corpus_files()
    assert any(f.startswith("/usr/share/common-licenses/") for f in files)
    paragraphs = bd.load_corpus(max_paragraphs=50)
    assert len(paragraphs) == 50 and all(len(p) >= 2 for p in paragraphs)


def test_dataset_items_and_resample(tmp_path):
    rng = random.Random(0)
    words = [f"w{i}" for i in range(30)]
    paragraphs = [[rng.choices(words, k=rng.randint(3, 12)) for _ in range(rng.randint(2, 5))] for _ in range(40)]
    ds = bd.BERTPretrainDataset(paragraphs, max_len=16, min_freq=1)
    assert len(ds) == sum(len(p) - 1 for p in paragraphs)
    assert all(t in ds.vocab.token_to_idx for t in bd.RESERVED_TOKENS) and len(ds.vocab) == 35
    tok, seg, vl, pos, w, lab, nsp = ds[3]
    assert tuple(tok.shape) == (16,) and tuple(pos.shape) == (2,) and vl.dim() == 0 and nsp.dim() == 0
    n = int(vl)
    assert tok[0].item() == ds.vocab["<cls>"] and tok[n - 1].item() == ds.vocab["<sep>"]
    assert all(t == ds.vocab["<pad>"] for t in tok[n:].tolist()) and all(s == 0 for s in seg[n:].tolist())
    k = int(w.sum())
    assert all(0 < p < n for p in pos[:k].tolist())
    again = bd.BERTPretrainDataset(paragraphs, max_len=16, vocab=ds.vocab, seed=0)
    assert ember.equal(again.all_token_ids, ds.all_token_ids) and again.vocab is ds.vocab
    before = ds.all_token_ids.clone()
    ds.resample(1)
    assert tuple(ds.all_token_ids.shape) == tuple(before.shape) and not ember.equal(ds.all_token_ids, before)
    assert abs(float(ds.nsp_labels.float().mean()) - 0.5) < 0.2
    with pytest.raises(ValueError, match="max_len must be >= 5"):
        bd.BERTPretrainDataset(paragraphs, max_len=4)
    with pytest.raises(ValueError, match="lacks"):
        bd.BERTPretrainDataset(paragraphs, max_len=16, vocab=Vocab([words]))
    with pytest.raises(ValueError, match="two sentences"):
        bd.BERTPretrainDataset([[["a"]]], max_len=16)


def test_load_data_bert(tmp_path):
    root = _write_corpus(tmp_path / "c")
    loader, vocab = bd.load_data_bert(2, 12, corpus=str(root))
    batch = next(iter(loader))
    assert len(batch) == 7 and tuple(batch[0].shape) == (2, 12) and tuple(batch[3].shape) == (2, 2)
    # min_freq 5: only '.' (6 times) joins <unk> and the reserved tokens on this tiny text
    assert vocab.idx_to_token == ["<unk>", *bd.RESERVED_TOKENS, "."]
