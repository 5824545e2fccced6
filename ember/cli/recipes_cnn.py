"""CNN recipes for ``ember train`` (d2l chapters 7-8, notes 004 C24-C29, and fine-tuning, C37).

Fashion-MNIST recipes (trained by the Trainer path of ``ember train``): ``alexnet``, ``vgg``,
``nin``, ``googlenet``, ``resnet18``, ``densenet``, ``lenet-bn`` and ``resnet-mini``, built by
``ember.models.d2l`` with d2l's learning rates, batch sizes, epochs and plain SGD.  d2l resizes
the 28x28 images to 224 (AlexNet, VGG, NiN) or 96 (GoogLeNet, ResNet-18, DenseNet); on a CPU
that is hours per epoch, so each recipe has a smaller default ``--resize`` (``--resize 224``
gives the book's setting).  A recipe whose classifier is sized for the book's input (AlexNet's
Linear(6400, 4096), VGG's Linear(c*7*7, 4096), LeNet-BN's Linear(256, 120)) gets that Linear
resized to what the chosen image size produces.

``finetune`` trains a torchvision-architecture model (``--arch``, default resnet18) on an
``ImageFolder`` (``DIR/train/<class>/*``, ``DIR/test/<class>/*``) starting from a checkpoint,
with a new classifier head: the backbone frozen (``--freeze``) or trained at ``--lr`` with the
head at 10x (d2l's hotdog example).  Nothing heavy is imported at module level.
"""
from __future__ import annotations

import argparse
import json
import os
import time

from .recipes import CLIError, Recipe, fashion_mnist_tensors, register

__all__ = ["CNN_SPECS", "fit_classifier", "ResizedImages", "finetune_transforms"]

# name: (d2l builder, builder kwargs, d2l's resize, default resize, lr, batch size, epochs, what)
CNN_SPECS: dict[str, tuple] = {
    "alexnet": ("alexnet", {}, 224, 72, 0.01, 128, 10, "d2l's AlexNet (7.1)"),
    "vgg": ("vgg", {"ratio": 4}, 224, 32, 0.05, 128, 10, "d2l's VGG-11 with 4x fewer channels (7.2)"),
    "nin": ("nin", {}, 224, 72, 0.1, 128, 10, "d2l's NiN (7.3)"),
    "googlenet": ("googlenet", {}, 96, 32, 0.1, 128, 10, "d2l's GoogLeNet (7.4)"),
    "resnet18": ("resnet18", {}, 96, 32, 0.05, 256, 10, "d2l's ResNet-18 (8.6)"),
    "densenet": ("densenet", {}, 96, 32, 0.1, 256, 10, "d2l's DenseNet (8.7)"),
    "lenet-bn": ("lenet_bn", {}, 28, 28, 1.0, 256, 10, "d2l's LeNet with batch normalization (8.5)"),
    "resnet-mini": ("resnet_mini", {"channels": (16, 32, 64)}, 28, 28, 0.01, 128, 2,
                    "a small ResNet (16-32-64 channels, 78k parameters; the fast default)"),
}
# Recipes that differ from d2l's plain constant-lr SGD: name -> (optimizer, per-batch lr schedule).
_TRAINING = {"resnet-mini": ("adam", "onecycle")}


def _one_cycle(opt, epochs: int, steps_per_epoch: int):
    """OneCycleLR over the whole run (warm-up to the recipe's lr, then cosine annealing to ~0):
    the small ResNet reaches >= 0.88 on Fashion-MNIST in 2 epochs with it (constant-lr Adam
    or SGD stop near 0.85-0.86 after 2 epochs, docs/performance.md)."""
    from ember.optim.lr_scheduler import OneCycleLR
    cycle = "betas" in opt.defaults or bool(opt.defaults.get("momentum"))    # --optimizer sgd has no momentum
    return OneCycleLR(opt, max_lr=[g["lr"] for g in opt.param_groups], epochs=epochs, steps_per_epoch=steps_per_epoch,
                      cycle_momentum=cycle)


