"""The ``char-rnn`` recipe and the ``ember generate`` command (d2l chapters 8.5-9.2).

``ember train char-rnn [--data FILE] [--cell rnn|gru|lstm]`` trains a character-level
language model (``ember.text.RNNModel``: one-hot characters -> recurrent layer -> Linear
to the vocabulary) with d2l's settings: hidden 256, 35 steps, batch 32, SGD at lr 1,
gradient norm clipped to 1, sequential partitioning with the state carried (detached)
from one minibatch to the next.  The text is cleaned as d2l cleans *The Time Machine*
(letters only, lower case); the default text is ``/usr/share/common-licenses/GPL-3``.
It prints the training perplexity of every epoch and writes ``checkpoint.pt`` (model,
optimizer, vocabulary, hyperparameters) and ``summary.json`` to ``--out`` (default
``runs/char-rnn``).

``ember generate CKPT --prefix "the "`` continues a prefix: greedy (argmax, ``--greedy``)
or sampled from softmax(logits / T) (``--temperature T``, ``--seed S``)."""
from __future__ import annotations

import json
import os
import sys
import time

from .recipes import CLIError, Command, Recipe, read_recipe_checkpoint, register, register_command

__all__ = ["CHARRNN_DEFAULTS"]

CHARRNN_DEFAULTS = {"epochs": 50, "batch_size": 32, "lr": 1.0, "optimizer": "sgd", "cell": "gru", "hidden": 256,
                    "num_layers": 1, "num_steps": 35, "clip": 1.0}


def _build(vocab_size: int, cell: str = "gru", hidden: int = 256, num_layers: int = 1):
    from ember.text import rnn_lm
    return rnn_lm(vocab_size, cell, hidden, num_layers)


def _no_datasets(args):
    raise CLIError("char-rnn trains with its own loop; use 'ember generate CHECKPOINT' to use a trained model")


def _add_arguments(p) -> None:
    from .main import _positive_float, _positive_int
    p.add_argument("--data", default=None, metavar="FILE",
                   help="plain text file to learn (default /usr/share/common-licenses/GPL-3)")
    p.add_argument("--cell", choices=["rnn", "gru", "lstm"], default=CHARRNN_DEFAULTS["cell"])
    p.add_argument("--hidden", type=_positive_int, default=CHARRNN_DEFAULTS["hidden"], help="hidden units (256)")
    p.add_argument("--num-layers", type=_positive_int, default=CHARRNN_DEFAULTS["num_layers"])
    p.add_argument("--num-steps", type=_positive_int, default=CHARRNN_DEFAULTS["num_steps"],
                   help="time steps per minibatch (35)")
    p.add_argument("--max-tokens", type=_positive_int, default=None,
                   help="use only the first N characters of the text (--subset does the same)")
    p.add_argument("--random-iter", action="store_true",
                   help="random sampling instead of sequential partitioning (state reset every minibatch)")
    p.add_argument("--clip", type=_positive_float, default=CHARRNN_DEFAULTS["clip"],
                   help="clip the global gradient norm to this value (1)")


def _read_corpus(path, vocab=None):
    """(token indices, vocab) of the cleaned characters of ``path``; with ``vocab`` given
    (resuming) the text is encoded with it."""
    from ember.text import DEFAULT_CORPUS, Vocab, read_text, tokenize
    path = path or DEFAULT_CORPUS
    try:
        lines = read_text(path)
    except (FileNotFoundError, IsADirectoryError) as err:
        raise CLIError(f"{err} (pass --data FILE with a plain text file)") from None
    tokens = tokenize(lines, "char")
    if vocab is None:
        vocab = Vocab(tokens)
    corpus = [vocab[t] for line in tokens for t in line]
    if not corpus:
        raise CLIError(f"{path} has no letters to learn from (char-rnn keeps letters and spaces only)")
    return corpus, vocab, path


