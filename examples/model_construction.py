"""Deep-learning computation (seed 002 §6, 004 §5): modules, parameter access, initialisation,
custom layers, tied parameters, saving and loading."""
import os
import tempfile

import _common  # noqa: F401
import ember as torch
from ember import nn
from ember.nn import functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(20, 256)
        self.out = nn.Linear(256, 10)

    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


X = torch.rand(2, 20)
net = MLP()
print(net, net(X).shape)

net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
print(net[2].state_dict())
print(type(net[2].bias), net[2].bias, net[2].bias.data, net[2].weight.grad is None)
print(*[(name, param.shape) for name, param in net.named_parameters()])
print(net.state_dict()["2.bias"].data)


def init_normal(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, mean=0, std=0.01)
        nn.init.zeros_(m.bias)


net.apply(init_normal)
net[0].apply(lambda m: nn.init.xavier_uniform_(m.weight) if type(m) == nn.Linear else None)
net[2].apply(lambda m: nn.init.constant_(m.weight, 42) if type(m) == nn.Linear else None)
print(net[0].weight.data[0], net[2].weight.data)

shared = nn.Linear(8, 8)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
net(torch.rand(2, 4))
print(net[2].weight.data[0] == net[4].weight.data[0])


class CenteredLayer(nn.Module):
    def forward(self, X):
        return X - X.mean()


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units,))

    def forward(self, X):
        return F.relu(torch.matmul(X, self.weight.data) + self.bias.data)


print(CenteredLayer()(torch.tensor([1.0, 2, 3, 4, 5])))
linear = MyLinear(5, 3)
print(linear.weight, linear(torch.rand(2, 5)))

with tempfile.TemporaryDirectory() as d:
    x = torch.arange(4)
    torch.save(x, os.path.join(d, "x-file"))
    print(torch.load(os.path.join(d, "x-file")))
    mlp = MLP()
    Y = mlp(X)
    torch.save(mlp.state_dict(), os.path.join(d, "mlp.params"))
    clone = MLP()
    clone.load_state_dict(torch.load(os.path.join(d, "mlp.params")))
    clone.eval()
    print(clone(X) == Y)
