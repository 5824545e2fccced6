"""Transformer recipes: ``encoder-classifier`` (a generated sequence task), ``vit``
(Fashion-MNIST), ``bert-pretrain`` (MLM + NSP on a text corpus, by default the machine's
licence texts) and ``bert-finetune`` (a generated sentence task, from a bert-pretrain
checkpoint or from scratch, to compare).

Generated tasks (all seeded by ``--seed``, so ``ember evaluate`` regenerates the test set):

- ``encoder-classifier --task distinct``: sequences of 8-16 tokens over 9 symbols (padded,
  with valid lengths); the class is how many different symbols occur (1-9).  Counting
  distinct symbols needs tokens to compare with each other, which is what attention does.
- ``--task sorted``: is the sequence in non-decreasing order?  Half are sorted, half are
  the same symbols shuffled; it needs positions as well as symbols.
- ``bert-finetune``: replaced-word detection: corpus sentences, half of them with
  ``--replace`` words swapped for random vocabulary words; the class is "original".  A
  model that has learnt which words fit their context (MLM pretraining) sees it at once; a
  model trained from scratch on a thousand labelled sentences barely does.

``bert-pretrain --subset N`` keeps the first N corpus paragraphs; 5% of the paragraphs (when
there are 20 or more) are held out for the ``val_`` MLM/NSP numbers.  ``--device cuda`` works
for all four recipes (checked on an H100 with the CuPy backend)."""
from __future__ import annotations

import json
import math
import os
import time

from .recipes import CLIError, Recipe, fashion_mnist_tensors, register

TASKS = ("distinct", "sorted")
NUM_TOKENS, MIN_LEN, MAX_LEN = 10, 8, 16  # symbols 1..9, 0 pads


# --------------------------------------------------------------------------- encoder-classifier
def make_sequence_task(task: str, n: int, seed: int, num_tokens: int = NUM_TOKENS, min_len: int = MIN_LEN,
                       max_len: int = MAX_LEN):
    """(tokens (n, max_len) int64 padded with 0, valid lengths (n,) int64, labels (n,) int64)."""
    import numpy as np
    import ember
    if task not in TASKS:
        raise CLIError(f"unknown --task {task!r}; choose one of: {', '.join(TASKS)}")
    rng = np.random.default_rng(seed)
    lens = rng.integers(min_len, max_len + 1, size=n)
    valid = np.arange(max_len)[None, :] < lens[:, None]
    x = rng.integers(1, num_tokens, size=(n, max_len))
    if task == "distinct":
        present = np.zeros((n, num_tokens), dtype=bool)
        rows = np.repeat(np.arange(n), max_len)
        present[rows[valid.reshape(-1)], x[valid]] = True
        y = present.sum(1) - 1
    else:
        # sort the valid part (padding keys sort last), then shuffle it for half of the rows
        xs = np.sort(np.where(valid, x, num_tokens), axis=1)
        keys = np.where(valid, rng.random((n, max_len)), 2.0)
        shuffled = np.take_along_axis(xs, np.argsort(keys, axis=1), axis=1)
        x = np.where((rng.random(n) < 0.5)[:, None], xs, shuffled)
        y = np.all((x[:, 1:] >= x[:, :-1]) | ~valid[:, 1:], axis=1).astype(np.int64)
    x = np.where(valid, x, 0)
    return ember.tensor(x, dtype=ember.int64), ember.tensor(lens, dtype=ember.int64), ember.tensor(y, dtype=ember.int64)


class _PairDataset:
    """((tokens, valid_len), label) items, the input a TransformerClassifier takes as a tuple."""

    def __init__(self, tokens, lens, labels) -> None:
        self.tokens, self.lens, self.labels = tokens, lens, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        return (self.tokens[i], self.lens[i]), self.labels[i]


def _num_classes(task: str) -> int:
    return NUM_TOKENS - 1 if task == "distinct" else 2


def _encoder_datasets(args):
    task = getattr(args, "task", "distinct")
    n = args.subset or 4000
    train = _PairDataset(*make_sequence_task(task, n, args.seed))
    test = _PairDataset(*make_sequence_task(task, 1000, args.seed + 1))
    return train, test