def _run(recipe, args) -> int:
    import ember
    from ember.text import SeqDataLoader, Vocab, predict, train_epoch
    from .main import _device, _optimizer
    dev = _device(args.device)
    out = args.out or os.path.join("runs", recipe.name)
    hp = {"epochs": args.epochs or recipe.epochs, "batch_size": args.batch_size or recipe.batch_size,
          "lr": args.lr or recipe.lr, "optimizer": args.optimizer or recipe.optimizer,
          "num_steps": args.num_steps, "clip": args.clip, "random_iter": args.random_iter}
    max_tokens = args.max_tokens or args.subset
    resumed = None
    if args.resume:
        resumed = _load_checkpoint(args.resume)
        vocab = Vocab.from_dict(resumed["vocab"])
        model_kwargs = dict(resumed["meta"]["model_kwargs"])
    else:
        vocab = None
        model_kwargs = {"cell": args.cell, "hidden": args.hidden, "num_layers": args.num_layers}
    corpus, vocab, data_path = _read_corpus(args.data, vocab)
    if max_tokens:
        corpus = corpus[:max_tokens]
    if len(corpus) < hp["batch_size"] * hp["num_steps"] + 1:
        raise CLIError(f"the text has {len(corpus)} characters, too few for one minibatch of "
                       f"batch size {hp['batch_size']} x {hp['num_steps']} steps; lower --batch-size or --num-steps")
    model_kwargs["vocab_size"] = len(vocab)
    ember.manual_seed(args.seed)
    net = _build(**model_kwargs).to(dev)
    opt = _optimizer(hp["optimizer"], net.parameters(), hp["lr"], 0.0)
    history = []
    if resumed is not None:
        net.load_state_dict(resumed["model"])
        if "optimizer" in resumed and resumed["meta"].get("optimizer") == hp["optimizer"]:
            opt.load_state_dict(resumed["optimizer"])
        history = list(resumed["meta"].get("history", []))
        if len(history) >= hp["epochs"]:
            raise CLIError(f"nothing to train: {args.resume} already has {len(history)} epochs (raise --epochs)")
    loader = SeqDataLoader(corpus, hp["batch_size"], hp["num_steps"], use_random_iter=hp["random_iter"],
                           generator=ember.Generator().manual_seed(args.seed + len(history)))
    loss = ember.nn.CrossEntropyLoss()
    os.makedirs(out, exist_ok=True)
    ckpt_path = os.path.join(out, "checkpoint.pt")
    meta = {"recipe": recipe.name, **hp, "seed": args.seed, "data": os.path.abspath(data_path),
            "num_tokens": len(corpus), "model_kwargs": model_kwargs}
    start = time.perf_counter()
    for epoch in range(len(history), hp["epochs"]):
        ppl, speed = train_epoch(net, loader, loss, opt, device=dev, use_random_iter=hp["random_iter"],
                                 clip=hp["clip"])
        history.append({"epoch": epoch + 1, "perplexity": ppl, "tokens_per_second": speed})
        print(f"epoch {epoch + 1}/{hp['epochs']}: perplexity {ppl:.3f}, {speed:,.0f} tokens/s", flush=True)
        ember.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "vocab": vocab.to_dict(),
                    "meta": {**meta, "history": history}}, ckpt_path)
    elapsed = time.perf_counter() - start
    eval_ppl = _perplexity(net, corpus, hp["batch_size"], hp["num_steps"], args.seed, dev)
    sample_prefix = [t for t in vocab.idx_to_token[1:] if t != " "][:1] or vocab.idx_to_token[1:2]
    sample = "".join(vocab.to_tokens(predict(vocab[sample_prefix], 50, net, device=dev, banned=[vocab.unk])))
    final = history[-1]["perplexity"]
    summary = {"recipe": recipe.name, **hp, **model_kwargs, "data": meta["data"], "num_tokens": len(corpus),
               "final": {"perplexity": final, "eval_perplexity": eval_ppl}, "history": history, "train_seconds": elapsed,
               "sample_greedy": sample, "checkpoint": ckpt_path, "out": out}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"{recipe.name}: {len(history)} epochs of a {model_kwargs['cell'].upper()} ({model_kwargs['hidden']} "
          f"hidden) on {len(corpus)} characters, perplexity {final:.3f} (vocabulary {len(vocab)}); "
          f"{elapsed:.1f}s; outputs in {out}")
    return 0


def _perplexity(net, corpus, batch_size: int, num_steps: int, seed: int, device) -> float:
    """Perplexity of the (final) model over ``corpus`` in sequential minibatches with the
    state carried, no update: the number ``summary.json`` records as ``eval_perplexity``
    and ``ember evaluate`` recomputes (training's ``perplexity`` averages a moving model)."""
    import ember
    from ember.text import SeqDataLoader, evaluate_perplexity
    if len(corpus) < batch_size * num_steps + 1:
        raise CLIError(f"the text has {len(corpus)} characters, too few for one minibatch of "
                       f"batch size {batch_size} x {num_steps} steps")
    loader = SeqDataLoader(corpus, batch_size, num_steps, generator=ember.Generator().manual_seed(seed))
    return evaluate_perplexity(net, loader, device=device)


