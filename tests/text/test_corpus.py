"""ember.text corpus reading (d2l's time-machine preprocessing)."""
import os

import pytest

from ember.text import DEFAULT_CORPUS, load_corpus, preprocess_line, read_text


def test_preprocess_line():
    assert preprocess_line("  The Time-Machine, by H.G. Wells!\n") == "the time machine by h g wells"
    assert preprocess_line("1234 ...") == ""
    assert preprocess_line("Café") == "caf"


def test_load_corpus_char_and_word(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("Ab, ba!\n\n  AAB\n", encoding="utf-8")
    assert read_text(p) == ["ab ba", "", "aab"]
    assert read_text(p, preprocess=False) == ["Ab, ba!", "", "  AAB"]
    corpus, vocab = load_corpus(p)
    # chars: a:4 b:3 ' ':1 -> <unk>, a, b, ' '
    assert vocab.idx_to_token == ["<unk>", "a", "b", " "]
    assert vocab.to_tokens(corpus) == list("ab baaab")
    corpus, vocab = load_corpus(p, token="word")
    assert vocab.to_tokens(corpus) == ["ab", "ba", "aab"]
    corpus, _ = load_corpus(p, max_tokens=3)
    assert len(corpus) == 3


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*nope.txt"):
        load_corpus(tmp_path / "nope.txt")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        read_text(tmp_path)
    empty = tmp_path / "e.txt"
    empty.write_text("123\n")
    with pytest.raises(ValueError, match="has no letters"):
        load_corpus(empty)
    with pytest.raises(ValueError, match="unknown token type"):
        load_corpus(empty, token="byte")


@pytest.mark.skipif(not os.path.exists(DEFAULT_CORPUS), reason="the GPL-3 text is not installed on this machine")
def test_default_corpus():
    corpus, vocab = load_corpus()
    assert len(vocab) == 28  # <unk>, space and 26 letters
    assert len(corpus) > 30000
    assert "".join(vocab.to_tokens(corpus[:24])) == "gnu general public licen"
