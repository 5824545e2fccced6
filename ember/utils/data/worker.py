"""What runs inside a DataLoader worker process, and how its errors travel back.

A worker takes ``(epoch, batch_index, indices)`` tasks from its index queue, builds the
batch (``collate_fn([dataset[i] for i in indices])``) and puts ``(epoch, batch_index,
batch)`` on the shared result queue.  An exception is sent back as an
``ExceptionWrapper`` holding the formatted traceback, so the main process re-raises it
with the worker's traceback in the message."""
from __future__ import annotations

import random
import sys
import traceback
from dataclasses import dataclass

__all__ = ["get_worker_info", "WorkerInfo", "ExceptionWrapper"]

_worker_info = None


@dataclass
class WorkerInfo:
    """Inside a worker: its ``id``, ``num_workers``, ``seed`` and its copy of ``dataset``."""
    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info() -> WorkerInfo | None:
    """The current worker's WorkerInfo, or None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception plus its traceback text, picklable across processes."""

    def __init__(self, exc_info, where: str) -> None:
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class KeyErrorMessage(str):
    """KeyError repr()s its message; this keeps the traceback readable."""

    def __repr__(self) -> str:
        return self


class IterableEnd:
    """Sent by a worker whose IterableDataset iterator is exhausted."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


def worker_loop(dataset, index_queue, result_queue, collate_fn, auto_collation: bool, base_seed: int,
                init_fn, worker_id: int, num_workers: int, iterable: bool, batch_size, drop_last) -> None:
    """The body of a worker process (see module docstring)."""
    global _worker_info
    seed = base_seed + worker_id
    import numpy as np
    from ...backend.parallel import set_num_threads
    from ...backend.random import manual_seed
    set_num_threads(1)  # as PyTorch's workers: the processes themselves are the parallelism
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(seed % (2 ** 32))
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_error = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception:
        init_error = ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
    it = None
    while True:
        task = index_queue.get()
        if task is None:
            break
        epoch, idx, indices = task
        if init_error is not None:
            result_queue.put((epoch, idx, init_error))
            continue
        try:
            if iterable:
                if it is None or indices == "reset":
                    it = iter(dataset)
                    if indices == "reset":
                        continue
                if auto_collation:
                    items = []
                    for _ in range(batch_size):
                        try:
                            items.append(next(it))
                        except StopIteration:
                            break
                    if not items or (drop_last and len(items) < batch_size):
                        raise StopIteration
                    data = collate_fn(items)
                else:
                    data = collate_fn(next(it))
            elif auto_collation:
                data = collate_fn([dataset[i] for i in indices])
            else:
                data = collate_fn(dataset[indices])
        except StopIteration:
            data = IterableEnd(worker_id)
        except Exception:
            data = ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
        result_queue.put((epoch, idx, data))
