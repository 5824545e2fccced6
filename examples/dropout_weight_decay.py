"""Dropout and weight decay (d2l 4.5-4.6, seed 003): a hand-written dropout layer, the MLP
with nn.Dropout, and SGD with weight decay on the weights only (parameter groups)."""
import _common
import ember as torch
from ember import nn
from ember.train import Trainer


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
print(dropout_layer(X, 0.0), dropout_layer(X, 0.5), dropout_layer(X, 1.0), sep="\n")

args = _common.parser(__doc__, epochs=5).parse_args()
train_iter, test_iter = _common.fashion_loaders(args)
dropout1, dropout2 = 0.2, 0.5
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(dropout1),
                    nn.Linear(256, 256), nn.ReLU(), nn.Dropout(dropout2), nn.Linear(256, 10))
net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if type(m) == nn.Linear else None)
wd, lr = 1e-3, 0.5
weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
biases = [p for n, p in net.named_parameters() if n.endswith("bias")]
trainer = torch.optim.SGD([{"params": weights, "weight_decay": wd}, {"params": biases}], lr=lr)
Trainer(net, nn.CrossEntropyLoss(), trainer).fit(train_iter, epochs=args.epochs, val_loader=test_iter)
