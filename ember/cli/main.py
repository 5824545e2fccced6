"""The ``ember`` command: ``train``, ``evaluate``, ``predict``, ``info``, ``run``.

User errors (unknown recipe, bad option, missing data or checkpoint) print one line
saying what is wrong and how to fix it, and exit with status 2."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from .recipes import CLIError  # re-exported: recipe modules raise it too

__all__ = ["main", "CLIError"]


def _positive_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def _positive_float(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {s!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {v}")
    return v


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; ``argv`` (when given) lets the named recipe of ``train`` add its own options."""
    from .recipes import COMMANDS, RECIPES, load_recipe_modules
    load_recipe_modules()
    p = argparse.ArgumentParser(prog="ember", description="ember: deep learning in readable Python")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    t = sub.add_parser("train", help="train a recipe (" + ", ".join(RECIPES) + ")")
    t.add_argument("recipe", help="one of: " + ", ".join(RECIPES))
    t.add_argument("--epochs", type=_positive_int)
    t.add_argument("--batch-size", type=_positive_int)
    t.add_argument("--lr", type=_positive_float)
    t.add_argument("--optimizer", choices=["sgd", "adam", "adamw", "rmsprop"])
    t.add_argument("--device", default="cpu")
    t.add_argument("--data-dir", default="data", help="where datasets are looked for after /usr/share/datasets")
    t.add_argument("--out", default=None, help="output directory (default runs/RECIPE)")
    t.add_argument("--resume", default=None, metavar="CKPT", help="continue from a checkpoint written by train")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--num-workers", type=int, default=0)
    t.add_argument("--subset", type=_positive_int, default=None, help="use only the first N training samples")
    t.add_argument("--no-progress", action="store_true", help="no progress bar (one line per epoch only)")
    e = sub.add_parser("evaluate", help="re-evaluate a checkpoint on its recipe's test set")
    e.add_argument("checkpoint")
    e.add_argument("--data-dir", default=None)
    e.add_argument("--device", default="cpu")
    e.add_argument("--batch-size", type=_positive_int, default=256)
    e.add_argument("--data", default=None, metavar="FILE",
                   help="own-loop recipes: the data to evaluate on (default: the file recorded in the checkpoint)")
    e.add_argument("--json", default=None, metavar="FILE", help="also write the metrics to FILE as JSON")
    pr = sub.add_parser("predict", help="classify image files with a checkpoint")
    pr.add_argument("checkpoint")
    pr.add_argument("images", nargs="+")
    sub.add_parser("info", help="versions, devices and the BLAS in use")
    r = sub.add_parser("run", help="run an unmodified PyTorch script on ember")
    r.add_argument("script")
    r.add_argument("args", nargs=argparse.REMAINDER)
    for cmd in COMMANDS.values():
        cmd.add_arguments(sub.add_parser(cmd.name, help=cmd.help))
    if argv and len(argv) >= 2 and argv[0] == "train" and argv[1] in RECIPES:
        extra = RECIPES[argv[1]].add_arguments
        if extra is not None:
            extra(t)
    return p


def _optimizer(name: str, params, lr: float, weight_decay: float):
    import ember
    table = {"sgd": ember.optim.SGD, "adam": ember.optim.Adam, "adamw": ember.optim.AdamW,
             "rmsprop": ember.optim.RMSprop}
    return table[name](params, lr=lr, weight_decay=weight_decay)


def _loss(name: str):
    import ember.nn as nn
    return {"cross_entropy": nn.CrossEntropyLoss(), "mse": nn.MSELoss()}[name]


def _device(name: str):
    import ember
    try:
        dev = ember.device(name)
    except RuntimeError as err:
        raise CLIError(f"bad --device {name!r}: {err}") from None
    if dev.type == "cuda" and not ember.cuda.is_available():
        raise CLIError("--device cuda needs CuPy and an NVIDIA GPU (pip install cupy-cuda12x); use --device cpu")
    return dev


def _load_data(recipe, args):
    from ember.vision.datasets import DatasetNotFoundError
    try:
        return recipe.datasets(args)
    except DatasetNotFoundError as err:
        raise CLIError(str(err).splitlines()[0] + " (or pass --data-dir DIR holding the files)") from None


