"""Elementwise NumPy kernels on several threads, for large CPU arrays.

NumPy's ufuncs run on one thread but release the GIL while they loop, so a large
elementwise op split into contiguous chunks, one per thread, each writing its slice
of one preallocated output (``ufunc(a[s], b[s], out=out[s])``), runs in parallel.
Measured on the 2-core development machine (1000x1000 float32, see
docs/performance.md): ``a + b`` 0.45 -> 0.28 ms, ``exp`` 0.40 -> 0.25 ms.  Below
``MIN_ELEMENTS`` the thread hand-off (about 15 us) costs more than it saves, and
the plain call is made.

Results are bit-identical to the single-threaded call: every element is computed
by the same ufunc loop, with the output dtype NumPy itself resolves (NumPy 2's weak
Python scalars included) and the memory layout NumPy would give.  Inputs whose
layout is not C-ordered (a transpose, say) take the single-threaded path, as do
non-NumPy arrays (CuPy; ember tensors when a backward runs with create_graph).

Threads: ``EMBER_NUM_THREADS`` (default: the cores this process may run on), or
``ember.set_num_threads(n)`` as PyTorch's.  The workers are persistent daemon
threads woken by a lock each (a ThreadPoolExecutor round trip measured ~80 us here,
the locks ~15 us).  After ``fork`` (DataLoader workers) the child starts a fresh
pool when it first needs one.  NumPy's error state (``np.errstate``) lives in a
context variable; chunks run in a copy of the caller's context so it applies to
them too, and an exception raised in a worker is re-raised in the caller.
"""
from __future__ import annotations

import contextvars
import itertools
import math
import os
import queue
import threading
import warnings

import numpy as np

__all__ = ["par", "par_chunks", "fill", "parallel_for", "chunk_count", "get_num_threads", "set_num_threads",
           "MIN_ELEMENTS"]

MIN_ELEMENTS = 1 << 17  # 128K elements: below this one thread is faster (measured, docs/performance.md)


def _default_threads() -> int:
    """EMBER_NUM_THREADS if set to a positive integer, else the cores available to us."""
    env = os.environ.get("EMBER_NUM_THREADS", "").strip()
    if env:
        try:
            n = int(env)
            if n >= 1:
                return n
        except ValueError:
            pass
        warnings.warn(f"EMBER_NUM_THREADS={env!r} is not a positive integer; using the number of cores")
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_num_threads = _default_threads()
_pool = None  # the _Pool, made on first use (and again after fork or set_num_threads)
_pool_guard = threading.Lock()


def get_num_threads() -> int:
    """The number of threads ember's CPU kernels use (as ``torch.get_num_threads``)."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for ember's CPU kernels (as ``torch.set_num_threads``); 1 turns
    threading off."""
    global _num_threads, _pool
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    with _pool_guard:
        old, _pool, _num_threads = _pool, None, n
    if old is not None:
        old.close()


class _Job:
    """Tasks ``fn(0) ... fn(n - 1)`` that any thread may claim, one at a time.

    Claiming is dynamic: a worker that the OS schedules late (the machine is shared)
    finds the tasks already done by the caller, so the caller never waits for a
    thread that has not started; it waits only for tasks in progress."""

    __slots__ = ("fn", "n", "claim", "left", "lock", "done", "error")

    def __init__(self, fn, n: int) -> None:
        self.fn, self.n = fn, n
        self.claim = itertools.count().__next__  # atomic under the GIL
        self.left = n
        self.lock = threading.Lock()
        self.done = threading.Lock()
        self.done.acquire()  # released when the last task finishes
        self.error = None

    def work(self) -> None:
        while True:
            i = self.claim()
            if i >= self.n:
                return
            try:
                self.fn(i)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                if self.error is None:
                    self.error = exc
            with self.lock:
                self.left -= 1
                if self.left == 0:
                    self.done.release()


def _worker_loop(jobs) -> None:
    while True:
        item = jobs.get()
        if item is None:  # the pool was closed
            return
        ctx, job = item
        ctx.run(job.work)
        del item, ctx, job  # hold no arrays while waiting for the next job


