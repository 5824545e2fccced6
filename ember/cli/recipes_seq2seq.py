"""``ember train seq2seq``: d2l's GRU encoder-decoder with Bahdanau attention (11.4) on
tab-separated sentence pairs.

The data pipeline, the teacher-forced training loop, BLEU evaluation (greedy and beam),
checkpoints with both vocabularies, and the run directory layout are shared with
``transformer-mt`` (``recipes_transformer_mt.py``), which imports them from here.

Without ``--data`` the recipe generates ``make_toy_translation`` pairs (two made-up
languages: word mapping plus reordering) and writes them to the run directory first, so
``ember train seq2seq`` runs anywhere.  Held-out pairs (``--test-fraction``) never reach
the vocabularies or the training loop; BLEU is d2l's sentence BLEU averaged over them.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import time

from .recipes import CLIError, Recipe, register

__all__ = ["add_translation_arguments", "prepare_translation_data", "train_translation", "evaluate_translation",
           "evaluate_translation_checkpoint",
           "save_translation_checkpoint", "load_translation_checkpoint", "run_translation"]


def _fraction(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {s!r}") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {v}")
    return v


def _nonneg_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {s!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {v}")
    return v


def add_translation_arguments(p: argparse.ArgumentParser) -> None:
    """The data, decoding and evaluation options both translation recipes share."""
    from .main import _positive_int
    p.add_argument("--data", default=None, metavar="FILE",
                   help="tab-separated 'source<TAB>target' lines (d2l's fra-eng format); default: a generated "
                        "toy corpus written to the run directory")
    p.add_argument("--toy-size", type=_positive_int, default=1000, help="pairs in the generated toy corpus")
    p.add_argument("--num-examples", type=_positive_int, default=None, help="read only the first N pairs of --data")
    p.add_argument("--test-fraction", type=_fraction, default=0.1, help="share of pairs held out for BLEU")
    p.add_argument("--num-steps", type=_positive_int, default=10, help="tokens per sentence (incl. <eos>)")
    p.add_argument("--min-freq", type=_nonneg_int, default=2, help="rarer tokens become <unk>")
    p.add_argument("--beam-size", type=_positive_int, default=3)
    p.add_argument("--bleu-k", type=_positive_int, default=2, help="longest n-gram in BLEU")
    p.add_argument("--heatmaps", type=_nonneg_int, default=2, help="held-out sentences drawn as attention heatmaps")
    p.add_argument("--dropout", type=float, default=0.1)


def _read_pairs(args, out: str):
    """(source token lists, target token lists) from --data or the generated toy corpus."""
    from ..text.translation import (make_toy_translation, preprocess_nmt, read_translation_file, tokenize_nmt,
                                    write_translation_pairs)
    if args.data is None:
        path = write_translation_pairs(make_toy_translation(args.toy_size, seed=args.seed),
                                       os.path.join(out, "toy_pairs.tsv"))
    else:
        path = args.data
        if not os.path.isfile(path):
            raise CLIError(f"--data: no file at {path}")
    try:
        text = read_translation_file(path)
    except UnicodeDecodeError as err:
        raise CLIError(f"--data: {path} is not UTF-8 text ({err.reason})") from None
    source, target = tokenize_nmt(preprocess_nmt(text), args.num_examples)
    if len(source) < 2:
        raise CLIError(f"--data: {path} has {len(source)} 'source<TAB>target' lines; need at least 2 "
                       f"(one to train on, one held out)")
    return path, source, target


def prepare_translation_data(args, out: str, vocabs=None) -> dict:
    """Read, split (seeded), build vocabularies on the training pairs (or reuse ``vocabs``
    from a checkpoint) and make the training DataLoader."""
    from ..text import Vocab, build_array
    from ..utils.data import DataLoader, TensorDataset
    path, source, target = _read_pairs(args, out)
    order = list(range(len(source)))
    random.Random(args.seed).shuffle(order)
    n_test = max(1, round(args.test_fraction * len(order)))
    test_idx, train_idx = order[:n_test], order[n_test:]
    if not train_idx:
        raise CLIError(f"--test-fraction {args.test_fraction} leaves no training pairs out of {len(order)}")
    if args.subset is not None:
        train_idx = train_idx[:args.subset]
    train_src, train_tgt = [source[i] for i in train_idx], [target[i] for i in train_idx]
    if vocabs is None:
        reserved = ["<pad>", "<bos>", "<eos>"]
        src_vocab = Vocab(train_src, min_freq=args.min_freq, reserved_tokens=reserved)
        tgt_vocab = Vocab(train_tgt, min_freq=args.min_freq, reserved_tokens=reserved)
    else:
        src_vocab, tgt_vocab = vocabs
    src, src_len = build_array(train_src, src_vocab, args.num_steps)
    tgt, tgt_len = build_array(train_tgt, tgt_vocab, args.num_steps)
    loader = DataLoader(TensorDataset(src, src_len, tgt, tgt_len), batch_size=args.batch_size, shuffle=True)
    test = [(" ".join(source[i]), " ".join(target[i])) for i in test_idx]
    return {"path": path, "loader": loader, "src_vocab": src_vocab, "tgt_vocab": tgt_vocab, "test": test,
            "n_train": len(train_idx)}


def save_translation_checkpoint(path: str, net, opt, epoch: int, history: list, data: dict, meta: dict) -> None:
    """Model, optimizer, epoch, loss history and both vocabularies in one ``ember.save`` file."""
    import ember
    ember.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch, "history": history,
                "src_vocab": data["src_vocab"].to_dict(), "tgt_vocab": data["tgt_vocab"].to_dict(), "meta": meta},
               path)


def load_translation_checkpoint(path: str, recipe_name: str) -> dict:
    """A checkpoint written by ``save_translation_checkpoint`` for ``recipe_name``, with
    the vocabularies rebuilt as ``Vocab`` objects."""
    import ember
    from ..text import Vocab
    if not os.path.isfile(path):
        raise CLIError(f"--resume: no checkpoint at {path}")
    try:
        state = ember.load(path)
    except RuntimeError as err:
        raise CLIError(f"--resume: cannot read {path}: {err}") from None
    got = state.get("meta", {}).get("recipe") if isinstance(state, dict) else None
    if got != recipe_name:
        raise CLIError(f"--resume: {path} was trained with recipe {got!r}, not {recipe_name!r}")
    state["src_vocab"] = Vocab.from_dict(state["src_vocab"])
    state["tgt_vocab"] = Vocab.from_dict(state["tgt_vocab"])
    return state


def train_translation(net, data: dict, args, hp: dict, opt, start_epoch: int, history: list, meta: dict,
                      out: str) -> float:
    """Teacher-forced epochs ``start_epoch .. hp['epochs']`` (``train_seq2seq``): one line
    per epoch, a checkpoint (``last.pt``) after each.  Returns the training seconds."""
    from ..models.seq2seq import train_seq2seq
    t0 = time.perf_counter()

    def on_epoch(i, loss, tokens_per_s):
        epoch = start_epoch + i + 1
        history.append(loss)
        save_translation_checkpoint(os.path.join(out, "last.pt"), net, opt, epoch, history, data, meta)
        with open(os.path.join(out, "metrics.jsonl"), "a") as f:
            f.write(json.dumps({"epoch": epoch, "loss": loss, "tokens_per_s": tokens_per_s}) + "\n")
        print(f"epoch {epoch}/{hp['epochs']}: loss {loss:.4f} per token, {tokens_per_s:,.0f} tokens/s", flush=True)

    train_seq2seq(net, data["loader"], hp["lr"], hp["epochs"] - start_epoch, data["tgt_vocab"], device=hp["device"],
                  clip=1.0, on_epoch=on_epoch, optimizer=opt, init=False)
    return time.perf_counter() - t0


def evaluate_translation(net, data: dict, args, device) -> dict:
    """Greedy (batched) and beam translations of the held-out pairs and their mean BLEU."""
    from ..models.seq2seq import beam_search, predict_greedy_batch
    from ..text.bleu import bleu
    sources = [src for src, _ in data["test"]]
    greedy = []
    for i in range(0, len(sources), 256):
        greedy += predict_greedy_batch(net, sources[i:i + 256], data["src_vocab"], data["tgt_vocab"],
                                       args.num_steps, device)
    rows, greedy_scores, beam_scores = [], [], []
    for (src, label), g in zip(data["test"], greedy):
        b, _ = beam_search(net, src, data["src_vocab"], data["tgt_vocab"], args.num_steps, args.beam_size,
                           device=device)
        greedy_scores.append(bleu(g, label, args.bleu_k))
        beam_scores.append(bleu(b, label, args.bleu_k))
        rows.append((src, label, g, b))
    n = len(rows)
    return {"bleu_greedy": sum(greedy_scores) / n, "bleu_beam": sum(beam_scores) / n, "rows": rows,
            "exact_greedy": sum(r[1] == r[2] for r in rows) / n}


def evaluate_translation_checkpoint(recipe, state, args) -> dict:
    """``ember evaluate CKPT [--data FILE]`` for a translation recipe: the held-out pairs
    regenerated from the recorded data file (or ``--data``) and seed, translated greedily
    and by beam search; the BLEU that training put in ``summary.json``."""
    from ..text import Vocab
    from .main import _device
    dev = _device(args.device)
    meta = state["meta"]
    ns = argparse.Namespace(data=args.data or meta["data"], seed=meta.get("seed", 0), subset=None,
                            num_steps=meta["num_steps"], test_fraction=meta.get("test_fraction", 0.1),
                            num_examples=meta.get("num_examples"), beam_size=meta.get("beam_size", 3),
                            bleu_k=meta.get("bleu_k", 2), batch_size=meta.get("batch_size", 64), min_freq=2)
    try:
        vocabs = (Vocab.from_dict(state["src_vocab"]), Vocab.from_dict(state["tgt_vocab"]))
        net = recipe.build_model(**meta["model_kwargs"])
        net.load_state_dict(state["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CLIError(f"{args.checkpoint}: not a complete {recipe.name} checkpoint ({err})") from None
    data = prepare_translation_data(ns, os.path.dirname(os.path.abspath(args.checkpoint)), vocabs)
    res = evaluate_translation(net.to(dev), data, ns, dev)
    return {"bleu_greedy": res["bleu_greedy"], "bleu_beam": res["bleu_beam"], "exact_greedy": res["exact_greedy"]}


def run_translation(recipe, args, build_net, model_kwargs_fn, draw_heatmaps, defaults: dict) -> int:
    """Everything a translation recipe does: data, model, (resumed) training, BLEU,
    heatmaps, ``summary.json``, one result line."""
    import ember
    from .main import _device, _optimizer
    dev = _device(args.device)
    out = args.out or os.path.join("runs", recipe.name)
    os.makedirs(out, exist_ok=True)
    hp = {"epochs": args.epochs or defaults["epochs"], "batch_size": args.batch_size or defaults["batch_size"],
          "lr": args.lr or defaults["lr"], "optimizer": args.optimizer or defaults["optimizer"], "device": dev}
    args.batch_size = hp["batch_size"]
    if not 0 <= args.dropout < 1:
        raise CLIError(f"--dropout must be in [0, 1), got {args.dropout}")
    ember.manual_seed(args.seed)
    state = load_translation_checkpoint(args.resume, recipe.name) if args.resume else None
    vocabs = (state["src_vocab"], state["tgt_vocab"]) if state else None
    data = prepare_translation_data(args, out, vocabs)
    if state:
        kwargs = state["meta"]["model_kwargs"]
    else:
        kwargs = model_kwargs_fn(args, len(data["src_vocab"]), len(data["tgt_vocab"]))
    net = build_net(**kwargs).to(dev)
    opt = _optimizer(hp["optimizer"], net.parameters(), hp["lr"], 0.0)
    history, start = [], 0
    if state:
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history, start = list(state["history"]), int(state["epoch"])
    else:
        open(os.path.join(out, "metrics.jsonl"), "w").close()
    meta = {"recipe": recipe.name, "model_kwargs": kwargs, "num_steps": args.num_steps, "seed": args.seed,
            "data": os.path.abspath(data["path"]), "epochs": hp["epochs"], "batch_size": hp["batch_size"],
            "lr": hp["lr"], "optimizer": hp["optimizer"], "test_fraction": args.test_fraction,
            "num_examples": args.num_examples, "beam_size": args.beam_size, "bleu_k": args.bleu_k}
    print(f"{recipe.name}: {data['n_train']} training pairs, {len(data['test'])} held out; vocabularies "
          f"{len(data['src_vocab'])} / {len(data['tgt_vocab'])} tokens; {sum(p.numel() for p in net.parameters()):,} "
          f"parameters", flush=True)
    seconds = train_translation(net, data, args, hp, opt, start, history, meta, out) if start < hp["epochs"] else 0.0
    if start >= hp["epochs"]:
        save_translation_checkpoint(os.path.join(out, "last.pt"), net, opt, start, history, data, meta)
    t0 = time.perf_counter()
    res = evaluate_translation(net, data, args, dev)
    eval_seconds = time.perf_counter() - t0
    with open(os.path.join(out, "translations.tsv"), "w", encoding="utf-8") as f:
        f.write("source\treference\tgreedy\tbeam\n")
        for row in res["rows"]:
            f.write("\t".join(row) + "\n")
    heatmaps = draw_heatmaps(net, data, args, dev, out) if args.heatmaps else []
    summary = {"recipe": recipe.name, **{k: v for k, v in hp.items() if k != "device"}, "device": str(dev),
               "data": data["path"], "train_pairs": data["n_train"], "test_pairs": len(data["test"]),
               "model_kwargs": kwargs, "loss_per_epoch": history, "train_seconds": seconds,
               "eval_seconds": eval_seconds, "bleu_k": args.bleu_k, "beam_size": args.beam_size,
               "bleu_greedy": res["bleu_greedy"], "bleu_beam": res["bleu_beam"], "exact_greedy": res["exact_greedy"],
               "heatmaps": heatmaps, "examples": [dict(zip(("source", "reference", "greedy", "beam"), r))
                                                  for r in res["rows"][:5]], "out": out}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False)
    for src, label, g, b in res["rows"][:3]:
        print(f"  {src} => {g}  (beam: {b}; reference: {label})")
    print(f"{recipe.name}: {hp['epochs']} epochs, loss {history[-1] if history else float('nan'):.4f}, "
          f"BLEU-{args.bleu_k} greedy {res['bleu_greedy']:.3f}, beam({args.beam_size}) {res['bleu_beam']:.3f} "
          f"on {len(data['test'])} held-out pairs; {seconds:.1f}s; outputs in {out}")
    return 0


# ---- the seq2seq recipe ----------------------------------------------------------------------

def _build_seq2seq(src_vocab_size: int, tgt_vocab_size: int, embed_size: int = 32, num_hiddens: int = 32,
                   num_layers: int = 2, dropout: float = 0.1):
    """d2l 11.4's model: GRU encoder + Bahdanau-attention GRU decoder, Xavier-initialised."""
    from ..models.seq2seq import (EncoderDecoder, Seq2SeqAttentionDecoder, Seq2SeqEncoder,
                                  xavier_init_weights)
    net = EncoderDecoder(Seq2SeqEncoder(src_vocab_size, embed_size, num_hiddens, num_layers, dropout),
                         Seq2SeqAttentionDecoder(tgt_vocab_size, embed_size, num_hiddens, num_layers, dropout))
    net.apply(xavier_init_weights)
    return net


