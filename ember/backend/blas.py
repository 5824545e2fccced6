"""Matrix products for ember's hot ops: OpenBLAS on one thread, ember's threads on top.

NumPy's bundled OpenBLAS splits any GEMM above about 262K multiply-adds over its
own threads, which synchronise by spinning.  When the cores are shared (other
processes, or ember's own worker threads) a spinning thread waits for a whole
scheduler time slice: on the 2-core development machine at load 5 a
(256, 400) @ (400, 120) product -- one of LeNet's -- took 20 ms with OpenBLAS's two
threads against 0.2 ms on one (docs/performance.md).  So ``matmul`` here runs
OpenBLAS on one thread and, for a large product, cuts the rows of the result (or
the batch) into parts that ember's own pool runs (backend/parallel.py: a part a
late thread has not started is done by the caller, so nobody waits for a time
slice).  The OpenBLAS thread count is restored after each call, so NumPy code
outside ember keeps its threads.

The thread control is found with ctypes in the OpenBLAS that NumPy loaded
(``scipy_openblas_set_num_threads64_`` in NumPy's wheels, ``openblas_set_num_threads``
in a system build).  When there is none (MKL, Accelerate, CuPy arrays, ember
tensors under create_graph) ``matmul`` is the plain ``@``.  Values equal the plain
call's up to the summation order inside BLAS kernels (each output element is one
dot product computed by the same kernel family).
"""
from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import time

import numpy as np

from . import parallel

__all__ = ["matmul", "single_threaded_blas", "single_threaded_blas_when_busy", "machine_busy",
           "blas_threads_controllable", "SPLIT_MACS"]

OPENBLAS_MIN_MACS = 65536 * 4  # OpenBLAS runs GEMMs below this many multiply-adds on one thread anyway
SPLIT_MACS = 1 << 21           # below ~2M multiply-adds (~50 us) the thread hand-off is not worth it
MIN_SPLIT_ROWS = 32            # a 2-D product with fewer rows runs on one thread (every part reads all of b)
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

_ctl = None  # (get, set) once looked up; False when there is no OpenBLAS to control


def _find_control():
    """(get_num_threads, set_num_threads) of the OpenBLAS NumPy uses, or False."""
    libs = []
    np_dir = os.path.dirname(np.__file__)
    for pattern in ("numpy.libs/*openblas*", ".dylibs/*openblas*", "../numpy.libs/*openblas*"):
        libs += glob.glob(os.path.join(np_dir, pattern))
    names = [("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
             ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
             ("openblas_get_num_threads", "openblas_set_num_threads")]
    handles = []
    for path in libs:
        try:
            handles.append(ctypes.CDLL(path))
        except OSError:
            continue
    try:
        handles.append(ctypes.CDLL(None))  # a system OpenBLAS linked into the process
    except OSError:
        pass
    for h in handles:
        for get_name, set_name in names:
            get, set_ = getattr(h, get_name, None), getattr(h, set_name, None)
            if get is not None and set_ is not None:
                get.restype, get.argtypes = ctypes.c_int, []
                set_.restype, set_.argtypes = None, [ctypes.c_int]
                return get, set_
    return False


def _control():
    global _ctl
    if _ctl is None:
        _ctl = _find_control()
    return _ctl


def blas_threads_controllable() -> bool:
    """True when ember found the OpenBLAS thread control (NumPy's wheels have it)."""
    return bool(_control())


@contextlib.contextmanager
def single_threaded_blas():
    """OpenBLAS on one thread inside the block (restored after); a no-op without control."""
    ctl = _control()
    if not ctl:
        yield
        return
    get, set_ = ctl
    old = get()
    if old > 1:
        set_(1)
    try:
        yield
    finally:
        if old > 1:
            set_(old)


_busy = [0.0, False]  # (when last read, the answer): the load average is read at most once a second


def machine_busy() -> bool:
    """True when the machine's 1-minute load average is above the cores this process may
    use plus half a core: other processes then hold the cores, and threads that spin
    while they wait for each other lose whole time slices.  (ember's own threads, at most
    one per core, cannot push the load over that line by themselves.)"""
    now = time.monotonic()
    if now - _busy[0] > 1.0:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            cores = os.cpu_count() or 1
        try:
            _busy[1] = os.getloadavg()[0] > cores + 0.5
        except OSError:  # no load average on this platform
            _busy[1] = False
        _busy[0] = now
    return _busy[1]


def single_threaded_blas_when_busy():
    """``single_threaded_blas()`` when ``machine_busy()``, else a block that changes nothing.

    For a sequence of small products that ember's own pool cannot split profitably (a
    recurrent layer's per-step GEMMs): on free cores OpenBLAS's threads make them faster
    (a GRU LM step 36-42 -> 21-28 ms on the 2-core machine at load 1), on busy ones they
    make them far slower (30 -> 253 ms at load 3), docs/performance.md."""
    return single_threaded_blas() if machine_busy() else contextlib.nullcontext()


def _plain(a, b, out):
    return a @ b if out is None else np.matmul(a, b, out=out)


def matmul(a, b, out=None):
    """``a @ b`` (NumPy's matmul semantics; ``out`` as ``np.matmul``'s), with OpenBLAS
    on one thread and large products split over ember's threads (see the module
    docstring).  Non-NumPy operands take the plain ``@``."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim < 2 or b.ndim < 2 \
            or a.dtype not in _FLOATS or b.dtype != a.dtype:
        return _plain(a, b, out)
    m, k = a.shape[-2:]
    n = b.shape[-1]
    per = m * k * n
    batch = a.shape[:-2] if a.ndim >= b.ndim else b.shape[:-2]
    nb = 1
    for s in batch:
        nb *= s
    threads = parallel.get_num_threads()
    batched = a.ndim == 3 and b.ndim == 3 and a.shape[0] == b.shape[0]
    if per < OPENBLAS_MIN_MACS and not (batched and threads > 1 and nb * per >= SPLIT_MACS):
        return _plain(a, b, out)  # OpenBLAS runs these on one thread already
    if not _control():
        return _plain(a, b, out)
    # split the rows of a 2-D product (a row block of the result is contiguous; a column
    # block is not, and NumPy's matmul into a strided output leaves BLAS), or the batch
    rows = m if a.ndim == 2 and b.ndim == 2 and m >= MIN_SPLIT_ROWS else (a.shape[0] if batched else 0)
    if threads < 2 or per * nb < SPLIT_MACS or rows < 2:
        with single_threaded_blas():
            return _plain(a, b, out)
    parts = min(rows, 2 * threads, max(1, (per * nb) // (SPLIT_MACS // 2)))
    if parts < 2:
        with single_threaded_blas():
            return _plain(a, b, out)
    shape = (rows, m, n) if batched else (m, n)
    if out is None:
        out = np.empty(shape, dtype=a.dtype)
    elif out.shape != shape:
        return _plain(a, b, out)  # let NumPy raise its error
    bounds = [rows * i // parts for i in range(parts + 1)]
    two_d = not batched

    def part(i):
        lo, hi = bounds[i], bounds[i + 1]
        if two_d:
            np.matmul(a[lo:hi], b, out=out[lo:hi])
        else:
            np.matmul(a[lo:hi], b[lo:hi], out=out[lo:hi])
    with single_threaded_blas():
        parallel.parallel_for(part, parts)
    return out
