"""IMDB movie reviews for sentiment analysis (d2l 16.1; the notes' Kaggle competition, 001 L1742-1934).

Two real layouts are read:

- the Stanford ``aclImdb`` folder tree ``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt``
  (one review per file): ``read_imdb(data_dir, is_train)``, as d2l;
- Kaggle's "word2vec-nlp-tutorial" files ``labeledTrainData.tsv`` (id, sentiment, review),
  ``testData.tsv`` (id, review) and ``unlabeledTrainData.tsv`` (id, review): tab-separated,
  a header line, fields in double quotes with inner quotes escaped as ``\\"``:
  ``read_imdb_tsv(path)``.

``make_toy_reviews`` makes a review set with planted sentiment words (what the tests and the
default ``ember train sentiment`` use: IMDB itself is an 80 MB download), ``write_toy_imdb``
writes it in either real layout, and ``load_imdb`` gives d2l's ``load_data_imdb``: tokenized,
vocabulary-indexed, truncated/padded int64 tensors in DataLoaders."""
from __future__ import annotations

import csv
import os
import random
import re
from typing import Callable, NamedTuple, Sequence

__all__ = ["read_imdb", "read_imdb_tsv", "ImdbTable", "read_kaggle_imdb", "clean_review", "make_toy_reviews",
           "write_toy_imdb", "imdb_features", "load_imdb", "is_acl_imdb", "is_kaggle_imdb",
           "POSITIVE_WORDS", "NEGATIVE_WORDS"]

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def clean_review(text: str) -> str:
    """A review with its ``<br />`` tags turned into spaces and line breaks removed
    (reviews are one line each in both layouts)."""
    return _BR.sub(" ", text).replace("\r", "").replace("\n", " ")


def _file_key(name: str):
    """aclImdb files are ``<id>_<rating>.txt``: order them by numeric id, then by name."""
    head = name.split("_", 1)[0]
    return (0, int(head), name) if head.isdigit() else (1, 0, name)


def read_imdb(data_dir: str | os.PathLike, is_train: bool = True) -> tuple[list[str], list[int]]:
    """Reviews and labels (1 = pos, 0 = neg) of ``data_dir/{train|test}/{pos,neg}/*.txt``.

    As d2l's ``read_imdb``: positives first, then negatives; newlines dropped.  Files are
    taken in order of their numeric id (d2l takes ``os.listdir``'s arbitrary order)."""
    data_dir = os.fspath(data_dir)
    split = "train" if is_train else "test"
    data, labels = [], []
    for label in ("pos", "neg"):
        folder = os.path.join(data_dir, split, label)
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"read_imdb: no folder {folder!r}; expected the aclImdb layout "
                                    f"{data_dir}/{{train,test}}/{{pos,neg}}/*.txt")
        for name in sorted((n for n in os.listdir(folder) if n.endswith(".txt")), key=_file_key):
            with open(os.path.join(folder, name), "rb") as f:
                data.append(f.read().decode("utf-8", errors="replace").replace("\n", ""))
            labels.append(1 if label == "pos" else 0)
    return data, labels


class ImdbTable(NamedTuple):
    """The columns of one Kaggle IMDB file; ``labels`` is None when it has no sentiment column."""
    ids: list[str]
    reviews: list[str]
    labels: list[int] | None


def read_imdb_tsv(path: str | os.PathLike) -> ImdbTable:
    """Read ``labeledTrainData.tsv`` / ``testData.tsv`` / ``unlabeledTrainData.tsv``.

    The header names the columns (``id``, optional ``sentiment``, ``review``).  Fields may be
    double-quoted; inside them ``\\"`` is a quote and ``\\\\`` a backslash (how Kaggle wrote
    the files; pandas needs ``quoting=3`` and keeps the backslashes, this reader removes them).
    Ids keep their ``<n>_<rating>`` form without the quotes."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_imdb_tsv: no file {path!r}")
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quotechar='"', escapechar="\\", doublequote=False, strict=False)
        try:
            header = [h.strip().lower() for h in next(rows)]
        except StopIteration:
            raise ValueError(f"read_imdb_tsv: {path!r} is empty; expected a header 'id<TAB>[sentiment<TAB>]review'") \
                from None
        if "id" not in header or "review" not in header:
            raise ValueError(f"read_imdb_tsv: {path!r} has header {header}; expected columns id, [sentiment,] review")
        i_id, i_rev = header.index("id"), header.index("review")
        i_lab = header.index("sentiment") if "sentiment" in header else None
        ids, reviews, labels = [], [], []
        for n, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise ValueError(f"read_imdb_tsv: {path!r} line {n} has {len(row)} fields, expected {len(header)} "
                                 f"({', '.join(header)})")
            ids.append(row[i_id])
            reviews.append(row[i_rev])
            if i_lab is not None:
                try:
                    lab = int(row[i_lab])
                except ValueError:
                    lab = -1
                if lab not in (0, 1):
                    raise ValueError(f"read_imdb_tsv: {path!r} line {n}: sentiment {row[i_lab]!r}, expected 0 or 1")
                labels.append(lab)
    return ImdbTable(ids, reviews, labels if i_lab is not None else None)


def read_kaggle_imdb(folder: str | os.PathLike) -> tuple[ImdbTable, ImdbTable | None]:
    """``labeledTrainData.tsv`` and (when present) ``testData.tsv`` of a Kaggle folder."""
    folder = os.fspath(folder)
    train = read_imdb_tsv(os.path.join(folder, "labeledTrainData.tsv"))
    test_path = os.path.join(folder, "testData.tsv")
    return train, (read_imdb_tsv(test_path) if os.path.isfile(test_path) else None)


def is_acl_imdb(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an aclImdb tree (``train/pos`` and ``test/pos`` folders)."""
    return all(os.path.isdir(os.path.join(path, s, "pos")) for s in ("train", "test"))


