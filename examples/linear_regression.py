"""Linear regression twice (seed 001 "手动实现线性回归" and "API实现", d2l 3.2-3.3):
by hand with autograd and ``.data`` updates, then with nn.Linear, MSELoss and SGD."""
import _common  # noqa: F401
import ember as torch
from ember import nn, optim
from ember.utils.data import DataLoader, TensorDataset

# by hand: y = 2.5 x + 0.333
torch.manual_seed(0)
x = torch.rand([500, 1])
y_true = 2.5 * x + 0.333
w = torch.rand([1, 1], requires_grad=True)
b = torch.tensor(0, requires_grad=True, dtype=torch.float32)
for i in range(2000):
    y_predict = x @ w + b
    loss = (y_true - y_predict).pow(2).mean()
    if w.grad is not None:
        w.grad.zero_()
        b.grad.zero_()
    loss.backward()
    w.data = w.data - 0.1 * w.grad
    b.data = b.data - 0.1 * b.grad
print(f"by hand: w {w.item():.4f}, b {b.item():.4f}, loss {loss.item():.6f}")

# with nn: d2l's synthetic data y = X [2, -3.4] + 4.2 + noise
true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
X = torch.normal(0, 1, (1000, 2))
y = (X @ true_w + true_b + torch.normal(0, 0.01, (1000,))).reshape(-1, 1)
net = nn.Sequential(nn.Linear(2, 1))
net[0].weight.data.normal_(0, 0.01)
net[0].bias.data.fill_(0)
loss = nn.MSELoss()
trainer = optim.SGD(net.parameters(), lr=0.03)
for epoch in range(3):
    for Xb, yb in DataLoader(TensorDataset(X, y), batch_size=10, shuffle=True):
        l = loss(net(Xb), yb)
        trainer.zero_grad()
        l.backward()
        trainer.step()
    print(f"epoch {epoch + 1}, loss {loss(net(X), y).item():f}")
print("w error:", true_w - net[0].weight.data.reshape(true_w.shape), "b error:", true_b - net[0].bias.data)
