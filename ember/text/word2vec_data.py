"""Data for word2vec's skip-gram with negative sampling (d2l 15.3; the notes' 001 L1579-1625).

The pipeline, as d2l's ``load_data_ptb``:

1. sentences of tokens (``read_ptb`` for PTB's pre-tokenized files, ``read_text_corpus``
   for any English text, ``make_cooccurrence_corpus`` for a generated one);
2. ``subsample``: drop ``<unk>``, then keep each token with probability
   ``min(1, sqrt(t / f(w)))`` where ``f(w)`` is its share of all tokens (frequent words
   such as "the" carry little information and are mostly dropped);
3. ``get_centers_and_contexts``: every token is a center; its context is the tokens
   within a random window of 1..max_window_size on each side;
4. ``get_negatives``: K noise words per context word, drawn with weights count^0.75
   (``RandomGenerator``), never one of the center's context words;
5. ``batchify``: pad each example's contexts+negatives to the batch maximum, with a mask
   (1 = real) and labels (1 = context, 0 = noise or padding).

Randomness comes from a ``numpy.random.Generator`` (pass ``rng`` or a seed), so a run is
reproducible; d2l uses Python's global ``random``."""
from __future__ import annotations

import collections
import math
import os
import re
from typing import Sequence

import numpy as np

__all__ = ["read_ptb", "read_text_corpus", "make_cooccurrence_corpus", "subsample", "keep_probability",
           "get_centers_and_contexts", "RandomGenerator", "noise_weights", "get_negatives", "batchify",
           "Word2VecDataset", "load_word2vec_data", "load_data_ptb"]


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def read_ptb(path: str | os.PathLike) -> list[list[str]]:
    """Sentences of a Penn Treebank file (``ptb.train.txt``: one tokenized sentence per
    line), or of ``ptb.train.txt`` inside a folder; each line split on whitespace."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "ptb.train.txt")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_ptb: no file {path!r}")
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    return [line.split() for line in raw.split("\n") if line.strip()]


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"[.!?;:]+(?:\s|$)|\n\s*\n")


def read_text_corpus(paths: str | os.PathLike | Sequence[str | os.PathLike]) -> list[list[str]]:
    """Sentences of lower-cased words from plain English text files (e.g. the licenses in
    ``/usr/share/common-licenses``): text is split into sentences at ``. ! ? ; :`` and blank
    lines, and words are runs of letters and digits (with an inner apostrophe); symbols go."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    sentences = []
    for p in paths:
        p = os.fspath(p)
        if not os.path.isfile(p):
            raise FileNotFoundError(f"read_text_corpus: no file {p!r}")
        with open(p, encoding="utf-8", errors="replace") as f:
            text = f.read().lower()
        for chunk in _SENTENCE_END.split(text):
            words = _WORD.findall(chunk)
            if words:
                sentences.append(words)
    return sentences


