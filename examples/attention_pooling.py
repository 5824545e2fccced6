"""Nadaraya-Watson kernel regression as attention pooling, from scratch (seed 004 C64,
d2l 10.2): f(x) = sum_i softmax(-(x - x_i)^2 / 2) y_i, then the parametric version
with a learned width w, softmax(-((x - x_i) w)^2 / 2), trained by SGD on the
leave-one-out loss.  Prints the test MSE of average pooling, the non-parametric and
the trained pooling; ``--plot FILE`` also draws the fits and the attention weights."""
import _common
import ember as torch
from ember import nn

p = _common.parser(__doc__, epochs=5)
p.add_argument("--plot", help="write a PNG of the fits and attention weights")
args = p.parse_args()
torch.manual_seed(0)


def f(x):
    return 2 * torch.sin(x) + x ** 0.8


n_train = 50
x_train, _ = torch.sort(torch.rand(n_train) * 5)
y_train = f(x_train) + torch.normal(0.0, 0.5, (n_train,))
x_test = torch.arange(0, 5, 0.1)
y_truth = f(x_test)


def mse(y_hat):
    return ((y_hat - y_truth) ** 2).mean().item()


# 1. average pooling: every query gets the mean of the targets
print(f"average pooling      test MSE {mse(y_train.mean().repeat(len(x_test))):.3f}")

# 2. non-parametric attention pooling with a Gaussian kernel
queries = x_test.repeat_interleave(n_train).reshape(-1, n_train)     # (n_test, n_train)
attention = nn.functional.softmax(-(queries - x_train) ** 2 / 2, dim=1)
y_hat = attention @ y_train
print(f"Nadaraya-Watson      test MSE {mse(y_hat):.3f}")


# 3. parametric: a learnable kernel width w
class NWKernelRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.rand((1,)))

    def forward(self, queries, keys, values):
        # queries (n,), keys/values (n, m): one set of key-value pairs per query
        queries = queries.repeat_interleave(keys.shape[1]).reshape((-1, keys.shape[1]))
        self.attention_weights = nn.functional.softmax(-((queries - keys) * self.w) ** 2 / 2, dim=1)
        return torch.bmm(self.attention_weights.unsqueeze(1), values.unsqueeze(-1)).reshape(-1)


# each training point attends to all the others (leave one out)
X_tile = x_train.repeat((n_train, 1))
Y_tile = y_train.repeat((n_train, 1))
others = (1 - torch.eye(n_train)).type(torch.bool)
keys = X_tile[others].reshape((n_train, -1))
values = Y_tile[others].reshape((n_train, -1))

net = NWKernelRegression()
loss = nn.MSELoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
for epoch in range(args.epochs * 2):
    trainer.zero_grad()
    l = loss(net(x_train, keys, values), y_train)
    l.sum().backward()
    trainer.step()
    print(f"epoch {epoch + 1}, loss {float(l.sum()):.4f}, w {net.w.item():.3f}")

keys = x_train.repeat((len(x_test), 1))
values = y_train.repeat((len(x_test), 1))
with torch.no_grad():
    y_param = net(x_test, keys, values)
print(f"parametric (w={net.w.item():.2f})  test MSE {mse(y_param):.3f}")

if args.plot:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
    ax1.plot(x_test.tolist(), y_truth.tolist(), label="truth")
    ax1.plot(x_test.tolist(), y_hat.tolist(), label="Nadaraya-Watson")
    ax1.plot(x_test.tolist(), y_param.tolist(), label="parametric")
    ax1.plot(x_train.tolist(), y_train.tolist(), "o", alpha=0.5, label="train")
    ax1.legend()
    ax2.imshow(net.attention_weights.detach().numpy(), cmap="Reds")
    ax2.set_xlabel("sorted training inputs")
    ax2.set_ylabel("sorted test inputs")
    fig.tight_layout()
    fig.savefig(args.plot, dpi=100)
    print("wrote", args.plot)
