"""``DataLoader``: batches from a dataset, in the main process or in worker processes.

With ``num_workers > 0`` each worker is a real process (``multiprocessing``, fork where
available) fed batch indices round-robin, at most ``prefetch_factor`` batches ahead
each; results are put back in order.  A worker's exception is re-raised in the main
process with the worker's traceback, and a worker that dies raises instead of hanging.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import time

from ...backend.random import Generator, default_generator
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .worker import ExceptionWrapper, IterableEnd, worker_loop

__all__ = ["DataLoader"]

_POLL = 1.0  # seconds between liveness checks while waiting on workers


class DataLoader:
    """PyTorch's DataLoader (see the module docstring for how workers behave)."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers "
                             "> 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.generator = generator
        self.in_order = in_order
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._workers_iter = None

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self.batch_sampler) if self._auto_collation else len(self.sampler)

    def _index_iter(self):
        if self._iterable:
            return None
        return iter(self.batch_sampler) if self._auto_collation else iter(self.sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return self._single_process()
        if self.persistent_workers:
            if self._workers_iter is None:
                self._workers_iter = _WorkerPool(self)
            return self._workers_iter.epoch(self._index_iter())
        pool = _WorkerPool(self)
        return pool.epoch(self._index_iter(), close_after=True)

    def _single_process(self):
        if self._iterable:
            it = iter(self.dataset)
            if not self._auto_collation:
                for item in it:
                    yield self.collate_fn(item)
                return
            batch = []
            for item in it:
                batch.append(item)
                if len(batch) == self.batch_size:
                    yield self.collate_fn(batch)
                    batch = []
            if batch and not self.drop_last:
                yield self.collate_fn(batch)
            return
        for indices in self._index_iter():
            if self._auto_collation:
                yield self.collate_fn([self.dataset[i] for i in indices])
            else:
                yield self.collate_fn(self.dataset[indices])

    def __del__(self):
        pool = self.__dict__.get("_workers_iter")
        if pool is not None:
            pool.shutdown()


class _WorkerPool:
    """Worker processes plus their queues; serves one epoch at a time."""

    def __init__(self, loader: DataLoader) -> None:
        self.loader = loader
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                              else "spawn")
        elif isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        src = loader.generator if loader.generator is not None else default_generator
        base_seed = int(src.np.integers(0, 2 ** 62))
        self.n = loader.num_workers
        self.index_queues = [ctx.Queue() for _ in range(self.n)]
        self.result_queue = ctx.Queue()
        self.workers = []
        for wid in range(self.n):
            p = ctx.Process(target=worker_loop, daemon=True, args=(
                loader.dataset, self.index_queues[wid], self.result_queue, loader.collate_fn,
                loader._auto_collation, base_seed, loader.worker_init_fn, wid, self.n, loader._iterable,
                loader.batch_size, loader.drop_last))
            p.start()
            self.workers.append(p)
        self.epoch_id = 0
        self.closed = False

    def epoch(self, index_iter, close_after: bool = False):
        """A generator over one epoch's batches, in order."""
        self.epoch_id += 1
        ep = self.epoch_id
        loader = self.loader
        ahead = max(1, loader.prefetch_factor) * self.n
        sent = 0
        next_out = 0
        buffer = {}
        exhausted = False
        active = set(range(self.n))
        if loader._iterable and ep > 1:
            for q in self.index_queues:
                q.put((ep, -1, "reset"))

        def send():
            nonlocal sent, exhausted
            if loader._iterable:
                if not active:
                    exhausted = True
                    return
                wid = sorted(active)[sent % len(active)] if active else 0
                self.index_queues[wid].put((ep, sent, None))
                sent += 1
                return
            try:
                indices = next(index_iter)
            except StopIteration:
                exhausted = True
                return
            self.index_queues[sent % self.n].put((ep, sent, indices))
            sent += 1

        try:
            while not exhausted and sent < ahead:
                send()
            while next_out < sent or (loader._iterable and active and not exhausted):
                if next_out in buffer:
                    data = buffer.pop(next_out)
                    next_out += 1
                    if isinstance(data, IterableEnd):
                        active.discard(data.worker_id)
                        if not exhausted:
                            send()
                        continue
                    if not exhausted:
                        send()
                    yield data
                    continue
                e, idx, data = self._get()
                if e != ep:
                    continue  # a stale result from an abandoned epoch
                if isinstance(data, ExceptionWrapper):
                    self.shutdown()
                    data.reraise()
                buffer[idx] = data
        finally:
            if close_after:
                self.shutdown()

    def _get(self):
        timeout = self.loader.timeout
        start = time.monotonic()
        while True:
            wait = _POLL if not timeout else min(_POLL, max(0.01, timeout - (time.monotonic() - start)))
            try:
                return self.result_queue.get(timeout=wait)
            except queue.Empty:
                dead = [p for p in self.workers if not p.is_alive()]
                if dead:
                    pids = ", ".join(str(p.pid) for p in dead)
                    codes = ", ".join(str(p.exitcode) for p in dead)
                    self.shutdown()
                    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly "
                                       f"(exit code(s) {codes})") from None
                if timeout and time.monotonic() - start >= timeout:
                    self.shutdown()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None

    def shutdown(self) -> None:
        if self.closed:
            return
        self.closed = True
        for q in self.index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for p in self.workers:
            p.join(timeout=2)
            if p.is_alive():
                p.terminate()
                p.join(timeout=1)
        for q in self.index_queues + [self.result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self):
        if os is not None:
            self.shutdown()
