"""Helpers for the autograd tests: run one scenario in ember and in torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from helpers import assert_close, to_numpy


def both(fn):
    """``fn(lib)`` run with ember and with torch; returns (ember_result, torch_result)."""
    return fn(ember), fn(torch)


def same(fn, **tol):
    """``fn(lib)`` gives the same values (tensors, tuples, numbers) in both frameworks."""
    e, t = both(fn)
    assert_close(e, t, what="result", **tol)
    return e, t


def raises_same(fn, match: str | None = None):
    """``fn(lib)`` raises the same exception type in both; returns ember's message and torch's."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ee:
        fn(ember)
    if match is not None:
        assert match in str(ee.value), f"{str(ee.value)!r} lacks {match!r}"
    return str(ee.value), str(te.value)


def needs(*names: str):
    """Skip while another part of ember (written in parallel) lacks ``names``."""
    missing = [n for n in names if not (hasattr(ember, n) or hasattr(ember.Tensor, n))]
    return pytest.mark.skipif(bool(missing), reason=f"ember lacks {', '.join(missing)} yet")


def version(t) -> int:
    """A tensor's version counter (ember keeps it in a one-item list shared with views)."""
    v = t._version
    return v if isinstance(v, int) else v[0]


def leaf(lib, data, dtype=None):
    """A leaf tensor that requires grad."""
    dt = dtype or lib.float32
    return lib.tensor(np.asarray(data), dtype=dt, requires_grad=True)


__all__ = ["both", "same", "raises_same", "needs", "leaf", "version", "to_numpy", "assert_close"]
