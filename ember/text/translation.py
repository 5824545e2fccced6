"""Machine-translation data as d2l reads its English-French set (Dive into Deep Learning
10.5): tab-separated sentence pairs, punctuation split off, lower-cased, word tokens,
vocabularies with ``<pad>``/``<bos>``/``<eos>``, fixed-length batches with valid lengths.

``make_toy_translation`` generates a parallel corpus between two made-up languages, for
tests and the ``seq2seq`` / ``transformer-mt`` recipes: numbers spelled digit by digit,
a fixed word-for-word mapping, and a reordering (the target swaps each pair of digits and
joins the pairs with ``e``), so a model must learn both the lexicon and the order.
"""
from __future__ import annotations

import os
import random

__all__ = ["preprocess_nmt", "tokenize_nmt", "read_translation_file", "load_translation_data",
           "make_toy_translation", "write_translation_pairs", "TOY_SOURCE_WORDS", "TOY_TARGET_WORDS"]

TOY_SOURCE_WORDS = ("nol", "ein", "dua", "tri", "kat", "pen", "sei", "sep", "okt", "nov")
TOY_TARGET_WORDS = ("zu", "mo", "ka", "ri", "shi", "go", "ro", "na", "ha", "ku")


def preprocess_nmt(text: str) -> str:
    """d2l's cleaning: non-breaking spaces (U+202F, U+00A0) become spaces, everything is
    lower-cased, and a space is put before ``, . ! ?`` when one is not there already."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    out = []
    for i, ch in enumerate(text):
        if i > 0 and ch in ",.!?" and text[i - 1] != " ":
            out.append(" ")
        out.append(ch)
    return "".join(out)


def tokenize_nmt(text: str, num_examples: int | None = None) -> tuple[list[list[str]], list[list[str]]]:
    """Split preprocessed text into (source, target) word lists, one pair per line with a
    tab between the two sentences (further columns, like Tatoeba's attribution, are
    ignored; lines without a tab are skipped).  ``num_examples`` keeps the first N pairs
    (d2l's loop keeps N + 1 lines; ember keeps exactly N)."""
    if num_examples is not None and (isinstance(num_examples, bool) or not isinstance(num_examples, int)
                                     or num_examples < 0):
        raise ValueError(f"tokenize_nmt: num_examples must be a non-negative int or None, got {num_examples!r}")
    source, target = [], []
    for line in text.split("\n"):
        if num_examples is not None and len(source) >= num_examples:
            break
        parts = line.rstrip("\r").split("\t")
        if len(parts) >= 2:
            source.append(parts[0].split(" "))
            target.append(parts[1].split(" "))
    return source, target


def read_translation_file(path: str | os.PathLike) -> str:
    """The raw text of a tab-separated translation file (UTF-8)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_translation_file: no such file: {path!r}")
    with open(path, encoding="utf-8") as f:
        return f.read()


def _vocab(lines, min_freq):
    from .vocab import Vocab
    return Vocab(lines, min_freq=min_freq, reserved_tokens=["<pad>", "<bos>", "<eos>"])


def load_translation_data(path: str | os.PathLike, batch_size: int, num_steps: int, num_examples: int | None = 600,
                          min_freq: int = 2, shuffle: bool = True, generator=None):
    """d2l's ``load_data_nmt`` for any tab-separated file: returns (DataLoader of
    (X, X_valid_len, Y, Y_valid_len) batches, source vocab, target vocab).

    Sentences become ``num_steps`` int64 indices ending with ``<eos>`` then ``<pad>``;
    tokens seen fewer than ``min_freq`` times map to ``<unk>``."""
    from ..utils.data import DataLoader, TensorDataset
    from .padding import build_array
    source, target = tokenize_nmt(preprocess_nmt(read_translation_file(path)), num_examples)
    if not source:
        raise ValueError(f"load_translation_data: {os.fspath(path)!r} has no lines of the form "
                         f"'source<TAB>target'")
    src_vocab, tgt_vocab = _vocab(source, min_freq), _vocab(target, min_freq)
    src_array, src_valid_len = build_array(source, src_vocab, num_steps)
    tgt_array, tgt_valid_len = build_array(target, tgt_vocab, num_steps)
    dataset = TensorDataset(src_array, src_valid_len, tgt_array, tgt_valid_len)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator), src_vocab, tgt_vocab


def _toy_target(digits: list[int]) -> list[str]:
    """Swap each pair of digits, join the pairs with ``e``; a last odd digit stays last."""
    groups = []
    for i in range(0, len(digits), 2):
        pair = digits[i:i + 2][::-1]
        groups.append(" ".join(TOY_TARGET_WORDS[d] for d in pair))
    return groups


def make_toy_translation(n: int, seed: int = 0, max_digits: int = 6) -> list[tuple[str, str]]:
    """``n`` distinct (source, target) sentence pairs between two made-up languages.

    A source sentence spells a number of 1 to ``max_digits`` digits with one word per digit,
    capitalised with a full stop (``"Tri ein pen."``); its translation maps each digit to the
    other language's word, swaps each pair of digits, joins the pairs with ``e`` and ends
    with ``!`` (``"mo ri e go !"``).  The same ``seed`` gives the same corpus."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"make_toy_translation: n must be a positive int, got {n!r}")
    if not isinstance(max_digits, int) or max_digits < 1:
        raise ValueError(f"make_toy_translation: max_digits must be a positive int, got {max_digits!r}")
    capacity = sum(10 if k == 1 else 9 * 10 ** (k - 1) for k in range(1, max_digits + 1))
    if n > capacity:
        raise ValueError(f"make_toy_translation: only {capacity} distinct numbers have at most {max_digits} digits, "
                         f"asked for {n}")
    rng = random.Random(seed)
    seen, pairs = set(), []
    while len(pairs) < n:
        k = rng.randint(1, max_digits)
        first = rng.randint(0, 9) if k == 1 else rng.randint(1, 9)
        digits = [first] + [rng.randint(0, 9) for _ in range(k - 1)]
        key = tuple(digits)
        if key in seen:
            continue
        seen.add(key)
        src = " ".join(TOY_SOURCE_WORDS[d] for d in digits)
        src = src[0].upper() + src[1:] + "."
        tgt = " e ".join(_toy_target(digits)) + "!"
        pairs.append((src, tgt))
    return pairs


def write_translation_pairs(pairs, path: str | os.PathLike) -> str:
    """Write (source, target) pairs as ``source<TAB>target`` lines (d2l's file format)."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for src, tgt in pairs:
            f.write(f"{src}\t{tgt}\n")
    return path
