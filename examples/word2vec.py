"""word2vec: skip-gram with negative sampling (d2l 15.3-15.4; the notes' 001 L1579-1625), written
as the book writes it, on a text corpus (default: the licences in /usr/share/common-licenses).

Same as ``ember train word2vec`` then ``ember similar runs/word2vec/last.pt WORD``."""
import _common
import ember as torch
from ember import nn
from ember.cli.recipes_word2vec import default_corpus_files
from ember.text.word2vec_data import load_word2vec_data, read_text_corpus

p = _common.parser(__doc__, epochs=5)
p.add_argument("--data", default=None, help="a text file (default: the Debian licence texts)")
p.add_argument("--words", nargs="*", default=["software", "license", "copyright"])
args = p.parse_args()

sentences = read_text_corpus(args.data or default_corpus_files())
data_iter, vocab = load_word2vec_data(sentences, batch_size=512, max_window_size=5, num_noise_words=5, min_freq=3)
print(f"{len(sentences)} sentences, vocabulary of {len(vocab)}, {len(data_iter.dataset)} center words")


def skip_gram(center, contexts_and_negatives, embed_v, embed_u):
    v = embed_v(center)                                     # (B, 1, E)
    u = embed_u(contexts_and_negatives)                     # (B, L, E)
    return torch.bmm(v, u.permute(0, 2, 1))                 # (B, 1, L)


class SigmoidBCELoss(nn.Module):
    def forward(self, inputs, target, mask=None):
        out = nn.functional.binary_cross_entropy_with_logits(inputs, target, weight=mask, reduction="none")
        return out.mean(dim=1)


loss = SigmoidBCELoss()
net = nn.Sequential(nn.Embedding(len(vocab), 100), nn.Embedding(len(vocab), 100))
net.apply(lambda m: nn.init.xavier_uniform_(m.weight) if type(m) == nn.Embedding else None)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
for epoch in range(args.epochs):
    total, n = 0.0, 0
    for center, context_negative, mask, label in data_iter:
        optimizer.zero_grad()
        pred = skip_gram(center, context_negative, net[0], net[1])
        l = loss(pred.reshape(label.shape).float(), label.float(), mask.float()) / mask.sum(axis=1) * mask.shape[1]
        l.sum().backward()
        optimizer.step()
        total, n = total + l.sum().item(), n + l.numel()
    print(f"epoch {epoch + 1}, loss {total / n:.3f}")


def get_similar_tokens(query_token, k, embed):
    W = embed.weight.data
    x = W[vocab[query_token]]
    cos = torch.mv(W, x) / torch.sqrt(torch.sum(W * W, dim=1) * torch.sum(x * x) + 1e-9)
    topk = torch.topk(cos, k=k + 1)[1].numpy().astype("int32")
    for i in topk[1:]:
        print(f"cosine sim={float(cos[i]):.3f}: {vocab.to_tokens(int(i))}")


for word in args.words:
    if word in vocab:
        print(f"{word}:")
        get_similar_tokens(word, 3, net[0])