def is_kaggle_imdb(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder holding Kaggle's ``labeledTrainData.tsv``."""
    return os.path.isfile(os.path.join(path, "labeledTrainData.tsv"))


# ---------------------------------------------------------------------------- toy data
POSITIVE_WORDS = ["great", "excellent", "wonderful", "superb", "brilliant", "loved", "masterpiece", "delightful"]
NEGATIVE_WORDS = ["awful", "terrible", "boring", "worst", "dreadful", "hated", "mess", "disappointing"]
_FILLER = ("the a an this that film movie story plot actor actress scene scenes director script music camera "
           "character characters ending beginning minutes hour watched saw seen saw it was is were had has "
           "with about from into over after before while when then there here some many few more most "
           "year old new young man woman family friend city night day house car war love life time world "
           "and but or so because very quite rather really just also still even only again").split()


def make_toy_reviews(n: int, seed: int = 0, min_len: int = 15, max_len: int = 40,
                     planted: int = 3, noise: float = 0.3) -> tuple[list[str], list[int]]:
    """``n`` random reviews of neutral filler words, alternately positive (label 1) and negative.

    Each review holds ``planted`` words from its class's list (``POSITIVE_WORDS`` /
    ``NEGATIVE_WORDS``) and, with probability ``noise``, one word of the other class, so a
    model must weigh the evidence; a ``<br /><br />``, punctuation and sometimes a quoted
    word appear as in IMDB."""
    if n < 0:
        raise ValueError(f"make_toy_reviews: n must be >= 0, got {n}")
    rng = random.Random(seed)
    reviews, labels = [], []
    for i in range(n):
        label = (i + 1) % 2
        words = [rng.choice(_FILLER) for _ in range(rng.randint(min_len, max_len))]
        own, other = (POSITIVE_WORDS, NEGATIVE_WORDS) if label else (NEGATIVE_WORDS, POSITIVE_WORDS)
        inserts = [rng.choice(own) for _ in range(planted)]
        if rng.random() < noise:
            inserts.append(rng.choice(other))
        for w in inserts:
            words.insert(rng.randint(0, len(words)), w)
        if rng.random() < 0.3:  # a quoted word, as reviews quote titles and lines
            k = rng.randrange(len(words))
            words[k] = f'"{words[k]}"'
        cut = rng.randint(1, len(words) - 1)
        text = " ".join(words[:cut]).capitalize() + ". <br /><br />" + " ".join(words[cut:]).capitalize() + "!"
        reviews.append(text)
        labels.append(int(label))
    return reviews, labels


def _tsv_field(text: str) -> str:
    """Quote a field as Kaggle's files do: backslash-escaped quotes and backslashes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_toy_imdb(root: str | os.PathLike, n_train: int = 1000, n_test: int = 500, seed: int = 0,
                   layout: str = "aclimdb") -> str:
    """Write toy reviews in a real layout under ``root`` and return the data path.

    ``layout="aclimdb"``: ``root/aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt``;
    ``layout="kaggle"``: ``root/labeledTrainData.tsv`` and ``root/testData.tsv`` whose ids
    ``"<n>_<rating>"`` carry the rating (>= 7 positive, <= 4 negative) as Kaggle's do."""
    root = os.fspath(root)
    rng = random.Random(seed + 1)
    train = make_toy_reviews(n_train, seed)
    test = make_toy_reviews(n_test, seed + 10_000)

    def rating(label: int) -> int:
        return rng.randint(7, 10) if label else rng.randint(1, 4)

    if layout == "aclimdb":
        base = os.path.join(root, "aclImdb")
        for split, (reviews, labels) in (("train", train), ("test", test)):
            for d in ("pos", "neg"):
                os.makedirs(os.path.join(base, split, d), exist_ok=True)
            for i, (text, lab) in enumerate(zip(reviews, labels)):
                name = f"{i}_{rating(lab)}.txt"
                with open(os.path.join(base, split, "pos" if lab else "neg", name), "w", encoding="utf-8") as f:
                    f.write(text)
        return base
    if layout == "kaggle":
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, "labeledTrainData.tsv"), "w", encoding="utf-8", newline="") as f:
            f.write("id\tsentiment\treview\n")
            for i, (text, lab) in enumerate(zip(*train)):
                f.write(f"{_tsv_field(f'{i}_{rating(lab)}')}\t{lab}\t{_tsv_field(text)}\n")
        with open(os.path.join(root, "testData.tsv"), "w", encoding="utf-8", newline="") as f:
            f.write("id\treview\n")
            for i, (text, lab) in enumerate(zip(*test)):
                f.write(f"{_tsv_field(f'{i}_{rating(lab)}')}\t{_tsv_field(text)}\n")
        return root
    raise ValueError(f"write_toy_imdb: unknown layout {layout!r}; expected 'aclimdb' or 'kaggle'")


