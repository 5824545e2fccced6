"""``Vocab``: the token <-> index table of d2l's chapter 8 (and the notes' IMDB vocabulary).

Index 0 is ``<unk>``; the reserved tokens follow in the order given; then every
token seen at least ``min_freq`` times, most frequent first, ties in order of first
appearance (``collections.Counter`` keeps insertion order and ``sorted`` is stable),
so the same text always gives the same table."""
from __future__ import annotations

import collections
import json
import os
import tempfile
from typing import Any, Iterable

__all__ = ["Vocab", "count_corpus"]

UNK = "<unk>"


def _flatten(tokens: Iterable) -> list:
    """A flat token list from a list of tokens or a list of token lists (lines)."""
    tokens = list(tokens)
    if tokens and isinstance(tokens[0], (list, tuple)):
        return [tok for line in tokens for tok in line]
    return tokens


def count_corpus(tokens: Iterable) -> collections.Counter:
    """Token frequencies of a flat list or a list of lines (d2l's ``count_corpus``)."""
    return collections.Counter(_flatten(tokens))


def _index_list(indices: Any):
    """Turn a tensor / ndarray / NumPy integer into Python ints or a list of them."""
    if isinstance(indices, (list, tuple)):
        return indices
    if hasattr(indices, "tolist") and not isinstance(indices, (int, str)):
        return indices.tolist()
    return indices


class Vocab:
    """Vocabulary for text: ``Vocab(tokens=None, min_freq=0, reserved_tokens=None)``.

    ``v[token]`` gives an index (unknown tokens give ``v.unk`` = 0), ``v[list]`` a list
    (nested lists map recursively), ``v.to_tokens(i or list)`` the reverse."""

    def __init__(self, tokens: Iterable | None = None, min_freq: int = 0,
                 reserved_tokens: Iterable[str] | None = None) -> None:
        tokens = [] if tokens is None else tokens
        if isinstance(tokens, str):
            raise TypeError("Vocab: tokens must be a list of tokens or of token lists, not a str "
                            "(tokenize the text first)")
        reserved = [] if reserved_tokens is None else list(reserved_tokens)
        for t in reserved:
            if not isinstance(t, str):
                raise TypeError(f"Vocab: reserved token {t!r} is {type(t).__name__}, expected str")
        counter = count_corpus(tokens)
        self._token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token: list[str] = [UNK] + [t for t in dict.fromkeys(reserved) if t != UNK]
        self.token_to_idx: dict[str, int] = {t: i for i, t in enumerate(self.idx_to_token)}
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.token_to_idx[token] = len(self.idx_to_token)
                self.idx_to_token.append(token)

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token: str) -> bool:
        return token in self.token_to_idx

    def __iter__(self):
        return iter(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self.__getitem__(t) for t in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        """The token of an index, or the tokens of a list / 1-d tensor of indices."""
        indices = _index_list(indices)
        if isinstance(indices, (list, tuple)):
            return [self.to_tokens(i) for i in indices]
        if isinstance(indices, bool) or not isinstance(indices, int):
            raise TypeError(f"Vocab.to_tokens: index {indices!r} is {type(indices).__name__}, expected int")
        n = len(self.idx_to_token)
        if not -n <= indices < n:
            raise IndexError(f"Vocab.to_tokens: index {indices} is out of range for a vocabulary of {n} tokens")
        return self.idx_to_token[indices]

    @property
    def unk(self) -> int:
        """Index of the unknown token (always 0)."""
        return 0

    @property
    def token_freqs(self) -> list[tuple[str, int]]:
        """(token, count) pairs of the counted corpus, most common first."""
        return self._token_freqs

    # torchtext-style spellings used by some notebooks
    def lookup_indices(self, tokens: list[str]) -> list[int]:
        return [self[t] for t in tokens]

    def lookup_tokens(self, indices) -> list[str]:
        return self.to_tokens(list(_index_list(indices)))

    def get_itos(self) -> list[str]:
        return list(self.idx_to_token)

    def get_stoi(self) -> dict[str, int]:
        return dict(self.token_to_idx)

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.idx_to_token[:8])
        more = ", ..." if len(self) > 8 else ""
        return f"Vocab(size={len(self)}, tokens=[{head}{more}])"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Vocab) and self.idx_to_token == other.idx_to_token
                and self._token_freqs == other._token_freqs)

    # ---- persistence -------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A JSON-ready description (what ``save`` writes and checkpoints store)."""
        return {"format": "ember.text.Vocab", "version": 1, "idx_to_token": list(self.idx_to_token),
                "token_freqs": [[t, int(f)] for t, f in self._token_freqs]}

    @classmethod
    def from_dict(cls, d: dict) -> "Vocab":
        if not isinstance(d, dict) or d.get("format") != "ember.text.Vocab" or "idx_to_token" not in d:
            raise ValueError("Vocab.from_dict: not a vocabulary saved by ember.text.Vocab")
        itos = d["idx_to_token"]
        if not itos or itos[0] != UNK or not all(isinstance(t, str) for t in itos) or len(set(itos)) != len(itos):
            raise ValueError("Vocab.from_dict: idx_to_token must be distinct strings starting with '<unk>'")
        v = cls.__new__(cls)
        v.idx_to_token = list(itos)
        v.token_to_idx = {t: i for i, t in enumerate(itos)}
        v._token_freqs = [(str(t), int(f)) for t, f in d.get("token_freqs", [])]
        return v

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as JSON; written to a temporary file then renamed, so a
        crash never leaves a half-written file behind."""
        path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".vocab-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.to_dict(), f, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by ``save``."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"Vocab.load: no such file: {path!r}")
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"Vocab.load: {path!r} is not a vocabulary JSON file ({e})") from None
        return cls.from_dict(d)
