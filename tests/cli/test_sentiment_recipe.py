"""``ember train sentiment`` on generated reviews with planted sentiment words: accuracy,
the Kaggle submission file, the aclImdb layout and pretrained embeddings."""
import csv
import json

import numpy as np
import pytest

import ember
from ember.cli.main import main
from ember.text.imdb import NEGATIVE_WORDS, POSITIVE_WORDS, read_imdb_tsv, write_toy_imdb

SMALL = ["--num-steps", "48", "--embed-size", "32", "--num-hiddens", "32", "--num-layers", "1",
         "--num-channels", "16,16,16", "--epochs", "3", "--no-progress", "--min-freq", "2"]


def summary(out):
    return json.loads((out / "summary.json").read_text())


@pytest.mark.parametrize("model, extra", [("birnn", []), ("textcnn", ["--lr", "0.01"])])
def test_toy_reviews_reach_085(tmp_path, model, extra, capsys):
    out = tmp_path / model
    assert main(["train", "sentiment", "--model", model, "--toy-size", "800", "--out", str(out), *SMALL, *extra]) == 0
    s = summary(out)
    assert s["test_accuracy"] >= 0.85, s["test_accuracy"]
    assert s["train_reviews"] == 800 and s["test_reviews"] == 400 and s["submission"] is None
    assert f"test accuracy {s['test_accuracy']:.4f}" in capsys.readouterr().out
    state = ember.load(str(out / "last.pt"))
    assert state["meta"]["recipe"] == "sentiment" and state["meta"]["model_kwargs"]["model"] == model
    vocab = ember.text.Vocab.from_dict(state["vocab"])
    assert "<pad>" in vocab and "great" in vocab and len(vocab) == s["vocab_size"]


def test_kaggle_layout_writes_a_valid_submission(tmp_path):
    data = write_toy_imdb(tmp_path / "kaggle", n_train=1000, n_test=300, seed=5, layout="kaggle")
    out = tmp_path / "run"
    assert main(["train", "sentiment", "--data", data, "--out", str(out), *SMALL]) == 0
    s = summary(out)
    assert s["test_accuracy"] >= 0.85 and s["test_reviews"] == 200  # 20% of labeledTrainData held out
    test_ids = read_imdb_tsv(tmp_path / "kaggle" / "testData.tsv").ids
    with open(out / "submission.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "sentiment"]
    assert len(rows) == 1 + len(test_ids) == 301
    assert [r[0] for r in rows[1:]] == test_ids
    assert {r[1] for r in rows[1:]} <= {"0", "1"} and all(len(r) == 2 for r in rows)
    # Kaggle scores by the rating in the id (>= 7 positive): the predictions should agree
    truth = np.array([int(i.split("_")[1]) >= 7 for i in test_ids])
    pred = np.array([r[1] == "1" for r in rows[1:]])
    assert (truth == pred).mean() >= 0.85
    assert s["submission"] == str(out / "submission.csv")


def test_acl_layout_with_frozen_pretrained_vectors(tmp_path, capsys):
    data = write_toy_imdb(tmp_path / "d", n_train=600, n_test=200, seed=2, layout="aclimdb")
    rng = np.random.default_rng(0)
    lines = []
    for w in POSITIVE_WORDS + NEGATIVE_WORDS + ["the", "film", "movie", "plot"]:
        v = rng.normal(0, 0.1, size=16)
        v[0] = 1.0 if w in POSITIVE_WORDS else -1.0 if w in NEGATIVE_WORDS else 0.0
        lines.append(w + " " + " ".join(f"{x:.5f}" for x in v))
    glove = tmp_path / "glove.toy.16d.txt"
    glove.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    assert main(["train", "sentiment", "--data", data, "--embeddings", str(glove), "--rnn", "gru", "--out", str(out),
                 *SMALL]) == 0
    s = summary(out)
    assert s["test_accuracy"] >= 0.85 and s["train_reviews"] == 600 and s["test_reviews"] == 200
    assert s["model_kwargs"]["embed_size"] == 16 and 0 < s["embedding_coverage"] < 1
    state = ember.load(str(out / "last.pt"))
    vocab = ember.text.Vocab.from_dict(state["vocab"])
    table = state["model"]["embedding.weight"].numpy()
    emb = ember.text.TokenEmbedding(str(glove))
    # BiRNN keeps the pretrained vectors frozen: the table after training is the file's
    np.testing.assert_array_equal(table, emb[vocab.idx_to_token].numpy())
    # ember similar reads a sentiment checkpoint's embedding too: sentiment words cluster
    capsys.readouterr()
    assert main(["similar", str(out / "last.pt"), "great", "-k", "3"]) == 0
    near = [ln.split(": ", 1)[1] for ln in capsys.readouterr().out.splitlines()]
    assert len(near) == 3 and set(near) <= set(POSITIVE_WORDS)


def test_errors(tmp_path, capsys):
    assert main(["train", "sentiment", "--data", str(tmp_path / "nope")]) == 2
    assert "--data: no folder" in capsys.readouterr().err
    assert main(["train", "sentiment", "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "neither an aclImdb folder" in capsys.readouterr().err
    assert main(["train", "sentiment", "--model", "textcnn", "--kernel-sizes", "3,4", "--num-channels", "8"]) == 2
    assert "differ in length" in capsys.readouterr().err
    assert main(["train", "sentiment", "--embeddings", str(tmp_path / "none.txt"), "--toy-size", "20",
                 "--num-steps", "8", "--out", str(tmp_path / "o")]) == 2
    assert "--embeddings: no file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "sentiment", "--model", "lstm"])
