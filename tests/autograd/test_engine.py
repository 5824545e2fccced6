"""The engine: no recursion on deep graphs, memory freed after backward, graph shapes."""
import gc
import sys
import tracemalloc
import weakref

import numpy as np

import ember
from autograd_util import leaf, needs, same


def test_chain_of_10000_ops():
    x = ember.tensor([0.5, 1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # would break any recursive walk of this graph
    try:
        y.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000] * 2, rtol=1e-3)


@needs("matmul")
def test_rnn_like_graph_10000_steps_of_matmul():
    rng = np.random.default_rng(0)
    w = ember.tensor(rng.standard_normal((4, 4)).astype(np.float32) * 0.1, requires_grad=True)
    h = ember.tensor(np.ones((1, 4), dtype=np.float32))
    for _ in range(10_000):
        h = (h @ w).tanh() + h * 0.5
    h.sum().backward()
    assert w.grad.shape == (4, 4) and np.all(np.isfinite(w.grad.numpy()))


def test_deep_graph_matches_torch_on_a_shorter_chain():
    def f(lib):
        x = leaf(lib, [0.1, 0.2, 0.3])
        y = x
        for i in range(300):
            y = (y * 0.9 + x * 0.01).tanh() if i % 2 else y.sigmoid() * 1.5
        y.sum().backward()
        return x.grad
    same(f)


def test_saved_arrays_are_freed_after_backward():
    x = ember.tensor(np.ones(1000, dtype=np.float32), requires_grad=True)
    y = x.exp()          # saves its output (y's own array: alive as long as y)
    z = (y * 3).sigmoid()  # saves its output, an intermediate the user does not hold
    loss = z.sum()
    node = z.grad_fn
    saved = weakref.ref(node)
    assert node.saved
    loss.backward()
    assert node.saved is ember.autograd.node.FREED
    assert node.refs is None
    del node
    assert saved() is not None  # still z's grad_fn, but holding nothing


def test_memory_returns_to_baseline_after_backward():
    n = 250_000  # 1 MB per float32 array
    x = ember.tensor(np.ones(n, dtype=np.float32), requires_grad=True)

    def step():
        h = x
        for _ in range(8):
            h = (h * 1.01).sigmoid()  # Mul keeps an input, Sigmoid its output: about 2 MB a layer
        loss = h.sum()
        return loss

    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss = step()
        during = tracemalloc.get_traced_memory()[0] - base
        loss.backward()  # without retain_graph: every saved array is freed as its node finishes
        after_backward = tracemalloc.get_traced_memory()[0] - base
        del loss
        gc.collect()
        after_del = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert during > 8 * 4 * n  # the graph held the activations
    assert after_backward <= 2 * 4 * n, after_backward  # x.grad (1 MB) and small change
    assert after_del <= 2 * 4 * n


def test_retain_graph_keeps_saved_arrays():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = (y * y).sum()
    loss.backward(retain_graph=True)
    assert y.grad_fn.saved is not ember.autograd.node.FREED
    loss.backward()
    assert y.grad_fn.saved is ember.autograd.node.FREED


def test_graph_is_collected_when_output_dropped():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sigmoid()
    ref = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert ref() is None


def test_wide_graph_many_consumers_of_one_tensor():
    def f(lib):
        x = leaf(lib, [0.1, 0.2, 0.3])
        h = x.exp()
        total = h * 0
        for k in range(200):
            total = total + h * (k % 7)
        total.sum().backward()
        return x.grad
    same(f)


def test_unused_branch_does_not_block_backward():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        a = x * 2
        _unused = a.exp()  # consumer of a that is not part of the loss
        (a * 3).sum().backward()
        return x.grad
    same(f)


def test_backward_from_two_roots_sharing_a_subgraph():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x.tanh()
        lib.autograd.backward([(h * 2).sum(), (h * h).sum()])
        return x.grad
    same(f)


def test_grad_dtype_follows_leaf_dtype():
    def f(lib):
        x = leaf(lib, [1.0, 2.0], dtype=lib.float64)
        y = (x.to(lib.float32) * 2).sum()
        y.backward()
        return x.grad
    same(f)
