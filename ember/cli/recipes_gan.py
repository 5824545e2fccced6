"""The ``gan`` recipe (a DCGAN on Fashion-MNIST, d2l 20.1-20.2; the notes' 000 L640-653) and
the ``ember sample`` command.

``ember train gan [--latent-dim 64 --channels 32 --judge-epochs 2 --num-samples 1000]``
trains ``ember.models.gan.Generator`` / ``Discriminator`` (DCGAN init) with
BCEWithLogitsLoss and Adam(2e-4, betas=(0.5, 0.999)) for both, alternating one D step and
one G step per minibatch (``update_D`` / ``update_G``).  Real images are scaled to [-1, 1].

Quality is judged by a classifier, not by eye: a ReLU LeNet is trained on the same real
images for ``--judge-epochs``, then ``sample_quality`` reports, for ``--num-samples`` images
each of real test images, the trained generator, the generator as initialised (before any
step) and uniform noise, the fraction classified with confidence > 0.9 and the entropy of the
predicted-class histogram (ln 10 = 2.303 when all ten classes are generated equally often).

Writes to ``--out`` (default ``runs/gan``): ``checkpoint.pt`` (generator as ``model``,
discriminator, both optimizers, ``meta``), ``samples.png`` (8x8 grid from fixed noise) and
``summary.json``.  ``ember sample CKPT --out grid.png [-n 64] [--seed 0]`` draws a grid from
a checkpoint."""
from __future__ import annotations

import copy
import json
import os
import time

from .recipes import CLIError, Command, Recipe, read_recipe_checkpoint, register, register_command

__all__ = ["GAN_DEFAULTS"]

GAN_DEFAULTS = {"epochs": 3, "batch_size": 128, "lr": 2e-4, "betas": (0.5, 0.999), "latent_dim": 64, "channels": 32,
                "judge_epochs": 2, "num_samples": 1000}


def _build(latent_dim: int = 64, channels: int = 32):
    from ember.models.gan import Generator
    return Generator(latent_dim, channels)


def _no_datasets(args):
    raise CLIError("gan trains with its own loop and has no test set to evaluate; "
                   "use 'ember sample CHECKPOINT --out grid.png' to draw images")


def _add_arguments(p) -> None:
    from .main import _positive_int
    p.add_argument("--latent-dim", type=_positive_int, default=GAN_DEFAULTS["latent_dim"],
                   help="size of the noise vector z (64)")
    p.add_argument("--channels", type=_positive_int, default=GAN_DEFAULTS["channels"],
                   help="width of G and D at 14x14, twice that at 7x7 (32)")
    p.add_argument("--judge-epochs", type=int, default=GAN_DEFAULTS["judge_epochs"],
                   help="epochs of the LeNet that judges the samples; 0 skips the judging (2)")
    p.add_argument("--num-samples", type=_positive_int, default=GAN_DEFAULTS["num_samples"],
                   help="images generated for the judge (1000)")


def _fashion(args):
    from ember.vision.datasets import DatasetNotFoundError
    from .recipes import fashion_mnist_tensors
    try:
        return fashion_mnist_tensors(args.data_dir, args.subset)
    except DatasetNotFoundError as err:
        raise CLIError(str(err).splitlines()[0] + " (or pass --data-dir DIR holding the files)") from None


def _load_checkpoint(path: str) -> dict:
    return read_recipe_checkpoint(path, "gan")


def _train_judge(train_x, train_y, test_x, test_y, epochs: int, seed: int, dev):
    """A ReLU LeNet trained with Adam(1e-3) on the real images; returns (net, test accuracy)."""
    import ember
    from ember.models import lenet_relu
    from ember.utils.data import DataLoader, TensorDataset
    ember.manual_seed(seed + 1000)
    net = lenet_relu().to(dev)
    opt = ember.optim.Adam(net.parameters(), lr=1e-3)
    loss = ember.nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(train_x, train_y), 128, shuffle=True,
                        generator=ember.Generator().manual_seed(seed + 1000))
    net.train()
    for _ in range(epochs):
        for X, y in loader:
            opt.zero_grad()
            loss(net(X.to(dev)), y.to(dev)).backward()
            opt.step()
    net.eval()
    with ember.no_grad():
        correct = sum(int((net(test_x[i:i + 500].to(dev)).argmax(1) == test_y[i:i + 500].to(dev)).sum())
                      for i in range(0, test_x.shape[0], 500))
    return net, correct / max(1, test_x.shape[0])


