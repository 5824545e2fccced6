"""Translation pairs as d2l reads fra-eng, and the generated toy corpus."""
import pytest

import ember
from ember.text.translation import (TOY_SOURCE_WORDS, TOY_TARGET_WORDS, load_translation_data, make_toy_translation,
                                    preprocess_nmt, read_translation_file, tokenize_nmt, write_translation_pairs)

FRA = ("Go.\tVa !\n"
       "Hi.\tSalut !\n"
       "Run!\tCours\u202f!\n"
       "Who?\tQui\u00a0?\n"
       "Wow!\tÇa alors\u202f!\n"
       "I lost.\tJ'ai perdu.\tCC-BY 2.0 (France) Attribution: tatoeba.org\n"
       "no tab here\n"
       "Go, now.\tVa, maintenant.\n")


def test_preprocess_nmt_d2l_spacing_and_nbsp():
    assert preprocess_nmt("Go.\tVa !") == "go .\tva !"
    assert preprocess_nmt("Run!\tCours\u202f!") == "run !\tcours !"
    assert preprocess_nmt("Who?\tQui\u00a0?") == "who ?\tqui ?"
    assert preprocess_nmt("Hello, world.") == "hello , world ."
    # already spaced punctuation is left alone (idempotent), and so is punctuation at the start
    assert preprocess_nmt("go .") == "go ."
    assert preprocess_nmt("!hi") == "!hi"
    assert preprocess_nmt("a .. b") == "a . . b"


def test_tokenize_nmt_pairs_extra_columns_and_limit():
    src, tgt = tokenize_nmt(preprocess_nmt(FRA))
    assert src[0] == ["go", "."] and tgt[0] == ["va", "!"]
    assert src[2] == ["run", "!"] and tgt[2] == ["cours", "!"]
    assert src[4] == ["wow", "!"] and tgt[4] == ["ça", "alors", "!"]
    assert src[5] == ["i", "lost", "."] and tgt[5] == ["j'ai", "perdu", "."]     # attribution column dropped
    assert len(src) == len(tgt) == 7                                            # the line without a tab is skipped
    assert src[6] == ["go", ",", "now", "."]
    src3, tgt3 = tokenize_nmt(preprocess_nmt(FRA), num_examples=3)
    assert len(src3) == 3 and tgt3 == tgt[:3]
    assert tokenize_nmt("a\tb\r\nc\td\r\n") == ([["a"], ["c"]], [["b"], ["d"]])
    with pytest.raises(ValueError, match="num_examples must be a non-negative int"):
        tokenize_nmt("a\tb", num_examples=-1)


def test_load_translation_data_batches(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_text(FRA, encoding="utf-8")
    loader, src_vocab, tgt_vocab = load_translation_data(path, batch_size=2, num_steps=4, num_examples=None,
                                                         min_freq=1, shuffle=False)
    for v in (src_vocab, tgt_vocab):
        assert v.idx_to_token[:4] == ["<unk>", "<pad>", "<bos>", "<eos>"]
    X, X_len, Y, Y_len = next(iter(loader))
    assert X.shape == (2, 4) and X.dtype == ember.int64 and Y.shape == (2, 4)
    # 'go .' <eos> <pad>  and  'va !' <eos> <pad>
    assert src_vocab.to_tokens(X[0].tolist()) == ["go", ".", "<eos>", "<pad>"]
    assert tgt_vocab.to_tokens(Y[0].tolist()) == ["va", "!", "<eos>", "<pad>"]
    assert X_len.tolist() == [3, 3] and Y_len.tolist() == [3, 3]
    batches = list(loader)
    assert sum(b[0].shape[0] for b in batches) == 7
    # 'go , now .' is cut to num_steps, so it has no <eos> and a full valid length
    last_x, last_len = batches[-1][0][-1], batches[-1][1][-1]
    assert src_vocab.to_tokens(last_x.tolist()) == ["go", ",", "now", "."] and int(last_len) == 4


def test_load_translation_data_min_freq_and_limit(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_text(FRA, encoding="utf-8")
    loader, src_vocab, tgt_vocab = load_translation_data(str(path), batch_size=8, num_steps=6, num_examples=4)
    # with d2l's min_freq=2, only tokens seen twice in the first 4 pairs are kept
    assert "." in src_vocab and "!" in tgt_vocab and "salut" not in tgt_vocab
    X, _, Y, _ = next(iter(loader))
    assert X.shape == (4, 6)
    assert tgt_vocab["salut"] == tgt_vocab.unk


def test_reader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_translation_file(tmp_path / "missing.txt")
    (tmp_path / "bad.txt").write_text("no tabs\nat all\n")
    with pytest.raises(ValueError, match="has no lines of the form"):
        load_translation_data(tmp_path / "bad.txt", 2, 5)


def test_toy_corpus_is_deterministic_distinct_and_follows_the_rules(tmp_path):
    pairs = make_toy_translation(300, seed=3)
    assert pairs == make_toy_translation(300, seed=3) and pairs != make_toy_translation(300, seed=4)
    assert len({s for s, _ in pairs}) == 300
    for src, tgt in pairs:
        assert src[0].isupper() and src.endswith(".") and tgt.endswith("!")
        digits = [TOY_SOURCE_WORDS.index(w) for w in src[:-1].lower().split(" ")]
        groups = tgt[:-1].split(" e ")
        assert len(groups) == (len(digits) + 1) // 2
        for i, g in enumerate(groups):
            assert [TOY_TARGET_WORDS.index(w) for w in g.split(" ")] == digits[2 * i:2 * i + 2][::-1]
    src, tgt = "Tri ein pen.", "mo ri e go!"
    path = write_translation_pairs([(src, tgt)], tmp_path / "toy" / "pairs.tsv")
    assert read_translation_file(path) == "Tri ein pen.\tmo ri e go!\n"
    assert tokenize_nmt(preprocess_nmt(read_translation_file(path))) == ([["tri", "ein", "pen", "."]],
                                                                         [["mo", "ri", "e", "go", "!"]])


def test_toy_corpus_limits():
    assert len(make_toy_translation(10, seed=0, max_digits=1)) == 10
    with pytest.raises(ValueError, match="only 10 distinct numbers"):
        make_toy_translation(11, max_digits=1)
    with pytest.raises(ValueError, match="n must be a positive int"):
        make_toy_translation(0)
