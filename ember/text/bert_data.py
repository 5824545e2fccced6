"""BERT pretraining data: d2l's chapter 15.9 pipeline on any plain-text corpus.

From paragraphs of sentences it builds (1) sentence pairs for next-sentence prediction,
where half the second sentences are random sentences from the corpus, and (2) masked
language-model examples: 15% of the non-special positions are predicted, and of those
80% become ``<mask>``, 10% a random token and 10% stay as they are.  Every example is
padded to ``max_len`` with its valid length, segment ids, the prediction positions and
their weights (1 real, 0 padding), exactly the seven tensors d2l's ``_WikiTextDataset``
yields.

The default corpus is the machine's own licence texts (``/usr/share/common-licenses``
and ``/usr/share/doc/*/copyright``): several megabytes of English prose present on every
Debian-style system, so pretraining runs offline.  Any directory or file of text works.

Differences from d2l: sentences are split on ``. ! ? ;`` followed by white space (legal
text has long sentences) and tokenised into lower-case words and punctuation marks; a
pair longer than ``max_len`` is cut (longest sentence first, as BERT's
``truncate_seq_pair``) instead of dropped; ``BERTPretrainDataset.resample(seed)`` draws
new pairs and masks (dynamic masking) so a small corpus can be seen many times."""
from __future__ import annotations

import glob
import os
import random
import re
from typing import Iterable, Sequence

__all__ = ["RESERVED_TOKENS", "DEFAULT_CORPUS", "split_sentences", "tokenize_sentence", "read_paragraphs",
           "corpus_files", "load_corpus", "get_tokens_and_segments", "get_next_sentence",
           "get_nsp_data_from_paragraph", "replace_mlm_tokens", "get_mlm_data_from_tokens", "pad_bert_inputs",
           "BERTPretrainDataset", "load_data_bert"]

