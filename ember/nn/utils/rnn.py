"""Variable-length sequences: padding, and packing for the recurrent layers.

A ``PackedSequence`` stores a batch of sequences time step by time step: ``data`` holds
the rows of step 0 for every sequence, then step 1 for those still running, and so on;
``batch_sizes[t]`` says how many sequences reach step t (so sequences are sorted by
decreasing length; ``sorted_indices`` records that order when the input was not sorted).
RNN/GRU/LSTM then compute nothing for padding.  Packing and unpacking are each one
gather, so gradients flow back to the padded input.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Iterable, Sequence

import numpy as np

from ...backend import dtypes as D
from ...tensor.creation import tensor as _tensor
from ...tensor.joining import cat, stack
from ...tensor.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _index(values, device=None) -> Tensor:
    """An int64 index tensor (on ``device``)."""
    t = _tensor(np.asarray(values, dtype=np.int64), dtype=D.int64, device="cpu")  # not the default device
    return t if device is None or str(device) == "cpu" else t.to(device)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation q with q[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation.tolist(), dtype=np.int64)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    return _index(inv, permutation.device)


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``; made by
    ``pack_padded_sequence``/``pack_sequence``, never by hand in ordinary use."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)) as PyTorch allows
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                             "created manually. They should be instantiated by functions like pack_sequence "
                             "and pack_padded_sequences in nn.utils.rnn.")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """``data`` converted by ``Tensor.to``; the index tensors follow it to its device."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        move = (lambda t: None if t is None else t.to(dev))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        return self.to(self.data.cuda(*args, **kwargs).device)

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def double(self) -> "PackedSequence":
        return self.to(dtype=D.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=D.float32)

    def half(self) -> "PackedSequence":
        return self.to(dtype=D.float16)

    def long(self) -> "PackedSequence":
        return self.to(dtype=D.int64)

    def int(self) -> "PackedSequence":
        return self.to(dtype=D.int32)

    def short(self) -> "PackedSequence":
        return self.to(dtype=D.int16)

    def char(self) -> "PackedSequence":
        return self.to(dtype=D.int8)

    def byte(self) -> "PackedSequence":
        return self.to(dtype=D.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _lengths(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        if lengths.device.type != "cpu":
            raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got 1D "
                               f"{lengths.device.type} {lengths.dtype} tensor")
        lengths = lengths.tolist()
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences with
    the given lengths.  With ``enforce_sorted=False`` the batch is sorted by decreasing
    length first and the order is kept in ``sorted_indices``/``unsorted_indices``."""
    lens = _lengths(lengths)
    sorted_indices = None
    batch_dim = 0 if batch_first else 1
    if not enforce_sorted:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _index(order, input.device)
        input = input.index_select(batch_dim, sorted_indices)
    x = input.transpose(0, 1) if batch_first else input
    T, B = x.shape[0], x.shape[1]
    if lens.size != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lens.size} "
                           f"(batch_size={B})")
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if np.any(lens[1:] > lens[:-1]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                           "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                           "sidestep this requirement if you do not need ONNX exportability.")
    if lens[0] > T:
        raise RuntimeError(f"pack_padded_sequence: the longest length ({int(lens[0])}) exceeds the padded "
                           f"sequence length ({T})")
    steps = np.arange(int(lens[0]))
    batch_sizes = (lens[None, :] > steps[:, None]).sum(axis=1)
    # rows of step t are x[t, :batch_sizes[t]], i.e. flat rows t * B + b
    rows = np.concatenate([t * B + np.arange(n) for t, n in enumerate(batch_sizes)])
    data = x.reshape((T * B,) + tuple(x.shape[2:]))[_index(rows, x.device)]
    return PackedSequence(data, _index(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Inverse of ``pack_padded_sequence``: (padded batch, lengths in the original order)."""
    data, bsz, sorted_indices, unsorted_indices = sequence
    bs = np.asarray(bsz.tolist(), dtype=np.int64)
    steps = bs.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        T = total_length
    else:
        T = steps
    B = int(bs[0])
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]])
    n = data.shape[0]
    gather = np.full((T, B), n, dtype=np.int64)   # row n is the padding row
    for t in range(steps):
        gather[t, :bs[t]] = offsets[t] + np.arange(bs[t])
    rest = tuple(data.shape[1:])
    pad = data.new_full((1,) + rest, padding_value)
    padded = cat([data, pad], 0)[_index(gather.reshape(-1), data.device)].reshape((T, B) + rest)
    lengths = (bs[None, :] > np.arange(B)[:, None]).sum(axis=1)
    if batch_first:
        padded = padded.transpose(0, 1)
    if unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, unsorted_indices)
        lengths = lengths[np.asarray(unsorted_indices.tolist(), dtype=np.int64)]
    return padded, _index(lengths)


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into (L_max, B, *) ((B, L_max, *) with
    ``batch_first``), filling with ``padding_value`` on the ``padding_side``."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    rest = tuple(seqs[0].shape[1:])
    for s in seqs[1:]:
        if tuple(s.shape[1:]) != rest:
            for k, (a, b) in enumerate(zip(s.shape[1:], rest)):
                if a != b:
                    raise RuntimeError(f"The size of tensor a ({b}) must match the size of tensor b ({a}) at "
                                       f"non-singleton dimension {k + 1}")
            raise RuntimeError(f"pad_sequence: every sequence must have trailing shape {rest}, got "
                               f"{tuple(s.shape[1:])}")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        short = longest - s.shape[0]
        if short:
            fill = s.new_full((short,) + rest, padding_value)
            s = cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor | Sequence[int],
                   batch_first: bool = False) -> list[Tensor]:
    """The list of sequences ``padded[:len_i, i]`` (views of the padded batch).  Unlike
    PyTorch 2.13, a time-major input is not transposed in place as a side effect."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_lengths(lengths))]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) sequences (sorted by decreasing length unless
    ``enforce_sorted=False``)."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
