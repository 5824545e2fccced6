"""Fixed-length batches of token sequences: d2l's ``truncate_pad`` and ``build_array``."""
from __future__ import annotations

from typing import Any, Sequence

__all__ = ["truncate_pad", "build_array", "pad"]


def truncate_pad(line: Sequence, num_steps: int, padding_token: Any) -> list:
    """Cut ``line`` to ``num_steps`` items or pad it with ``padding_token`` up to that length."""
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 0:
        raise ValueError(f"truncate_pad: num_steps must be a non-negative int, got {num_steps!r}")
    line = list(line)
    if len(line) > num_steps:
        return line[:num_steps]
    return line + [padding_token] * (num_steps - len(line))


def build_array(lines: Sequence[Sequence[str]], vocab, num_steps: int):
    """Token lines -> (int64 array (N, num_steps), int64 valid lengths (N,)) as d2l's
    ``build_array_nmt``: map to indices, append ``<eos>``, truncate or pad with ``<pad>``.
    The valid length counts the non-``<pad>`` positions."""
    import ember
    for special in ("<pad>", "<eos>"):
        if special not in vocab.token_to_idx:
            raise ValueError(f"build_array: the vocabulary has no {special!r} token; "
                             f"build it with reserved_tokens=['<pad>', '<bos>', '<eos>']")
    pad_id, eos_id = vocab["<pad>"], vocab["<eos>"]
    rows = [truncate_pad(list(vocab[list(line)]) + [eos_id], num_steps, pad_id) for line in lines]
    array = ember.tensor(rows, dtype=ember.int64).reshape(len(rows), num_steps)
    valid_len = (array != pad_id).type(ember.int32).sum(1)
    return array, valid_len


def pad(sequences: Sequence[Sequence[int]], padding_value: int = 0, length: int | None = None):
    """Index sequences of different lengths -> int64 tensor (N, L), batch first.

    ``L`` is ``length`` when given (longer sequences are cut) else the longest sequence."""
    import ember
    seqs = [list(s.tolist() if hasattr(s, "tolist") else s) for s in sequences]
    if length is None:
        length = max((len(s) for s in seqs), default=0)
    rows = [truncate_pad(s, length, padding_value) for s in seqs]
    return ember.tensor(rows, dtype=ember.int64).reshape(len(rows), length)