# ---------------------------------------------------------------------------- tensors
def _default_tokenizer() -> Callable[[str], list[str]]:
    from .tokenize import basic_english_normalize
    return basic_english_normalize


def imdb_features(reviews: Sequence[str], vocab, num_steps: int, tokenizer: Callable | None = None):
    """Reviews -> int64 tensor (N, num_steps): tokenized, indexed by ``vocab``, and cut or
    padded with ``<pad>`` (d2l's ``truncate_pad``)."""
    import ember
    from .padding import truncate_pad
    tok = tokenizer or _default_tokenizer()
    pad_id = vocab["<pad>"]
    rows = [truncate_pad(vocab[tok(clean_review(r))], num_steps, pad_id) for r in reviews]
    return ember.tensor(rows, dtype=ember.int64).reshape(len(rows), num_steps)


def load_imdb(batch_size: int = 64, num_steps: int = 500, data: str | os.PathLike | None = None,
              min_freq: int = 5, tokenizer: Callable | None = None, toy_size: tuple[int, int] = (2000, 1000),
              seed: int = 0, val_fraction: float = 0.2, return_test_ids: bool = False):
    """d2l's ``load_data_imdb``: ``(train_iter, test_iter, vocab)``.

    ``data`` is an aclImdb tree (its train and test splits), a Kaggle folder (the last
    ``val_fraction`` of ``labeledTrainData.tsv`` is the labelled test split) or None (the
    toy reviews of ``make_toy_reviews``, ``toy_size`` = (train, test) counts).  The
    vocabulary is built on the training reviews with ``min_freq`` and a ``<pad>`` token.
    With ``return_test_ids=True`` a fourth item is returned: ``(ids, features)`` of the
    Kaggle ``testData.tsv`` (None for the other sources)."""
    import ember
    from ember.utils.data import DataLoader, TensorDataset
    from .vocab import Vocab
    tok = tokenizer or _default_tokenizer()
    kaggle_test = None
    if data is None:
        train_x, train_y = make_toy_reviews(toy_size[0], seed)
        test_x, test_y = make_toy_reviews(toy_size[1], seed + 10_000)
    elif is_acl_imdb(data):
        (train_x, train_y), (test_x, test_y) = read_imdb(data, True), read_imdb(data, False)
    elif is_kaggle_imdb(data):
        labelled, kaggle_test = read_kaggle_imdb(data)
        order = list(range(len(labelled.reviews)))
        random.Random(seed).shuffle(order)
        n_val = max(1, int(round(len(order) * val_fraction)))
        tr, te = order[:-n_val], order[-n_val:]
        train_x, train_y = [labelled.reviews[i] for i in tr], [labelled.labels[i] for i in tr]
        test_x, test_y = [labelled.reviews[i] for i in te], [labelled.labels[i] for i in te]
    else:
        raise FileNotFoundError(f"load_imdb: {os.fspath(data)!r} is neither an aclImdb folder "
                                f"(train/pos, test/pos, ...) nor a folder holding labeledTrainData.tsv")
    vocab = Vocab([tok(clean_review(r)) for r in train_x], min_freq=min_freq, reserved_tokens=["<pad>"])
    train_ds = TensorDataset(imdb_features(train_x, vocab, num_steps, tok), ember.tensor(train_y, dtype=ember.int64))
    test_ds = TensorDataset(imdb_features(test_x, vocab, num_steps, tok), ember.tensor(test_y, dtype=ember.int64))
    g = ember.Generator().manual_seed(seed)
    out = (DataLoader(train_ds, batch_size, shuffle=True, generator=g), DataLoader(test_ds, batch_size), vocab)
    if return_test_ids:
        extra = None if kaggle_test is None else (kaggle_test.ids, imdb_features(kaggle_test.reviews, vocab,
                                                                                 num_steps, tok))
        return out + (extra,)
    return out
