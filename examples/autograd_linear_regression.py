"""Linear regression by hand with autograd (seed 001 "手动实现线性回归"):
fit y = 2.5 x + 0.333 with w @ x + b, ``.data`` updates and ``grad.zero_()``."""
import ember as torch

torch.manual_seed(0)
x = torch.tensor([[1.0, 2.0, 3.0]])
y = 2.5 * x + 0.333
w = torch.tensor([[0.5]], requires_grad=True)
b = torch.tensor([[0.0]], requires_grad=True)
lr = 0.05
for epoch in range(2000):
    y_hat = w @ x + b if hasattr(torch, "matmul") and torch.matmul is not None else w * x + b
    loss = (y_hat - y).pow(2).mean()
    if w.grad is not None:
        w.grad.zero_()
        b.grad.zero_()
    loss.backward()
    w.data = w.data - lr * w.grad
    b.data = b.data - lr * b.grad
    if epoch % 500 == 0:
        print(f"epoch {epoch}: loss {loss.item():.6f}")
print(f"w = {w.item():.4f}, b = {b.item():.4f}  (target 2.5, 0.333)")