def cmd_train(args) -> int:
    import ember
    from ember.train import CSVLogger, CurvePlot, JSONLogger, ModelCheckpoint, ProgressBar, Trainer
    from ember.utils.data import DataLoader
    from .recipes import RECIPES
    recipe = RECIPES.get(args.recipe)
    if recipe is None:
        raise CLIError(f"unknown recipe {args.recipe!r}; choose one of: {', '.join(RECIPES)}")
    if args.num_workers < 0:
        raise CLIError("--num-workers must be >= 0")
    if recipe.run is not None:
        return recipe.run(recipe, args)
    dev = _device(args.device)
    out = args.out or os.path.join("runs", recipe.name)
    os.makedirs(out, exist_ok=True)
    hp = {"epochs": args.epochs or recipe.epochs, "batch_size": args.batch_size or recipe.batch_size,
          "lr": args.lr or recipe.lr, "optimizer": args.optimizer or recipe.optimizer}
    ember.manual_seed(args.seed)
    train_ds, test_ds = _load_data(recipe, args)
    model = recipe.build_model(**(recipe.model_kwargs(args) if recipe.model_kwargs else {}))
    if recipe.init is not None:
        model.apply(recipe.init)
    opt = _optimizer(hp["optimizer"], model.parameters(), hp["lr"], recipe.weight_decay)
    metrics = list(recipe.metrics)
    callbacks = [ProgressBar(bar=not args.no_progress), CSVLogger(os.path.join(out, "metrics.csv")), JSONLogger(os.path.join(out, "metrics.jsonl")),
                 CurvePlot(os.path.join(out, "curves.png")), ModelCheckpoint(out)]
    sched = None
    if recipe.scheduler is not None:
        sched = recipe.scheduler(opt, hp["epochs"], -(-len(train_ds) // hp["batch_size"]))
    trainer = Trainer(model, _loss(recipe.loss), opt, device=dev, metrics=metrics, callbacks=callbacks,
                      progress=False, scheduler=sched, scheduler_per_batch=True)
    if args.resume:
        if not os.path.isfile(args.resume):
            raise CLIError(f"--resume: no checkpoint at {args.resume}")
        state = ember.load(args.resume)
        if state.get("meta", {}).get("recipe") != recipe.name:
            raise CLIError(f"--resume: {args.resume} was trained with recipe "
                           f"{state.get('meta', {}).get('recipe')!r}, not {recipe.name!r}")
        trainer.load_state_dict(state)
    meta = {"recipe": recipe.name, **hp, "seed": args.seed, "subset": args.subset, "data_dir": args.data_dir,
            "model_kwargs": recipe.model_kwargs(args) if recipe.model_kwargs else {}}
    trainer.state_dict = _with_meta(trainer.state_dict, meta)
    train_loader = DataLoader(train_ds, batch_size=hp["batch_size"], shuffle=True, num_workers=args.num_workers)
    test_loader = DataLoader(test_ds, batch_size=hp["batch_size"], num_workers=args.num_workers)
    start = time.perf_counter()
    history = trainer.fit(train_loader, epochs=hp["epochs"], val_loader=test_loader)
    elapsed = time.perf_counter() - start
    final = history[-1] if history else {}
    summary = {"recipe": recipe.name, **hp, "final": final, "train_seconds": elapsed,
               "seconds_per_epoch": [h.get("time") for h in history], "out": out}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    keys = [k for k in ("loss", "accuracy", "val_loss", "val_accuracy", "mse", "val_mse") if k in final]
    print(f"{recipe.name}: {len(history)} epochs, " + ", ".join(f"{k} {final[k]:.4f}" for k in keys)
          + f"; {elapsed:.1f}s; outputs in {out}")
    return 0


def _with_meta(state_dict_fn, meta):
    def state_dict():
        s = state_dict_fn()
        s["meta"] = meta
        return s
    return state_dict


def _read_checkpoint(checkpoint: str):
    """(state dict, recipe) of a checkpoint written by ``ember train``, or a CLIError."""
    import ember
    from .recipes import RECIPES
    if not os.path.isfile(checkpoint):
        raise CLIError(f"no checkpoint at {checkpoint}")
    try:
        state = ember.load(checkpoint)
    except RuntimeError as err:
        raise CLIError(f"cannot read {checkpoint}: {err}") from None
    meta = state.get("meta") if isinstance(state, dict) else None
    if not meta or meta.get("recipe") not in RECIPES:
        raise CLIError(f"{checkpoint} was not written by 'ember train' (no recipe recorded)")
    return state, RECIPES[meta["recipe"]]


def _restore(checkpoint: str):
    state, recipe = _read_checkpoint(checkpoint)
    meta = state["meta"]
    model = recipe.build_model(**meta.get("model_kwargs", {}))
    model.load_state_dict(state["model"])
    model.eval()
    return recipe, model, meta


def _write_json(path: str | None, record: dict) -> None:
    if path is None:
        return
    try:
        with open(path, "w") as f:
            json.dump(record, f, indent=2)
    except OSError as err:
        raise CLIError(f"--json: cannot write {path}: {err.strerror}") from None


def _evaluate_own_loop(recipe, state, args) -> int:
    """``ember evaluate`` for a recipe with its own training loop: its ``evaluate`` hook,
    or one line saying why there is none (with the recipe's own pointer where it has one)."""
    if recipe.evaluate is None:
        pointer = ""
        try:
            recipe.datasets(argparse.Namespace(data_dir=args.data_dir or "data", subset=None, seed=0))
        except CLIError as err:
            pointer = f" ({err})"
        raise CLIError(f"'ember evaluate' has no evaluation for the {recipe.name} recipe, which trains with its own "
                       f"loop; its final numbers are in the summary.json beside the checkpoint{pointer}")
    res = recipe.evaluate(recipe, state, args)
    print(f"{recipe.name}: " + ", ".join(f"{k} {v:.4f}" for k, v in res.items()))
    _write_json(args.json, {"recipe": recipe.name, "checkpoint": args.checkpoint, "metrics": res})
    return 0


def cmd_evaluate(args) -> int:
    from ember.train import Trainer
    from ember.utils.data import DataLoader
    state, recipe = _read_checkpoint(args.checkpoint)
    if recipe.run is not None:
        return _evaluate_own_loop(recipe, state, args)
    recipe, model, meta = _restore(args.checkpoint)
    # the recipe's data options that shaped the model (e.g. --resize) travel in model_kwargs
    ns = argparse.Namespace(**{**meta.get("model_kwargs", {}),
                               "data_dir": args.data_dir or meta.get("data_dir", "data"),
                               "subset": meta.get("subset"), "seed": meta.get("seed", 0)})
    _, test_ds = _load_data(recipe, ns)
    tr = Trainer(model, _loss(recipe.loss), _optimizer("sgd", model.parameters(), 0.1, 0.0),
                 device=_device(args.device), metrics=list(recipe.metrics), progress=False)
    res = tr.evaluate(DataLoader(test_ds, batch_size=args.batch_size))
    print(f"{recipe.name} on {len(test_ds)} test samples: " + ", ".join(f"{k} {v:.4f}" for k, v in res.items()))
    _write_json(args.json, {"recipe": recipe.name, "checkpoint": args.checkpoint, "test_samples": len(test_ds),
                            "metrics": {k: float(v) for k, v in res.items()}})
    return 0


def cmd_predict(args) -> int:
    import numpy as np
    import ember
    recipe, model, _ = _restore(args.checkpoint)
    if recipe.input_shape != (1, 28, 28):
        raise CLIError(f"predict works on image recipes; {recipe.name} takes inputs of shape {recipe.input_shape}")
    try:
        from PIL import Image
    except ImportError:
        raise CLIError("predict needs Pillow: pip install Pillow") from None
    batch = []
    for path in args.images:
        if not os.path.isfile(path):
            raise CLIError(f"no image file at {path}")
        try:
            img = Image.open(path).convert("L").resize((28, 28))
        except OSError as err:
            raise CLIError(f"cannot read image {path}: {err}") from None
        batch.append(np.asarray(img, dtype=np.float32) / 255.0)
    x = ember.tensor(np.stack(batch)[:, None])
    with ember.no_grad():
        probs = ember.softmax(model(x), dim=1)
    for path, p in zip(args.images, probs):
        k = int(p.argmax())
        print(f"{path}: {recipe.classes[k]} ({float(p[k]):.3f})")
    return 0


def blas_name() -> str:
    """The BLAS NumPy was built with and its version (e.g. "scipy-openblas 0.3.29"), or "unknown"."""
    import numpy as np
    try:
        b = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        return f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except Exception:  # an older NumPy without mode="dicts", or an unusual build
        return "unknown"


def cmd_info(args) -> int:
    import numpy as np
    import ember
    print(f"ember {ember.__version__}")
    print(f"python {platform.python_version()} ({sys.executable})")
    print(f"numpy {np.__version__}")
    print(f"blas {blas_name()}")
    print(f"cpu cores {os.cpu_count()}")
    cp = ember.backend.cupy_or_none()
    if cp is None:
        print("cuda not available (install cupy-cuda12x on a machine with an NVIDIA GPU)")
    else:
        print(f"cupy {cp.__version__}, cuda devices {ember.cuda.device_count()}")
    for name in ("PIL", "pandas", "matplotlib", "tqdm", "safetensors"):
        try:
            mod = __import__(name)
            print(f"{name} {getattr(mod, '__version__', '?')}")
        except ImportError:
            print(f"{name} not installed")
    return 0


def cmd_run(args) -> int:
    from .run import run_script
    return run_script(args.script, args.args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from .recipes import COMMANDS
    handler = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "info": cmd_info,
               "run": cmd_run}.get(args.command) or COMMANDS[args.command].run
    try:
        return handler(args)
    except CLIError as err:
        print(f"ember {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
