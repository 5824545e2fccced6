"""``ember train seq2seq``: plumbing on a tiny run (outputs, checkpoint with vocabularies,
resume, --data, errors) and, marked slow, BLEU >= 0.9 on the generated toy set."""
import json
import os

import pytest

import ember
from ember.cli.main import main
from ember.text import Vocab

TINY = ["--epochs", "1", "--toy-size", "60", "--embed-size", "8", "--num-hiddens", "8", "--num-layers", "1",
        "--dropout", "0", "--beam-size", "2", "--heatmaps", "1", "--no-progress"]


def _summary(out):
    return json.loads((out / "summary.json").read_text())


def test_tiny_run_writes_everything_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--out", str(out), *TINY]) == 0
    printed = capsys.readouterr().out
    assert "seq2seq: 54 training pairs, 6 held out" in printed and "BLEU-2 greedy" in printed
    s = _summary(out)
    assert s["train_pairs"] == 54 and s["test_pairs"] == 6 and len(s["loss_per_epoch"]) == 1
    assert 0.0 <= s["bleu_greedy"] <= 1.0 and 0.0 <= s["bleu_beam"] <= 1.0 and s["beam_size"] == 2
    assert f"BLEU-2 greedy {s['bleu_greedy']:.3f}" in printed
    assert (out / "toy_pairs.tsv").read_text().count("\n") == 60
    rows = (out / "translations.tsv").read_text().splitlines()
    assert rows[0] == "source\treference\tgreedy\tbeam" and len(rows) == 7
    pytest.importorskip("matplotlib")
    assert s["heatmaps"] == [str(out / "attention_0.png")] and os.path.getsize(out / "attention_0.png") > 1000
    state = ember.load(str(out / "last.pt"))
    assert state["epoch"] == 1 and state["meta"]["recipe"] == "seq2seq"
    src, tgt = Vocab.from_dict(state["src_vocab"]), Vocab.from_dict(state["tgt_vocab"])
    assert "nol" in src and "zu" in tgt and "!" in tgt and tgt.idx_to_token[1:4] == ["<pad>", "<bos>", "<eos>"]
    assert state["meta"]["model_kwargs"]["src_vocab_size"] == len(src)
    # resume: one more epoch on top of the first, same vocabularies
    assert main(["train", "seq2seq", "--out", str(out), *TINY[:1], "2", *TINY[2:],
                 "--resume", str(out / "last.pt")]) == 0
    s2 = _summary(out)
    assert len(s2["loss_per_epoch"]) == 2 and s2["loss_per_epoch"][0] == s["loss_per_epoch"][0]
    assert ember.load(str(out / "last.pt"))["epoch"] == 2
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 2


def test_data_file_in_d2l_format(tmp_path, capsys):
    lines = ["Go.\tVa !", "Hi.\tSalut !", "Run!\tCours\u202f!", "Run!\tCourez\u202f!", "Who?\tQui ?",
             "Wow!\tÇa alors\u202f!", "Fire!\tAu feu !", "Help!\tÀ l'aide\u202f!", "Jump.\tSaute.", "Stop!\tÇa suffit\u202f!"]
    data = tmp_path / "fra.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--test-fraction", "0.2",
                 "--min-freq", "1", *TINY]) == 0
    s = _summary(out)
    assert s["train_pairs"] == 8 and s["test_pairs"] == 2 and not (out / "toy_pairs.tsv").exists()
    tgt = Vocab.from_dict(ember.load(str(out / "last.pt"))["tgt_vocab"])
    assert "!" in tgt and "\u202f!" not in tgt


def test_user_errors_exit_2_with_one_line(tmp_path, capsys):
    assert main(["train", "seq2seq", "--data", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--data: no file at" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "one.txt").write_text("a\tb\n")
    assert main(["train", "seq2seq", "--data", str(tmp_path / "one.txt"), "--out", str(tmp_path / "o")]) == 2
    assert "need at least 2" in capsys.readouterr().err
    ember.save({"meta": {"recipe": "lenet"}}, str(tmp_path / "other.pt"))
    assert main(["train", "seq2seq", "--resume", str(tmp_path / "other.pt"), "--out", str(tmp_path / "o"),
                 *TINY]) == 2
    assert "was trained with recipe 'lenet', not 'seq2seq'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "seq2seq", "--test-fraction", "1.5"])


@pytest.mark.slow
def test_toy_set_reaches_bleu_09(tmp_path):
    """The recipe's defaults (d2l 11.4's model: 2-layer GRUs, 32 hidden units, dropout 0.1,
    Adam 0.005, 20 epochs on 900 generated pairs) translate held-out pairs."""
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--out", str(out), "--heatmaps", "0", "--no-progress"]) == 0
    s = _summary(out)
    assert s["bleu_greedy"] >= 0.9 and s["bleu_beam"] >= 0.9, (s["bleu_greedy"], s["bleu_beam"])
    assert s["test_pairs"] == 100
