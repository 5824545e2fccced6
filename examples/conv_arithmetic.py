"""Convolution arithmetic (d2l 6.2-6.5; notes 001 L960-1130, 004 C19-C23): cross-correlation
from scratch against ``F.conv2d``, the output-size formula ``floor((n - k + 2p) / s) + 1``
checked against ``nn.Conv2d`` and ``nn.MaxPool2d``, padding and stride, several input and
output channels, the 1x1 convolution as a per-pixel fully connected layer, and learning an
edge-detection kernel by gradient descent.  Runs in a few seconds; every check is asserted."""
import _common  # noqa: F401  (puts the repository on sys.path)
import ember as torch
from ember import nn
from ember.nn import functional as F


def corr2d(X, K):
    """2-D cross-correlation (what deep learning calls convolution), d2l's loop version."""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_multi_in(X, K):
    """Several input channels: cross-correlate channel by channel and add the results."""
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    """Several output channels: one multi-input kernel per output channel, stacked."""
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    """A 1x1 convolution is a matrix product over the channels at every pixel."""
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = torch.matmul(K.reshape((c_o, c_i)), X.reshape((c_i, h * w)))
    return Y.reshape((c_o, h, w))


def out_size(n, k, p=0, s=1):
    """The notes' formula (001 L1125): floor((n - k + 2p) / s) + 1."""
    return (n - k + 2 * p) // s + 1


# 1. cross-correlation from scratch = F.conv2d (no kernel flip)
X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
Y = corr2d(X, K)
print("corr2d:\n", Y)
assert torch.equal(Y, torch.tensor([[19.0, 25.0], [37.0, 43.0]]))
assert torch.allclose(F.conv2d(X.reshape(1, 1, 3, 3), K.reshape(1, 1, 2, 2))[0, 0], Y)

# 2. output shapes: the formula against nn.Conv2d / nn.MaxPool2d for many settings
checked = 0
for n in (8, 28, 32):
    for k in (1, 3, 5):
        for p in (0, 1, 2):
            for s in (1, 2, 3):
                if 2 * p > k:           # padding beyond half the kernel only adds border zeros
                    continue
                conv = nn.Conv2d(2, 4, kernel_size=k, padding=p, stride=s)
                shape = tuple(conv(torch.zeros(1, 2, n, n)).shape)
                assert shape == (1, 4, out_size(n, k, p, s), out_size(n, k, p, s)), (n, k, p, s, shape)
                checked += 1
print(f"output-size formula matches nn.Conv2d in {checked} settings")
# padding (k - 1) / 2 keeps the size (notes 001 L1041-1055); stride 2 halves it (001 L1005)
assert nn.Conv2d(1, 1, kernel_size=3, padding=1)(torch.rand(1, 1, 8, 8)).shape == (1, 1, 8, 8)
assert nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1))(torch.rand(1, 1, 8, 8)).shape == (1, 1, 8, 8)
assert nn.Conv2d(1, 1, kernel_size=3, padding=1, stride=2)(torch.rand(1, 1, 8, 8)).shape == (1, 1, 4, 4)
# d2l's (3, 5) kernel with padding (0, 1) and stride (3, 4) on 8x8: (8-3+0)//3+1 = 2, (8-5+2)//4+1 = 2
assert nn.Conv2d(1, 1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))(torch.rand(1, 1, 8, 8)).shape == (1, 1, 2, 2)
# pooling: the default stride is the window (001 L1124); 2x2 max pooling halves H and W
assert nn.MaxPool2d(2)(torch.rand(1, 3, 28, 28)).shape == (1, 3, 14, 14)
assert nn.MaxPool2d(3, stride=2)(torch.rand(1, 96, 54, 54)).shape == (1, 96, out_size(54, 3, 0, 2), 26)
assert nn.AvgPool2d(3, padding=1, stride=2)(torch.rand(1, 1, 4, 4)).shape == (1, 1, 2, 2)
# pooling works on each channel alone (004 C22): the channel count never changes
print("padding keeps the size, stride 2 halves it, pooling keeps channels")

# the notes' MNIST CNN (001 L1113-1135): 28 -> conv5 pad 2 -> 28 -> pool -> 14 -> ... -> 7
cnn = nn.Sequential(nn.Conv2d(1, 16, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(kernel_size=2),
                    nn.Conv2d(16, 32, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
Z = torch.rand(4, 1, 28, 28)
for layer in cnn:
    Z = layer(Z)
    print(f"{layer.__class__.__name__:>10} output shape: {tuple(Z.shape)}")

# 3. several input and output channels
X = torch.stack((X, X + 1))                                  # 2 input channels
K = torch.stack((K, K + 1))                                  # one 2-channel kernel
print("multi-in:\n", corr2d_multi_in(X, K))
assert torch.equal(corr2d_multi_in(X, K), torch.tensor([[56.0, 72.0], [104.0, 120.0]]))
K3 = torch.stack((K, K + 1, K + 2), 0)                       # 3 output channels
Y3 = corr2d_multi_in_out(X, K3)
assert Y3.shape == (3, 2, 2)
assert torch.allclose(F.conv2d(X.unsqueeze(0), K3)[0], Y3)
# a conv layer's parameters: c_out x c_in x k_h x k_w weights (001 L1071: 128 x 64 x 3 x 3 = 73728)
assert nn.Conv2d(64, 128, 3, padding=1).weight.numel() == 73728

# 4. the 1x1 convolution = a fully connected layer applied at every pixel (004 C26, NiN)
torch.manual_seed(0)
X = torch.normal(0, 1, (3, 3, 3))
K = torch.normal(0, 1, (2, 3, 1, 1))
Y1, Y2 = corr2d_multi_in_out_1x1(X, K), corr2d_multi_in_out(X, K)
assert float(torch.abs(Y1 - Y2).sum()) < 1e-5
lin = nn.Linear(3, 2, bias=False)
lin.weight.data = K.reshape(2, 3)
assert torch.allclose(lin(X.permute(1, 2, 0)).permute(2, 0, 1), Y1, atol=1e-6)
print("1x1 convolution == per-pixel Linear: ok")

# 5. learn the edge-detection kernel [1, -1] from X and its edges Y (d2l 6.2.4)
X = torch.ones((6, 8))
X[:, 2:6] = 0
Y = corr2d(X, torch.tensor([[1.0, -1.0]]))                   # 1 = white->black edge, -1 = black->white
conv2d = nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
X, Y = X.reshape((1, 1, 6, 8)), Y.reshape((1, 1, 6, 7))
for i in range(10):
    loss = ((conv2d(X) - Y) ** 2).sum()
    conv2d.zero_grad()
    loss.backward()
    conv2d.weight.data[:] -= 3e-2 * conv2d.weight.grad
    if (i + 1) % 2 == 0:
        print(f"epoch {i + 1}, loss {float(loss):.3f}")
print("learned kernel:", conv2d.weight.data.reshape((1, 2)))
assert torch.allclose(conv2d.weight.data.reshape(2), torch.tensor([1.0, -1.0]), atol=0.2)
print("all checks passed")
