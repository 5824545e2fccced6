"""Sentiment analysis of movie reviews with a bidirectional LSTM (d2l 16.2) or a TextCNN (16.3);
the notes train a GRU on Kaggle's IMDB files (001 L1742-1934).

Without --data the reviews are generated with planted sentiment words; --data takes an aclImdb
folder or one holding Kaggle's labeledTrainData.tsv; --embeddings a GloVe text file (d2l uses
glove.6b.100d).  ``ember train sentiment`` does the same and also writes submission.csv."""
import _common
import ember as torch
from ember import nn
from ember.models.sentiment import BiRNN, TextCNN
from ember.text import TokenEmbedding, basic_english_normalize
from ember.text.imdb import load_imdb
from ember.train import Trainer

p = _common.parser(__doc__, epochs=5)
p.add_argument("--data", default=None)
p.add_argument("--model", choices=["birnn", "textcnn"], default="birnn")
p.add_argument("--embeddings", default=None)
p.add_argument("--num-steps", type=int, default=None)
args = p.parse_args()

num_steps = args.num_steps or (500 if args.data else 64)
train_iter, test_iter, vocab = load_imdb(batch_size=64, num_steps=num_steps, data=args.data)
embed_size = TokenEmbedding(args.embeddings).dim if args.embeddings else 100
if args.model == "birnn":
    net, lr = BiRNN(len(vocab), embed_size, num_hiddens=100, num_layers=2), 0.01
else:
    net, lr = TextCNN(len(vocab), embed_size, kernel_sizes=[3, 4, 5], num_channels=[100, 100, 100]), 0.001


def init_weights(module):
    if type(module) in (nn.Linear, nn.Conv1d):
        nn.init.xavier_uniform_(module.weight)
    if type(module) == nn.LSTM:
        for param in module._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(module._parameters[param])


net.apply(init_weights)
if args.embeddings:
    net.load_pretrained_embeddings(TokenEmbedding(args.embeddings)[vocab.idx_to_token])
trainer = Trainer(net, nn.CrossEntropyLoss(), torch.optim.Adam([q for q in net.parameters() if q.requires_grad], lr=lr))
trainer.fit(train_iter, epochs=args.epochs, val_loader=test_iter)


def predict_sentiment(net, vocab, sequence):
    tokens = vocab[basic_english_normalize(sequence)]
    tokens = tokens + [vocab["<pad>"]] * max(0, 5 - len(tokens))   # TextCNN needs >= its largest kernel
    label = torch.argmax(net(torch.tensor(tokens).reshape(1, -1)), dim=1)
    return "positive" if label == 1 else "negative"


net.eval()
for sentence in ("this movie is so great", "this movie is so bad"):
    print(f"{sentence!r}: {predict_sentiment(net, vocab, sentence)}")
