"""Batch normalization from scratch (d2l 8.5; notes 001 L1500-1539, 004 C28) against
``nn.BatchNorm2d`` / ``nn.BatchNorm1d``: the same outputs, running statistics and gradients.

In training mode a BN layer normalises with the batch's mean and *biased* variance (1/m),
per channel over (N, H, W) for convolutions and per feature over N for fully connected
layers, then scales by gamma and shifts by beta; it also keeps an exponential moving average
of the statistics, which eval mode uses instead.  PyTorch (and ember) update the running
variance with the *unbiased* batch variance (m / (m - 1) times the biased one); d2l's
from-scratch version uses the biased one, so it is corrected here to match.

With ``--train``, d2l's BN-LeNet (lr 1.0) built from this module trains briefly on
Fashion-MNIST next to the same network with ``nn.BatchNorm2d``/``nn.BatchNorm1d``.
"""
import _common
import ember as torch
from ember import nn


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum, training):
    """d2l's batch_norm: returns Y and the updated moving statistics.  ``momentum`` is
    PyTorch's (the weight of the new batch, 0.1 by default)."""
    if not training:
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:                      # fully connected: statistics per feature
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
            m = X.shape[0]
        else:                                      # convolution: per channel over (N, H, W)
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
            m = X.shape[0] * X.shape[2] * X.shape[3]
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var * (m / (m - 1))
    return gamma * X_hat + beta, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    """d2l's BatchNorm layer: ``num_dims`` 2 (fully connected) or 4 (convolution)."""

    def __init__(self, num_features, num_dims, eps=1e-5, momentum=0.1):
        super().__init__()
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)
        self.eps, self.momentum = eps, momentum

    def forward(self, X):
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean, self.moving_var, self.eps, self.momentum, self.training)
        return Y


def compare(mine, ref, X, what):
    """Train-mode outputs, input gradients and running stats, then eval-mode outputs."""
    X1 = X.clone().requires_grad_()
    X2 = X.clone().requires_grad_()
    g = torch.randn(X.shape)
    y1, y2 = mine(X1), ref(X2)
    (y1 * g).sum().backward()
    (y2 * g).sum().backward()
    shape = ref.running_mean.shape
    checks = {
        "output": (y1, y2),
        "d loss / d input": (X1.grad, X2.grad),
        "d loss / d gamma": (mine.gamma.grad.reshape(shape), ref.weight.grad),
        "d loss / d beta": (mine.beta.grad.reshape(shape), ref.bias.grad),
        "running mean": (mine.moving_mean.reshape(shape), ref.running_mean),
        "running var": (mine.moving_var.reshape(shape), ref.running_var),
    }
    mine.eval()
    ref.eval()
    with torch.no_grad():
        checks["eval output"] = (mine(X), ref(X))
    for name, (a, b) in checks.items():
        err = float((a - b).abs().max())
        assert err < 1e-4, (what, name, err)
    print(f"{what}: from scratch == nn ({', '.join(checks)}) ok")


p = _common.parser(__doc__, epochs=2, subset=6000)
p.add_argument("--train", action="store_true", help="also train BN-LeNet (from scratch and nn) on Fashion-MNIST")
args = p.parse_args()

torch.manual_seed(0)
X = torch.randn(8, 6, 5, 5) * 3 + 2
compare(BatchNorm(6, num_dims=4), nn.BatchNorm2d(6), X, "BatchNorm2d on (8, 6, 5, 5)")
compare(BatchNorm(10, num_dims=2), nn.BatchNorm1d(10), torch.randn(16, 10) * 0.5 - 1, "BatchNorm1d on (16, 10)")

# Several steps of moving averages agree too (momentum 0.1: moving = 0.9 moving + 0.1 batch)
mine, ref = BatchNorm(3, 4), nn.BatchNorm2d(3)
for step in range(5):
    Xs = torch.rand(4, 3, 6, 6) * (step + 1)
    mine(Xs)
    ref(Xs)
assert torch.allclose(mine.moving_mean.reshape(3), ref.running_mean, atol=1e-5)
assert torch.allclose(mine.moving_var.reshape(3), ref.running_var, atol=1e-5)
print("running statistics after 5 batches: mean", ref.running_mean, "var", ref.running_var)
# What BN does to each channel in training mode: mean 0, (biased) std 1 before gamma/beta
Y = nn.BatchNorm2d(6)(X)
print("per-channel mean after BN:", Y.mean(dim=(0, 2, 3)).abs().max().item() < 1e-5,
      "| std:", Y.std(dim=(0, 2, 3), unbiased=False))


def bn_lenet(bn2d, bn1d):
    """d2l's BN-LeNet (8.5) with the given BN layer makers."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), bn2d(6), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), bn2d(16), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 120), bn1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), bn1d(84), nn.Sigmoid(), nn.Linear(84, 10))


if args.train:
    from ember.train import Trainer
    train_iter, test_iter = _common.fashion_loaders(args)
    for name, layers in (("from scratch", (lambda c: BatchNorm(c, 4), lambda c: BatchNorm(c, 2))),
                         ("nn.BatchNorm", (nn.BatchNorm2d, nn.BatchNorm1d))):
        torch.manual_seed(0)                        # same initial weights and batch order for both
        net = bn_lenet(*layers)
        net.apply(lambda m: nn.init.xavier_uniform_(m.weight) if type(m) in (nn.Linear, nn.Conv2d) else None)
        hist = Trainer(net, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=1.0), progress=False).fit(
            train_iter, epochs=args.epochs, val_loader=test_iter)
        print(f"BN-LeNet ({name}): train acc {hist[-1]['accuracy']:.3f}, test acc {hist[-1]['val_accuracy']:.3f}")