def fit_classifier(net, size: int, name: str = "model"):
    """Walk ``net`` (a d2l Sequential) on one ``size`` x ``size`` image; a Linear whose
    ``in_features`` differs from what arrives is replaced by one of the right width (Xavier
    init, as d2l).  Raises CLIError when the image is too small for the layers."""
    import ember
    from ember import nn
    from ember.models.d2l import d2l_init
    was_training = net.training
    net.eval()
    x = ember.zeros(1, 1, size, size)
    with ember.no_grad():
        for i, layer in enumerate(net):
            if isinstance(layer, nn.Linear) and x.dim() == 2 and x.shape[1] != layer.in_features:
                new = nn.Linear(x.shape[1], layer.out_features)
                d2l_init(new)
                net[i] = layer = new
            try:
                x = layer(x)
            except (RuntimeError, ValueError) as err:
                raise CLIError(f"--resize {size} is too small for {name}: layer {i} ({type(layer).__name__}) "
                               f"failed on input {tuple(x.shape)}: {str(err).splitlines()[0]}") from None
    net.train(was_training)
    return net


class ResizedImages:
    """A dataset of ``(image, label)`` whose images are resized one at a time when read
    (bilinear, as ``fashion_mnist_tensors(resize=...)``), so 60,000 images at 96x96
    (2.2 GB as float32) never sit in memory at once."""

    def __init__(self, base, size: int) -> None:
        self.x, self.y = base.tensors
        self.size = size

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        from ember.nn.functional import interpolate
        img = interpolate(self.x[i:i + 1] if isinstance(i, int) else self.x[i], size=(self.size, self.size),
                          mode="bilinear", align_corners=False)
        return img[0], self.y[i]


def _resize_of(args, recipe_name: str) -> int:
    size = getattr(args, "resize", None)
    return CNN_SPECS[recipe_name][3] if size is None else size


def _make_recipe(name: str, spec: tuple) -> Recipe:
    builder, kwargs, book_size, default_size, lr, batch, epochs, what = spec

    def build_model(resize: int = default_size, num_classes: int = 10):
        from ember.models import d2l
        net = getattr(d2l, builder)(num_classes=num_classes, **kwargs)
        return fit_classifier(net, resize, name) if resize != book_size else net

    def datasets(args):
        size = _resize_of(args, name)
        train, test = fashion_mnist_tensors(args.data_dir, args.subset)
        if size == 28:
            return train, test
        return ResizedImages(train, size), ResizedImages(test, size)

    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--resize", type=_size_arg, default=None,
                       help=f"image side in pixels (default {default_size}; d2l uses {book_size})")

    optimizer, schedule = _TRAINING.get(name, ("sgd", None))
    where = (f"Fashion-MNIST resized to {default_size} (d2l: {book_size}; --resize N)" if default_size != 28 else
             f"Fashion-MNIST at 28x28 (--resize N)")
    desc = (f"{what} on {where}, {optimizer.upper() if optimizer == 'sgd' else 'Adam'} lr {lr}"
            + (" (one-cycle)" if schedule else "") + f", batch {batch}, {epochs} epochs")
    return Recipe(name, desc, build_model, datasets, epochs=epochs, batch_size=batch, lr=lr, optimizer=optimizer,
                  input_shape=(1, default_size, default_size), add_arguments=add_arguments,
                  model_kwargs=lambda args: {"resize": _resize_of(args, name)},
                  scheduler=_one_cycle if schedule == "onecycle" else None)