def _evaluate(recipe, state, args) -> dict:
    """``ember evaluate CKPT [--data FILE]``: perplexity on ``--data`` (default: the recorded
    text, cut to the characters training used), with training's batch size and steps."""
    from .main import _device
    from ember.text import Vocab
    dev = _device(args.device)
    meta = state["meta"]
    try:
        vocab = Vocab.from_dict(state["vocab"])
        net = _build(**meta["model_kwargs"])
        net.load_state_dict(state["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CLIError(f"{args.checkpoint}: not a complete char-rnn checkpoint ({err})") from None
    corpus, _, _ = _read_corpus(args.data or meta["data"], vocab)
    if args.data is None:
        corpus = corpus[:meta["num_tokens"]]
    ppl = _perplexity(net.to(dev), corpus, meta["batch_size"], meta["num_steps"], meta["seed"], dev)
    return {"perplexity": ppl}


def _load_checkpoint(path: str) -> dict:
    from ember.text import Vocab
    state = read_recipe_checkpoint(path, "char-rnn", need=("model", "vocab"))
    try:
        Vocab.from_dict(state["vocab"])
    except ValueError as err:
        raise CLIError(f"{path}: bad vocabulary ({err})") from None
    return state


def _restore_model(path: str, device):
    from ember.text import Vocab
    state = _load_checkpoint(path)
    vocab = Vocab.from_dict(state["vocab"])
    try:
        net = _build(**state["meta"]["model_kwargs"])
        net.load_state_dict(state["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CLIError(f"{path}: the model does not match its recorded settings ({err})") from None
    return net.to(device), vocab


def _generate_arguments(p) -> None:
    from .main import _positive_float
    p.add_argument("checkpoint", help="a checkpoint written by 'ember train char-rnn'")
    p.add_argument("--prefix", required=True, help="text to continue")
    p.add_argument("--num-chars", type=int, default=100, help="characters to generate (100)")
    p.add_argument("--temperature", type=_positive_float, default=1.0,
                   help="sample from softmax(logits / T): < 1 is more conservative, > 1 more random (1)")
    p.add_argument("--greedy", action="store_true", help="always take the most likely character")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling (0)")
    p.add_argument("--device", default="cpu")


def _encode_prefix(prefix: str, vocab) -> list[int]:
    """The prefix as vocabulary indices: lower-cased when the vocabulary has no capitals
    (d2l's cleaning), characters outside the vocabulary become spaces (or are dropped)."""
    if not any(t.isupper() for t in vocab.idx_to_token[1:]):
        prefix = prefix.lower()
    known = [c for c in prefix if c in vocab]
    if not known:
        raise CLIError(f"the prefix {prefix!r} has no character the model knows "
                       f"(it knows: {''.join(sorted(vocab.idx_to_token[1:]))!r})")
    space = " " in vocab
    chars = [c if c in vocab else " " for c in prefix] if space else known
    return vocab[chars]


def _generate(args) -> int:
    import ember
    from ember.text import predict
    from .main import _device
    if args.num_chars < 0:
        raise CLIError(f"--num-chars must be >= 0, got {args.num_chars}")
    dev = _device(args.device)
    net, vocab = _restore_model(args.checkpoint, dev)
    ids = _encode_prefix(args.prefix, vocab)
    gen = ember.Generator().manual_seed(args.seed)
    out = predict(ids, args.num_chars, net, device=dev, greedy=args.greedy, temperature=args.temperature,
                  generator=gen, banned=[vocab.unk])
    sys.stdout.write("".join(vocab.to_tokens(out)) + "\n")
    return 0


register(Recipe("char-rnn", "character-level RNN/GRU/LSTM language model on a text file (d2l 8.5-9.2); "
                "then 'ember generate'", _build, _no_datasets, epochs=CHARRNN_DEFAULTS["epochs"],
                batch_size=CHARRNN_DEFAULTS["batch_size"], lr=CHARRNN_DEFAULTS["lr"], metrics=("perplexity",),
                classes=[], input_shape=(), run=_run, add_arguments=_add_arguments, evaluate=_evaluate))
register_command(Command("generate", "continue a text prefix with a char-rnn checkpoint", _generate_arguments,
                         _generate))