def make_cooccurrence_corpus(num_sentences: int = 2000, num_pairs: int = 8, num_fillers: int = 200,
                             sentence_len: int = 12, topic_words: int = 4,
                             seed: int = 0) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Sentences of random (Zipf-distributed) filler words with planted co-occurrences.

    Pair ``i`` is (``pair{i}a``, ``pair{i}b``); sentence ``s`` belongs to pair ``s % num_pairs``
    and holds one of its two words, drawn at random, next to two of its ``topic_words``
    context words (``topic{i}c{j}``).  The two words of a pair thus occur with the same
    words and never with other pairs' words: skip-gram gives words with the same contexts
    similar center vectors, so each should be the other's nearest neighbour.  Returns
    (sentences, pairs)."""
    if topic_words < 2:
        raise ValueError(f"make_cooccurrence_corpus: topic_words must be >= 2, got {topic_words}")
    rng = np.random.default_rng(seed)
    fillers = [f"w{i}" for i in range(num_fillers)]
    # Zipf-like filler frequencies, as in natural text (and so subsampling has work to do).
    p = 1.0 / np.arange(1, num_fillers + 1)
    p /= p.sum()
    pairs = [(f"pair{i}a", f"pair{i}b") for i in range(num_pairs)]
    sentences = []
    for s in range(num_sentences):
        words = [fillers[k] for k in rng.choice(num_fillers, size=sentence_len, p=p)]
        i = s % num_pairs
        planted = [pairs[i][int(rng.integers(0, 2))]] + [f"topic{i}c{j}" for j in
                                                         rng.choice(topic_words, size=2, replace=False)]
        rng.shuffle(planted)
        at = int(rng.integers(0, sentence_len + 1))
        sentences.append(words[:at] + planted + words[at:])
    return sentences, pairs


def keep_probability(counter: collections.Counter, t: float = 1e-4) -> dict[str, float]:
    """Each token's chance to survive subsampling: ``min(1, sqrt(t / f))`` with
    ``f = count / total`` (d2l's ``sqrt(1e-4 / counter[token] * num_tokens)``)."""
    total = sum(counter.values())
    return {tok: min(1.0, math.sqrt(t * total / c)) for tok, c in counter.items()}


def subsample(sentences: Sequence[Sequence[str]], vocab, t: float = 1e-4, rng=None):
    """Drop ``<unk>`` tokens, then drop each remaining token with probability
    ``1 - sqrt(t / f(w))``.  Returns (subsampled sentences, counter of the tokens before
    subsampling), as d2l's ``subsample``."""
    rng = _rng(rng)
    sentences = [[tok for tok in line if vocab[tok] != vocab.unk] for line in sentences]
    counter = collections.Counter(tok for line in sentences for tok in line)
    keep = keep_probability(counter, t)
    out = []
    for line in sentences:
        u = rng.random(len(line))
        out.append([tok for tok, x in zip(line, u) if x < keep[tok]])
    return out, counter


def get_centers_and_contexts(corpus: Sequence[Sequence[int]], max_window_size: int, rng=None):
    """Every token of every sentence (of length >= 2) as a center, with the tokens within
    a window drawn uniformly from 1..max_window_size on each side as its context."""
    if max_window_size < 1:
        raise ValueError(f"get_centers_and_contexts: max_window_size must be >= 1, got {max_window_size}")
    rng = _rng(rng)
    centers, contexts = [], []
    for line in corpus:
        n = len(line)
        if n < 2:
            continue
        line = list(line)
        centers += line
        windows = rng.integers(1, max_window_size + 1, size=n)
        for i in range(n):
            w = int(windows[i])
            contexts.append(line[max(0, i - w):i] + line[i + 1:min(n, i + 1 + w)])
    return centers, contexts


class RandomGenerator:
    """Draw indices 1..n with probabilities proportional to ``sampling_weights`` (index 0
    is ``<unk>``, never drawn), 10000 at a time as d2l's ``RandomGenerator``."""

    def __init__(self, sampling_weights: Sequence[float], rng=None, cache_size: int = 10000) -> None:
        w = np.asarray(sampling_weights, dtype=np.float64)
        if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("RandomGenerator: sampling_weights must be a non-empty list of non-negative "
                             "numbers with a positive sum")
        self.population = np.arange(1, w.size + 1)
        self.sampling_weights = w
        self._p = w / w.sum()
        self._rng = _rng(rng)
        self._cache_size = cache_size
        self.candidates: list[int] = []
        self.i = 0

    def draw(self) -> int:
        if self.i == len(self.candidates):
            self.candidates = self._rng.choice(self.population, size=self._cache_size, p=self._p).tolist()
            self.i = 0
        self.i += 1
        return self.candidates[self.i - 1]


def noise_weights(vocab, counter: collections.Counter, power: float = 0.75) -> list[float]:
    """count(w)^0.75 for the vocabulary's tokens 1..len-1 (word2vec's noise distribution)."""
    return [counter[vocab.to_tokens(i)] ** power for i in range(1, len(vocab))]


def get_negatives(all_contexts: Sequence[Sequence[int]], vocab, counter: collections.Counter, K: int, rng=None):
    """``K`` noise words per context word of each example, drawn by ``noise_weights`` and
    never equal to one of that example's context words."""
    weights = noise_weights(vocab, counter)
    if sum(weights) <= 0:
        raise ValueError("get_negatives: no token of the vocabulary occurs in the corpus")
    generator = RandomGenerator(weights, rng)
    drawable = {i + 1 for i, w in enumerate(weights) if w > 0}
    all_negatives = []
    for contexts in all_contexts:
        ctx = set(contexts)
        if K > 0 and contexts and len(ctx) >= len(drawable) and drawable <= ctx:
            raise ValueError("get_negatives: every word that can be drawn is a context word of one example; "
                             "the corpus is too small for negative sampling")
        negatives = []
        while len(negatives) < len(contexts) * K:
            neg = generator.draw()
            if neg not in ctx:
                negatives.append(neg)
        all_negatives.append(negatives)
    return all_negatives


def batchify(data):
    """Collate (center, contexts, negatives) examples: returns int64 tensors
    ``centers`` (B, 1), ``contexts_negatives`` (B, L), ``masks`` (B, L) and ``labels`` (B, L)
    with L the longest contexts+negatives of the batch (zeros pad it; mask 0 there)."""
    import ember
    max_len = max(len(c) + len(n) for _, c, n in data)
    centers, contexts_negatives, masks, labels = [], [], [], []
    for center, context, negative in data:
        cur_len = len(context) + len(negative)
        centers.append(center)
        contexts_negatives.append(list(context) + list(negative) + [0] * (max_len - cur_len))
        masks.append([1] * cur_len + [0] * (max_len - cur_len))
        labels.append([1] * len(context) + [0] * (max_len - len(context)))
    b = len(data)
    return (ember.tensor(centers, dtype=ember.int64).reshape(b, 1),
            ember.tensor(contexts_negatives, dtype=ember.int64).reshape(b, max_len),
            ember.tensor(masks, dtype=ember.int64).reshape(b, max_len),
            ember.tensor(labels, dtype=ember.int64).reshape(b, max_len))


class Word2VecDataset:
    """(center, contexts, negatives) examples; a map-style Dataset for ``batchify``."""

    def __init__(self, centers, contexts, negatives) -> None:
        if not len(centers) == len(contexts) == len(negatives):
            raise ValueError(f"Word2VecDataset: {len(centers)} centers, {len(contexts)} contexts and "
                             f"{len(negatives)} negatives; expected equal counts")
        self.centers, self.contexts, self.negatives = centers, contexts, negatives

    def __getitem__(self, index):
        return self.centers[index], self.contexts[index], self.negatives[index]

    def __len__(self) -> int:
        return len(self.centers)


def load_word2vec_data(sentences: Sequence[Sequence[str]], batch_size: int = 512, max_window_size: int = 5,
                       num_noise_words: int = 5, min_freq: int = 10, t: float = 1e-4, seed: int = 0,
                       num_workers: int = 0):
    """(DataLoader of ``batchify``'d batches, vocabulary) for token ``sentences``, as d2l's
    ``load_data_ptb`` (which is this on PTB with min_freq=10, window 5, 5 noise words)."""
    import ember
    from ember.utils.data import DataLoader
    from .vocab import Vocab
    rng = np.random.default_rng(seed)
    vocab = Vocab(sentences, min_freq=min_freq)
    if len(vocab) < 2:
        raise ValueError(f"load_word2vec_data: no token occurs at least min_freq={min_freq} times")
    subsampled, counter = subsample(sentences, vocab, t, rng)
    corpus = [vocab[line] for line in subsampled]
    centers, contexts = get_centers_and_contexts(corpus, max_window_size, rng)
    if not centers:
        raise ValueError("load_word2vec_data: no sentence has two tokens left after subsampling")
    negatives = get_negatives(contexts, vocab, counter, num_noise_words, rng)
    dataset = Word2VecDataset(centers, contexts, negatives)
    g = ember.Generator().manual_seed(seed)
    loader = DataLoader(dataset, batch_size, shuffle=True, collate_fn=batchify, num_workers=num_workers, generator=g)
    return loader, vocab


def load_data_ptb(batch_size: int, max_window_size: int, num_noise_words: int, path: str | os.PathLike = "data/ptb",
                  seed: int = 0):
    """d2l's ``load_data_ptb`` on a local ``ptb.train.txt`` (or a folder holding it)."""
    return load_word2vec_data(read_ptb(path), batch_size, max_window_size, num_noise_words, min_freq=10, seed=seed)
