"""Tensors (seed 002 §1, 000 "张量"): creation, shapes, indexing, broadcasting, reductions,
NumPy round trips, and the notes' CSV preprocessing with pandas."""
import os
import tempfile

import _common  # noqa: F401  (puts the repository on sys.path)
import ember as torch

x = torch.arange(12)
print(x, x.shape, x.numel())
X = x.reshape(3, -1)
print(X)
print(torch.zeros((2, 3, 4)).shape, torch.ones(2, 3), torch.randn(3, 4).dtype)
X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
print(X + Y, X * Y, X / Y, X ** Y, torch.exp(X), sep="\n")
print(torch.cat((X, Y), dim=0).shape, torch.cat((X, Y), dim=1).shape)
print(X == Y, X.sum(), X.sum(axis=0), X.mean(axis=1, keepdims=True))
a, b = torch.arange(3).reshape((3, 1)), torch.arange(2).reshape((1, 2))
print("broadcast:", a + b)
print(X[-1], X[1:3])
X[1, 2] = 9
X[0:2, :] = 12
print(X)
A = X.numpy()
B = torch.tensor(A)
print(type(A), type(B), torch.tensor([3.5]).item(), float(torch.tensor([3.5])), int(torch.tensor([3.5])))

# the notes' CSV workflow
from ember.data import fill_missing_with_mean, frame_to_tensor, one_hot, read_csv  # noqa: E402

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "house_tiny.csv")
    with open(path, "w") as f:
        f.write("NumRooms, Alley, Price\nNA, Pave, 127500\n2, NA, 106000\n4, NA, 178100\nNA, NA, 140000\n")
    data = read_csv(path)
    inputs, outputs = data.iloc[:, 0:2], data.iloc[:, 2]
    inputs = one_hot(fill_missing_with_mean(inputs), dummy_na=True)
    print(inputs)
    print(frame_to_tensor(inputs), frame_to_tensor(outputs))
