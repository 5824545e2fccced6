"""``ember train word2vec`` on a corpus with planted co-occurrences, and ``ember similar``."""
import json
import os
import time

import pytest

import ember
from ember.cli.main import main
from ember.text.word2vec_data import make_cooccurrence_corpus

ARGS = ["--embed-size", "32", "--window", "4", "--num-noise", "5", "--min-freq", "3", "--subsample-t", "1e-3",
        "--epochs", "4", "--batch-size", "256", "--lr", "0.01", "--no-progress", "--show", "pair0a"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One training run shared by the tests below (about 5 s)."""
    d = tmp_path_factory.mktemp("w2v")
    sents, pairs = make_cooccurrence_corpus(1600, num_pairs=8, seed=0)
    corpus = d / "corpus.txt"
    # written as ordinary text: sentences end with a full stop, lines wrap at random places
    corpus.write_text("".join(" ".join(s).capitalize() + (".\n" if i % 3 == 0 else ". ")
                              for i, s in enumerate(sents)))
    out = d / "run"
    start = time.perf_counter()
    assert main(["train", "word2vec", "--data", str(corpus), "--out", str(out), *ARGS]) == 0
    return out, pairs, time.perf_counter() - start


def test_planted_pairs_are_each_others_neighbours(trained, capsys):
    out, pairs, secs = trained
    ckpt = str(out / "last.pt")
    misses, firsts = [], 0
    for a, b in pairs:
        for w, partner in ((a, b), (b, a)):
            capsys.readouterr()
            assert main(["similar", ckpt, w, "-k", "3"]) == 0
            lines = capsys.readouterr().out.splitlines()
            assert len(lines) == 3 and all(ln.startswith("cosine sim=") for ln in lines)
            tokens = [ln.split(": ", 1)[1] for ln in lines]
            if partner not in tokens:
                misses.append((w, tokens))
            firsts += tokens[0] == partner
    assert not misses, misses
    assert firsts >= 10, f"the partner is the nearest word for only {firsts} of 16 planted words"
    print(f"word2vec on 1600 planted sentences: {secs:.1f}s, partner nearest for {firsts}/16")


def test_checkpoint_and_summary(trained):
    out, pairs, _ = trained
    state = ember.load(str(out / "last.pt"))
    assert state["meta"]["recipe"] == "word2vec" and state["epoch"] == 4
    vocab = ember.text.Vocab.from_dict(state["vocab"])
    assert tuple(state["embeddings"].shape) == (len(vocab), 32)
    assert "pair0a" in vocab and vocab.to_tokens(0) == "<unk>"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["vocab_size"] == len(vocab) and len(summary["history"]) == 4
    assert summary["history"][-1]["loss"] < summary["history"][0]["loss"]
    assert [w for w, _ in summary["neighbours"]["pair0a"]][0] in ("pair0b",) + tuple(
        f"topic0c{j}" for j in range(4))


def test_similar_several_words_and_errors(trained, capsys):
    out, _, _ = trained
    ckpt = str(out / "last.pt")
    assert main(["similar", ckpt, "pair1a", "pair2b", "-k", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("pair1a:\n") and "\npair2b:\n" in text and text.count("cosine sim=") == 4
    assert main(["similar", ckpt, "notaword"]) == 2
    assert "'notaword' is not in the vocabulary" in capsys.readouterr().err
    assert main(["similar", ckpt, "pair1a", "-k", "0"]) == 2
    assert main(["similar", str(out / "nope.pt"), "x"]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    assert main(["evaluate", ckpt]) == 2
    assert "ember similar" in capsys.readouterr().err


def test_resume_continues_the_run(trained, tmp_path, capsys):
    out, _, _ = trained
    corpus = out.parent / "corpus.txt"
    new_out = tmp_path / "more"
    args = [a if a != "4" or i != ARGS.index("--epochs") + 1 else "5" for i, a in enumerate(ARGS)]
    assert main(["train", "word2vec", "--data", str(corpus), "--out", str(new_out), "--resume",
                 str(out / "last.pt"), *args]) == 0
    assert ember.load(str(new_out / "last.pt"))["epoch"] == 5
    assert "epoch 5/5" in capsys.readouterr().out
    bad = tmp_path / "other.txt"
    bad.write_text("completely different words here. " * 20)
    assert main(["train", "word2vec", "--data", str(bad), "--out", str(tmp_path / "x"), "--resume",
                 str(out / "last.pt"), *args]) == 2
    assert "vocabulary differs" in capsys.readouterr().err


def test_bad_data(tmp_path, capsys):
    assert main(["train", "word2vec", "--data", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "o")]) == 2
    assert "--data: no file or folder" in capsys.readouterr().err
    (tmp_path / "tiny.txt").write_text("one two. three.")
    assert main(["train", "word2vec", "--data", str(tmp_path / "tiny.txt"), "--out", str(tmp_path / "o")]) == 2
    assert "min_freq" in capsys.readouterr().err
    assert main(["train", "word2vec", "--data", str(tmp_path / "tiny.txt"), "--window", "0"]) == 2


@pytest.mark.skipif(not os.path.isdir("/usr/share/common-licenses"), reason="no /usr/share/common-licenses here")
def test_default_corpus_is_the_debian_licences():
    from ember.cli.recipes_word2vec import default_corpus_files
    files = default_corpus_files()
    assert files and all(f.startswith("/usr/share/common-licenses/") and not os.path.islink(f) for f in files)