class _Pool:
    """``n - 1`` daemon threads sharing one job queue; the calling thread works too."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.jobs = queue.SimpleQueue()
        for _ in range(n - 1):
            threading.Thread(target=_worker_loop, args=(self.jobs,), name="ember-worker", daemon=True).start()

    def run(self, fn, n: int) -> None:
        """Call ``fn(i)`` for i in range(n), on the pool's threads and this one; return
        when all calls are done, re-raising the first exception any of them raised."""
        job = _Job(fn, n)
        for _ in range(min(self.n, n) - 1):
            self.jobs.put((contextvars.copy_context(), job))  # np.errstate and friends follow the caller
        job.work()
        job.done.acquire()
        job.fn = None  # a worker that wakes late still holds the job: let the arrays go now
        if job.error is not None:
            raise job.error

    def close(self) -> None:
        for _ in range(self.n - 1):
            self.jobs.put(None)


def _get_pool() -> _Pool:
    global _pool
    pool = _pool
    if pool is None:
        with _pool_guard:
            if _pool is None:
                _pool = _Pool(_num_threads)
            pool = _pool
    return pool


def _forget_pool_after_fork() -> None:
    # The child has only the thread that forked: the parent's workers do not exist there.
    global _pool, _pool_guard
    _pool, _pool_guard = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def parallel_for(fn, n: int) -> None:
    """Call ``fn(i)`` for every i in range(n) (n a few tasks per thread, each big enough
    to be worth a thread: the hand-off costs ~15 us), spread over the threads."""
    if _num_threads < 2 or n < 2:
        for i in range(n):
            fn(i)
        return
    _get_pool().run(fn, n)


def chunk_count(size: int) -> int:
    """How many tasks to cut ``size`` elements of elementwise work into: 1 below
    MIN_ELEMENTS or with one thread, else two per thread (so that a thread the OS
    starts late still finds work), each at least MIN_ELEMENTS / 2."""
    if _num_threads < 2 or size < MIN_ELEMENTS:
        return 1
    return max(2, min(2 * _num_threads, size // (MIN_ELEMENTS // 2)))


# ---------------------------------------------------------------------------------------- layout
def _c_ordered(x) -> bool:
    """True when x's axes are laid out outermost-first (C order, possibly with gaps,
    flipped or broadcast axes): NumPy then gives a ufunc's output C order too."""
    if x.flags.c_contiguous:
        return True
    last = None
    for n, s in zip(x.shape, x.strides):
        if n == 1 or s == 0:
            continue
        s = abs(s)
        if last is not None and s > last:
            return False
        last = s
    return True


