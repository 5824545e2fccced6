"""DataLoader, samplers, collation and datasets against torch.utils.data."""
import collections
import os

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
import ember.utils.data as eud
from helpers import assert_close


class Squares:
    """A map-style dataset usable by both frameworks (items are plain Python/NumPy)."""

    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full((2, 3), i, dtype=np.float32), "y": i, "name": f"item{i}",
                "pair": (float(i), np.int64(i * i))}


def to_plain(batch):
    """Tensors of either framework as NumPy arrays, recursively, for comparing structures."""
    if isinstance(batch, (torch.Tensor, ember.Tensor)):
        return ("tensor", str(batch.dtype).replace("torch.", ""), np.asarray(batch.detach().cpu().numpy()).tolist())
    if isinstance(batch, dict):
        return {k: to_plain(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [to_plain(b) for b in batch])
    return batch


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (10, False), (4, True)])
def test_sequential_batches_match_torch(batch_size, drop_last):
    ds = Squares(10)
    e = list(eud.DataLoader(ds, batch_size=batch_size, drop_last=drop_last))
    t = list(tud.DataLoader(ds, batch_size=batch_size, drop_last=drop_last))
    assert len(e) == len(t) == len(eud.DataLoader(ds, batch_size=batch_size, drop_last=drop_last))
    assert [to_plain(b) for b in e] == [to_plain(b) for b in t]


def test_collate_nested_structures_match_torch():
    Point = collections.namedtuple("Point", "a b")
    samples = [(np.arange(3, dtype=np.float64) + i, [i, float(i)], Point(i, np.float32(i)), True, "s")
               for i in range(4)]
    e = eud.default_collate(samples)
    t = tud.default_collate(samples)
    assert to_plain(e) == to_plain(t)
    assert type(e[2]).__name__ == "Point"
    with pytest.raises(RuntimeError):
        eud.default_collate([[1, 2], [1]])


def test_seed001_sms_style_string_pairs():
    ds = [("ham", "hello"), ("spam", "win"), ("ham", "bye")]
    for label, content in eud.DataLoader(ds, batch_size=2, shuffle=False):
        assert isinstance(label, tuple) and isinstance(content, tuple)
        break
    assert to_plain(next(iter(eud.DataLoader(ds, batch_size=2)))) == \
        to_plain(next(iter(tud.DataLoader(ds, batch_size=2))))


def test_shuffle_same_seed_same_batches_and_is_permutation():
    ds = list(range(20))
    ember.manual_seed(3)
    a = [b.tolist() for b in eud.DataLoader(ds, batch_size=5, shuffle=True)]
    ember.manual_seed(3)
    b = [b.tolist() for b in eud.DataLoader(ds, batch_size=5, shuffle=True)]
    assert a == b
    assert sorted(sum(a, [])) == ds
    g = ember.Generator().manual_seed(7)
    c = [x.tolist() for x in eud.DataLoader(ds, batch_size=5, shuffle=True, generator=g)]
    g.manual_seed(7)
    d = [x.tolist() for x in eud.DataLoader(ds, batch_size=5, shuffle=True, generator=g)]
    assert c == d


def test_tensor_dataset_subset_concat_random_split():
    x = ember.arange(12).reshape(6, 2)
    y = ember.arange(6)
    ds = eud.TensorDataset(x, y)
    assert len(ds) == 6 and ds[2][1].item() == 2
    with pytest.raises(ValueError):
        eud.TensorDataset(x, ember.arange(5))
    sub = eud.Subset(ds, [4, 0])
    assert sub[0][1].item() == 4
    cat = eud.ConcatDataset([sub, ds])
    assert len(cat) == 8 and cat[2][1].item() == 0 and cat[-1][1].item() == 5
    parts = eud.random_split(range(10), [0.5, 0.3, 0.2], generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in tud.random_split(range(10), [0.5, 0.3, 0.2])]
    assert sorted(sum((list(p) for p in parts), [])) == list(range(10))
    parts = eud.random_split(range(7), [0.5, 0.5])
    assert [len(p) for p in parts] == [len(p) for p in tud.random_split(range(7), [0.5, 0.5])]
    with pytest.raises(ValueError):
        eud.random_split(range(10), [3, 3])


