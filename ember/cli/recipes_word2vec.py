"""``ember train word2vec`` (skip-gram with negative sampling, d2l 15.4) and
``ember similar CKPT WORD`` (nearest words by cosine similarity of the center vectors).

The corpus is ``--data FILE`` (plain English text, or a PTB ``ptb.train.txt``), by default
the licence texts every Debian system has in ``/usr/share/common-licenses`` (about 48000
words).  The checkpoint holds the model, the vocabulary and the center vectors."""
from __future__ import annotations

import json
import os
import time

from .recipes import CLIError, Command, Recipe, register, register_command

LICENSES = "/usr/share/common-licenses"


def default_corpus_files() -> list[str]:
    """The licence files of ``/usr/share/common-licenses`` (symbolic links skipped: they
    point at versions already in the list), sorted by name."""
    if not os.path.isdir(LICENSES):
        return []
    return [os.path.join(LICENSES, n) for n in sorted(os.listdir(LICENSES))
            if os.path.isfile(os.path.join(LICENSES, n)) and not os.path.islink(os.path.join(LICENSES, n))]


def _add_arguments(p) -> None:
    p.add_argument("--data", default=None, metavar="FILE",
                   help=f"text corpus (default: the licences in {LICENSES}); a PTB folder or ptb.*.txt file "
                        "is read as pre-tokenized sentences")
    p.add_argument("--corpus-format", choices=["auto", "text", "ptb"], default="auto",
                   help="text: split sentences at punctuation, words = letters/digits; ptb: one tokenized "
                        "sentence per line; auto: ptb for ptb.*.txt files and folders")
    p.add_argument("--embed-size", type=int, default=100)
    p.add_argument("--window", type=int, default=5, help="largest context window on each side (d2l: 5)")
    p.add_argument("--num-noise", type=int, default=5, help="noise words per context word (d2l: 5)")
    p.add_argument("--min-freq", type=int, default=None, help="vocabulary threshold (default 10 for PTB, 3 for text)")
    p.add_argument("--subsample-t", type=float, default=1e-4, help="subsampling threshold t (d2l: 1e-4)")
    p.add_argument("--show", nargs="*", default=["software", "license"], metavar="WORD",
                   help="words whose 5 nearest neighbours are printed and stored in summary.json")


def _sentences(args):
    from ember.text.word2vec_data import read_ptb, read_text_corpus
    if args.data is None:
        files = default_corpus_files()
        if not files:
            raise CLIError(f"no --data FILE given and {LICENSES} is missing; pass a text file")
        return read_text_corpus(files), "ptb" if args.corpus_format == "ptb" else "text", f"{LICENSES}/*"
    if not os.path.exists(args.data):
        raise CLIError(f"--data: no file or folder at {args.data}")
    fmt = args.corpus_format
    if fmt == "auto":
        fmt = "ptb" if os.path.isdir(args.data) or os.path.basename(args.data).startswith("ptb.") else "text"
    try:
        sents = read_ptb(args.data) if fmt == "ptb" else read_text_corpus(args.data)
    except (FileNotFoundError, UnicodeDecodeError) as err:
        raise CLIError(f"--data: cannot read {args.data}: {err}") from None
    return sents, fmt, args.data


def _neighbours(weight, vocab, word: str, k: int) -> list[tuple[str, float]]:
    from ember.models.word2vec import cosine_neighbours
    return [(vocab.to_tokens(i), round(c, 4)) for i, c in cosine_neighbours(weight, vocab[word], k)]