def _chunker(shape, k: int):
    """A function ``chunk(x, i)`` giving part ``i`` of ``k`` of operand ``x`` (an array
    broadcasting to ``shape``, or a number), cut along the first axis of ``shape``
    long enough for ``k`` parts; None when no axis is."""
    axis = next((i for i, n in enumerate(shape) if n >= k), None)
    if axis is None:
        return None
    length, ndim = shape[axis], len(shape)
    bounds = [length * i // k for i in range(k + 1)]

    def chunk(x, i):
        if not isinstance(x, np.ndarray):
            return x  # a Python number
        j = axis - (ndim - x.ndim)  # x's axis that lines up with the split axis
        if j < 0 or x.shape[j] == 1:
            return x  # broadcast along the split axis: every part sees all of it
        return x[(slice(None),) * j + (slice(bounds[i], bounds[i + 1]),)]
    return chunk


# ---------------------------------------------------------------------------------------- entry points
_dtype_cache: dict = {}


def _out_dtype(ufunc, args):
    """The output dtype of ``ufunc(*args)``, as NumPy resolves it (Python numbers are weak)."""
    key = (ufunc,) + tuple(x.dtype if isinstance(x, np.ndarray) else type(x) for x in args)
    dt = _dtype_cache.get(key)
    if dt is None:
        dt = ufunc.resolve_dtypes(key[1:] + (None,))[-1]
        if len(_dtype_cache) < 1024:
            _dtype_cache[key] = dt
    return dt


def _parallel_shape(args):
    """The broadcast shape when ``args`` are all NumPy arrays (or Python numbers), large
    and C-ordered, with more than one thread to use; else None (take the plain path)."""
    if _num_threads < 2:
        return None
    shapes = []
    for x in args:
        if isinstance(x, np.ndarray):
            if type(x) is not np.ndarray or not _c_ordered(x):
                return None
            shapes.append(x.shape)
        elif type(x) is not int and type(x) is not float:  # NumPy scalars (strong), CuPy, tensors...
            return None
    if not shapes:
        return None
    shape = shapes[0] if len(shapes) == 1 else np.broadcast_shapes(*shapes)
    size = 1
    for n in shape:
        size *= n
    return shape if size >= MIN_ELEMENTS else None


def _plain(ufunc, args, out):
    """The single-threaded call; CuPy arrays and ember tensors go to their own module's
    function of the ufunc's name."""
    for x in args:
        tx = type(x)
        if tx is not np.ndarray and tx is not float and tx is not int and hasattr(x, "shape") \
                and not isinstance(x, (np.ndarray, np.generic)):
            from .device import array_module
            fn = getattr(array_module(x), ufunc.__name__)
            return fn(*args) if out is None else fn(*args, out=out)
    return ufunc(*args) if out is None else ufunc(*args, out=out)


def par(ufunc, *args, out=None):
    """``ufunc(*args)`` (or into ``out``), split across threads when the arrays are large.

    Equal to the plain call in value, dtype, shape and layout.  Operands that are not
    NumPy arrays (CuPy arrays, ember tensors under ``create_graph``) are handed to
    their own module's function of the same name."""
    for x in args:
        if type(x) is np.ndarray and x.size >= MIN_ELEMENTS:
            break
    else:  # small arrays, numbers, or not NumPy at all
        return _plain(ufunc, args, out)
    shape = _parallel_shape(args)
    if shape is None or (out is not None and (out.shape != shape or not out.flags.c_contiguous)):
        return _plain(ufunc, args, out)
    k = chunk_count(math.prod(shape))
    chunk = _chunker(shape, k)
    if chunk is None:
        return _plain(ufunc, args, out)
    if out is None:
        out = np.empty(shape, dtype=_out_dtype(ufunc, args))
    _get_pool().run(lambda i: ufunc(*[chunk(x, i) for x in args], out=chunk(out, i)), k)
    return out


def par_chunks(kernel, out, *args) -> bool:
    """Run ``kernel(out_part, *arg_parts)`` over parts of a large C-contiguous ``out`` on
    the threads, for a composite elementwise op (several in-place ufunc passes per
    part, each part's data staying in cache between passes); the arrays in ``args``
    broadcast to ``out``.  Returns False, doing nothing, when the work is too small or
    the layouts do not allow it: the caller then runs ``kernel(out, *args)`` itself."""
    if type(out) is not np.ndarray or not out.flags.c_contiguous:
        return False
    shape = _parallel_shape((out,) + args)
    if shape is None or shape != out.shape:
        return False
    k = chunk_count(out.size)
    chunk = _chunker(shape, k)
    if chunk is None:
        return False
    _get_pool().run(lambda i: kernel(chunk(out, i), *[chunk(x, i) for x in args]), k)
    return True


def fill(region, value) -> None:
    """``region[...] = value`` for a NumPy array and a Python number, as ``ndarray.fill``
    (which converts the number exactly as setitem does, with the same errors, and runs
    twice as fast as setitem's broadcasting copy), split across threads when large."""
    if type(region) is not np.ndarray or not region.flags.c_contiguous or region.size < MIN_ELEMENTS \
            or _num_threads < 2:
        region.fill(value)
        return
    # convert once here, so a bad value raises (or warns) once, in the caller's thread
    v = np.empty((), dtype=region.dtype)
    v.fill(value)
    k = chunk_count(region.size)
    chunk = _chunker(region.shape, k)
    if chunk is None:
        region.fill(value)
        return
    _get_pool().run(lambda i: chunk(region, i).fill(v), k)
