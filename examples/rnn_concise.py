"""Concise recurrent language model with nn.GRU (d2l 8.6 / 9.1).

``ember.text.RNNModel`` wraps a recurrent layer: one-hot characters in, ``nn.GRU`` (or
``nn.RNN``/``nn.LSTM``: --cell), a Linear layer to the vocabulary out.
``ember.text.train_epoch`` is d2l's ``train_epoch_ch8`` (state detached between sequential
minibatches, gradient norm clipped to 1) and ``ember.text.predict`` continues a prefix."""
import _common
import ember as torch
from ember import nn
import ember.text as text

p = _common.parser(__doc__, epochs=100)
p.add_argument("--data", default=None, help="text file (default /usr/share/common-licenses/GPL-3)")
p.add_argument("--cell", choices=["rnn", "gru", "lstm"], default="gru")
p.add_argument("--hidden", type=int, default=128)
p.add_argument("--max-tokens", type=int, default=10000)
args = p.parse_args()

torch.manual_seed(0)
train_iter, vocab = text.load_data_lm(32, 35, max_tokens=args.max_tokens, path=args.data)
layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[args.cell](len(vocab), args.hidden)
net = text.RNNModel(layer, len(vocab))
optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
for epoch in range(args.epochs):
    ppl, speed = text.train_epoch(net, train_iter, nn.CrossEntropyLoss(), optimizer, clip=1.0)
    if (epoch + 1) % 20 == 0 or epoch == 0:
        sample = "".join(vocab.to_tokens(text.predict(vocab[list("the ")], 40, net)))
        print(f"epoch {epoch + 1}: perplexity {ppl:.2f}, {speed:,.0f} tokens/s  |  {sample!r}")
print("sampled at temperature 0.7:",
      repr("".join(vocab.to_tokens(text.predict(vocab[list("the ")], 60, net, greedy=False, temperature=0.7,
                                                banned=[vocab.unk], generator=torch.Generator().manual_seed(0))))))