def run(recipe: Recipe, args) -> int:
    import ember
    from ember.cli.main import _device
    from ember.models.word2vec import SkipGram, word2vec_loss
    from ember.text.word2vec_data import load_word2vec_data
    for name in ("embed_size", "window", "num_noise"):
        if getattr(args, name) < 1:
            raise CLIError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    dev = _device(args.device)
    sentences, fmt, source = _sentences(args)
    if args.subset:
        sentences = sentences[:args.subset]
    min_freq = args.min_freq if args.min_freq is not None else (10 if fmt == "ptb" else 3)
    hp = {"epochs": args.epochs or recipe.epochs, "batch_size": args.batch_size or recipe.batch_size,
          "lr": args.lr or recipe.lr, "optimizer": args.optimizer or recipe.optimizer}
    try:
        loader, vocab = load_word2vec_data(sentences, hp["batch_size"], args.window, args.num_noise, min_freq,
                                           args.subsample_t, args.seed, args.num_workers)
    except ValueError as err:
        raise CLIError(f"corpus {source}: {err}") from None
    ember.manual_seed(args.seed)
    kwargs = {"vocab_size": len(vocab), "embed_size": args.embed_size}
    model = SkipGram(**kwargs)
    model.reset_parameters()
    model.to(dev)
    from ember.cli.main import _optimizer
    opt = _optimizer(hp["optimizer"], model.parameters(), hp["lr"], 0.0)
    start_epoch = 0
    if args.resume:
        start_epoch = _resume(args.resume, model, opt, vocab)
    out = args.out or os.path.join("runs", recipe.name)
    os.makedirs(out, exist_ok=True)
    meta = {"recipe": recipe.name, **hp, "seed": args.seed, "data": source, "corpus_format": fmt,
            "min_freq": min_freq, "window": args.window, "num_noise": args.num_noise,
            "subsample_t": args.subsample_t, "model_kwargs": kwargs}
    start = time.perf_counter()
    history = []
    for epoch in range(start_epoch, hp["epochs"]):
        t0, total, count = time.perf_counter(), 0.0, 0
        model.train()
        for center, ctx_neg, mask, label in loader:
            center, ctx_neg, mask, label = (t.to(dev) for t in (center, ctx_neg, mask, label))
            opt.zero_grad()
            loss = word2vec_loss(model(center, ctx_neg), label, mask)
            loss.backward()
            opt.step()
            total += loss.item()
            count += center.shape[0]
        secs = time.perf_counter() - t0
        history.append({"epoch": epoch + 1, "loss": total / max(count, 1), "time": secs})
        print(f"epoch {epoch + 1}/{hp['epochs']}: loss {total / max(count, 1):.4f}, "
              f"{count / max(secs, 1e-9):.0f} examples/s", flush=True)
        _save(out, model, opt, vocab, meta, epoch + 1)
    elapsed = time.perf_counter() - start
    weight = model.embed_v.weight.detach().cpu()
    shown = {w: _neighbours(weight, vocab, w, 5) for w in (args.show or []) if w in vocab}
    for w, nb in shown.items():
        print(f"  {w}: " + ", ".join(f"{t} ({c:.3f})" for t, c in nb))
    summary = {"recipe": recipe.name, **hp, "data": source, "vocab_size": len(vocab), "examples": len(loader.dataset),
               "final": history[-1] if history else {}, "history": history, "train_seconds": elapsed,
               "neighbours": shown, "out": out}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    final = f"loss {history[-1]['loss']:.4f}; " if history else ""
    print(f"word2vec: {len(history)} epochs, vocab {len(vocab)}, {final}{elapsed:.1f}s; "
          f"outputs in {out} (try: ember similar {os.path.join(out, 'last.pt')} WORD)")
    return 0


def _save(out, model, opt, vocab, meta, epoch) -> None:
    import ember
    ember.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch, "vocab": vocab.to_dict(),
                "embeddings": model.embed_v.weight.detach().cpu().clone(), "meta": meta},
               os.path.join(out, "last.pt"))


def _resume(path, model, opt, vocab) -> int:
    import ember
    if not os.path.isfile(path):
        raise CLIError(f"--resume: no checkpoint at {path}")
    state = ember.load(path)
    if not isinstance(state, dict) or state.get("meta", {}).get("recipe") != "word2vec":
        raise CLIError(f"--resume: {path} was not written by 'ember train word2vec'")
    if state.get("vocab", {}).get("idx_to_token") != vocab.idx_to_token:
        raise CLIError(f"--resume: {path} was trained on another corpus or --min-freq (its vocabulary differs)")
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    return int(state.get("epoch", 0))


def _no_test_set(args):
    raise CLIError("word2vec has no test set to evaluate; use 'ember similar CKPT WORD'")


def _build(vocab_size: int = 2, embed_size: int = 100):
    from ember.models.word2vec import SkipGram
    return SkipGram(vocab_size, embed_size)


register(Recipe("word2vec", "skip-gram with negative sampling on a text corpus (d2l 15.4)", _build, _no_test_set,
                loss="word2vec", epochs=5, batch_size=512, lr=0.01, optimizer="adam", metrics=("loss",), classes=[],
                input_shape=(1,), run=run, add_arguments=_add_arguments))


# ------------------------------------------------------------------------- ember similar
def _similar_arguments(p) -> None:
    p.add_argument("checkpoint", help="a checkpoint with a vocabulary and embeddings (ember train word2vec)")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-k", type=int, default=5, help="how many neighbours (default 5)")


def load_embeddings(path: str):
    """(vocabulary, (V, E) embedding tensor) of a checkpoint written by ``ember train``."""
    import ember
    from ember.text import Vocab
    if not os.path.isfile(path):
        raise CLIError(f"no checkpoint at {path}")
    try:
        state = ember.load(path)
    except RuntimeError as err:
        raise CLIError(f"cannot read {path}: {err}") from None
    weight = None
    if isinstance(state, dict):
        # word2vec checkpoints store the center vectors; a sentiment model's embedding works too
        weight = state.get("embeddings", state.get("model", {}).get("embedding.weight"))
    if weight is None or "vocab" not in state:
        raise CLIError(f"{path} holds no vocabulary and embeddings (write one with 'ember train word2vec')")
    return Vocab.from_dict(state["vocab"]), weight


def similar(args) -> int:
    if args.k < 1:
        raise CLIError(f"-k must be >= 1, got {args.k}")
    vocab, weight = load_embeddings(args.checkpoint)
    for word in args.words:
        if word not in vocab or vocab[word] == vocab.unk:
            raise CLIError(f"{word!r} is not in the vocabulary of {args.checkpoint} ({len(vocab)} words)")
    for n, word in enumerate(args.words):
        if len(args.words) > 1:
            print(("" if n == 0 else "\n") + f"{word}:")
        for token, cos in _neighbours(weight, vocab, word, args.k):
            print(f"cosine sim={cos:.3f}: {token}")
    return 0


register_command(Command("similar", "nearest words of WORD by cosine similarity in a word2vec checkpoint",
                         _similar_arguments, similar))