def _size_arg(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an image size in pixels, got {s!r}") from None
    if not 8 <= v <= 512:
        raise argparse.ArgumentTypeError(f"expected an image size between 8 and 512 pixels, got {v}")
    return v


for _name, _spec in CNN_SPECS.items():
    register(_make_recipe(_name, _spec))


# ---------------------------------------------------------------------------------------- finetune
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
FINETUNE_ARCHS = ("resnet18", "resnet34", "resnet50", "alexnet", "vgg11", "vgg11_bn", "googlenet", "densenet121")


def finetune_transforms(size: int):
    """(train, test) transforms of d2l's hotdog example: RandomResizedCrop + horizontal
    flip for training, Resize(size * 256 / 224) + CenterCrop for testing, both ending in
    ToTensor and ImageNet's Normalize."""
    from ember.vision import transforms as T
    norm = T.Normalize(IMAGENET_MEAN, IMAGENET_STD)
    train = T.Compose([T.RandomResizedCrop(size), T.RandomHorizontalFlip(), T.ToTensor(), norm])
    test = T.Compose([T.Resize(max(size, round(size * 256 / 224))), T.CenterCrop(size), T.ToTensor(), norm])
    return train, test


def _finetune_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, metavar="DIR",
                   help="ImageFolder root with train/<class>/* and test/<class>/* images")
    p.add_argument("--checkpoint", default=None, metavar="FILE",
                   help="pretrained weights (.pth/.pt state_dict, .safetensors, or an ember file); "
                        "default: random initialisation")
    p.add_argument("--arch", default="resnet18", choices=FINETUNE_ARCHS)
    p.add_argument("--size", type=_size_arg, default=224, help="crop size (default 224)")
    p.add_argument("--freeze", action="store_true", help="train the new head only (backbone frozen, BN stats fixed)")
    p.add_argument("--head-lr-mult", type=float, default=10.0, help="head learning rate / --lr (default 10)")
    p.add_argument("--weight-decay", type=float, default=1e-3)


def _build_finetune_model(arch: str, checkpoint: str | None, num_classes: int):
    from ember import models
    from ember.train.finetune import replace_head
    builder = models.get_model_builder(arch)
    kwargs = {"aux_logits": False, "init_weights": True} if arch == "googlenet" else {}
    if checkpoint is not None:
        if not os.path.isfile(checkpoint):
            raise CLIError(f"--checkpoint: no file at {checkpoint}")
        try:
            net = builder(weights=checkpoint, **kwargs)
        except (RuntimeError, KeyError, ValueError) as err:
            raise CLIError(f"--checkpoint {checkpoint} does not fit {arch}: {str(err).splitlines()[0]}") from None
    else:
        net = builder(**kwargs)
    replace_head(net, num_classes)
    return net


