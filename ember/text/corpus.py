"""Plain-text corpora for language models (d2l's time-machine preprocessing).

d2l reads H. G. Wells' *The Time Machine*, keeps letters only, lower-cases, and
tokenizes into characters.  The book is a download; ember's default corpus is a text
present on most Linux machines, the GNU GPL version 3 (``/usr/share/common-licenses/
GPL-3``, about 35 000 characters), and any plain text file can be given instead."""
from __future__ import annotations

import os
import re

from .tokenize import tokenize
from .vocab import Vocab

__all__ = ["DEFAULT_CORPUS", "preprocess_line", "read_text", "load_corpus"]

DEFAULT_CORPUS = "/usr/share/common-licenses/GPL-3"

_NON_LETTERS = re.compile(r"[^A-Za-z]+")


def preprocess_line(line: str) -> str:
    """d2l's cleaning: every run of non-letters becomes one space, then strip and lower-case."""
    return _NON_LETTERS.sub(" ", line).strip().lower()


def read_text(path: str | os.PathLike | None = None, preprocess: bool = True) -> list[str]:
    """The lines of a UTF-8 text file (``DEFAULT_CORPUS`` when ``path`` is None), cleaned
    by ``preprocess_line`` unless ``preprocess=False``."""
    path = DEFAULT_CORPUS if path is None else os.fspath(path)
    if not os.path.exists(path):
        hint = (" (the default corpus; install the base-files package or pass a text file)"
                if path == DEFAULT_CORPUS else "")
        raise FileNotFoundError(f"read_text: no such file: {path!r}{hint}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"read_text: {path!r} is a directory, expected a text file")
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    return [preprocess_line(line) for line in lines] if preprocess else [line.rstrip("\n") for line in lines]


def load_corpus(path: str | os.PathLike | None = None, token: str = "char",
                max_tokens: int = -1) -> tuple[list[int], Vocab]:
    """(token indices of the whole text, its Vocab), as d2l's ``load_corpus_time_machine``.

    Lines are cleaned, tokenized (``token`` = "char" or "word"), the vocabulary is built
    from all of them, and the indices of every token in reading order are returned;
    ``max_tokens > 0`` keeps only the first ``max_tokens`` of them.  Line breaks are not
    tokens (d2l's choice), so the last character of a line is followed by the first of
    the next."""
    lines = read_text(path)
    tokens = tokenize(lines, token)
    vocab = Vocab(tokens)
    corpus = [vocab[tok] for line in tokens for tok in line]
    if max_tokens is not None and max_tokens > 0:
        corpus = corpus[:max_tokens]
    if not corpus:
        raise ValueError(f"load_corpus: {os.fspath(path or DEFAULT_CORPUS)!r} has no letters to tokenize")
    return corpus, vocab
