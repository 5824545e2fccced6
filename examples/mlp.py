"""Multilayer perceptron on Fashion-MNIST (d2l 4.3, seed 002 §4): 784-256-10 with ReLU."""
import _common
import ember as torch
from ember import nn
from ember.train import Trainer

args = _common.parser(__doc__, epochs=10).parse_args()
train_iter, test_iter = _common.fashion_loaders(args)
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if type(m) == nn.Linear else None)
Trainer(net, nn.CrossEntropyLoss(reduction="mean"), torch.optim.SGD(net.parameters(), lr=0.1)).fit(
    train_iter, epochs=args.epochs, val_loader=test_iter)
