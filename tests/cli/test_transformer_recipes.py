"""``ember train`` encoder-classifier / vit / bert-pretrain / bert-finetune: the generated
tasks, the plumbing on tiny settings, user errors, and (slow) the stated targets."""
import json
import os
import random

import numpy as np
import pytest

import ember
from ember.cli import recipes_transformer as rt
from ember.cli.main import main

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
needs_fashion = pytest.mark.skipif(not os.path.exists(FASHION),
                                   reason="Fashion-MNIST (Debian package dataset-fashion-mnist) is not installed")


def synthetic_corpus(path, paragraphs=300, topics=8, words_per_topic=12, seed=0):
    """A made-up language learnable in seconds: each paragraph keeps to one topic's words,
    and inside a sentence word i of a topic is followed by word i+1 four times in five."""
    rng = random.Random(seed)
    words = [[f"t{t}w{i}" for i in range(words_per_topic)] for t in range(topics)]
    paras = []
    for _ in range(paragraphs):
        t = rng.randrange(topics)
        sents = []
        for _ in range(rng.randint(3, 5)):
            i, sent = rng.randrange(words_per_topic), []
            for _ in range(rng.randint(6, 10)):
                sent.append(words[t][i])
                i = (i + 1) % words_per_topic if rng.random() < 0.8 else rng.randrange(words_per_topic)
            sents.append(" ".join(sent) + ".")
        paras.append(" ".join(sents))
    path.write_text("\n\n".join(paras) + "\n")
    return str(path)


def _summary(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


# --------------------------------------------------------------------------- generated tasks
def test_distinct_task_labels():
    x, lens, y = rt.make_sequence_task("distinct", 500, seed=3)
    assert tuple(x.shape) == (500, rt.MAX_LEN) and x.dtype == ember.int64
    x, lens, y = x.numpy(), lens.numpy(), y.numpy()
    assert lens.min() >= rt.MIN_LEN and lens.max() <= rt.MAX_LEN
    for row, n, label in zip(x, lens, y):
        assert (row[n:] == 0).all() and (row[:n] > 0).all()
        assert label == len(set(row[:n].tolist())) - 1
    assert len(set(y.tolist())) >= 5
    again = rt.make_sequence_task("distinct", 500, seed=3)
    assert (again[0].numpy() == x).all()


def test_sorted_task_labels_and_balance():
    x, lens, y = (t.numpy() for t in rt.make_sequence_task("sorted", 2000, seed=0))
    for row, n, label in zip(x, lens, y):
        assert label == int(all(row[i] <= row[i + 1] for i in range(n - 1)))
        assert (row[n:] == 0).all()
    assert 0.45 < y.mean() < 0.6  # half sorted, plus the rare shuffles that come out sorted


def test_replaced_word_task():
    from ember.text import Vocab
    from ember.text.bert_data import RESERVED_TOKENS
    sentences = [[f"w{(i * 7 + j) % 50}" for j in range(5 + i % 9)] for i in range(400)]
    vocab = Vocab(sentences, reserved_tokens=RESERVED_TOKENS)
    tok, seg, lens, y = rt.replaced_word_task(sentences, vocab, 12, 2, seed=0)
    assert tuple(tok.shape) == (400, 12) and int(seg.abs().sum()) == 0
    assert 0.4 < float(y.float().mean()) < 0.6
    for s, row, n, label in zip(sentences, tok.tolist(), lens.tolist(), y.tolist()):
        words = s[:10]
        assert n == len(words) + 2 and row[0] == vocab["<cls>"] and row[n - 1] == vocab["<sep>"]
        assert all(t == vocab["<pad>"] for t in row[n:])
        changed = sum(a != b for a, b in zip(row[1:n - 1], vocab[words]))
        assert changed == (0 if label else 2)
        assert all(t > len(RESERVED_TOKENS) for t in row[1:n - 1])


# --------------------------------------------------------------------------- plumbing
def test_encoder_classifier_trains_evaluates_and_rejects_bad_task(tmp_path, capsys):
    out = str(tmp_path / "enc")
    assert main(["train", "encoder-classifier", "--subset", "128", "--epochs", "1", "--no-progress", "--out", out]) == 0
    s = _summary(out)
    assert s["epochs"] == 1 and 0.0 <= s["final"]["val_accuracy"] <= 1.0
    ckpt = [f for f in os.listdir(out) if f.endswith(".pt")]
    assert ckpt
    assert main(["evaluate", os.path.join(out, "last.pt" if "last.pt" in ckpt else ckpt[0])]) == 0
    assert "encoder-classifier on 1000 test samples" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["train", "encoder-classifier", "--task", "nope"])


@needs_fashion
def test_vit_recipe_runs_on_a_subset(tmp_path):
    out = str(tmp_path / "vit")
    assert main(["train", "vit", "--subset", "256", "--epochs", "1", "--no-progress", "--out", out]) == 0
    assert _summary(out)["final"]["val_accuracy"] >= 0.0


