"""Pretrained token embeddings from text files: GloVe and word2vec/fastText text format
(d2l 14.7 ``TokenEmbedding``; the notes use torchtext's ``GloVe`` the same way).

GloVe files hold one ``word v1 v2 ... vd`` line per token; word2vec's text format adds
a first line ``count dim``.  Row 0 is ``<unk>`` with a zero vector, so unknown tokens
look up zeros, as in d2l."""
from __future__ import annotations

import os
from typing import Iterable, Sequence

import numpy as np

__all__ = ["TokenEmbedding"]

UNK = "<unk>"
_SYSTEM_DIR = os.environ.get("EMBER_SYSTEM_DATASETS", "/usr/share/datasets")


def _resolve(path_or_name: str, data_dir: str | None) -> str:
    """A file to read: the path itself, ``vec.txt`` inside a directory (d2l's layout), or a
    name looked up as NAME, NAME.txt, NAME/vec.txt in data_dir, /usr/share/datasets, ./data."""
    def in_dir(d):
        if os.path.isfile(os.path.join(d, "vec.txt")):
            return os.path.join(d, "vec.txt")
        txt = sorted(f for f in os.listdir(d) if f.endswith((".txt", ".vec")))
        return os.path.join(d, txt[0]) if len(txt) == 1 else None

    p = os.fspath(path_or_name)
    if os.path.isfile(p):
        return p
    if os.path.isdir(p):
        found = in_dir(p)
        if found:
            return found
        raise FileNotFoundError(f"TokenEmbedding: directory {p!r} has no vec.txt (or single .txt/.vec file)")
    tried = []
    for base in [d for d in (data_dir, _SYSTEM_DIR, "data") if d]:
        for cand in (os.path.join(base, p), os.path.join(base, p + ".txt")):
            tried.append(cand)
            if os.path.isfile(cand):
                return cand
            if os.path.isdir(cand):
                found = in_dir(cand)
                if found:
                    return found
    raise FileNotFoundError(f"TokenEmbedding: no embedding file {p!r}; looked in: {', '.join(tried)}")


