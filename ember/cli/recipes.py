"""Training recipes for ``ember train NAME``: model, data, loss and defaults.

A recipe is data, not code paths: ``build_model()``, ``datasets(args)`` returning
(train, test) datasets of (input, label) pairs, the loss, and default hyperparameters
(d2l's where the notes give them).  Later chapters register more recipes here."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

__all__ = ["CLIError", "Recipe", "RECIPES", "register", "Command", "COMMANDS", "register_command", "load_recipe_modules",
           "fashion_mnist_tensors", "FASHION_CLASSES", "read_recipe_checkpoint"]

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]


class CLIError(Exception):
    """A user error: printed as one line by ``ember``, exit status 2."""


@dataclass
class Recipe:
    name: str
    description: str
    build_model: Callable
    datasets: Callable
    loss: str = "cross_entropy"
    epochs: int = 10
    batch_size: int = 256
    lr: float = 0.1
    optimizer: str = "sgd"
    weight_decay: float = 0.0
    metrics: tuple = ("accuracy",)
    init: Callable | None = None
    classes: list = field(default_factory=lambda: FASHION_CLASSES)
    input_shape: tuple = (1, 28, 28)
    # Recipes whose training is not "classify (input, label) pairs with the Trainer" (language
    # models, seq2seq, word2vec, pretraining) give ``run(recipe, args) -> exit status`` and do
    # their own loop; ``add_arguments(parser)`` adds their own options to ``ember train``.
    run: Callable | None = None
    add_arguments: Callable | None = None
    # Extra keyword arguments for build_model(**model_kwargs(args)), e.g. a resize-dependent size.
    model_kwargs: Callable | None = None
    # A learning-rate schedule stepped after every batch: scheduler(optimizer, epochs, steps_per_epoch).
    scheduler: Callable | None = None
    # ``ember evaluate CKPT`` for a recipe with its own loop: ``evaluate(recipe, state, args) -> {metric: value}``
    # (``state``: the loaded checkpoint dict; ``args``: evaluate's options, e.g. ``args.data``, ``args.device``).
    # It re-runs the recipe's own evaluation, so it gives the number training reported for that checkpoint.
    evaluate: Callable | None = None


RECIPES: dict[str, Recipe] = {}


def read_recipe_checkpoint(path: str, recipe: str, need: tuple = ("model",)) -> dict:
    """The dict that ``ember train RECIPE`` saved at ``path``, or a CLIError saying why not:
    no file, a file ``ember.load`` cannot read, or one written by another recipe or
    lacking one of the ``need`` entries."""
    import os
    import ember
    if not os.path.isfile(path):
        raise CLIError(f"no checkpoint at {path}")
    try:
        state = ember.load(path)
    except Exception as err:  # ember.load raises LoadError/UnpicklingError for foreign or broken files
        raise CLIError(f"cannot read {path}: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    meta = state.get("meta") if isinstance(state, dict) else None
    if not isinstance(meta, dict) or meta.get("recipe") != recipe or any(k not in state for k in need):
        raise CLIError(f"{path} is not a {recipe} checkpoint written by 'ember train {recipe}'")
    return state


def register(recipe: Recipe) -> Recipe:
    RECIPES[recipe.name] = recipe
    return recipe


@dataclass
class Command:
    """A subcommand of ``ember`` beside train/evaluate/predict/info/run (e.g. ``generate``)."""
    name: str
    help: str
    add_arguments: Callable
    run: Callable


COMMANDS: dict[str, Command] = {}


def register_command(command: Command) -> Command:
    COMMANDS[command.name] = command
    return command


def load_recipe_modules() -> None:
    """Import every ``ember/cli/recipes_*.py`` module (one per family of chapters: CNNs,
    char-rnn, seq2seq, ...); each registers its recipes and commands when imported."""
    import importlib
    import pkgutil
    from . import __path__ as cli_path
    for info in sorted(pkgutil.iter_modules(cli_path), key=lambda m: m.name):
        if info.name.startswith("recipes_"):
            importlib.import_module(f"{__package__}.{info.name}")


def fashion_mnist_tensors(data_dir: str, subset: int | None = None, resize: int | None = None):
    """Fashion-MNIST as float tensors in [0, 1] (what ToTensor gives), (N, 1, 28, 28),
    with int64 labels; ``subset`` keeps the first N training and N // 5 test images."""
    import ember
    from ember.utils.data import TensorDataset
    from ember.vision.datasets import FashionMNIST
    out = []
    for train in (True, False):
        ds = FashionMNIST(data_dir, train=train)
        x, y = ds.data, ds.targets
        if subset is not None:
            n = subset if train else max(1, subset // 5)
            x, y = x[:n], y[:n]
        x = x.float().unsqueeze(1) / 255.0
        if resize is not None and resize != 28:
            x = ember.nn.functional.interpolate(x, size=(resize, resize), mode="bilinear", align_corners=False)
        out.append(TensorDataset(x, y))
    return out[0], out[1]


def _fashion(args):
    return fashion_mnist_tensors(args.data_dir, args.subset)


def _synthetic_linreg(args):
    """y = X w + b + noise with d2l's true_w = [2, -3.4], true_b = 4.2."""
    import ember
    from ember.utils.data import TensorDataset
    n = args.subset or 1000
    g = ember.Generator().manual_seed(args.seed)
    X = ember.normal(0.0, 1.0, size=(n, 2), generator=g)
    w, b = ember.tensor([2.0, -3.4]), 4.2
    y = (X @ w + b + ember.normal(0.0, 0.01, size=(n,), generator=g)).reshape(-1, 1)
    split = int(n * 0.8)
    return TensorDataset(X[:split], y[:split]), TensorDataset(X[split:], y[split:])


def _init_normal(m):
    import ember.nn as nn
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)
        nn.init.zeros_(m.bias)


