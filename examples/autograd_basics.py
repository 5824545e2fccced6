"""Automatic differentiation (seed 001 "函数支持", 002 §5): backward, gradient accumulation,
non-scalar outputs, detach, and gradients through Python control flow."""
import _common  # noqa: F401
import ember as torch

a = torch.tensor([1, 2, 3], dtype=torch.float32, requires_grad=True)
print(a.grad)
e = torch.tensor([1, 2, 3], dtype=torch.float32)
d = torch.sigmoid(3 * a + 1 + e).sum()
print(d)
d.backward()
print(a.grad)

x = torch.arange(4.0, requires_grad=True)
y = 2 * torch.dot(x, x)
y.backward()
print(x.grad, x.grad == 4 * x)
x.grad.zero_()
y = x * x
y.sum().backward()          # equals y.backward(torch.ones(len(x)))
print(x.grad)
x.grad.zero_()
u = (x * x).detach()
(u * x).sum().backward()
print(x.grad == u)


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    return b if b.sum() > 0 else 100 * b


a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
print(a.grad == d / a)
