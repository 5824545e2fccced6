"""``ember train sentiment``: IMDB review sentiment with a bidirectional RNN or a TextCNN
(d2l 16.2-16.3; the notes' Kaggle "word2vec-nlp-tutorial", 001 L1742-1934).

``--data`` is an ``aclImdb`` tree, a folder holding Kaggle's ``labeledTrainData.tsv`` (its
last 20% is the labelled test split) or nothing (generated reviews with planted sentiment
words).  ``--embeddings FILE`` starts the embedding from GloVe/word2vec text vectors.
When the folder also holds ``testData.tsv``, the predictions are written to
``submission.csv`` (header ``id,sentiment``, one row per test review) as the notes do."""
from __future__ import annotations

import csv
import json
import os
import time

from .recipes import CLIError, Recipe, register

MODEL_DEFAULTS = {"birnn": {"lr": 0.01}, "textcnn": {"lr": 0.001}}  # d2l's learning rates


def _int_list(s: str) -> list[int]:
    try:
        vals = [int(v) for v in s.split(",") if v.strip()]
    except ValueError:
        raise CLIError(f"expected comma-separated integers, got {s!r}") from None
    if not vals or min(vals) < 1:
        raise CLIError(f"expected positive comma-separated integers, got {s!r}")
    return vals


def _add_arguments(p) -> None:
    p.add_argument("--model", choices=["birnn", "textcnn"], default="birnn")
    p.add_argument("--data", default=None, metavar="PATH",
                   help="aclImdb folder, or folder with labeledTrainData.tsv [+ testData.tsv] "
                        "(default: generated reviews with planted sentiment words)")
    p.add_argument("--embeddings", default=None, metavar="FILE", help="GloVe/word2vec text vectors to start from")
    p.add_argument("--num-steps", type=int, default=None, help="tokens kept per review (default 500; 64 on toy data)")
    p.add_argument("--min-freq", type=int, default=5)
    p.add_argument("--embed-size", type=int, default=100, help="ignored with --embeddings (the file's size is used)")
    p.add_argument("--num-hiddens", type=int, default=100, help="birnn hidden size")
    p.add_argument("--num-layers", type=int, default=2, help="birnn layers")
    p.add_argument("--rnn", choices=["lstm", "gru"], default="lstm", help="birnn cell (the notes use a GRU)")
    p.add_argument("--kernel-sizes", default="3,4,5", help="textcnn kernel sizes")
    p.add_argument("--num-channels", default="100,100,100", help="textcnn channels per kernel size")
    p.add_argument("--toy-size", type=int, default=2000, help="generated training reviews (test: half as many)")


def build_model(model: str = "birnn", vocab_size: int = 2, embed_size: int = 100, num_hiddens: int = 100,
                num_layers: int = 2, rnn: str = "lstm", kernel_sizes=(3, 4, 5), num_channels=(100, 100, 100)):
    import ember.nn as nn
    from ember.models.sentiment import BiRNN, TextCNN
    if model == "birnn":
        net = BiRNN(vocab_size, embed_size, num_hiddens, num_layers, rnn=rnn)
    else:
        net = TextCNN(vocab_size, embed_size, tuple(kernel_sizes), tuple(num_channels))

    def init_weights(m):  # d2l's initialisation for both models
        if type(m) in (nn.Linear, nn.Conv1d):
            nn.init.xavier_uniform_(m.weight)
        if type(m) in (nn.LSTM, nn.GRU):
            for name in m._flat_weights_names:
                if "weight" in name:
                    nn.init.xavier_uniform_(getattr(m, name))
    net.apply(init_weights)
    return net


def _pretrained(path: str, vocab):
    """(V, E) vectors of ``vocab``'s tokens from ``path`` and the fraction found."""
    from ember.text import TokenEmbedding
    if not os.path.isfile(path):
        raise CLIError(f"--embeddings: no file at {path}")
    try:
        emb = TokenEmbedding(path)
    except (ValueError, OSError, UnicodeDecodeError) as err:
        raise CLIError(f"--embeddings: cannot read {path}: {err}") from None
    found = sum(1 for t in vocab.idx_to_token[1:] if t in emb.token_to_idx)
    return emb[vocab.idx_to_token], found / max(len(vocab) - 1, 1)


def write_submission(path: str, ids, labels) -> None:
    """Kaggle's ``submission.csv``: header ``id,sentiment``, then one ``id,0|1`` row per review."""
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "sentiment"])
        for i, lab in zip(ids, labels):
            w.writerow([i, int(lab)])
    os.replace(tmp, path)