def _init_xavier(m):
    import ember.nn as nn
    if type(m) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight)


def _linreg():
    import ember.nn as nn
    net = nn.Sequential(nn.Linear(2, 1))
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    return net


def _softmax():
    import ember.nn as nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def _mlp():
    import ember.nn as nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def _mlp_dropout():
    import ember.nn as nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))


def _lenet():
    """d2l's LeNet: sigmoid activations and average pooling."""
    import ember.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def _lenet_relu():
    """LeNet with ReLU and max pooling (the modern variant)."""
    import ember.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


register(Recipe("linreg", "linear regression on synthetic data (d2l 3.3)", _linreg, _synthetic_linreg,
                loss="mse", epochs=3, batch_size=10, lr=0.03, metrics=("mse",), classes=[], input_shape=(2,)))
register(Recipe("softmax", "softmax regression on Fashion-MNIST (d2l 3.7)", _softmax, _fashion,
                epochs=10, batch_size=256, lr=0.1, init=_init_normal))
register(Recipe("mlp", "MLP 784-256-10 on Fashion-MNIST (d2l 4.3)", _mlp, _fashion,
                epochs=10, batch_size=256, lr=0.1, init=_init_normal))
register(Recipe("mlp-dropout", "MLP with dropout 0.2/0.5 on Fashion-MNIST (d2l 4.6)", _mlp_dropout, _fashion,
                epochs=10, batch_size=256, lr=0.5, init=_init_normal))
register(Recipe("lenet", "d2l's LeNet (sigmoid, avg-pool, Xavier init) on Fashion-MNIST (d2l 6.6)", _lenet,
                _fashion, epochs=10, batch_size=256, lr=0.9, init=_init_xavier))
# Adam at 1e-3: 0.890 test accuracy after 10 epochs (SGD at 0.1 reached 0.865, peaking at 0.882).
register(Recipe("lenet-relu", "LeNet with ReLU and max-pooling on Fashion-MNIST (Adam 1e-3)", _lenet_relu, _fashion,
                epochs=10, batch_size=256, lr=0.001, optimizer="adam", init=_init_xavier))

