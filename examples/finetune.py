"""Fine-tuning (d2l 13.2 "hotdog"; notes 004 C37, 001 L1440-1498): reuse a model trained on a
large dataset, put a new classifier on it for the target classes, and train

  (a) the head only, with the feature extractor frozen (``requires_grad_(False)``, and its
      BatchNorm layers kept in eval mode so their statistics stay too), or
  (b) everything, with the new head at 10x the learning rate of the pretrained layers.

ember never downloads weights: pass ``--weights resnet18.pth`` (torchvision's file, or any
state_dict for ``ember.models.resnet18``) to start from ImageNet.  Without it a randomly
initialised ResNet-18 stands in for the pretrained model (its BN statistics set from one
batch of the training images, as a trained model's come from its data), which is enough to
show the mechanics: random features separate the two classes only partly.  The data is a generated two-class
``ImageFolder`` (reddish vs bluish noisy 32x32 PNGs) with the notes' ImageNet
normalisation and augmentations.  The same run from the command line:

    ember train finetune --data DIR --checkpoint resnet18.pth --freeze --size 32
"""
import os
import tempfile

import numpy as np

import _common
import ember as torch
from ember import nn
from ember.cli.recipes_cnn import finetune_transforms
from ember.models import resnet18
from ember.train.finetune import find_head, freeze_backbone, frozen_batchnorm_eval, param_groups, replace_head
from ember.utils.data import DataLoader
from ember.vision.datasets import ImageFolder

p = _common.parser(__doc__, epochs=4)
p.add_argument("--weights", default=None, help="a ResNet-18 state_dict file (.pth/.safetensors)")
p.add_argument("--images", type=int, default=24, help="training images per class")
p.add_argument("--lr", type=float, default=0.001, help="backbone lr; the head gets 10x")
args = p.parse_args()


def make_image_folder(root: str, n_train: int, n_test: int, size: int = 32, seed: int = 0) -> str:
    """root/{train,test}/{reddish,bluish}/*.png: noisy images with a random bright disc, whose
    colours lean red or blue (random features separate colour well, orientation poorly)."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for part, n in (("train", n_train), ("test", n_test)):
        for k, cls in enumerate(("reddish", "bluish")):
            os.makedirs(os.path.join(root, part, cls), exist_ok=True)
            for i in range(n):
                base = rng.uniform(40, 140, 3)
                base[0 if k == 0 else 2] += 90                        # the class: more red, or more blue
                img = base + rng.normal(0, 25, (size, size, 3))
                cy, cx, r = rng.integers(6, size - 6, 2).tolist() + [int(rng.integers(3, 8))]
                img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] += 60     # a disc anywhere, any class
                Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(root, part, cls, f"{i}.png"))
    return root


def pretrained_model(calibration_batch):
    if args.weights:
        return resnet18(weights=args.weights)
    torch.manual_seed(0)
    net = resnet18()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None                       # one batch sets the running statistics
    with torch.no_grad():
        net(calibration_batch)
    return net


def run(net, loader, opt, freeze: bool) -> float:
    net.train()
    if freeze:
        frozen_batchnorm_eval(net)                 # keep the frozen layers' BN statistics
    total, n = 0.0, 0
    for X, y in loader:
        loss = nn.functional.cross_entropy(net(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total, n = total + float(loss) * len(y), n + len(y)
    return total / n


def accuracy(net, loader) -> float:
    net.eval()
    with torch.no_grad():
        hits = sum(int((net(X).argmax(1) == y).sum()) for X, y in loader)
    return hits / len(loader.dataset)


root = make_image_folder(tempfile.mkdtemp(prefix="ember-finetune-"), args.images, args.images // 2)
train_tf, test_tf = finetune_transforms(32)
train_ds = ImageFolder(os.path.join(root, "train"), transform=train_tf)
test_ds = ImageFolder(os.path.join(root, "test"), transform=test_tf)
print(f"ImageFolder {root}: classes {train_ds.classes}, {len(train_ds)} train / {len(test_ds)} test images")
train_iter = DataLoader(train_ds, batch_size=16, shuffle=True)
test_iter = DataLoader(test_ds, batch_size=16)

calibration = next(iter(DataLoader(train_ds, batch_size=32, shuffle=True)))[0]
for freeze in (True, False):
    net = pretrained_model(calibration)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    name, old = find_head(net)
    head = replace_head(net, len(train_ds.classes))        # Linear(512, 2), Xavier init (d2l)
    print(f"\n== {'(a) frozen backbone' if freeze else '(b) all layers, head at 10x lr'}: "
          f"replaced {name} {tuple(old.weight.shape)} -> {tuple(head.weight.shape)}")
    if freeze:
        frozen = freeze_backbone(net, head)
        print(f"froze {len(frozen)} parameter tensors; trainable: "
              f"{[n for n, p in net.named_parameters() if p.requires_grad]}")
    groups = param_groups(net, args.lr, head_lr_mult=10, head=head)
    print("parameter groups:", [(len(g["params"]), g["lr"]) for g in groups])
    opt = torch.optim.SGD(groups, lr=args.lr, weight_decay=1e-3)
    print(f"before: test accuracy {accuracy(net, test_iter):.3f}")
    for epoch in range(args.epochs):
        loss = run(net, train_iter, opt, freeze)
        print(f"epoch {epoch + 1}: train loss {loss:.4f}, test accuracy {accuracy(net, test_iter):.3f}")
    after = net.state_dict()
    changed = [k for k in before if not k.startswith("fc.") and not torch.equal(before[k], after[k])]
    print(f"backbone tensors changed: {len(changed)} of {len([k for k in before if not k.startswith('fc.')])}")
    if freeze:
        assert not changed, changed                 # frozen weights and BN statistics: bit-identical
