"""Softmax regression on Fashion-MNIST (d2l 3.7): Flatten + Linear, CrossEntropyLoss, SGD."""
import _common
import ember as torch
from ember import nn
from ember.train import Trainer

args = _common.parser(__doc__, epochs=10).parse_args()
train_iter, test_iter = _common.fashion_loaders(args)
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
trainer = Trainer(net, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1))
trainer.fit(train_iter, epochs=args.epochs, val_loader=test_iter)
