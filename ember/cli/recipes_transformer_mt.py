"""``ember train transformer-mt``: a Transformer encoder-decoder for translation (d2l 11.7)
from ``nn.TransformerEncoderLayer`` / ``nn.TransformerDecoderLayer`` and the sinusoidal
``nn.PositionalEncoding`` (``ember.models.transformer_mt``).

Data, training (teacher forcing, Adam, masked cross-entropy, clipping), greedy and beam
decoding, BLEU on held-out pairs, checkpoints with both vocabularies and ``--resume`` are
the ``seq2seq`` recipe's (``recipes_seq2seq.run_translation``).  The heatmaps show every
layer's heads (rows: layers, columns: heads) for the encoder's self-attention, the
decoder's causal self-attention and its attention over the source.
"""
from __future__ import annotations

import argparse
import os

from .recipes import CLIError, Recipe, register
from .recipes_seq2seq import add_translation_arguments, evaluate_translation_checkpoint, run_translation

TRANSFORMER_DEFAULTS = {"epochs": 20, "batch_size": 64, "lr": 0.005, "optimizer": "adam"}


def _build(src_vocab_size: int, tgt_vocab_size: int, d_model: int = 32, nhead: int = 4, num_layers: int = 2,
           dim_feedforward: int = 64, dropout: float = 0.1, max_len: int = 64):
    from ..models.transformer_mt import transformer_mt
    return transformer_mt(src_vocab_size, tgt_vocab_size, d_model, nhead, num_layers, dim_feedforward, dropout,
                          max_len)


def _kwargs(args, src_vocab_size: int, tgt_vocab_size: int) -> dict:
    if args.d_model % args.nhead:
        raise CLIError(f"--d-model {args.d_model} must be divisible by --nhead {args.nhead}")
    return {"src_vocab_size": src_vocab_size, "tgt_vocab_size": tgt_vocab_size, "d_model": args.d_model,
            "nhead": args.nhead, "num_layers": args.num_layers, "dim_feedforward": args.dim_feedforward,
            "dropout": args.dropout, "max_len": max(64, args.num_steps)}


def _heatmaps(net, data, args, device, out) -> list[str]:
    """Per-head attention of the greedy translation of the first held-out sentences: one
    teacher-forced pass over (source, <bos> + translation) with the weights captured."""
    import ember
    from ..models.attention import show_heatmaps
    from ..models.seq2seq import encode_source, predict_greedy
    from ..models.transformer_mt import capture_attention
    src_vocab, tgt_vocab = data["src_vocab"], data["tgt_vocab"]
    paths = []
    for i, (src, _) in enumerate(data["test"][:args.heatmaps]):
        pred, _ = predict_greedy(net, src, src_vocab, tgt_vocab, args.num_steps, device)
        out_tokens = (pred.split(" ") if pred else [])[:args.num_steps - 1] + ["<eos>"]
        dec_in = [tgt_vocab["<bos>"]] + tgt_vocab[out_tokens[:-1]]
        enc_X, enc_len = encode_source(src, src_vocab, args.num_steps, device)
        n_src = int(enc_len[0])
        src_tokens = (src.split(" ") + ["<eos>"])[:n_src]
        net.eval()
        with ember.no_grad(), capture_attention(net) as w:
            net(enc_X, ember.tensor([dec_in], dtype=ember.int64, device=device), enc_len)
        panels = [("encoder_self", "source", "source", src_tokens, src_tokens),
                  ("decoder_self", "output so far", "output", ["<bos>"] + out_tokens[:-1], out_tokens),
                  ("decoder_cross", "source", "output", src_tokens, out_tokens)]
        for kind, xlabel, ylabel, xt, yt in panels:
            m = ember.stack([layer[0] for layer in w[kind]])          # (layers, heads, queries, keys)
            m = m[:, :, :len(yt), :len(xt)]
            heads = m.shape[1]
            paths.append(show_heatmaps(m, xlabel=xlabel, ylabel=ylabel,
                                       titles=[f"head {h + 1}" for h in range(heads)],
                                       path=os.path.join(out, f"attention_{kind}_{i}.png"), figsize=(2.6, 2.6),
                                       xticklabels=xt, yticklabels=yt))
    return paths


def _arguments(p: argparse.ArgumentParser) -> None:
    from .main import _positive_int
    add_translation_arguments(p)
    p.add_argument("--d-model", type=_positive_int, default=32, help="embedding and attention width")
    p.add_argument("--nhead", type=_positive_int, default=4)
    p.add_argument("--num-layers", type=_positive_int, default=2, help="encoder and decoder blocks")
    p.add_argument("--dim-feedforward", type=_positive_int, default=64)


def _run(recipe, args) -> int:
    return run_translation(recipe, args, _build, _kwargs, _heatmaps, TRANSFORMER_DEFAULTS)


def _no_datasets(args):
    raise CLIError("the transformer-mt recipe reads its data itself (ember train transformer-mt [--data FILE])")


register(Recipe("transformer-mt", "Transformer encoder-decoder for translation on tab-separated pairs (d2l 11.7); "
                "default data: a generated toy translation set", _build, _no_datasets, loss="masked_ce",
                epochs=TRANSFORMER_DEFAULTS["epochs"], batch_size=TRANSFORMER_DEFAULTS["batch_size"],
                lr=TRANSFORMER_DEFAULTS["lr"], optimizer="adam", metrics=("bleu",), classes=[], input_shape=(10,),
                run=_run, add_arguments=_arguments, evaluate=evaluate_translation_checkpoint))