def _build_encoder_classifier(task: str = "distinct"):
    from ember.models.transformer_classifier import TransformerClassifier
    return TransformerClassifier(NUM_TOKENS, _num_classes(task), d_model=64, nhead=4, num_layers=2,
                                 dim_feedforward=128, dropout=0.1, max_len=MAX_LEN)


def _encoder_arguments(p) -> None:
    p.add_argument("--task", choices=TASKS, default="distinct",
                   help="distinct: count the different symbols (9 classes); sorted: is it in order (2 classes)")


register(Recipe("encoder-classifier", "Transformer encoder classifier on a generated sequence task (--task distinct: "
                "count the different symbols; sorted: is it sorted); 4000 training sequences unless --subset",
                _build_encoder_classifier, _encoder_datasets, epochs=10, batch_size=64, lr=1e-3, optimizer="adam",
                classes=[str(k) for k in range(1, NUM_TOKENS)], input_shape=(MAX_LEN,),
                add_arguments=_encoder_arguments, model_kwargs=lambda args: {"task": args.task}))


# --------------------------------------------------------------------------- vit
def _vit_datasets(args):
    return fashion_mnist_tensors(args.data_dir, args.subset)


def _build_vit():
    from ember.models.vit import vit_fashion
    return vit_fashion()


register(Recipe("vit", "Vision Transformer (patch 7, hidden 64, 4 heads, 2 pre-norm blocks) on Fashion-MNIST "
                "(d2l 11.8 sized for 28x28)", _build_vit, _vit_datasets, epochs=3, batch_size=128, lr=1e-3,
                optimizer="adamw", weight_decay=0.01))


# --------------------------------------------------------------------------- shared BERT helpers
def _corpus_paragraphs(args, max_paragraphs=None):
    from ember.text import bert_data
    try:
        return bert_data.load_corpus(args.corpus, max_paragraphs=max_paragraphs)
    except (FileNotFoundError, ValueError) as err:
        where = args.corpus or "the default licence texts"
        raise CLIError(f"--corpus: cannot use {where}: {err}") from None


def _warmup_linear(total_steps: int, warmup: float = 0.1):
    """BERT's schedule as a LambdaLR factor: linear warm-up over the first ``warmup``
    fraction of the steps, then linear decay to zero."""
    w = max(1, int(total_steps * warmup))
    return lambda step: min((step + 1) / w, max(0.0, (total_steps - step) / max(1, total_steps - w)))


def _write_summary(out: str, summary: dict) -> None:
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)


def _bert_loss(net, batch, vocab_size: int):
    """(total, mlm loss, nsp loss, mlm correct, mlm count, nsp correct): d2l's
    ``_get_batch_loss_bert`` with weighted MLM cross-entropy over the real predictions."""
    import ember.nn.functional as F
    tokens, segments, valid_lens, pred_positions, mlm_weights, mlm_labels, nsp_labels = batch
    _, mlm_hat, nsp_hat = net(tokens, segments, valid_lens, pred_positions)
    w = mlm_weights.reshape(-1)
    mlm_l = (F.cross_entropy(mlm_hat.reshape(-1, vocab_size), mlm_labels.reshape(-1), reduction="none") * w).sum() \
        / (w.sum() + 1e-8)
    nsp_l = F.cross_entropy(nsp_hat, nsp_labels)
    mlm_ok = float(((mlm_hat.argmax(-1) == mlm_labels).float().reshape(-1) * w).sum())
    nsp_ok = float((nsp_hat.argmax(-1) == nsp_labels).float().sum())
    return mlm_l + nsp_l, float(mlm_l), float(nsp_l), mlm_ok, float(w.sum()), nsp_ok


# --------------------------------------------------------------------------- bert-pretrain
def _pretrain_arguments(p) -> None:
    p.add_argument("--corpus", default=None, metavar="PATH",
                   help="text file, folder or glob (default: /usr/share/common-licenses and /usr/share/doc/*/copyright)")
    p.add_argument("--size", choices=["tiny", "mini", "small"], default="tiny", help="BERT size (default tiny: "
                   "2 blocks, hidden 128, 2 heads)")
    p.add_argument("--max-len", type=int, default=64, help="tokens per sentence pair (default 64)")
    p.add_argument("--dropout", type=float, default=0.1)