def test_bert_pretrain_and_finetune_plumbing(tmp_path, capsys):
    corpus = synthetic_corpus(tmp_path / "c.txt", paragraphs=40)
    out = str(tmp_path / "pre")
    assert main(["train", "bert-pretrain", "--corpus", corpus, "--epochs", "1", "--batch-size", "16", "--max-len", "16",
                 "--out", out]) == 0
    s = _summary(out)
    assert s["paragraphs"] == 40 and s["vocab_size"] == 96 + 1 + 5 and "val_mlm_accuracy" in s["final"]
    state = ember.load(os.path.join(out, "last.pt"))
    assert state["meta"]["recipe"] == "bert-pretrain" and state["config"]["num_hiddens"] == 128
    assert "mlm.decoder.weight" in state["model"]
    ft = str(tmp_path / "ft")
    assert main(["train", "bert-finetune", "--checkpoint", os.path.join(out, "last.pt"), "--corpus", corpus,
                 "--compare", "--subset", "32", "--test-size", "32", "--epochs", "1", "--max-len", "12",
                 "--out", ft]) == 0
    res = _summary(ft)["results"]
    assert set(res) == {"pretrained", "scratch"} and os.path.exists(os.path.join(ft, "scratch.pt"))
    assert "pretrained val_accuracy" in capsys.readouterr().out
    assert main(["train", "bert-finetune", "--scratch", "--corpus", corpus, "--subset", "32", "--test-size", "16",
                 "--epochs", "1", "--max-len", "12", "--out", str(tmp_path / "sc")]) == 0
    assert set(_summary(str(tmp_path / "sc"))["results"]) == {"scratch"}
    # resume continues the same run for more epochs
    assert main(["train", "bert-pretrain", "--corpus", corpus, "--epochs", "2", "--batch-size", "16", "--max-len", "16",
                 "--out", out, "--resume", os.path.join(out, "last.pt")]) == 0
    assert len(_summary(out)["history"]) == 2


def test_bert_recipe_errors(tmp_path, capsys):
    corpus = synthetic_corpus(tmp_path / "c.txt", paragraphs=10)
    assert main(["train", "bert-finetune", "--corpus", corpus]) == 2
    assert "give --checkpoint" in capsys.readouterr().err
    assert main(["train", "bert-finetune", "--checkpoint", str(tmp_path / "none.pt"), "--corpus", corpus]) == 2
    assert "no file at" in capsys.readouterr().err
    ember.save({"model": {}}, str(tmp_path / "other.pt"))
    assert main(["train", "bert-finetune", "--checkpoint", str(tmp_path / "other.pt"), "--corpus", corpus]) == 2
    assert "not written by 'ember train bert-pretrain'" in capsys.readouterr().err
    assert main(["train", "bert-pretrain", "--corpus", str(tmp_path / "missing")]) == 2
    assert "--corpus: cannot use" in capsys.readouterr().err
    assert main(["train", "bert-finetune", "--scratch", "--corpus", corpus, "--subset", "1000"]) == 2
    err = capsys.readouterr().err
    assert "usable sentences" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- stated targets (slow)
@pytest.mark.slow
def test_encoder_classifier_reaches_the_stated_accuracy(tmp_path):
    """README: encoder-classifier (count distinct symbols, 9 classes) >= 0.95 test accuracy
    after its default 10 epochs on 4000 generated sequences."""
    out = str(tmp_path / "enc")
    assert main(["train", "encoder-classifier", "--no-progress", "--out", out]) == 0
    assert _summary(out)["final"]["val_accuracy"] >= 0.95


@pytest.mark.slow
@needs_fashion
def test_vit_reaches_080_in_one_epoch(tmp_path):
    """README: vit reaches >= 0.80 Fashion-MNIST test accuracy after one epoch on the 60000
    training images (0.818 measured; 0.832 after the default 3 epochs)."""
    out = str(tmp_path / "vit")
    assert main(["train", "vit", "--epochs", "1", "--no-progress", "--out", out]) == 0
    assert _summary(out)["final"]["val_accuracy"] >= 0.80


@pytest.mark.slow
def test_bert_pretraining_learns_and_finetuning_beats_scratch(tmp_path):
    """On the made-up language: MLM loss falls and held-out MLM accuracy rises during
    pretraining; fine-tuning the checkpoint on replaced-word detection beats the same model
    trained from scratch on the same 200 labelled sentences."""
    corpus = synthetic_corpus(tmp_path / "c.txt", paragraphs=300)
    out = str(tmp_path / "pre")
    assert main(["train", "bert-pretrain", "--corpus", corpus, "--epochs", "10", "--batch-size", "32", "--lr", "2e-3",
                 "--max-len", "24", "--out", out]) == 0
    hist = _summary(out)["history"]
    assert hist[-1]["mlm_loss"] < hist[0]["mlm_loss"] - 1.0
    assert hist[-1]["val_mlm_accuracy"] > hist[0]["val_mlm_accuracy"] + 0.05
    ft = str(tmp_path / "ft")
    assert main(["train", "bert-finetune", "--checkpoint", os.path.join(out, "last.pt"), "--compare", "--corpus", corpus,
                 "--subset", "200", "--test-size", "400", "--max-len", "16", "--epochs", "5", "--out", ft]) == 0
    res = _summary(ft)["results"]
    assert res["pretrained"]["val_accuracy"] > res["scratch"]["val_accuracy"] + 0.05
    assert res["pretrained"]["val_accuracy"] >= 0.6