def _generate(G, n: int, latent_dim: int, seed: int, dev):
    """n images in [0, 1] from G in eval mode (batch norm with its running statistics)."""
    import ember
    g = ember.Generator().manual_seed(seed)
    z = ember.randn(n, latent_dim, generator=g).to(dev)
    was = G.training
    G.eval()
    with ember.no_grad():
        imgs = ember.cat([G(z[i:i + 500]) for i in range(0, n, 500)])
    G.train(was)
    return (imgs * 0.5 + 0.5).clamp(0, 1)


def _run(recipe, args) -> int:
    import ember
    from ember.models.gan import Discriminator, dcgan_init, sample_quality, update_D, update_G
    from ember.utils.data import DataLoader, TensorDataset
    from ember.vision.utils import save_image
    from .main import _device
    if args.optimizer not in (None, "adam"):
        raise CLIError(f"gan trains with Adam(betas=(0.5, 0.999)) as DCGAN does; --optimizer {args.optimizer} "
                       "is not supported")
    if args.judge_epochs < 0:
        raise CLIError(f"--judge-epochs must be >= 0, got {args.judge_epochs}")
    dev = _device(args.device)
    out = args.out or os.path.join("runs", recipe.name)
    hp = {"epochs": args.epochs or recipe.epochs, "batch_size": args.batch_size or recipe.batch_size,
          "lr": args.lr or recipe.lr, "optimizer": "adam", "betas": list(GAN_DEFAULTS["betas"])}
    resumed = _load_checkpoint(args.resume) if args.resume else None
    if resumed is not None:
        model_kwargs = dict(resumed["meta"]["model_kwargs"])
    else:
        model_kwargs = {"latent_dim": args.latent_dim, "channels": args.channels}
    train_ds, test_ds = _fashion(args)
    train_x, train_y = train_ds.tensors
    test_x, test_y = test_ds.tensors
    real = train_x * 2 - 1  # Tanh's range
    ember.manual_seed(args.seed)
    G = _build(**model_kwargs)
    D = Discriminator(model_kwargs["channels"])
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    G_init = copy.deepcopy(G)  # the baseline: the same generator before any step
    G, D = G.to(dev), D.to(dev)
    opt_G = ember.optim.Adam(G.parameters(), lr=hp["lr"], betas=tuple(hp["betas"]))
    opt_D = ember.optim.Adam(D.parameters(), lr=hp["lr"], betas=tuple(hp["betas"]))
    history = []
    if resumed is not None:
        try:
            G.load_state_dict(resumed["model"])
            D.load_state_dict(resumed["discriminator"])
            opt_G.load_state_dict(resumed["optimizer_G"])
            opt_D.load_state_dict(resumed["optimizer_D"])
        except (KeyError, RuntimeError, ValueError) as err:
            raise CLIError(f"{args.resume}: cannot restore the GAN ({str(err).splitlines()[0]})") from None
        history = list(resumed["meta"].get("history", []))
        if len(history) >= hp["epochs"]:
            raise CLIError(f"nothing to train: {args.resume} already has {len(history)} epochs (raise --epochs)")
    loss = ember.nn.BCEWithLogitsLoss()
    latent = model_kwargs["latent_dim"]
    os.makedirs(out, exist_ok=True)
    ckpt_path = os.path.join(out, "checkpoint.pt")
    meta = {"recipe": recipe.name, **hp, "seed": args.seed, "data_dir": args.data_dir, "subset": args.subset,
            "model_kwargs": model_kwargs}
    noise_gen = ember.Generator().manual_seed(args.seed + 1)
    start = time.perf_counter()
    for epoch in range(len(history), hp["epochs"]):
        loader = DataLoader(TensorDataset(real), hp["batch_size"], shuffle=True,
                            generator=ember.Generator().manual_seed(args.seed + epoch))
        t0, sum_d, sum_g, n = time.perf_counter(), 0.0, 0.0, 0
        G.train()
        D.train()
        for (X,) in loader:
            X = X.to(dev)
            Z = ember.randn(X.shape[0], latent, generator=noise_gen).to(dev)
            sum_d += update_D(X, Z, D, G, loss, opt_D)
            sum_g += update_G(Z, D, G, loss, opt_G)
            n += 1
        secs = time.perf_counter() - t0
        history.append({"epoch": epoch + 1, "loss_D": sum_d / n, "loss_G": sum_g / n, "seconds": secs})
        print(f"epoch {epoch + 1}/{hp['epochs']}: loss_D {sum_d / n:.4f}, loss_G {sum_g / n:.4f}, "
              f"{real.shape[0] / secs:,.0f} images/s", flush=True)
        ember.save({"model": G.state_dict(), "discriminator": D.state_dict(), "optimizer_G": opt_G.state_dict(),
                    "optimizer_D": opt_D.state_dict(), "meta": {**meta, "history": history}}, ckpt_path)
    elapsed = time.perf_counter() - start
    samples_path = os.path.join(out, "samples.png")
    save_image(_generate(G, 64, latent, args.seed, dev).cpu(), samples_path, nrow=8)
    quality = None
    if args.judge_epochs > 0:
        judge, acc = _train_judge(train_x, train_y, test_x, test_y, args.judge_epochs, args.seed, dev)
        n = args.num_samples
        g = ember.Generator().manual_seed(args.seed + 2)
        rows = {"real test images": test_x[:n].to(dev),
                "trained generator": _generate(G, n, latent, args.seed + 3, dev),
                "untrained generator": _generate(G_init.to(dev), n, latent, args.seed + 3, dev),
                "uniform noise": ember.rand(n, 1, 28, 28, generator=g).to(dev)}
        quality = {"judge": "lenet_relu", "judge_epochs": args.judge_epochs, "judge_test_accuracy": acc,
                   "threshold": 0.9, **{k: sample_quality(judge, v) for k, v in rows.items()}}
        for k in rows:
            q = quality[k]
            print(f"  {k:20s}: confident {q['confident']:.3f}, class entropy {q['class_entropy']:.3f} nats, "
                  f"classes {q['histogram']}")
    summary = {"recipe": recipe.name, **hp, **model_kwargs, "num_train": int(real.shape[0]),
               "final": history[-1], "history": history, "train_seconds": elapsed, "quality": quality,
               "samples": samples_path, "checkpoint": ckpt_path, "out": out}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    judged = ""
    if quality is not None:
        t, u = quality["trained generator"], quality["untrained generator"]
        judged = (f"; judge (test acc {quality['judge_test_accuracy']:.3f}): confident {t['confident']:.3f} "
                  f"(untrained G {u['confident']:.3f}), class entropy {t['class_entropy']:.2f} "
                  f"(untrained G {u['class_entropy']:.2f}, max 2.30)")
    print(f"{recipe.name}: {len(history)} epochs of a DCGAN on {real.shape[0]} images, loss_D "
          f"{history[-1]['loss_D']:.3f}, loss_G {history[-1]['loss_G']:.3f}{judged}; {elapsed:.1f}s; outputs in {out}")
    return 0


