"""What the same-run benchmarks share: ``--threads N`` applied before NumPy loads, the
machine description printed above each table, and writing a table into its
``<!-- BEGIN mark -->`` ... ``<!-- END mark -->`` block of a markdown file.

Import this module before NumPy (it imports nothing heavy at module level)."""
from __future__ import annotations

import os
import platform
import sys
import time

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "EMBER_NUM_THREADS")


def early_threads(argv) -> int | None:
    """The ``--threads N`` of ``argv``, exported to every thread-count variable (OpenBLAS reads
    them when NumPy is imported, so this must run first); None when not given."""
    threads = None
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            threads = int(argv[i + 1])
        elif a.startswith("--threads="):
            threads = int(a.split("=", 1)[1])
    if threads:
        for var in THREAD_VARS:
            os.environ[var] = str(threads)
    return threads


def machine(threads: int | None) -> list[str]:
    """Markdown lines describing the machine, versions and thread settings of this run."""
    import numpy as np
    import torch

    import ember
    return [f"- CPU: {platform.machine()}, {os.cpu_count()} logical cores",
            f"- Python {platform.python_version()}, NumPy {np.__version__}, PyTorch {torch.__version__}; "
            f"threads: ember {ember.get_num_threads()}, PyTorch {torch.get_num_threads()}"
            f" ({'set by --threads' if threads else 'defaults'}); OPENBLAS_NUM_THREADS="
            f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
            f"- load average at start {os.getloadavg()[0]:.1f}"]


def command_args(argv, write_path: str) -> list:
    """The script's arguments (``argv``, or the command line's when None) without
    ``--write PATH``: the command a docs block records as the one that produced it."""
    args = argv if argv is not None else sys.argv[1:]
    return [a for a in args if a != "--write" and a != write_path]


def write_block(path: str, mark: str, script: str, argv, text: str, threads: int | None,
                title: str | None = None) -> None:
    """Put ``text`` (with the command and machine lines) into the ``mark`` block of ``path``,
    replacing the block if it is there, else appending it."""
    cmd = f".venv/bin/python benchmarks/{script} " + " ".join(argv)
    lines = [f"<!-- BEGIN {mark} -->"] + ([title, ""] if title else [])
    lines += [f"Command: `{cmd.strip()}`", "", *machine(threads), "", f"Measured {time.strftime('%Y-%m-%d')}.",
              "", text, f"<!-- END {mark} -->"]
    replace_block(path, "\n".join(lines))


def replace_block(path: str, block: str) -> None:
    """Write ``block`` (which starts with ``<!-- BEGIN mark -->`` and ends with ``<!-- END mark -->``)
    into ``path`` in place of the block with the same mark, or append it; atomically."""
    begin = block.split("\n", 1)[0]
    end = begin.replace("<!-- BEGIN ", "<!-- END ", 1)
    old = open(path).read() if os.path.exists(path) else ""
    if begin in old:
        head, rest = old.split(begin, 1)
        new = head + block + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + ("\n\n" if old.strip() else "") + block + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, path)
