"""``ember train char-rnn`` and ``ember generate`` (in-process, on small generated texts)."""
import json
import os

import pytest

import ember
from ember.cli.main import main

TEXT = ("the quick brown fox jumps over the lazy dog. " * 3 + "\n" + "a stitch in time saves nine!\n") * 8


@pytest.fixture
def text_file(tmp_path):
    p = tmp_path / "text.txt"
    p.write_text(TEXT)
    return str(p)


def _train(tmp_path, text_file, *extra):
    out = str(tmp_path / "run")
    rc = main(["train", "char-rnn", "--data", text_file, "--out", out, "--hidden", "16", "--num-steps", "5",
               "--batch-size", "4", "--epochs", "2", *extra])
    return rc, out


def test_train_writes_checkpoint_and_summary(tmp_path, text_file, capsys):
    rc, out = _train(tmp_path, text_file, "--cell", "lstm")
    assert rc == 0
    printed = capsys.readouterr().out
    assert "epoch 1/2: perplexity" in printed and "epoch 2/2: perplexity" in printed
    summary = json.load(open(os.path.join(out, "summary.json")))
    assert summary["cell"] == "lstm" and summary["hidden"] == 16 and summary["vocab_size"] == 28  # a pangram: 26 letters, space, <unk>
    assert len(summary["history"]) == 2 and summary["final"]["perplexity"] == summary["history"][-1]["perplexity"]
    assert summary["final"]["perplexity"] < summary["vocab_size"]
    ck = ember.load(os.path.join(out, "checkpoint.pt"))
    assert ck["meta"]["recipe"] == "char-rnn" and ck["vocab"]["idx_to_token"][0] == "<unk>"
    assert set(ck["model"]) >= {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "linear.weight"}


def test_resume_continues_the_history(tmp_path, text_file, capsys):
    rc, out = _train(tmp_path, text_file, "--cell", "rnn")
    assert rc == 0
    ck = os.path.join(out, "checkpoint.pt")
    rc = main(["train", "char-rnn", "--data", text_file, "--out", out, "--num-steps", "5", "--batch-size", "4",
               "--epochs", "3", "--resume", ck])
    assert rc == 0
    summary = json.load(open(os.path.join(out, "summary.json")))
    assert [h["epoch"] for h in summary["history"]] == [1, 2, 3] and summary["hidden"] == 16
    assert "epoch 3/3" in capsys.readouterr().out
    assert main(["train", "char-rnn", "--data", text_file, "--out", out, "--epochs", "3", "--resume", ck]) == 2


def test_generate_greedy_and_sampled(tmp_path, text_file, capsys):
    rc, out = _train(tmp_path, text_file)
    ck = os.path.join(out, "checkpoint.pt")
    capsys.readouterr()
    assert main(["generate", ck, "--prefix", "The ", "--num-chars", "25", "--greedy"]) == 0
    greedy = capsys.readouterr().out.rstrip("\n")
    assert greedy.startswith("the ") and len(greedy) == 4 + 25       # lower-cased as the training text
    runs = []
    for seed in (1, 1, 2):
        assert main(["generate", ck, "--prefix", "a st", "--num-chars", "30", "--seed", str(seed),
                     "--temperature", "2"]) == 0
        runs.append(capsys.readouterr().out.rstrip("\n"))
    assert runs[0] == runs[1] != runs[2]                                 # --seed makes sampling repeat
    assert all(len(r) == 34 for r in runs)
    assert main(["generate", ck, "--prefix", "x1y", "--num-chars", "0"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == "x y"                   # unknown characters become spaces


def test_errors_exit_2(tmp_path, text_file, capsys):
    assert main(["train", "char-rnn", "--data", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err
    short = tmp_path / "short.txt"
    short.write_text("abc def\n")
    assert main(["train", "char-rnn", "--data", str(short), "--out", str(tmp_path / "o")]) == 2
    assert "too few for one minibatch" in capsys.readouterr().err
    digits = tmp_path / "digits.txt"
    digits.write_text("123 456\n")
    assert main(["train", "char-rnn", "--data", str(digits), "--out", str(tmp_path / "o")]) == 2
    assert "no letters" in capsys.readouterr().err
    assert main(["generate", str(tmp_path / "nope.pt"), "--prefix", "a"]) == 2
    assert "no checkpoint at" in capsys.readouterr().err
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00not a checkpoint" * 10)
    assert main(["generate", str(junk), "--prefix", "a"]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and len(err.strip().splitlines()) == 1
    other = tmp_path / "other.pt"
    ember.save({"model": {}, "meta": {"recipe": "lenet"}}, str(other))
    assert main(["generate", str(other), "--prefix", "a"]) == 2
    assert "not a char-rnn checkpoint" in capsys.readouterr().err
    rc, out = _train(tmp_path, text_file, "--epochs", "1")
    ck = os.path.join(out, "checkpoint.pt")
    assert main(["generate", ck, "--prefix", "123"]) == 2
    assert "has no character the model knows" in capsys.readouterr().err
    assert main(["generate", ck, "--prefix", "a", "--num-chars", "-1"]) == 2
    with pytest.raises(SystemExit) as e:
        main(["generate", ck, "--prefix", "a", "--temperature", "0"])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        main(["train", "char-rnn", "--cell", "transformer"])


@pytest.mark.slow
def test_short_run_learns_the_text(tmp_path, text_file, capsys):
    """A short real run: perplexity falls far below the vocabulary size (28) and the model
    continues a memorised phrase."""
    out = str(tmp_path / "run")
    rc = main(["train", "char-rnn", "--data", text_file, "--out", out, "--hidden", "64", "--epochs", "25",
               "--batch-size", "8", "--num-steps", "20", "--lr", "2", "--no-progress"])
    assert rc == 0
    summary = json.load(open(os.path.join(out, "summary.json")))
    ppl = [h["perplexity"] for h in summary["history"]]
    assert ppl[-1] < 3.0 < summary["vocab_size"] / 5, ppl
    capsys.readouterr()
    assert main(["generate", os.path.join(out, "checkpoint.pt"), "--prefix", "the quick ", "--num-chars", "40",
                 "--greedy"]) == 0
    text = capsys.readouterr().out.rstrip("\n")
    assert len(text) == 10 + 40
    assert text.startswith("the quick brown") or "the" in text[10:]