def _read_vectors(path: str) -> tuple[list[str], np.ndarray]:
    """Tokens and a float32 (n, d) matrix from a GloVe or word2vec text file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [ln.rstrip("\r\n") for ln in f]
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise ValueError(f"TokenEmbedding: {path!r} is empty")
    header = lines[0].split()
    expected_count = None
    if len(header) == 2 and all(h.isdigit() for h in header) and (
            len(lines) == 1 or len(lines[1].rstrip().split(" ")) == int(header[1]) + 1):
        expected_count, dim = int(header[0]), int(header[1])   # word2vec / fastText header line
        lines = lines[1:]
    else:
        # the most common field count of the first lines (a first token with spaces in it,
        # as in GloVe 840B, must not decide the dimension)
        counts = [len(ln.rstrip().split(" ")) for ln in lines[:100]]
        dim = max(set(counts), key=lambda c: (counts.count(c), c)) - 1
    if dim < 1:
        raise ValueError(f"TokenEmbedding: {path!r} lines have no vector values (expected 'token v1 v2 ...')")
    tokens, values = [], []
    for n, line in enumerate(lines, 1):
        parts = line.rstrip().rsplit(" ", dim)        # tokens may contain spaces; the last dim fields are numbers
        if len(parts) != dim + 1 or not parts[0]:
            raise ValueError(f"TokenEmbedding: {path!r}: line {n + (expected_count is not None)} has "
                             f"{len(parts) - 1} values, expected {dim}")
        tokens.append(parts[0])
        values.append(parts[1:])
    try:
        vecs = np.array(values, dtype=np.float32)
    except ValueError as e:
        raise ValueError(f"TokenEmbedding: {path!r} holds a non-numeric vector value ({e})") from None
    if expected_count is not None and expected_count != len(tokens):
        raise ValueError(f"TokenEmbedding: {path!r} header says {expected_count} tokens, the file has {len(tokens)}")
    return tokens, vecs.reshape(len(tokens), dim)


class TokenEmbedding:
    """``TokenEmbedding(path_or_name)``: pretrained vectors with d2l's and torchtext's API.

    ``idx_to_token`` / ``token_to_idx`` (``<unk>`` at 0), ``idx_to_vec`` (float32 tensor
    (n, d), row 0 zeros), ``emb[tokens]`` -> (len, d) tensor or (d,) for one token,
    ``knn``, ``get_similar_tokens``, ``get_analogy``."""

    def __init__(self, path_or_name: str | os.PathLike, data_dir: str | None = None) -> None:
        import ember
        self.path = _resolve(os.fspath(path_or_name), data_dir)
        tokens, vecs = _read_vectors(self.path)
        self.idx_to_token: list[str] = [UNK]
        keep = []
        seen = {UNK}
        for i, t in enumerate(tokens):
            if t not in seen:          # a repeated token (or a literal <unk>) keeps its first vector
                seen.add(t)
                self.idx_to_token.append(t)
                keep.append(i)
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}
        table = np.zeros((len(self.idx_to_token), vecs.shape[1]), dtype=np.float32)
        table[1:] = vecs[keep]
        self.idx_to_vec = ember.from_numpy(table)
        self.unknown_idx = 0

    # ---- lookups ----------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return int(self.idx_to_vec.shape[1])

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token: str) -> bool:
        return token in self.token_to_idx

    def __getitem__(self, tokens: str | Sequence[str]):
        if isinstance(tokens, str):
            return self.idx_to_vec[self.token_to_idx.get(tokens, self.unknown_idx)]
        import ember
        idx = [self.token_to_idx.get(t, self.unknown_idx) for t in tokens]
        return self.idx_to_vec[ember.tensor(idx, dtype=ember.int64)]

    def get_vecs_by_tokens(self, tokens: str | Sequence[str], lower_case_backup: bool = False):
        """torchtext's spelling: one token -> (d,), a list -> (n, d); with
        ``lower_case_backup`` an unknown token is retried lower-cased."""
        def fix(t):
            return t.lower() if lower_case_backup and t not in self.token_to_idx else t
        if isinstance(tokens, str):
            return self[fix(tokens)]
        return self[[fix(t) for t in tokens]]

    # torchtext-style attribute names
    @property
    def vectors(self):
        return self.idx_to_vec

    @property
    def itos(self) -> list[str]:
        return self.idx_to_token

    @property
    def stoi(self) -> dict[str, int]:
        return self.token_to_idx

    def __repr__(self) -> str:
        return f"TokenEmbedding({self.path!r}, tokens={len(self)}, dim={self.dim})"

    # ---- similarity -------------------------------------------------------------------
    def knn(self, query_vecs, k: int):
        """The ``k`` rows most cosine-similar to each query: (indices, cosines), shaped
        (k,) for one (d,) query or (n, k) for (n, d) queries.  cos = W q / (|W_i| |q|),
        with 1e-9 under the root as d2l so the zero ``<unk>`` row gives 0, not nan."""
        import ember
        q = query_vecs if isinstance(query_vecs, ember.Tensor) else ember.tensor(query_vecs)
        q = q.to(ember.float32)
        single = q.dim() == 1
        if single:
            q = q.unsqueeze(0)
        if q.dim() != 2 or q.shape[1] != self.dim:
            raise ValueError(f"TokenEmbedding.knn: queries must be ({self.dim},) or (n, {self.dim}), "
                             f"got {tuple(query_vecs.shape)}")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(self):
            raise ValueError(f"TokenEmbedding.knn: k must be an int in [1, {len(self)}], got {k!r}")
        W = self.idx_to_vec
        cos = (q @ W.t()) / (ember.sqrt((W * W).sum(1) + 1e-9) * ember.sqrt((q * q).sum(1, keepdim=True) + 1e-9))
        values, indices = ember.topk(cos, k, dim=1)
        return (indices[0], values[0]) if single else (indices, values)

    def _known(self, tokens: Iterable[str], op: str) -> None:
        for t in tokens:
            if t not in self.token_to_idx or t == UNK:
                raise KeyError(f"TokenEmbedding.{op}: token {t!r} is not in the embedding's vocabulary")

    def get_similar_tokens(self, token: str, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` tokens nearest to ``token`` by cosine similarity (itself and ``<unk>``
        excluded), as (token, cosine) pairs, most similar first."""
        self._known([token], "get_similar_tokens")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"TokenEmbedding.get_similar_tokens: k must be a positive int, got {k!r}")
        k = min(k, len(self) - 2)
        idx, cos = self.knn(self[token], min(k + 2, len(self)))
        own = self.token_to_idx[token]
        out = [(self.idx_to_token[i], float(c)) for i, c in zip(idx.tolist(), cos.tolist()) if i not in (own, 0)]
        return out[:k]

    def get_analogy(self, token_a: str, token_b: str, token_c: str) -> str:
        """d2l's analogy a : b :: c : ?, the token nearest to vec(b) - vec(a) + vec(c)."""
        self._known([token_a, token_b, token_c], "get_analogy")
        vecs = self[[token_a, token_b, token_c]]
        idx, _ = self.knn(vecs[1] - vecs[0] + vecs[2], 1)
        return self.idx_to_token[int(idx[0])]
