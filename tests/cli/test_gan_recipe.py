"""``ember train gan`` and ``ember sample`` (in-process, on a tiny generated Fashion-MNIST
directory in the real IDX format)."""
import gzip
import json
import os
import struct

import numpy as np
import pytest

import ember
from ember.cli.main import main
from ember.vision import datasets


def write_idx(path, arr):
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.tobytes())


@pytest.fixture
def fashion_dir(tmp_path, monkeypatch):
    """128 training and 32 test images: a bright bar whose row is the label, plus noise."""
    monkeypatch.setattr(datasets.mnist, "SYSTEM_DIR", str(tmp_path / "nosystem"))
    root = tmp_path / "data"
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 128), ("t10k", 32)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        imgs = rng.integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
        for i, y in enumerate(labels):
            imgs[i, 2 + 2 * y: 4 + 2 * y, 4:24] = 250
        write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", imgs)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return str(root)


ARGS = ["--channels", "4", "--latent-dim", "8", "--batch-size", "32", "--judge-epochs", "1", "--num-samples", "40"]


def _train(fashion_dir, out, *extra):
    return main(["train", "gan", "--data-dir", fashion_dir, "--out", out, "--epochs", "1", "--no-progress", *ARGS,
                 *extra])


def test_gan_writes_checkpoint_samples_and_summary(fashion_dir, tmp_path, capsys):
    from PIL import Image
    from ember.models.gan import Discriminator, Generator
    out = str(tmp_path / "run")
    assert _train(fashion_dir, out, "--subset", "96") == 0
    printed = capsys.readouterr().out
    assert "epoch 1/1: loss_D" in printed and "untrained generator" in printed
    last = printed.strip().splitlines()[-1]
    assert last.startswith("gan: 1 epochs of a DCGAN on 96 images") and "confident" in last and out in last
    assert sorted(os.listdir(out)) == ["checkpoint.pt", "samples.png", "summary.json"]
    assert Image.open(os.path.join(out, "samples.png")).size == (8 * 30 + 2, 8 * 30 + 2)  # 8x8 grid, padding 2
    summary = json.load(open(os.path.join(out, "summary.json")))
    assert summary["num_train"] == 96 and summary["latent_dim"] == 8 and summary["channels"] == 4
    assert (summary["lr"], summary["betas"], summary["batch_size"]) == (2e-4, [0.5, 0.999], 32)
    assert len(summary["history"]) == 1 and summary["final"]["loss_D"] > 0
    q = summary["quality"]
    for row in ("real test images", "trained generator", "untrained generator", "uniform noise"):
        assert 0 <= q[row]["confident"] <= 1 and 0 <= q[row]["class_entropy"] <= np.log(10) + 1e-9
    assert sum(q["trained generator"]["histogram"]) == 40 and sum(q["real test images"]["histogram"]) == 19  # 96 // 5
    ck = ember.load(os.path.join(out, "checkpoint.pt"))
    assert ck["meta"]["recipe"] == "gan" and ck["meta"]["model_kwargs"] == {"latent_dim": 8, "channels": 4}
    G = Generator(**ck["meta"]["model_kwargs"])
    G.load_state_dict(ck["model"])
    D = Discriminator(4)
    D.load_state_dict(ck["discriminator"])
    G.eval()
    D.eval()
    with ember.no_grad():
        x = G(ember.randn(3, 8))
        assert tuple(x.shape) == (3, 1, 28, 28) and tuple(D(x).shape) == (3, 1)
    assert {"optimizer_G", "optimizer_D"} <= set(ck)


def test_resume_sample_and_errors(fashion_dir, tmp_path, capsys):
    from PIL import Image
    out = str(tmp_path / "run")
    assert _train(fashion_dir, out, "--subset", "64", "--judge-epochs", "0") == 0
    summary = json.load(open(os.path.join(out, "summary.json")))
    assert summary["quality"] is None
    ck = os.path.join(out, "checkpoint.pt")
    assert main(["train", "gan", "--data-dir", fashion_dir, "--out", out, "--epochs", "2", "--subset", "64",
                 "--judge-epochs", "0", "--resume", ck]) == 0
    summary = json.load(open(os.path.join(out, "summary.json")))
    assert [h["epoch"] for h in summary["history"]] == [1, 2] and summary["channels"] == 4  # settings from the ckpt
    capsys.readouterr()
    grid = str(tmp_path / "grid.png")
    assert main(["sample", ck, "--out", grid, "-n", "10", "--nrow", "5", "--seed", "3"]) == 0
    assert Image.open(grid).size == (5 * 30 + 2, 2 * 30 + 2)
    assert "10 images" in capsys.readouterr().out
    again = str(tmp_path / "again.png")
    main(["sample", ck, "--out", again, "-n", "10", "--nrow", "5", "--seed", "3"])
    assert np.array_equal(np.asarray(Image.open(grid)), np.asarray(Image.open(again)))  # the seed fixes the noise
    capsys.readouterr()
    # user errors: one line on stderr, status 2
    assert main(["train", "gan", "--data-dir", fashion_dir, "--out", out, "--epochs", "2", "--resume", ck]) == 2
    assert "nothing to train" in capsys.readouterr().err
    assert _train(fashion_dir, out, "--optimizer", "sgd") == 2
    assert "Adam" in capsys.readouterr().err
    assert main(["train", "gan", "--data-dir", str(tmp_path / "empty"), "--out", out]) == 2
    assert "Dataset not found" in capsys.readouterr().err
    assert main(["sample", str(tmp_path / "missing.pt"), "--out", grid]) == 2
    assert main(["sample", os.path.join(out, "summary.json"), "--out", grid]) == 2
    assert main(["sample", ck, "--out", str(tmp_path / "grid.unknownext")]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert main(["evaluate", ck]) == 2
    assert "ember sample" in capsys.readouterr().err


FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(FASHION),
                    reason="Fashion-MNIST (Debian package dataset-fashion-mnist) is not installed")
def test_gan_on_real_fashion_mnist_beats_its_untrained_generator(tmp_path, capsys):
    """3 epochs on 6000 real images (about 35 s): the judge (a LeNet trained on the same 6000)
    finds some confident samples and a spread over the classes, where the untrained generator
    gives one class and no confident sample (measured: 0.054 and 1.98 nats vs 0 and 0)."""
    out = str(tmp_path / "run")
    assert main(["train", "gan", "--subset", "6000", "--epochs", "3", "--num-samples", "500", "--out", out]) == 0
    q = json.load(open(os.path.join(out, "summary.json")))["quality"]
    trained, untrained = q["trained generator"], q["untrained generator"]
    assert q["judge_test_accuracy"] > 0.65
    assert trained["class_entropy"] > 1.5 and trained["class_entropy"] > untrained["class_entropy"] + 1.0
    assert trained["confident"] > 0.02 and trained["confident"] > untrained["confident"]
    assert trained["confident"] < q["real test images"]["confident"]
