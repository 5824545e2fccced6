"""Tokenizers: d2l's ``tokenize(lines, token)`` and torchtext's ``basic_english``.

``tokenize`` splits each line into words (on whitespace) or characters, as d2l's
chapter 8 does.  ``basic_english_normalize`` is the normalizer the notes write by
hand for IMDB reviews (lower-case, drop ``<br />`` and other HTML tags, split off
punctuation) and that torchtext ships as ``get_tokenizer("basic_english")``."""
from __future__ import annotations

import re
from typing import Callable, Iterable

__all__ = ["tokenize", "basic_english_normalize", "get_tokenizer"]

_TOKEN_KINDS = ("word", "char")


def tokenize(lines: Iterable[str] | str, token: str = "word") -> list[list[str]]:
    """Split each line into word tokens (``str.split``) or character tokens (``list``).

    ``lines`` is a list of strings (a single string is taken as one line).  Returns one
    token list per line, so empty lines give empty lists and line structure is kept
    (the vocabulary flattens it)."""
    if token not in _TOKEN_KINDS:
        raise ValueError(f"tokenize: unknown token type {token!r}; expected 'word' or 'char'")
    if isinstance(lines, str):
        lines = [lines]
    out = []
    for i, line in enumerate(lines):
        if not isinstance(line, str):
            raise TypeError(f"tokenize: line {i} is {type(line).__name__}, expected str")
        out.append(line.split() if token == "word" else list(line))
    return out


# (pattern, replacement) pairs applied in order after lower-casing; the same choices as
# torchtext's basic_english: quotes and the sentence punctuation become separate
# tokens, double quotes vanish, ';' and ':' become spaces.  HTML tags (IMDB reviews
# are full of '<br />') are removed first, before '/' or '.' could be split off them.
_RULES = [
    (re.compile(r"<[^<>]*>"), " "),
    (re.compile(r"'"), " '  "),
    (re.compile(r'"'), ""),
    (re.compile(r"\."), " . "),
    (re.compile(r","), " , "),
    (re.compile(r"\("), " ( "),
    (re.compile(r"\)"), " ) "),
    (re.compile(r"!"), " ! "),
    (re.compile(r"\?"), " ? "),
    (re.compile(r";"), " "),
    (re.compile(r":"), " "),
    (re.compile(r"\s+"), " "),
]


def basic_english_normalize(line: str) -> list[str]:
    """Lower-case ``line``, strip HTML tags, split off ``. , ( ) ! ? '`` as tokens, drop
    ``"``, ``;`` and ``:``, and split on whitespace (torchtext's ``basic_english``)."""
    if not isinstance(line, str):
        raise TypeError(f"basic_english_normalize: expected str, got {type(line).__name__}")
    line = line.lower()
    for pattern, repl in _RULES:
        line = pattern.sub(repl, line)
    return line.split()


def _split(line: str) -> list[str]:
    if not isinstance(line, str):
        raise TypeError(f"tokenizer: expected str, got {type(line).__name__}")
    return line.split()


def get_tokenizer(tokenizer: str | Callable | None, language: str = "en") -> Callable[[str], list[str]]:
    """torchtext's ``get_tokenizer``: ``None`` splits on whitespace, ``"basic_english"``
    normalizes (English only), a callable is returned as is."""
    if callable(tokenizer):
        return tokenizer
    if tokenizer is None:
        return _split
    if tokenizer == "basic_english":
        if language != "en":
            raise ValueError(f"get_tokenizer: basic_english supports language 'en' only, got {language!r}")
        return basic_english_normalize
    raise ValueError(f"get_tokenizer: unknown tokenizer {tokenizer!r}; expected None, 'basic_english' or a callable")
