"""Minibatches of (input, next-token target) subsequences for language models (d2l 8.3).

Both iterators start at a random offset drawn from ember's random generator (the
default one, or ``generator=``), so ``ember.manual_seed`` makes runs repeat.

- random sampling: non-overlapping subsequences of ``num_steps`` tokens in shuffled
  order; neighbouring minibatches are not adjacent in the text, so a model's state
  must be reset for each one.
- sequential partitioning: the text is cut into ``batch_size`` long rows and
  consecutive minibatches continue each row, so the state of row ``i`` after one
  minibatch is the right initial state for row ``i`` of the next."""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from ..backend.random import Generator, generator_for

__all__ = ["seq_data_iter_random", "seq_data_iter_sequential", "SeqDataLoader", "load_data_lm"]


def _as_array(corpus) -> np.ndarray:
    if hasattr(corpus, "numpy") and not isinstance(corpus, np.ndarray):
        corpus = corpus.numpy()
    arr = np.asarray(corpus)
    if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"language-model batches: corpus must be a 1-d sequence of token indices, "
                         f"got shape {arr.shape} and dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _check(batch_size: int, num_steps: int, op: str) -> None:
    for name, v in (("batch_size", batch_size), ("num_steps", num_steps)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{op}: {name} must be a positive int, got {v!r}")


def _randint(rng: Generator, high_inclusive: int) -> int:
    return int(rng.np.integers(0, high_inclusive + 1))


def _tensor(a: np.ndarray):
    from ..tensor import tensor
    return tensor(np.ascontiguousarray(a))


def seq_data_iter_random(corpus: Sequence[int], batch_size: int, num_steps: int,
                         generator: Generator | None = None) -> Iterator:
    """Yield (X, Y) int64 tensors (batch_size, num_steps) of random non-overlapping
    subsequences; Y is X shifted one token ahead.  The start is cut at a random offset
    in [0, num_steps - 1] and the subsequence order is shuffled."""
    _check(batch_size, num_steps, "seq_data_iter_random")
    data = _as_array(corpus)
    rng = generator_for(generator)
    data = data[_randint(rng, num_steps - 1):]
    num_subseqs = (len(data) - 1) // num_steps
    starts = np.arange(0, num_subseqs * num_steps, num_steps)
    starts = starts[rng.np.permutation(len(starts))]
    offsets = np.arange(num_steps)
    num_batches = num_subseqs // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        idx = starts[i:i + batch_size, None] + offsets          # (batch, num_steps) positions
        yield _tensor(data[idx]), _tensor(data[idx + 1])


def seq_data_iter_sequential(corpus: Sequence[int], batch_size: int, num_steps: int,
                             generator: Generator | None = None) -> Iterator:
    """Yield (X, Y) int64 tensors (batch_size, num_steps) that continue each other row by
    row; the text starts at a random offset in [0, num_steps]."""
    _check(batch_size, num_steps, "seq_data_iter_sequential")
    data = _as_array(corpus)
    rng = generator_for(generator)
    offset = _randint(rng, num_steps)
    num_tokens = max(0, (len(data) - offset - 1) // batch_size * batch_size)
    xs = data[offset:offset + num_tokens].reshape(batch_size, -1)
    ys = data[offset + 1:offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield _tensor(xs[:, i:i + num_steps]), _tensor(ys[:, i:i + num_steps])


class SeqDataLoader:
    """An iterable over (X, Y) language-model minibatches of a token-index corpus.

    Each ``iter()`` draws a fresh offset (and, with ``use_random_iter``, a fresh order),
    as d2l's ``SeqDataLoader``; ``vocab`` is kept for convenience."""

    def __init__(self, corpus: Sequence[int], batch_size: int, num_steps: int, use_random_iter: bool = False,
                 generator: Generator | None = None, vocab=None) -> None:
        op = "SeqDataLoader"
        _check(batch_size, num_steps, op)
        self.corpus = _as_array(corpus)
        if len(self.corpus) < num_steps + 1:
            raise ValueError(f"{op}: a corpus of {len(self.corpus)} tokens is too short for num_steps={num_steps}")
        self.batch_size, self.num_steps = int(batch_size), int(num_steps)
        self.use_random_iter = bool(use_random_iter)
        self.generator = generator
        self.vocab = vocab
        self.data_iter_fn = seq_data_iter_random if self.use_random_iter else seq_data_iter_sequential

    def __iter__(self) -> Iterator:
        return self.data_iter_fn(self.corpus, self.batch_size, self.num_steps, generator=self.generator)

    def __repr__(self) -> str:
        kind = "random" if self.use_random_iter else "sequential"
        return (f"SeqDataLoader(tokens={len(self.corpus)}, batch_size={self.batch_size}, "
                f"num_steps={self.num_steps}, {kind})")


def load_data_lm(batch_size: int, num_steps: int, use_random_iter: bool = False, max_tokens: int = 10000,
                 path=None, token: str = "char", generator: Generator | None = None):
    """(SeqDataLoader, vocab) of a text file, d2l's ``load_data_time_machine`` with a path
    (the default corpus when None)."""
    from .corpus import load_corpus
    corpus, vocab = load_corpus(path, token=token, max_tokens=max_tokens)
    return SeqDataLoader(corpus, batch_size, num_steps, use_random_iter, generator=generator, vocab=vocab), vocab