def _evaluate_mlm(net, ds, batch_size: int, device=None) -> dict:
    """MLM / NSP loss and accuracy over a held-out dataset, eval mode, no gradients."""
    import ember
    from ember.utils.data import DataLoader
    net.eval()
    tot = [0.0] * 6
    n = 0
    with ember.no_grad():
        for batch in DataLoader(ds, batch_size):
            batch = [t.to(device) for t in batch]
            _, mlm_l, nsp_l, mlm_ok, mlm_n, nsp_ok = _bert_loss(net, batch, len(ds.vocab))
            b = batch[0].shape[0]
            tot = [tot[0] + mlm_l * mlm_n, tot[1] + nsp_l * b, tot[2] + mlm_ok, tot[3] + mlm_n, tot[4] + nsp_ok, 0]
            n += b
    net.train()
    return {"mlm_loss": tot[0] / max(tot[3], 1), "mlm_accuracy": tot[2] / max(tot[3], 1),
            "nsp_loss": tot[1] / max(n, 1), "nsp_accuracy": tot[4] / max(n, 1)}


def run_pretrain(recipe: Recipe, args) -> int:
    import ember
    from ember.models.bert import BERT_CONFIGS, BERTModel
    from ember.nn.utils import clip_grad_norm_
    from ember.text.bert_data import BERTPretrainDataset
    from ember.utils.data import DataLoader
    if args.max_len < 8:
        raise CLIError(f"--max-len must be at least 8, got {args.max_len}")
    hp = {"epochs": args.epochs or recipe.epochs, "batch_size": args.batch_size or recipe.batch_size,
          "lr": args.lr or recipe.lr, "optimizer": args.optimizer or recipe.optimizer}
    ember.manual_seed(args.seed)
    paragraphs = _corpus_paragraphs(args, args.subset)
    held = max(1, len(paragraphs) // 20) if len(paragraphs) >= 20 else 0
    train_ds = BERTPretrainDataset(paragraphs[held:], args.max_len, seed=args.seed)
    val_ds = BERTPretrainDataset(paragraphs[:held], args.max_len, vocab=train_ds.vocab, seed=args.seed + 10_000) \
        if held else None
    vocab = train_ds.vocab
    c = BERT_CONFIGS[args.size]
    config = dict(vocab_size=len(vocab), num_hiddens=c.num_hiddens, ffn_num_hiddens=c.ffn_num_hiddens,
                  num_heads=c.num_heads, num_blks=c.num_blks, dropout=args.dropout, max_len=args.max_len)
    from .main import _device, _optimizer
    dev = _device(args.device)
    net = BERTModel(**config).to(dev)
    opt = _optimizer(hp["optimizer"], net.parameters(), hp["lr"], 0.01)
    steps_per_epoch = math.ceil(len(train_ds) / hp["batch_size"])
    sched = ember.optim.lr_scheduler.LambdaLR(opt, _warmup_linear(steps_per_epoch * hp["epochs"]))
    out = args.out or os.path.join("runs", recipe.name)
    os.makedirs(out, exist_ok=True)
    start_epoch, history = 0, []
    if args.resume:
        if not os.path.isfile(args.resume):
            raise CLIError(f"--resume: no checkpoint at {args.resume}")
        state = ember.load(args.resume)
        if state.get("meta", {}).get("recipe") != recipe.name or state.get("config") != config:
            raise CLIError(f"--resume: {args.resume} is not a {recipe.name} checkpoint of this corpus and size")
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        start_epoch, history = state["epoch"], state.get("history", [])
    print(f"bert-pretrain: {len(paragraphs)} paragraphs, {len(train_ds)} training pairs, "
          f"{len(val_ds) if val_ds else 0} held-out pairs, vocab {len(vocab)}, BERT-{args.size}")
    meta = {"recipe": recipe.name, **hp, "seed": args.seed, "corpus": args.corpus, "size": args.size,
            "max_len": args.max_len}
    t0 = time.perf_counter()
    for epoch in range(start_epoch, hp["epochs"]):
        if epoch:
            train_ds.resample(args.seed + epoch)  # new pairs and masks each epoch (dynamic masking)
        net.train()
        sums, n, te = [0.0] * 5, 0, time.perf_counter()
        for batch in DataLoader(train_ds, hp["batch_size"], shuffle=True):
            batch = [t.to(dev) for t in batch]
            loss, mlm_l, nsp_l, mlm_ok, mlm_n, nsp_ok = _bert_loss(net, batch, len(vocab))
            opt.zero_grad()
            loss.backward()
            clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            b = batch[0].shape[0]
            sums = [sums[0] + mlm_l * mlm_n, sums[1] + nsp_l * b, sums[2] + mlm_ok, sums[3] + mlm_n, sums[4] + nsp_ok]
            n += b
        logs = {"epoch": epoch + 1, "mlm_loss": sums[0] / sums[3], "mlm_accuracy": sums[2] / sums[3],
                "nsp_loss": sums[1] / n, "nsp_accuracy": sums[4] / n, "time": time.perf_counter() - te}
        if val_ds is not None:
            logs.update({f"val_{k}": v for k, v in _evaluate_mlm(net, val_ds, hp["batch_size"], dev).items()})
        history.append(logs)
        print(f"epoch {epoch + 1}/{hp['epochs']}: " + ", ".join(
            f"{k} {v:.4f}" for k, v in logs.items() if k not in ("epoch", "time")) + f"; {logs['time']:.1f}s")
        ember.save({"model": net.state_dict(), "config": config, "vocab": vocab.to_dict(), "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(), "epoch": epoch + 1, "history": history, "meta": meta},
                   os.path.join(out, "last.pt"))
    elapsed = time.perf_counter() - t0
    final = history[-1] if history else {}
    _write_summary(out, {"recipe": recipe.name, **hp, "size": args.size, "max_len": args.max_len,
                         "corpus": args.corpus or "default licence texts", "paragraphs": len(paragraphs),
                         "train_pairs": len(train_ds), "vocab_size": len(vocab), "final": final,
                         "history": history, "train_seconds": elapsed, "out": out})
    keys = [k for k in ("mlm_loss", "mlm_accuracy", "nsp_accuracy", "val_mlm_loss", "val_mlm_accuracy") if k in final]
    print(f"bert-pretrain: {len(history)} epochs, " + ", ".join(f"{k} {final[k]:.4f}" for k in keys)
          + f"; {elapsed:.1f}s; checkpoint {os.path.join(out, 'last.pt')}")
    return 0


register(Recipe("bert-pretrain", "BERT (MLM + NSP, d2l 15.8-15.10) on a text corpus, by default the machine's "
                "licence texts; writes a checkpoint for bert-finetune", lambda **kw: None, lambda args: None,
                epochs=2, batch_size=64, lr=1e-3, optimizer="adamw", metrics=("mlm_accuracy",), classes=[],
                input_shape=(64,), run=run_pretrain, add_arguments=_pretrain_arguments))


# --------------------------------------------------------------------------- bert-finetune
def _finetune_arguments(p) -> None:
    p.add_argument("--checkpoint", default=None, metavar="CKPT", help="a bert-pretrain checkpoint (last.pt)")
    p.add_argument("--scratch", action="store_true",
                   help="random weights instead of the checkpoint's (same vocabulary and size), for comparison")
    p.add_argument("--compare", action="store_true", help="fine-tune the checkpoint, then train from scratch, "
                   "and report both")
    p.add_argument("--corpus", default=None, metavar="PATH", help="where the task's sentences come from "
                   "(default: the licence texts)")
    p.add_argument("--test-size", type=int, default=1000, help="held-out sentences (default 1000)")
    p.add_argument("--replace", type=int, default=2, help="words replaced in a corrupted sentence (default 2)")
    p.add_argument("--max-len", type=int, default=32, help="tokens per sentence with <cls> and <sep> (default 32)")
    p.add_argument("--size", choices=["tiny", "mini", "small"], default="tiny",
                   help="BERT size when --scratch has no checkpoint")


def replaced_word_task(sentences: list, vocab, max_len: int, num_replace: int, seed: int):
    """(tokens, segments, valid_lens, labels) of the replaced-word task: each sentence
    (cut to ``max_len - 2`` tokens) becomes ``<cls> s <sep>``; with probability 1/2
    ``num_replace`` of its words are replaced by different random non-reserved vocabulary
    words (label 0), else it is left as is (label 1)."""
    import random
    import ember
    from ember.text.bert_data import RESERVED_TOKENS
    rng = random.Random(seed)
    first = 1 + len(RESERVED_TOKENS)  # <unk> and the reserved tokens are never drawn
    rows, lens, labels = [], [], []
    pad = vocab["<pad>"]
    for s in sentences:
        words = list(s[:max_len - 2])
        original = rng.random() < 0.5
        if not original:
            for pos in rng.sample(range(len(words)), min(num_replace, len(words))):
                new = words[pos]
                while new == words[pos]:
                    new = vocab.idx_to_token[rng.randrange(first, len(vocab))]
                words[pos] = new
        ids = vocab[["<cls>"] + words + ["<sep>"]]
        rows.append(ids + [pad] * (max_len - len(ids)))
        lens.append(len(ids))
        labels.append(int(original))
    n = len(rows)
    tokens = ember.tensor(rows, dtype=ember.int64).reshape(n, max_len)
    return tokens, ember.zeros_like(tokens), ember.tensor(lens, dtype=ember.int64), ember.tensor(labels, dtype=ember.int64)


def _task_sentences(args, min_words: int = 6) -> list:
    import random
    paragraphs = _corpus_paragraphs(args)
    seen, sentences = set(), []
    for p in paragraphs:
        for s in p:
            key = " ".join(s)
            if len(s) >= min_words and key not in seen:
                seen.add(key)
                sentences.append(s)
    random.Random(args.seed).shuffle(sentences)
    return sentences


def _finetune_one(args, hp, state, vocab, config, sentences, pretrained: bool, dev=None) -> dict:
    """Train a BERTClassifier (from the checkpoint's weights or random ones); per-epoch test accuracy."""
    import ember
    from ember.models.bert import BERTClassifier, BERTModel
    from ember.nn.utils import clip_grad_norm_
    from ember.utils.data import DataLoader, TensorDataset
    ember.manual_seed(args.seed)
    bert = BERTModel(**config)  # same vocabulary and sizes either way; only the starting weights differ
    if pretrained:
        bert.load_state_dict(state["model"])
    net = BERTClassifier(bert, num_classes=2).to(dev)
    n_train = args.subset or 1000
    if len(sentences) < n_train + args.test_size:
        raise CLIError(f"the corpus has {len(sentences)} usable sentences; need --subset ({n_train}) + "
                       f"--test-size ({args.test_size})")
    train = replaced_word_task(sentences[:n_train], vocab, args.max_len, args.replace, args.seed)
    test = replaced_word_task(sentences[n_train:n_train + args.test_size], vocab, args.max_len, args.replace,
                              args.seed + 1)
    from .main import _optimizer
    opt = _optimizer(hp["optimizer"], net.parameters(), hp["lr"], 0.01)
    history, t0 = [], time.perf_counter()
    loader = DataLoader(TensorDataset(*train), hp["batch_size"], shuffle=True)
    for epoch in range(hp["epochs"]):
        net.train()
        total, n = 0.0, 0
        for tok, seg, vl, y in loader:
            tok, seg, vl, y = tok.to(dev), seg.to(dev), vl.to(dev), y.to(dev)
            loss = ember.nn.functional.cross_entropy(net(tok, seg, vl), y)
            opt.zero_grad()
            loss.backward()
            clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            total += float(loss) * len(y)
            n += len(y)
        net.eval()
        with ember.no_grad():
            pred = ember.cat([net(*(t.to(dev) for t in b[:3])).argmax(1).cpu()
                              for b in DataLoader(TensorDataset(*test), 256)])
        acc = float((pred == test[3]).float().mean())
        history.append({"epoch": epoch + 1, "loss": total / n, "val_accuracy": acc})
        print(f"  {'pretrained' if pretrained else 'scratch'} epoch {epoch + 1}/{hp['epochs']}: loss {total / n:.4f}, "
              f"val_accuracy {acc:.4f}")
    return {"history": history, "val_accuracy": history[-1]["val_accuracy"], "model": net,
            "train_seconds": time.perf_counter() - t0, "train_size": n_train, "test_size": args.test_size}


def run_finetune(recipe: Recipe, args) -> int:
    import ember
    from ember.models.bert import BERT_CONFIGS
    from ember.text import Vocab
    if args.checkpoint is None and not args.scratch:
        raise CLIError("give --checkpoint CKPT (from 'ember train bert-pretrain'), or --scratch")
    if args.compare and args.checkpoint is None:
        raise CLIError("--compare needs --checkpoint CKPT")
    if args.max_len < 8:
        raise CLIError(f"--max-len must be at least 8, got {args.max_len}")
    hp = {"epochs": args.epochs or recipe.epochs, "batch_size": args.batch_size or recipe.batch_size,
          "lr": args.lr or recipe.lr, "optimizer": args.optimizer or recipe.optimizer}
    sentences = _task_sentences(args)
    state = None
    if args.checkpoint is not None:
        if not os.path.isfile(args.checkpoint):
            raise CLIError(f"--checkpoint: no file at {args.checkpoint}")
        try:
            state = ember.load(args.checkpoint)
        except RuntimeError as err:
            raise CLIError(f"--checkpoint: cannot read {args.checkpoint}: {err}") from None
        if not isinstance(state, dict) or state.get("meta", {}).get("recipe") != "bert-pretrain":
            raise CLIError(f"--checkpoint: {args.checkpoint} was not written by 'ember train bert-pretrain'")
        vocab, config = Vocab.from_dict(state["vocab"]), dict(state["config"])
        if args.max_len > config["max_len"]:
            raise CLIError(f"--max-len {args.max_len} exceeds the checkpoint's max_len {config['max_len']}")
    else:
        from ember.text.bert_data import RESERVED_TOKENS
        vocab = Vocab(sentences, min_freq=5, reserved_tokens=RESERVED_TOKENS)
        c = BERT_CONFIGS[args.size]
        config = dict(vocab_size=len(vocab), num_hiddens=c.num_hiddens, ffn_num_hiddens=c.ffn_num_hiddens,
                      num_heads=c.num_heads, num_blks=c.num_blks, dropout=0.1, max_len=args.max_len)
    modes = [True, False] if args.compare else [not args.scratch]
    out = args.out or os.path.join("runs", recipe.name)
    os.makedirs(out, exist_ok=True)
    results = {}
    from .main import _device
    dev = _device(args.device)
    for pretrained in modes:
        res = _finetune_one(args, hp, state, vocab, config, sentences, pretrained, dev)
        name = "pretrained" if pretrained else "scratch"
        ember.save({"model": res.pop("model").state_dict(), "config": config, "vocab": vocab.to_dict(),
                    "meta": {"recipe": recipe.name, "mode": name, **hp, "seed": args.seed}},
                   os.path.join(out, f"{name}.pt"))
        results[name] = res
    _write_summary(out, {"recipe": recipe.name, **hp, "checkpoint": args.checkpoint, "replace": args.replace,
                         "max_len": args.max_len, "results": results, "out": out})
    print("bert-finetune (replaced-word detection, "
          f"{results[next(iter(results))]['train_size']} training sentences): "
          + ", ".join(f"{k} val_accuracy {v['val_accuracy']:.4f} ({v['train_seconds']:.1f}s)" for k, v in results.items())
          + f"; outputs in {out}")
    return 0


register(Recipe("bert-finetune", "fine-tune a bert-pretrain checkpoint (or --scratch) on replaced-word detection, "
                "a sentence task generated from the corpus (d2l 16.6-16.7)", lambda **kw: None, lambda args: None,
                epochs=4, batch_size=32, lr=2e-4, optimizer="adamw", classes=["replaced", "original"],
                input_shape=(32,), run=run_finetune, add_arguments=_finetune_arguments))
