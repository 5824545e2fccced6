"""A Transformer for translation (d2l 11.7) from ember.nn's TransformerEncoderLayer /
TransformerDecoderLayer and the sinusoidal PositionalEncoding, on the generated toy
translation set: teacher-forced training, greedy and beam decoding, BLEU, and the
per-head attention over the source of one translation.

``ember train transformer-mt`` does the same with checkpoints and a summary."""
import os

import _common
import ember as torch
from ember.models.attention import show_heatmaps
from ember.models.seq2seq import beam_search, encode_source, predict_greedy, train_seq2seq
from ember.models.transformer_mt import capture_attention, transformer_mt
from ember.text import bleu, load_translation_data, make_toy_translation, preprocess_nmt, write_translation_pairs

p = _common.parser(__doc__, epochs=20)
p.add_argument("--out", default="runs/transformer-mt-example")
args = p.parse_args()
torch.manual_seed(0)

pairs = make_toy_translation(1000, seed=0)
train, test = pairs[:900], pairs[900:]
path = write_translation_pairs(train, os.path.join(args.out, "train.tsv"))
batch_size, num_steps, lr = 64, 10, 0.005
train_iter, src_vocab, tgt_vocab = load_translation_data(path, batch_size, num_steps, num_examples=None)
net = transformer_mt(len(src_vocab), len(tgt_vocab), d_model=32, nhead=4, num_layers=2, dim_feedforward=64,
                     dropout=0.1)
train_seq2seq(net, train_iter, lr, args.epochs, tgt_vocab, init=False,
              on_epoch=lambda e, loss, speed: print(f"epoch {e + 1}: loss {loss:.4f}, {speed:,.0f} tokens/s"))

scores = []
for i, (src, tgt) in enumerate(test):
    label = preprocess_nmt(tgt)
    greedy, _ = predict_greedy(net, src, src_vocab, tgt_vocab, num_steps)
    beam, _ = beam_search(net, src, src_vocab, tgt_vocab, num_steps, beam_size=3)
    scores.append((bleu(greedy, label, k=2), bleu(beam, label, k=2)))
    if i < 4:
        print(f"{src} => {greedy} (beam: {beam}), bleu {scores[-1][0]:.3f}")
print(f"held-out BLEU: greedy {sum(s[0] for s in scores) / len(scores):.3f}, "
      f"beam {sum(s[1] for s in scores) / len(scores):.3f}")

# every head of every decoder layer attending over the source, for the first test sentence
src = test[0][0]
greedy, _ = predict_greedy(net, src, src_vocab, tgt_vocab, num_steps)
out_tokens = greedy.split() + ["<eos>"]
enc_X, enc_len = encode_source(src, src_vocab, num_steps)
dec_X = torch.tensor([[tgt_vocab["<bos>"]] + tgt_vocab[out_tokens[:-1]]])
with torch.no_grad(), capture_attention(net) as weights:
    net(enc_X, dec_X, enc_len)
cross = torch.stack([w[0] for w in weights["decoder_cross"]])      # (layers, heads, outputs, source steps)
src_tokens = preprocess_nmt(src).split() + ["<eos>"]
print(show_heatmaps(cross[:, :, :, :len(src_tokens)], xlabel="source", ylabel=["layer 1", "layer 2"],
                    titles=[f"head {h + 1}" for h in range(cross.shape[1])],
                    path=os.path.join(args.out, "cross_attention.png"), xticklabels=src_tokens,
                    yticklabels=out_tokens))
