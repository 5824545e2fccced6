"""Sequence to sequence learning with Bahdanau attention (d2l 10.7, 11.4) on the generated toy
translation set: train with teacher forcing, translate held-out sentences greedily and with
beam search, score them with BLEU and draw the attention of one translation.

``ember train seq2seq`` does the same with checkpoints and a summary (see docs/seq2seq.md)."""
import os

import _common
import ember as torch
from ember.models.attention import show_heatmaps
from ember.models.seq2seq import (EncoderDecoder, Seq2SeqAttentionDecoder, Seq2SeqEncoder, beam_search,
                                  predict_greedy, train_seq2seq)
from ember.text import bleu, load_translation_data, make_toy_translation, preprocess_nmt, write_translation_pairs

p = _common.parser(__doc__, epochs=20)
p.add_argument("--out", default="runs/seq2seq-example")
args = p.parse_args()
torch.manual_seed(0)

pairs = make_toy_translation(1000, seed=0)                   # e.g. ('Tri ein pen.', 'mo ri e go!')
train, test = pairs[:900], pairs[900:]
path = write_translation_pairs(train, os.path.join(args.out, "train.tsv"))
embed_size, num_hiddens, num_layers, dropout = 32, 32, 2, 0.1
batch_size, num_steps, lr = 64, 10, 0.005
train_iter, src_vocab, tgt_vocab = load_translation_data(path, batch_size, num_steps, num_examples=None)

encoder = Seq2SeqEncoder(len(src_vocab), embed_size, num_hiddens, num_layers, dropout)
decoder = Seq2SeqAttentionDecoder(len(tgt_vocab), embed_size, num_hiddens, num_layers, dropout)
net = EncoderDecoder(encoder, decoder)
train_seq2seq(net, train_iter, lr, args.epochs, tgt_vocab,
              on_epoch=lambda e, loss, speed: print(f"epoch {e + 1}: loss {loss:.4f}, {speed:,.0f} tokens/s"))

scores = []
for i, (src, tgt) in enumerate(test):
    label = preprocess_nmt(tgt)
    greedy, weights = predict_greedy(net, src, src_vocab, tgt_vocab, num_steps, save_attention_weights=True)
    beam, _ = beam_search(net, src, src_vocab, tgt_vocab, num_steps, beam_size=3)
    scores.append((bleu(greedy, label, k=2), bleu(beam, label, k=2)))
    if i < 4:
        print(f"{src} => {greedy} (beam: {beam}), bleu {scores[-1][0]:.3f}")
    if i == 0:
        w = torch.cat([step[0].reshape(1, -1) for step in weights], 0)
        src_tokens = preprocess_nmt(src).split() + ["<eos>"]
        show_heatmaps(w[:, :len(src_tokens)].reshape(1, 1, w.shape[0], -1), xlabel="source", ylabel="output",
                      path=os.path.join(args.out, "attention.png"), xticklabels=src_tokens,
                      yticklabels=greedy.split() + ["<eos>"])
print(f"held-out BLEU: greedy {sum(s[0] for s in scores) / len(scores):.3f}, "
      f"beam {sum(s[1] for s in scores) / len(scores):.3f}")
