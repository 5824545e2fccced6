"""``ember train transformer-mt``: plumbing on a tiny run (outputs, per-head heatmaps,
checkpoint with vocabularies, resume, errors) and, marked slow, BLEU >= 0.9 on the
generated toy set."""
import json
import os

import pytest

import ember
from ember.cli.main import main
from ember.text import Vocab

TINY = ["--epochs", "1", "--toy-size", "60", "--d-model", "8", "--nhead", "2", "--num-layers", "1",
        "--dim-feedforward", "16", "--dropout", "0", "--beam-size", "2", "--heatmaps", "1", "--no-progress"]


def _summary(out):
    return json.loads((out / "summary.json").read_text())


def test_tiny_run_writes_everything_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "transformer-mt", "--out", str(out), *TINY]) == 0
    printed = capsys.readouterr().out
    assert "transformer-mt: 54 training pairs, 6 held out" in printed
    s = _summary(out)
    assert s["train_pairs"] == 54 and s["test_pairs"] == 6 and len(s["loss_per_epoch"]) == 1
    assert f"BLEU-2 greedy {s['bleu_greedy']:.3f}, beam(2) {s['bleu_beam']:.3f}" in printed
    assert s["model_kwargs"]["d_model"] == 8 and s["model_kwargs"]["nhead"] == 2
    state = ember.load(str(out / "last.pt"))
    assert state["meta"]["recipe"] == "transformer-mt" and state["epoch"] == 1
    tgt = Vocab.from_dict(state["tgt_vocab"])
    assert "!" in tgt and tgt.idx_to_token[1:4] == ["<pad>", "<bos>", "<eos>"]
    pytest.importorskip("matplotlib")
    names = sorted(os.path.basename(p) for p in s["heatmaps"])
    assert names == ["attention_decoder_cross_0.png", "attention_decoder_self_0.png", "attention_encoder_self_0.png"]
    assert all(os.path.getsize(p) > 1000 for p in s["heatmaps"])
    assert main(["train", "transformer-mt", "--out", str(out), *TINY[:1], "2", *TINY[2:], "--heatmaps", "0",
                 "--resume", str(out / "last.pt")]) == 0
    s2 = _summary(out)
    assert len(s2["loss_per_epoch"]) == 2 and s2["loss_per_epoch"][0] == s["loss_per_epoch"][0]


def test_errors(tmp_path, capsys):
    assert main(["train", "transformer-mt", "--out", str(tmp_path / "o"), *TINY, "--nhead", "3"]) == 2
    err = capsys.readouterr().err
    assert "--d-model 8 must be divisible by --nhead 3" in err and len(err.strip().splitlines()) == 1
    assert main(["train", "seq2seq", "--out", str(tmp_path / "s"), "--epochs", "1", "--toy-size", "20",
                 "--num-hiddens", "4", "--embed-size", "4", "--num-layers", "1", "--dropout", "0",
                 "--heatmaps", "0"]) == 0
    capsys.readouterr()
    assert main(["train", "transformer-mt", "--resume", str(tmp_path / "s" / "last.pt"),
                 "--out", str(tmp_path / "o"), *TINY]) == 2
    assert "was trained with recipe 'seq2seq', not 'transformer-mt'" in capsys.readouterr().err


@pytest.mark.slow
def test_toy_set_reaches_bleu_09(tmp_path):
    """The defaults (d2l 11.7's sizes: 32 wide, 4 heads, 2 blocks, 64-unit FFN, dropout 0.1;
    Adam 0.005, 20 epochs on 900 generated pairs) translate held-out pairs."""
    out = tmp_path / "run"
    assert main(["train", "transformer-mt", "--out", str(out), "--heatmaps", "0", "--no-progress"]) == 0
    s = _summary(out)
    assert s["bleu_greedy"] >= 0.9 and s["bleu_beam"] >= 0.9, (s["bleu_greedy"], s["bleu_beam"])
