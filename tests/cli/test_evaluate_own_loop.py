"""``ember evaluate CKPT`` for recipes with their own training loop (``Recipe.evaluate``):
each covered recipe is trained in-process for one tiny epoch on generated data, and
``ember evaluate`` on its checkpoint must give the number its ``summary.json`` recorded."""
import json
import os

import pytest

import ember
from ember.cli.main import main

TEXT = ("the quick brown fox jumps over the lazy dog. " * 3 + "\n" + "a stitch in time saves nine!\n") * 8


def _line(capsys, prefix):
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(prefix)]
    assert len(lines) == 1, lines
    return lines[0]


def test_char_rnn_perplexity_matches_training(tmp_path, capsys):
    text = tmp_path / "text.txt"
    text.write_text(TEXT)
    out = tmp_path / "run"
    assert main(["train", "char-rnn", "--data", str(text), "--out", str(out), "--hidden", "16", "--num-steps", "5",
                 "--batch-size", "4", "--epochs", "1", "--max-tokens", "400", "--seed", "3"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    want = summary["final"]["eval_perplexity"]
    assert 1.0 < want < summary["vocab_size"] + 5
    capsys.readouterr()
    js = tmp_path / "metrics.json"
    assert main(["evaluate", str(out / "checkpoint.pt"), "--json", str(js)]) == 0
    assert _line(capsys, "char-rnn: ") == f"char-rnn: perplexity {want:.4f}"
    rec = json.loads(js.read_text())
    assert rec["recipe"] == "char-rnn" and rec["metrics"]["perplexity"] == pytest.approx(want, rel=1e-9)
    # --data: another text (the whole file, no token cap) gives another number
    other = tmp_path / "other.txt"
    other.write_text("zebra quartz vex " * 40)
    assert main(["evaluate", str(out / "checkpoint.pt"), "--data", str(other), "--json", str(js)]) == 0
    assert json.loads(js.read_text())["metrics"]["perplexity"] != pytest.approx(want, rel=1e-6)
    assert main(["evaluate", str(out / "checkpoint.pt"), "--data", str(tmp_path / "missing.txt")]) == 2
    assert "pass --data FILE" in capsys.readouterr().err


@pytest.mark.parametrize("recipe,model_args", [
    ("seq2seq", ["--embed-size", "8", "--num-hiddens", "8", "--num-layers", "1"]),
    ("transformer-mt", ["--d-model", "8", "--nhead", "2", "--num-layers", "1", "--dim-feedforward", "16"]),
])
def test_translation_bleu_matches_training(recipe, model_args, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", recipe, "--out", str(out), "--epochs", "1", "--toy-size", "60", "--dropout", "0.2",
                 "--beam-size", "2", "--bleu-k", "1", "--test-fraction", "0.2", "--heatmaps", "0", "--seed", "5",
                 "--no-progress", *model_args]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["test_pairs"] == 12
    capsys.readouterr()
    js = tmp_path / "m.json"
    assert main(["evaluate", str(out / "last.pt"), "--json", str(js)]) == 0
    line = _line(capsys, f"{recipe}: ")
    assert line == (f"{recipe}: bleu_greedy {s['bleu_greedy']:.4f}, bleu_beam {s['bleu_beam']:.4f}, "
                    f"exact_greedy {s['exact_greedy']:.4f}")
    got = json.loads(js.read_text())["metrics"]
    for k in ("bleu_greedy", "bleu_beam", "exact_greedy"):
        assert got[k] == pytest.approx(s[k], abs=1e-12)
    # the recorded data file is needed (the toy pairs live in the run directory)
    os.remove(out / "toy_pairs.tsv")
    assert main(["evaluate", str(out / "last.pt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no file at" in err and "toy_pairs.tsv" in err


def test_recipes_without_the_hook_get_one_line(tmp_path, capsys):
    # word2vec keeps its own pointer; bert-pretrain has none and gets the generic line
    for recipe, needle in (("word2vec", "ember similar"), ("bert-pretrain", "summary.json")):
        ck = str(tmp_path / f"{recipe}.pt")
        ember.save({"model": {}, "meta": {"recipe": recipe}}, ck)
        assert main(["evaluate", ck]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("ember evaluate: error: ")
        assert f"no evaluation for the {recipe} recipe" in err and needle in err


def test_evaluate_input_errors(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none.pt")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err
    ck = str(tmp_path / "x.pt")
    ember.save({"meta": {"recipe": "no-such-recipe"}}, ck)
    assert main(["evaluate", ck]) == 2
    assert "not written by 'ember train'" in capsys.readouterr().err
    ember.save({"model": {}, "meta": {"recipe": "char-rnn"}}, ck)  # a char-rnn checkpoint missing its vocabulary
    assert main(["evaluate", ck]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_classification_path_unchanged_and_writes_json(tmp_path, capsys):
    out = tmp_path / "lin"
    assert main(["train", "linreg", "--subset", "100", "--epochs", "1", "--no-progress", "--out", str(out)]) == 0
    capsys.readouterr()
    js = tmp_path / "lin.json"
    assert main(["evaluate", str(out / "last.pt"), "--json", str(js)]) == 0
    assert _line(capsys, "linreg").startswith("linreg on 20 test samples: ")
    rec = json.loads(js.read_text())
    assert rec["recipe"] == "linreg" and rec["test_samples"] == 20 and set(rec["metrics"]) >= {"mse"}
    assert main(["evaluate", str(out / "last.pt"), "--json", str(tmp_path / "no" / "dir.json")]) == 2
    assert "--json: cannot write" in capsys.readouterr().err