RESERVED_TOKENS = ["<pad>", "<mask>", "<cls>", "<sep>"]
DEFAULT_CORPUS = ("/usr/share/common-licenses", "/usr/share/doc/*/copyright")

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph: split after ``. ! ? ;`` followed by white space."""
    return [s for s in _SENTENCE_END.split(" ".join(paragraph.split())) if s]


def tokenize_sentence(sentence: str) -> list[str]:
    """Lower-case word tokens (runs of letters/digits) and single punctuation marks."""
    return _WORD.findall(sentence.lower())


def read_paragraphs(text: str) -> list[list[str]]:
    """Paragraphs (blocks separated by blank lines) of ``text`` as lists of sentences."""
    return [split_sentences(p) for p in re.split(r"\n\s*\n", text) if p.strip()]


def corpus_files(corpus: str | Sequence[str] | None = None) -> list[str]:
    """The text files of ``corpus``: a file, a directory (every file below it), a glob
    pattern, or a list of these; ``None`` means ``DEFAULT_CORPUS``.  Sorted, de-duplicated
    by real path (``GPL`` is a link to ``GPL-3``)."""
    specs = list(DEFAULT_CORPUS) if corpus is None else [corpus] if isinstance(corpus, str) else list(corpus)
    found: dict[str, str] = {}
    for spec in specs:
        if os.path.isdir(spec):
            paths = [os.path.join(d, f) for d, _, fs in os.walk(spec) for f in fs]
        elif os.path.isfile(spec):
            paths = [spec]
        else:
            paths = glob.glob(spec)
        for p in paths:
            if os.path.isfile(p):
                found.setdefault(os.path.realpath(p), p)
    return sorted(found.values())


def load_corpus(corpus: str | Sequence[str] | None = None, min_sentences: int = 2,
                max_paragraphs: int | None = None) -> list[list[list[str]]]:
    """Tokenised paragraphs of the corpus: a list of paragraphs, each a list of sentences,
    each a list of tokens.  Identical paragraphs (the GPL is quoted in hundreds of
    copyright files) are kept once; only paragraphs with at least ``min_sentences``
    sentences are kept (next-sentence pairs need two).  Undecodable bytes are replaced.

    Raises ``FileNotFoundError`` when the corpus has no files and ``ValueError`` when no
    paragraph has enough sentences."""
    files = corpus_files(corpus)
    if not files:
        raise FileNotFoundError(f"load_corpus: no text files found at {corpus if corpus is not None else DEFAULT_CORPUS}")
    seen, paragraphs = set(), []
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue  # unreadable file (permissions): the rest of the corpus still works
        for sentences in read_paragraphs(text):
            key = " ".join(sentences)
            if key in seen:
                continue
            seen.add(key)
            tokenised = [t for t in (tokenize_sentence(s) for s in sentences) if t]
            if len(tokenised) >= min_sentences:
                paragraphs.append(tokenised)
                if max_paragraphs is not None and len(paragraphs) >= max_paragraphs:
                    return paragraphs
    if not paragraphs:
        raise ValueError(f"load_corpus: no paragraph of {len(files)} file(s) has {min_sentences} or more sentences")
    return paragraphs


def get_tokens_and_segments(tokens_a: list[str], tokens_b: list[str] | None = None):
    """``<cls> a <sep>`` (+ ``b <sep>``) and the segment ids (0 for a's part, 1 for b's)."""
    tokens = ["<cls>"] + list(tokens_a) + ["<sep>"]
    segments = [0] * (len(tokens_a) + 2)
    if tokens_b is not None:
        tokens += list(tokens_b) + ["<sep>"]
        segments += [1] * (len(tokens_b) + 1)
    return tokens, segments


def get_next_sentence(sentence: list[str], next_sentence: list[str], paragraphs: list, rng: random.Random):
    """(a, b, is_next): with probability 1/2 ``b`` is replaced by a random sentence of a
    random paragraph (label False), else it is the true next sentence (label True)."""
    if rng.random() < 0.5:
        return sentence, next_sentence, True
    paragraph = paragraphs[rng.randrange(len(paragraphs))]
    return sentence, paragraph[rng.randrange(len(paragraph))], False


def _truncate_pair(a: list, b: list, max_tokens: int) -> tuple[list, list]:
    """Cut the longer of ``a``/``b`` from its end until both fit in ``max_tokens``."""
    a, b = list(a), list(b)
    while len(a) + len(b) > max_tokens:
        if len(a) >= len(b):
            a.pop()
        else:
            b.pop()
    return a, b


def get_nsp_data_from_paragraph(paragraph: list, paragraphs: list, max_len: int, rng: random.Random):
    """(tokens, segments, is_next) for each consecutive sentence pair of ``paragraph``,
    cut to fit ``max_len`` together with ``<cls>`` and two ``<sep>``."""
    out = []
    for i in range(len(paragraph) - 1):
        a, b, is_next = get_next_sentence(paragraph[i], paragraph[i + 1], paragraphs, rng)
        a, b = _truncate_pair(a, b, max_len - 3)
        tokens, segments = get_tokens_and_segments(a, b)
        out.append((tokens, segments, is_next))
    return out


def replace_mlm_tokens(tokens: list[str], candidate_pred_positions: list[int], num_mlm_preds: int, vocab,
                       rng: random.Random):
    """Choose ``num_mlm_preds`` of the candidate positions at random and corrupt them with
    BERT's rule: 80% ``<mask>``, 10% a random vocabulary token, 10% unchanged.  Returns the
    corrupted tokens and the sorted [(position, original token)] to predict."""
    mlm_input = list(tokens)
    positions = list(candidate_pred_positions)
    rng.shuffle(positions)
    chosen = sorted(positions[:num_mlm_preds])
    for pos in chosen:
        u = rng.random()
        if u < 0.8:
            mlm_input[pos] = "<mask>"
        elif u < 0.9:
            mlm_input[pos] = vocab.idx_to_token[rng.randrange(len(vocab))]
        # else: keep the token (the model must not learn that unmasked means "copy")
    return mlm_input, [(pos, tokens[pos]) for pos in chosen]


def get_mlm_data_from_tokens(tokens: list[str], vocab, rng: random.Random, mask_ratio: float = 0.15):
    """(input ids, prediction positions, label ids): ``round(mask_ratio * len(tokens))``
    (at least 1) positions other than ``<cls>``/``<sep>`` are predicted."""
    candidates = [i for i, t in enumerate(tokens) if t not in ("<cls>", "<sep>")]
    num_mlm_preds = max(1, round(len(tokens) * mask_ratio))
    mlm_input, pred = replace_mlm_tokens(tokens, candidates, num_mlm_preds, vocab, rng)
    return vocab[mlm_input], [p for p, _ in pred], vocab[[t for _, t in pred]]


def pad_bert_inputs(examples: Iterable, max_len: int, vocab, mask_ratio: float = 0.15):
    """Pad ``[(token ids, pred positions, mlm labels, segments, is_next)]`` to tensors:
    token ids (N, max_len) int64 padded with ``<pad>``, segments (N, max_len) int64,
    valid lengths (N,) float32, prediction positions (N, P) int64, MLM weights (N, P)
    float32 (1 for a real prediction, 0 for padding), MLM labels (N, P) int64 and NSP
    labels (N,) int64, with ``P = round(max_len * mask_ratio)`` (d2l's layout)."""
    import ember
    max_preds = round(max_len * mask_ratio)
    pad_id = vocab["<pad>"]
    tok, seg, valid, pos, wts, lab, nsp = [], [], [], [], [], [], []
    for token_ids, pred_positions, mlm_labels, segments, is_next in examples:
        if len(token_ids) > max_len or len(pred_positions) > max_preds:
            raise ValueError(f"pad_bert_inputs: an example has {len(token_ids)} tokens and {len(pred_positions)} "
                             f"predictions; expected at most {max_len} and {max_preds}")
        n, k = len(token_ids), len(pred_positions)
        tok.append(list(token_ids) + [pad_id] * (max_len - n))
        seg.append(list(segments) + [0] * (max_len - n))
        valid.append(float(n))
        pos.append(list(pred_positions) + [0] * (max_preds - k))
        wts.append([1.0] * k + [0.0] * (max_preds - k))
        lab.append(list(mlm_labels) + [0] * (max_preds - k))
        nsp.append(int(bool(is_next)))
    n = len(tok)
    return (ember.tensor(tok, dtype=ember.int64).reshape(n, max_len),
            ember.tensor(seg, dtype=ember.int64).reshape(n, max_len),
            ember.tensor(valid, dtype=ember.float32),
            ember.tensor(pos, dtype=ember.int64).reshape(n, max_preds),
            ember.tensor(wts, dtype=ember.float32).reshape(n, max_preds),
            ember.tensor(lab, dtype=ember.int64).reshape(n, max_preds),
            ember.tensor(nsp, dtype=ember.int64))


class BERTPretrainDataset:
    """d2l's ``_WikiTextDataset`` over tokenised paragraphs (see ``load_corpus``).

    Item ``i`` is the tuple (tokens, segments, valid_len, pred_positions, mlm_weights,
    mlm_labels, nsp_label).  The vocabulary (``min_freq`` 5, the four reserved tokens) is
    built from the paragraphs unless one is given (fine-tuning reuses the pretraining
    one).  Pairs and masks are drawn with ``seed``; ``resample(seed)`` draws them again."""

    def __init__(self, paragraphs: list, max_len: int, vocab=None, min_freq: int = 5, seed: int = 0,
                 mask_ratio: float = 0.15) -> None:
        if max_len < 5:
            raise ValueError(f"BERTPretrainDataset: max_len must be >= 5 (<cls> a <sep> b <sep>), got {max_len}")
        if not paragraphs or any(len(p) < 2 for p in paragraphs):
            raise ValueError("BERTPretrainDataset: every paragraph needs at least two sentences")
        if vocab is None:
            from .vocab import Vocab
            vocab = Vocab([s for p in paragraphs for s in p], min_freq=min_freq, reserved_tokens=RESERVED_TOKENS)
        missing = [t for t in RESERVED_TOKENS if t not in vocab.token_to_idx]
        if missing:
            raise ValueError(f"BERTPretrainDataset: the vocabulary lacks {missing}; build it with "
                             f"reserved_tokens={RESERVED_TOKENS}")
        self.paragraphs, self.max_len, self.vocab, self.mask_ratio = paragraphs, max_len, vocab, mask_ratio
        self.resample(seed)

    def resample(self, seed: int) -> None:
        """Draw new sentence pairs and new masks (same corpus and vocabulary)."""
        rng = random.Random(seed)
        examples = []
        for paragraph in self.paragraphs:
            for tokens, segments, is_next in get_nsp_data_from_paragraph(paragraph, self.paragraphs,
                                                                          self.max_len, rng):
                ids, positions, labels = get_mlm_data_from_tokens(tokens, self.vocab, rng, self.mask_ratio)
                examples.append((ids, positions, labels, segments, is_next))
        self.tensors = pad_bert_inputs(examples, self.max_len, self.vocab, self.mask_ratio)
        (self.all_token_ids, self.all_segments, self.valid_lens, self.all_pred_positions,
         self.all_mlm_weights, self.all_mlm_labels, self.nsp_labels) = self.tensors

    def __getitem__(self, idx: int):
        return tuple(t[idx] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.all_token_ids)


def load_data_bert(batch_size: int, max_len: int, corpus: str | Sequence[str] | None = None,
                   max_paragraphs: int | None = None, seed: int = 0):
    """(shuffled DataLoader over ``BERTPretrainDataset``, vocab): d2l's ``load_data_wiki``
    on ``corpus`` (default: the machine's licence texts)."""
    from ember.utils.data import DataLoader
    ds = BERTPretrainDataset(load_corpus(corpus, max_paragraphs=max_paragraphs), max_len, seed=seed)
    return DataLoader(ds, batch_size, shuffle=True), ds.vocab
