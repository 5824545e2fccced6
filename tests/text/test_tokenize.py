"""ember.text tokenizers: d2l's tokenize and torchtext's basic_english behaviour."""
import pytest

from ember.text import basic_english_normalize, get_tokenizer, tokenize


def test_word_and_char_tokens():
    lines = ["the time machine", "", "by h g  wells"]
    assert tokenize(lines) == [["the", "time", "machine"], [], ["by", "h", "g", "wells"]]
    assert tokenize(lines, "char")[0] == list("the time machine")
    assert tokenize(lines, "char")[1] == []
    assert tokenize("ab c", "char") == [["a", "b", " ", "c"]]


def test_tokenize_errors():
    with pytest.raises(ValueError, match="unknown token type 'byte'"):
        tokenize(["a"], "byte")
    with pytest.raises(TypeError, match="line 1 is int"):
        tokenize(["a", 3])


@pytest.mark.parametrize("text,expected", [
    ("Hello, World!", ["hello", ",", "world", "!"]),
    ("A great movie.<br /><br />Loved it", ["a", "great", "movie", ".", "loved", "it"]),
    ('He said "no" (twice); then: why?', ["he", "said", "no", "(", "twice", ")", "then", "why", "?"]),
    ("It's <i>fine</i>", ["it", "'", "s", "fine"]),
    ("   ", []),
    ("MIXED\tCase\nlines", ["mixed", "case", "lines"]),
])
def test_basic_english(text, expected):
    assert basic_english_normalize(text) == expected
    assert get_tokenizer("basic_english")(text) == expected


def test_get_tokenizer_variants():
    assert get_tokenizer(None)("a  b\tc") == ["a", "b", "c"]
    f = str.split
    assert get_tokenizer(f) is f
    with pytest.raises(ValueError, match="unknown tokenizer 'spacy'"):
        get_tokenizer("spacy")
    with pytest.raises(ValueError, match="language 'en' only"):
        get_tokenizer("basic_english", language="de")
    with pytest.raises(TypeError, match="expected str"):
        basic_english_normalize(5)