def run_finetune(recipe: Recipe, args) -> int:
    """Fine-tune on an ImageFolder; writes last.pt (model + meta), metrics.jsonl, summary.json."""
    import ember
    from ember.train import Accumulator
    from ember.train.finetune import find_head, freeze_backbone, frozen_batchnorm_eval, param_groups
    from ember.utils.data import DataLoader
    from ember.vision.datasets import ImageFolder
    from .main import _device
    for part in ("train", "test"):
        if not os.path.isdir(os.path.join(args.data, part)):
            raise CLIError(f"--data {args.data}: expected an ImageFolder with {part}/<class>/ sub-directories")
    if not args.head_lr_mult > 0:
        raise CLIError(f"--head-lr-mult must be positive, got {args.head_lr_mult}")
    dev = _device(args.device)
    ember.manual_seed(args.seed)
    train_tf, test_tf = finetune_transforms(args.size)
    try:
        train_ds = ImageFolder(os.path.join(args.data, "train"), transform=train_tf)
        test_ds = ImageFolder(os.path.join(args.data, "test"), transform=test_tf)
    except FileNotFoundError as err:
        raise CLIError(f"--data {args.data}: {str(err).splitlines()[0]}") from None
    if train_ds.classes != test_ds.classes:
        raise CLIError(f"--data {args.data}: train classes {train_ds.classes} differ from test classes "
                       f"{test_ds.classes}")
    if args.subset:
        from ember.utils.data import Subset
        train_ds = Subset(train_ds, range(min(args.subset, len(train_ds))))
    classes = test_ds.classes
    net = _build_finetune_model(args.arch, args.checkpoint, len(classes))
    head_name, head = find_head(net)
    if args.freeze:
        freeze_backbone(net, head)
    lr = args.lr or recipe.lr
    opt_name = args.optimizer or recipe.optimizer
    groups = param_groups(net, lr, args.head_lr_mult, head)
    opt = {"sgd": ember.optim.SGD, "adam": ember.optim.Adam, "adamw": ember.optim.AdamW,
           "rmsprop": ember.optim.RMSprop}[opt_name](groups, lr=lr, weight_decay=args.weight_decay)
    net.to(dev)
    loss_fn = ember.nn.CrossEntropyLoss()
    epochs, batch = args.epochs or recipe.epochs, args.batch_size or recipe.batch_size
    train_loader = DataLoader(train_ds, batch_size=batch, shuffle=True, num_workers=args.num_workers)
    test_loader = DataLoader(test_ds, batch_size=batch, num_workers=args.num_workers)
    out = args.out or os.path.join("runs", recipe.name)
    os.makedirs(out, exist_ok=True)
    history = []
    start = time.perf_counter()
    with open(os.path.join(out, "metrics.jsonl"), "w") as log:
        for epoch in range(1, epochs + 1):
            net.train()
            if args.freeze:
                frozen_batchnorm_eval(net)
            acc = Accumulator(3)                        # summed loss, correct, samples
            t0 = time.perf_counter()
            for x, y in train_loader:
                x, y = x.to(dev), y.to(dev)
                logits = net(x)
                loss = loss_fn(logits, y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                acc.add(float(loss.item()) * y.shape[0], int((logits.argmax(1) == y).sum()), y.shape[0])
            row = {"epoch": epoch, "loss": acc[0] / acc[2], "accuracy": acc[1] / acc[2],
                   **_evaluate(net, test_loader, loss_fn, dev), "time": time.perf_counter() - t0}
            history.append(row)
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(f"epoch {epoch}/{epochs}: loss {row['loss']:.4f}, accuracy {row['accuracy']:.4f}, "
                      f"val_loss {row['val_loss']:.4f}, val_accuracy {row['val_accuracy']:.4f} "
                      f"({row['time']:.1f}s)", flush=True)
    elapsed = time.perf_counter() - start
    meta = {"recipe": recipe.name, "arch": args.arch, "classes": classes, "size": args.size, "freeze": args.freeze,
            "checkpoint": args.checkpoint, "head": head_name, "lr": lr, "head_lr_mult": args.head_lr_mult,
            "optimizer": opt_name, "epochs": epochs, "batch_size": batch, "seed": args.seed}
    ember.save({"model": net.state_dict(), "meta": meta}, os.path.join(out, "last.pt"))
    summary = {**meta, "final": history[-1], "history": history, "train_seconds": elapsed, "out": out}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    final = history[-1]
    print(f"finetune: {args.arch} on {len(train_ds)} images of {len(classes)} classes, {epochs} epochs, "
          f"{'frozen backbone' if args.freeze else f'head lr x{args.head_lr_mult:g}'}, "
          f"val_accuracy {final['val_accuracy']:.4f}; {elapsed:.1f}s; outputs in {out}")
    return 0


def _evaluate(net, loader, loss_fn, dev) -> dict:
    import ember
    net.eval()
    total, correct, n = 0.0, 0, 0
    with ember.no_grad():
        for x, y in loader:
            x, y = x.to(dev), y.to(dev)
            logits = net(x)
            total += float(loss_fn(logits, y).item()) * y.shape[0]
            correct += int((logits.argmax(1) == y).sum())
            n += y.shape[0]
    return {"val_loss": total / max(n, 1), "val_accuracy": correct / max(n, 1)}


register(Recipe("finetune", "fine-tune a torchvision-architecture CNN (--arch, default resnet18) from --checkpoint "
                "on an ImageFolder --data DIR with a new head: --freeze trains the head only, else the head "
                "learns at 10x --lr (d2l 13.2); SGD lr 0.01, weight decay 1e-3, batch 32, 5 epochs, 224 crops",
                build_model=lambda **kw: None, datasets=lambda args: None, epochs=5, batch_size=32, lr=0.01,
                optimizer="sgd", classes=[], input_shape=(3, 224, 224), run=run_finetune,
                add_arguments=_finetune_arguments))
