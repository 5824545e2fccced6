"""ember.text language-model minibatches: d2l's random sampling and sequential partitioning."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ember
from ember.text import SeqDataLoader, load_data_lm, seq_data_iter_random, seq_data_iter_sequential


def _batches(it):
    return [(x.tolist(), y.tolist()) for x, y in it]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 120), batch=st.integers(1, 5), steps=st.integers(1, 8), seed=st.integers(0, 10 ** 6))
def test_random_sampling_semantics(n, batch, steps, seed):
    g = ember.Generator().manual_seed(seed)
    out = _batches(seq_data_iter_random(list(range(n)), batch, steps, generator=g))
    starts = []
    for x, y in out:
        assert np.array(x).shape == (batch, steps)
        for row_x, row_y in zip(x, y):
            assert row_x == list(range(row_x[0], row_x[0] + steps))   # contiguous text
            assert row_y == [t + 1 for t in row_x]                     # targets one ahead
            starts.append(row_x[0])
    # offset in [0, steps-1]: every start has the same residue, below steps
    if starts:
        assert len({s % steps for s in starts}) == 1 and min(starts) % steps < steps
        assert len(set(starts)) == len(starts)                         # non-overlapping
        offset = min(starts) % steps
        num_subseqs = (n - offset - 1) // steps
        assert len(out) == num_subseqs // batch


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 120), batch=st.integers(1, 5), steps=st.integers(1, 8), seed=st.integers(0, 10 ** 6))
def test_sequential_semantics(n, batch, steps, seed):
    g = ember.Generator().manual_seed(seed)
    out = _batches(seq_data_iter_sequential(list(range(n)), batch, steps, generator=g))
    if not out:
        return
    offset = out[0][0][0][0]
    assert 0 <= offset <= steps
    row_len = (n - offset - 1) // batch
    assert len(out) == row_len // steps
    for k, (x, y) in enumerate(out):
        for r in range(batch):
            first = offset + r * row_len + k * steps   # row r continues where the last batch stopped
            assert x[r] == list(range(first, first + steps))
            assert y[r] == list(range(first + 1, first + steps + 1))


def test_reproducible_with_seed_and_default_generator():
    corpus = np.arange(200) % 17
    ember.manual_seed(3)
    a = _batches(seq_data_iter_random(corpus, 4, 5))
    ember.manual_seed(3)
    b = _batches(seq_data_iter_random(corpus, 4, 5))
    ember.manual_seed(4)
    c = _batches(seq_data_iter_random(corpus, 4, 5))
    assert a == b and a != c


def test_dtype_and_tensor_corpus():
    x, y = next(iter(seq_data_iter_sequential(ember.arange(50), 2, 3)))
    assert x.dtype == ember.int64 and y.dtype == ember.int64 and tuple(x.shape) == (2, 3)


def test_loader_reiterates_with_fresh_offsets():
    loader = SeqDataLoader(list(range(300)), 3, 7, generator=ember.Generator().manual_seed(0))
    epochs = [_batches(loader) for _ in range(6)]
    assert all(len(e) > 0 for e in epochs)
    assert len({e[0][0][0][0] for e in epochs}) > 1       # different offsets
    assert "sequential" in repr(loader)
    rnd = SeqDataLoader(list(range(300)), 3, 7, use_random_iter=True)
    assert rnd.data_iter_fn is seq_data_iter_random


def test_errors():
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        list(seq_data_iter_random([1, 2, 3], 0, 1))
    with pytest.raises(ValueError, match="num_steps must be a positive int"):
        list(seq_data_iter_sequential([1, 2, 3], 1, 2.5))
    with pytest.raises(ValueError, match="1-d sequence of token indices"):
        list(seq_data_iter_sequential([[1, 2], [3, 4]], 1, 1))
    with pytest.raises(ValueError, match="too short for num_steps=5"):
        SeqDataLoader([1, 2, 3], 1, 5)


def test_load_data_lm(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("hello world\n" * 20)
    loader, vocab = load_data_lm(2, 5, path=p, max_tokens=100)
    assert loader.vocab is vocab and len(loader.corpus) == 100
    x, y = next(iter(loader))
    assert "".join(vocab.to_tokens(x[0])) in "hello world" * 20   # line breaks are not tokens
