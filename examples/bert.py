"""BERT (d2l 15.8-15.10) on this machine's licence texts: build the pretraining data (sentence
pairs, 50% random next sentences, 15% of the tokens masked with the 80/10/10 rule), train a
BERT-tiny with the MLM head tied to the token embedding for a few hundred steps, then fill in
a masked word.  ``ember train bert-pretrain`` / ``bert-finetune`` run the full recipes."""
import _common
import ember as torch
from ember import nn
from ember.models.bert import bert_tiny
from ember.text import bert_data
from ember.utils.data import DataLoader

p = _common.parser(__doc__, epochs=1)
p.add_argument("--paragraphs", type=int, default=400, help="corpus paragraphs to use (default 400)")
p.add_argument("--corpus", default=None, help="text file or folder (default: the licence texts)")
args = p.parse_args()

torch.manual_seed(0)
paragraphs = bert_data.load_corpus(args.corpus, max_paragraphs=args.paragraphs)
ds = bert_data.BERTPretrainDataset(paragraphs, max_len=48)
vocab = ds.vocab
print(f"{len(paragraphs)} paragraphs -> {len(ds)} sentence pairs, vocabulary of {len(vocab)}")
tokens, segments, valid_len, pred_positions, mlm_weights, mlm_labels, nsp_label = ds[0]
print("first pair:", " ".join(vocab.to_tokens(tokens[:int(valid_len)].tolist())))
print("predict at", pred_positions.tolist(), "->", vocab.to_tokens(mlm_labels.tolist()), "is next:", bool(nsp_label))

net = bert_tiny(len(vocab), max_len=48)
print("tied MLM output layer:", net.mlm.decoder.weight is net.encoder.token_embedding.weight)
opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
loss_fn = nn.CrossEntropyLoss(reduction="none")
step = 0
for epoch in range(args.epochs):
    ds.resample(epoch)  # new pairs and masks every epoch
    for tok, seg, vl, pos, w, lab, nsp in DataLoader(ds, batch_size=64, shuffle=True):
        _, mlm_hat, nsp_hat = net(tok, seg, vl, pos)
        mlm_l = (loss_fn(mlm_hat.reshape(-1, len(vocab)), lab.reshape(-1)) * w.reshape(-1)).sum() / w.sum()
        loss = mlm_l + loss_fn(nsp_hat, nsp).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 10 == 0:
            acc = ((mlm_hat.argmax(-1) == lab).float() * w).sum() / w.sum()
            print(f"step {step}: mlm loss {mlm_l.item():.3f}, mlm accuracy {acc.item():.3f}")

net.eval()
words = bert_data.tokenize_sentence("This program is free software; you can redistribute it")
masked = 3  # "free"
tokens, segments = bert_data.get_tokens_and_segments(words)
tokens[masked + 1] = "<mask>"
with torch.no_grad():
    _, mlm_hat, _ = net(torch.tensor([vocab[tokens]]), torch.tensor([segments]), None,
                        torch.tensor([[masked + 1]]))
top = mlm_hat[0, 0].topk(5).indices.tolist()
print(" ".join(tokens), "->", vocab.to_tokens(top))