def _seq2seq_kwargs(args, src_vocab_size: int, tgt_vocab_size: int) -> dict:
    return {"src_vocab_size": src_vocab_size, "tgt_vocab_size": tgt_vocab_size, "embed_size": args.embed_size,
            "num_hiddens": args.num_hiddens, "num_layers": args.num_layers, "dropout": args.dropout}


def _seq2seq_heatmaps(net, data, args, device, out) -> list[str]:
    """One PNG per held-out sentence: decoder steps (rows) against source tokens (columns)."""
    import ember
    from ..models.attention import show_heatmaps
    from ..models.seq2seq import predict_greedy
    paths = []
    for i, (src, label) in enumerate(data["test"][:args.heatmaps]):
        pred, weights = predict_greedy(net, src, data["src_vocab"], data["tgt_vocab"], args.num_steps, device,
                                       save_attention_weights=True)
        src_tokens = (src.split(" ") + ["<eos>"])[:args.num_steps]
        w = ember.cat([step[0].reshape(1, -1) for step in weights], 0)[:, :len(src_tokens)]
        rows = (pred.split(" ") if pred else []) + ["<eos>"]
        paths.append(show_heatmaps(w.reshape(1, 1, *w.shape), xlabel="source", ylabel="output",
                                   titles=[f"{src} => {pred}"[:60]], path=os.path.join(out, f"attention_{i}.png"),
                                   figsize=(4.0, 4.0), xticklabels=src_tokens, yticklabels=rows[:w.shape[0]]))
    return paths