def test_samplers():
    assert list(eud.SequentialSampler(range(4))) == [0, 1, 2, 3]
    rs = list(eud.RandomSampler(range(5)))
    assert sorted(rs) == list(range(5))
    assert len(list(eud.RandomSampler(range(5), replacement=True, num_samples=12))) == 12
    assert len(list(eud.RandomSampler(range(5), num_samples=12))) == 12
    assert sorted(eud.SubsetRandomSampler([3, 7, 9])) == [3, 7, 9]
    w = list(eud.WeightedRandomSampler([0.0, 1.0, 0.0], 6))
    assert w == [1] * 6
    bs = eud.BatchSampler(eud.SequentialSampler(range(7)), 3, drop_last=False)
    assert list(bs) == list(tud.BatchSampler(tud.SequentialSampler(range(7)), 3, drop_last=False))
    assert len(eud.BatchSampler(eud.SequentialSampler(range(7)), 3, True)) == 2
    with pytest.raises(ValueError):
        eud.BatchSampler(range(3), 0, False)


def test_argument_errors_match_torch():
    ds = list(range(4))
    for kwargs in [dict(num_workers=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
                   dict(sampler=eud.SequentialSampler(ds), shuffle=True),
                   dict(batch_sampler=[[0]], batch_size=2), dict(batch_size=None, drop_last=True)]:
        tk = dict(kwargs)
        if "sampler" in tk:
            tk["sampler"] = tud.SequentialSampler(ds)
        with pytest.raises(ValueError):
            tud.DataLoader(ds, **tk)
        with pytest.raises(ValueError):
            eud.DataLoader(ds, **kwargs)


class Stream(eud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = eud.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


def test_iterable_dataset_single_process():
    assert [b.tolist() for b in eud.DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in eud.DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]


def test_workers_give_same_batches_in_order():
    ds = Squares(23)
    single = [to_plain(b) for b in eud.DataLoader(ds, batch_size=4)]
    multi = [to_plain(b) for b in eud.DataLoader(ds, batch_size=4, num_workers=2)]
    assert multi == single
    loader = eud.DataLoader(ds, batch_size=5, num_workers=2, persistent_workers=True, prefetch_factor=1)
    for _ in range(2):
        assert [to_plain(b) for b in loader] == [to_plain(b) for b in eud.DataLoader(ds, batch_size=5)]


def test_iterable_dataset_with_workers_covers_everything():
    got = sorted(sum((b.tolist() for b in eud.DataLoader(Stream(10), batch_size=2, num_workers=2)), []))
    assert got == list(range(10))


class Failing:
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError("bad sample 5")
        return i


def test_worker_exception_reaches_main_process_with_traceback():
    with pytest.raises(ValueError) as ei:
        list(eud.DataLoader(Failing(), batch_size=2, num_workers=2))
    msg = str(ei.value)
    assert "bad sample 5" in msg and "DataLoader worker process" in msg and "Traceback" in msg


class Dying:
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            os._exit(3)
        return i


def test_dead_worker_raises_instead_of_hanging():
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(eud.DataLoader(Dying(), batch_size=1, num_workers=2))


def test_worker_init_fn_and_seeds_differ_per_worker():
    class Seeds:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            info = eud.get_worker_info()
            return (info.id, float(ember.rand(1).item()))

    out = list(eud.DataLoader(Seeds(), batch_size=1, num_workers=2, worker_init_fn=lambda wid: None))
    by_worker = {int(b[0]): float(b[1]) for b in out}
    assert len(by_worker) == 2 and by_worker[0] != by_worker[1]