def run(recipe: Recipe, args) -> int:
    import ember
    from ember.cli.main import _device, _optimizer
    from ember.text.imdb import load_imdb
    from ember.train import CSVLogger, ProgressBar, Trainer
    for name in ("min_freq", "embed_size", "num_hiddens", "num_layers", "toy_size"):
        if getattr(args, name) < (0 if name == "min_freq" else 1):
            raise CLIError(f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}")
    kernel_sizes, num_channels = _int_list(args.kernel_sizes), _int_list(args.num_channels)
    if len(kernel_sizes) != len(num_channels):
        raise CLIError(f"--kernel-sizes {args.kernel_sizes} and --num-channels {args.num_channels} differ in length")
    dev = _device(args.device)
    num_steps = args.num_steps or (500 if args.data else 64)
    if num_steps < max(kernel_sizes) and args.model == "textcnn":
        raise CLIError(f"--num-steps {num_steps} is shorter than the largest kernel size {max(kernel_sizes)}")
    hp = {"epochs": args.epochs or recipe.epochs, "batch_size": args.batch_size or recipe.batch_size,
          "lr": args.lr or MODEL_DEFAULTS[args.model]["lr"], "optimizer": args.optimizer or recipe.optimizer}
    if args.data is not None and not os.path.isdir(args.data):
        raise CLIError(f"--data: no folder at {args.data} (give an aclImdb folder or one holding labeledTrainData.tsv)")
    start = time.perf_counter()
    try:
        train_iter, test_iter, vocab, kaggle_test = load_imdb(
            hp["batch_size"], num_steps, args.data, args.min_freq, toy_size=(args.toy_size, max(1, args.toy_size // 2)),
            seed=args.seed, return_test_ids=True)
    except (FileNotFoundError, ValueError) as err:
        raise CLIError(str(err)) from None
    if args.subset:
        from ember.utils.data import DataLoader, Subset
        ds = train_iter.dataset
        train_iter = DataLoader(Subset(ds, range(min(args.subset, len(ds)))), hp["batch_size"], shuffle=True)
    load_secs = time.perf_counter() - start
    pretrained, coverage = (None, None)
    embed_size = args.embed_size
    if args.embeddings:
        pretrained, coverage = _pretrained(args.embeddings, vocab)
        embed_size = int(pretrained.shape[1])
    kwargs = {"model": args.model, "vocab_size": len(vocab), "embed_size": embed_size, "num_hiddens": args.num_hiddens,
              "num_layers": args.num_layers, "rnn": args.rnn, "kernel_sizes": kernel_sizes, "num_channels": num_channels}
    ember.manual_seed(args.seed)
    model = build_model(**kwargs)
    if pretrained is not None:
        model.load_pretrained_embeddings(pretrained)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = _optimizer(hp["optimizer"], params, hp["lr"], 0.0)
    out = args.out or os.path.join("runs", recipe.name)
    os.makedirs(out, exist_ok=True)
    trainer = Trainer(model, ember.nn.CrossEntropyLoss(), opt, device=dev, metrics=["accuracy"], progress=False,
                      callbacks=[ProgressBar(bar=not args.no_progress), CSVLogger(os.path.join(out, "metrics.csv"))])
    meta = {"recipe": recipe.name, **hp, "seed": args.seed, "data": args.data or "toy", "num_steps": num_steps,
            "min_freq": args.min_freq, "embeddings": args.embeddings, "model_kwargs": kwargs}
    if args.resume:
        state = _resume_state(args.resume, vocab)
        trainer.load_state_dict(state)
    t0 = time.perf_counter()
    history = trainer.fit(train_iter, epochs=hp["epochs"], val_loader=test_iter)
    train_secs = time.perf_counter() - t0
    final = trainer.evaluate(test_iter)
    state = trainer.state_dict()
    state.update({"vocab": vocab.to_dict(), "meta": meta})
    ember.save(state, os.path.join(out, "last.pt"))
    submission = None
    if kaggle_test is not None:
        ids, features = kaggle_test
        from ember.utils.data import DataLoader, TensorDataset
        logits = trainer.predict(DataLoader(TensorDataset(features), 256))
        submission = os.path.join(out, "submission.csv")
        write_submission(submission, ids, logits.argmax(dim=1).tolist())
    summary = {"recipe": recipe.name, **hp, "model_kwargs": kwargs, "vocab_size": len(vocab),
               "train_reviews": len(train_iter.dataset), "test_reviews": len(test_iter.dataset),
               "test_accuracy": final["accuracy"], "test_loss": final["loss"], "embedding_coverage": coverage,
               "history": history, "load_seconds": load_secs, "train_seconds": train_secs, "submission": submission,
               "out": out}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    extra = f", embeddings cover {coverage:.1%} of the vocabulary" if coverage is not None else ""
    sub = f"; wrote {submission} ({len(kaggle_test[0])} rows)" if submission else ""
    print(f"sentiment ({args.model}): {len(history)} epochs, test accuracy {final['accuracy']:.4f} on "
          f"{len(test_iter.dataset)} reviews{extra}; {train_secs:.1f}s{sub}; outputs in {out}")
    return 0


def _resume_state(path: str, vocab) -> dict:
    import ember
    if not os.path.isfile(path):
        raise CLIError(f"--resume: no checkpoint at {path}")
    state = ember.load(path)
    if not isinstance(state, dict) or state.get("meta", {}).get("recipe") != "sentiment":
        raise CLIError(f"--resume: {path} was not written by 'ember train sentiment'")
    if state.get("vocab", {}).get("idx_to_token") != vocab.idx_to_token:
        raise CLIError(f"--resume: {path} was trained on other data or --min-freq (its vocabulary differs)")
    return state


def _no_loader(args):
    raise CLIError("a sentiment checkpoint needs its data and vocabulary: its test accuracy is in summary.json "
                   "next to it; re-run 'ember train sentiment --resume CKPT --epochs N' to evaluate again")


register(Recipe("sentiment", "IMDB sentiment with a BiRNN or TextCNN (d2l 16.2-16.3, the notes' Kaggle task)",
                build_model, _no_loader, epochs=5, batch_size=64, lr=0.01, optimizer="adam", classes=["neg", "pos"],
                input_shape=(500,), run=run, add_arguments=_add_arguments))
