"""The modern CNNs of d2l chapters 7-8 (notes 004 C24-C29): LeNet, BN-LeNet, AlexNet, VGG,
NiN, GoogLeNet, ResNet, DenseNet and a small ResNet for 28x28 images.

For each model: print the book's shape walk (``for layer in net: X = layer(X)`` on one
1-channel image of the size the book uses) and the parameter count.  With ``--train``, train
one of them briefly on Fashion-MNIST, e.g.

    python examples/modern_cnns.py --model resnet_mini --train --subset 6000 --epochs 1
    python examples/modern_cnns.py --model googlenet --train --subset 2000 --resize 64
"""
import _common
import ember as torch
from ember import nn
from ember.models import d2l
from ember.train import Trainer

# name: (builder, builder kwargs, the book's input size, the book's learning rate)
MODELS = {
    "lenet": (d2l.lenet, {}, 28, 0.9),
    "lenet_bn": (d2l.lenet_bn, {}, 28, 1.0),
    "alexnet": (d2l.alexnet, {}, 224, 0.01),
    "vgg": (d2l.vgg, {}, 224, 0.05),
    "nin": (d2l.nin, {}, 224, 0.1),
    "googlenet": (d2l.googlenet, {}, 96, 0.1),
    "resnet18": (d2l.resnet18, {}, 96, 0.05),
    "densenet": (d2l.densenet, {}, 96, 0.1),
    "resnet_mini": (d2l.resnet_mini, {}, 28, 0.05),
}

p = _common.parser(__doc__, epochs=1, subset=6000)
p.add_argument("--model", default="all", choices=["all", *MODELS], help="which model(s) to show (default: all)")
p.add_argument("--train", action="store_true", help="train the chosen model (not 'all') on Fashion-MNIST")
p.add_argument("--resize", type=int, default=None, help="image size for training (default: the book's)")
p.add_argument("--lr", type=float, default=None, help="learning rate (default: the book's)")
p.add_argument("--batch-size", type=int, default=128)
args = p.parse_args()
if args.train and args.model == "all":
    p.error("--train needs one --model")

for name in MODELS if args.model == "all" else [args.model]:
    build, kwargs, size, _ = MODELS[name]
    if name == "vgg" and args.train:
        kwargs = {"ratio": 4}              # d2l trains the 4x narrower VGG-11
    net = build(**kwargs)
    net.eval()
    print(f"== {name}: input (1, 1, {size}, {size})")
    X = torch.rand(size=(1, 1, size, size), dtype=torch.float32)
    with torch.no_grad():
        for layer in net:
            X = layer(X)
            print(layer.__class__.__name__, "output shape:\t", X.shape)
    print(f"parameters: {sum(p.numel() for p in net.parameters()):,}\n")

if args.train:
    from ember.cli.recipes import fashion_mnist_tensors
    from ember.utils.data import DataLoader
    build, kwargs, size, lr = MODELS[args.model]
    resize = args.resize or size
    if args.model in ("alexnet", "vgg") and resize != 224:
        p.error(f"{args.model} has a Linear sized for 224x224 inputs; use --resize 224")
    train, test = fashion_mnist_tensors(args.data_dir, args.subset, resize=resize)
    train_iter = DataLoader(train, args.batch_size, shuffle=True)
    test_iter = DataLoader(test, args.batch_size)
    trainer = Trainer(net, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=args.lr or lr))
    history = trainer.fit(train_iter, epochs=args.epochs, val_loader=test_iter)
    last = history[-1]
    print(f"{args.model}: train loss {last['loss']:.3f}, train acc {last['accuracy']:.3f}, "
          f"test acc {last['val_accuracy']:.3f}")