def _seq2seq_arguments(p: argparse.ArgumentParser) -> None:
    from .main import _positive_int
    add_translation_arguments(p)
    p.add_argument("--embed-size", type=_positive_int, default=32)
    p.add_argument("--num-hiddens", type=_positive_int, default=32)
    p.add_argument("--num-layers", type=_positive_int, default=2)


SEQ2SEQ_DEFAULTS = {"epochs": 20, "batch_size": 64, "lr": 0.005, "optimizer": "adam"}


def _run_seq2seq(recipe, args) -> int:
    return run_translation(recipe, args, _build_seq2seq, _seq2seq_kwargs, _seq2seq_heatmaps, SEQ2SEQ_DEFAULTS)


def _no_datasets(args):
    raise CLIError("the seq2seq recipe reads its data itself (ember train seq2seq [--data FILE])")


register(Recipe("seq2seq", "GRU encoder-decoder with Bahdanau attention on tab-separated pairs (d2l 11.4); "
                "default data: a generated toy translation set", _build_seq2seq, _no_datasets, loss="masked_ce",
                epochs=SEQ2SEQ_DEFAULTS["epochs"], batch_size=SEQ2SEQ_DEFAULTS["batch_size"],
                lr=SEQ2SEQ_DEFAULTS["lr"], optimizer="adam", metrics=("bleu",), classes=[], input_shape=(10,),
                run=_run_seq2seq, add_arguments=_seq2seq_arguments, evaluate=evaluate_translation_checkpoint))
