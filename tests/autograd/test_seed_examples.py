"""The notes' autograd examples, run as written (seed 001 "函数支持" and "手动实现线性回归")."""
import numpy as np

import ember as torch


def test_seed001_sigmoid_sum_backward():
    a = torch.tensor([1, 2, 3], dtype=torch.float32, requires_grad=True)
    assert a.grad is None
    e = torch.tensor([1, 2, 3], dtype=torch.float32)
    b = 3 * a + 1 + e
    c = torch.sigmoid(b)
    d = c.sum()
    assert repr(d) == "tensor(2.9932, grad_fn=<SumBackward0>)"
    d.backward()
    np.testing.assert_allclose(a.grad.numpy(), [1.9944e-02, 3.7010e-04, 6.7949e-06], rtol=1e-3)
    assert a.grad.dtype is torch.float32
