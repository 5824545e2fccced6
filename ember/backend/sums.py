"""Fast floating-point sums for large CPU arrays: vectorised blocks on ember's threads.

NumPy's float32 sum over a contiguous axis is a pairwise sum that is not SIMD
vectorised and runs on one thread (about 0.2 ms for 1M elements on the 2-core
development machine).  ``np.einsum('ij->i', x)`` sums each row with SIMD
accumulators, about twice as fast, and rows are independent, so from ``THREAD_MIN``
elements on they are split over ember's threads (backend/parallel.py; below that the
hand-off to a thread costs more than it saves on the development machine).

A BLAS matrix-vector product with a vector of ones (``x @ ones``) is as fast on an
idle machine, but OpenBLAS's own threads stall for whole scheduler time slices when
the cores are shared (median 10 ms instead of 0.05 ms for a 1000x1000 sum, measured
here under load), while ember's pool lets the calling thread take over any work a
late thread has not started.

Accuracy: a SIMD row sum keeps a few lane accumulators, so its error grows about
linearly in (length / lanes).  Rows are therefore cut into blocks of at most
``BLOCK`` elements, each block summed by einsum, and the block sums summed the same
way (a tree).  tests/backend/test_parallel.py compares the error against a float64
reference with PyTorch's, on random, offset and large-magnitude data.

Only C-contiguous float32/float64 NumPy arrays of at least ``MIN_ELEMENTS`` take
this path, and only when the reduced axes are the trailing ones or all of them;
otherwise ``fast_sum`` returns None and the caller uses ``xp.sum``.  (A sum over
leading axes, ``x.sum(0)``, is NumPy's row-by-row accumulation: splitting its
columns over threads would be faster, but its error is already several times
PyTorch's pairwise one, so it is left as it is rather than made faster.)
"""
from __future__ import annotations

import functools

import numpy as np

from . import parallel

__all__ = ["fast_sum", "MIN_ELEMENTS", "BLOCK", "THREAD_MIN"]

MIN_ELEMENTS = 1 << 15  # below this NumPy's sum is about as fast (measured)
BLOCK = 512             # at most this many elements per SIMD row sum (accuracy, see above)
# A sum reads each element once at about 0.15 ns, so on the 2-core development machine
# a second thread pays for its hand-off only from about 2M elements (1M: 159 us on one
# thread, 193 us on two; 4M: 620 -> 501 us; 16M: 2.1 -> 1.3 ms; docs/performance.md).
THREAD_MIN = 1 << 21


@functools.lru_cache(maxsize=256)
def _divisor_block(n: int) -> int:
    """The largest divisor of n in [BLOCK / 4, BLOCK], or 0 if there is none."""
    for b in range(BLOCK, BLOCK // 4 - 1, -1):
        if n % b == 0:
            return b
    return 0


def _einsum_rows(x2):
    """Each row of the 2-d ``x2`` summed by ``einsum`` (rows split over the threads)."""
    m, n = x2.shape
    out = np.empty(m, dtype=x2.dtype)
    k = min(parallel.chunk_count(m * n), m) if m * n >= THREAD_MIN else 1
    bounds = [m * i // k for i in range(k + 1)]

    def part(i):
        lo, hi = bounds[i], bounds[i + 1]
        np.einsum("ij->i", x2[lo:hi], out=out[lo:hi])
    parallel.parallel_for(part, k)
    return out


def _rows_sum(x2):
    """Sum of each row of the 2-d ``x2`` (M, L) -> (M,); C-contiguous unless M == 1."""
    m, n = x2.shape
    if n <= BLOCK:
        return _einsum_rows(x2)
    # Longer rows: blocks of at most BLOCK elements, then the block sums the same way.
    # The blocks must tile the rows exactly to be one 2-d array; a single row may end
    # in a shorter block instead.
    b = _divisor_block(n) if m > 1 else BLOCK
    if not b:
        return x2.sum(axis=1)  # rows of a length with no suitable divisor: NumPy's pairwise sum
    q = n // b
    blocks = _einsum_rows(x2.reshape(-1)[:m * q * b].reshape(m * q, b))
    out = _rows_sum(blocks.reshape(m, q))
    if q * b < n:  # (m == 1 only) the last, shorter block
        out += np.einsum("ij->i", x2[:, q * b:])
    return out


def fast_sum(a, axis, keepdims: bool):
    """``a.sum(axis, keepdims=keepdims)`` by the methods above, or None when ``a`` does
    not qualify (see the module docstring).  ``axis`` is None or a sorted tuple of
    non-negative axes.  The result has NumPy's dtype and shape (a NumPy scalar for a
    full sum without keepdims)."""
    if type(a) is not np.ndarray or a.size < MIN_ELEMENTS or not a.flags.c_contiguous:
        return None
    if a.dtype != np.float32 and a.dtype != np.float64:
        return None
    shape, nd = a.shape, a.ndim
    if axis is None or len(axis) == nd:
        total = _rows_sum(a.reshape(1, -1))[0]
        return np.full((1,) * nd, total, dtype=a.dtype) if keepdims else total
    lo, hi = axis[0], axis[-1]
    if hi - lo + 1 != len(axis):
        return None  # reduced axes not adjacent
    kept = shape[:lo]
    if hi != nd - 1:
        return None  # not the trailing axes: NumPy's sum (see the module docstring)
    out = _rows_sum(a.reshape(_prod(kept), -1))
    if keepdims:
        return out.reshape(tuple(1 if lo <= i <= hi else s for i, s in enumerate(shape)))
    return out.reshape(kept)


def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n
