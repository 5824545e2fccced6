"""LeNet on Fashion-MNIST (d2l 6.6): the sigmoid/average-pooling original, printed layer by
layer, then trained with SGD (lr 0.9) after Xavier initialisation."""
import _common
import ember as torch
from ember import nn
from ember.train import Trainer

args = _common.parser(__doc__, epochs=10).parse_args()
net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
for layer in net:
    X = layer(X)
    print(layer.__class__.__name__, "output shape: \t", X.shape)
net.apply(lambda m: nn.init.xavier_uniform_(m.weight) if type(m) in (nn.Linear, nn.Conv2d) else None)
train_iter, test_iter = _common.fashion_loaders(args)
Trainer(net, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.9)).fit(
    train_iter, epochs=args.epochs, val_loader=test_iter)