def _sample_arguments(p) -> None:
    from .main import _positive_int
    p.add_argument("checkpoint", help="a checkpoint written by 'ember train gan'")
    p.add_argument("--out", required=True, help="image file to write (e.g. grid.png)")
    p.add_argument("-n", "--num", type=_positive_int, default=64, help="images to draw (64)")
    p.add_argument("--nrow", type=_positive_int, default=8, help="images per row of the grid (8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise (0)")
    p.add_argument("--device", default="cpu")


def _sample(args) -> int:
    from ember.vision.utils import save_image
    from .main import _device
    dev = _device(args.device)
    state = _load_checkpoint(args.checkpoint)
    kwargs = state["meta"].get("model_kwargs", {})
    try:
        G = _build(**kwargs)
        G.load_state_dict(state["model"])
    except (TypeError, ValueError, RuntimeError) as err:
        raise CLIError(f"{args.checkpoint}: the generator does not match its recorded settings ({err})") from None
    imgs = _generate(G.to(dev), args.num, G.latent_dim, args.seed, dev).cpu()
    try:
        save_image(imgs, args.out, nrow=args.nrow)
    except (OSError, ValueError, KeyError) as err:
        raise CLIError(f"cannot write {args.out}: {err}") from None
    print(f"{args.num} images from {args.checkpoint} -> {args.out}")
    return 0


register(Recipe("gan", "DCGAN on Fashion-MNIST (d2l 20.1-20.2): Adam 2e-4, betas (0.5, 0.999), samples.png and a "
                "classifier's judgement of the samples; then 'ember sample'", _build, _no_datasets,
                loss="bce_with_logits", epochs=GAN_DEFAULTS["epochs"], batch_size=GAN_DEFAULTS["batch_size"],
                lr=GAN_DEFAULTS["lr"], optimizer="adam", metrics=(), classes=[],
                input_shape=(GAN_DEFAULTS["latent_dim"],), run=_run, add_arguments=_add_arguments))
register_command(Command("sample", "draw a grid of images from a gan checkpoint", _sample_arguments, _sample))
