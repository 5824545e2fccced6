"""The seq2seq and transformer-mt recipes' models trained by PyTorch on the same toy data,
batches and hyperparameters (not the same initial weights), for a time and BLEU reference.

Command: .venv/bin/python benchmarks/seq2seq_reference.py [--model seq2seq|transformer] [--epochs 20]"""
import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from ember.text import Vocab, bleu, build_array, make_toy_translation, preprocess_nmt, tokenize_nmt  # noqa: E402


class Additive(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.W_k, self.W_q, self.w_v = nn.Linear(h, h, bias=False), nn.Linear(h, h, bias=False), nn.Linear(h, 1, bias=False)

    def forward(self, q, k, v, lens):
        s = self.w_v(torch.tanh(self.W_q(q).unsqueeze(2) + self.W_k(k).unsqueeze(1))).squeeze(-1)
        s = s.masked_fill(torch.arange(s.shape[-1])[None, None] >= lens[:, None, None], -1e6)
        return torch.bmm(torch.softmax(s, -1), v)


class Seq2Seq(nn.Module):
    def __init__(self, Vs, Vt, E=32, H=32, L=2, p=0.1):
        super().__init__()
        self.emb_s, self.enc = nn.Embedding(Vs, E), nn.GRU(E, H, L, dropout=p)
        self.att, self.emb_t, self.dec = Additive(H), nn.Embedding(Vt, E), nn.GRU(E + H, H, L, dropout=p)
        self.dense = nn.Linear(H, Vt)

    def forward(self, X, Y, lens):
        out, h = self.enc(self.emb_s(X).permute(1, 0, 2))
        out = out.permute(1, 0, 2)
        outs = []
        for y in self.emb_t(Y).permute(1, 0, 2):
            ctx = self.att(h[-1].unsqueeze(1), out, out, lens)
            o, h = self.dec(torch.cat((ctx, y.unsqueeze(1)), -1).permute(1, 0, 2), h)
            outs.append(o)
        return self.dense(torch.cat(outs, 0)).permute(1, 0, 2)


class TransformerMT(nn.Module):
    def __init__(self, Vs, Vt, d=32, nhead=4, L=2, ff=64, p=0.1, max_len=64):
        super().__init__()
        self.d = d
        self.emb_s, self.emb_t = nn.Embedding(Vs, d), nn.Embedding(Vt, d)
        for e in (self.emb_s, self.emb_t):
            nn.init.normal_(e.weight, std=d ** -0.5)
        pos = torch.arange(max_len, dtype=torch.float64)[:, None]
        freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d, dtype=torch.float64)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
        self.register_buffer("pe", pe.float()[None])
        self.drop = nn.Dropout(p)
        self.tf = nn.Transformer(d, nhead, L, L, ff, p, batch_first=True)
        self.dense = nn.Linear(d, Vt)

    def embed(self, emb, X):
        return self.drop(emb(X) * math.sqrt(self.d) + self.pe[:, :X.shape[1]])

    def forward(self, X, Y, lens):
        pad = torch.arange(X.shape[1])[None] >= lens[:, None]
        causal = nn.Transformer.generate_square_subsequent_mask(Y.shape[1])
        out = self.tf(self.embed(self.emb_s, X), self.embed(self.emb_t, Y), tgt_mask=causal,
                      src_key_padding_mask=pad, memory_key_padding_mask=pad, tgt_is_causal=True)
        return self.dense(out)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", choices=["seq2seq", "transformer"], default="seq2seq")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    src, tgt = tokenize_nmt(preprocess_nmt("\n".join(f"{a}\t{b}" for a, b in make_toy_translation(1000, args.seed))))
    import random
    order = list(range(len(src)))
    random.Random(args.seed).shuffle(order)
    test, train = order[:100], order[100:]
    sv = Vocab([src[i] for i in train], min_freq=2, reserved_tokens=["<pad>", "<bos>", "<eos>"])
    tv = Vocab([tgt[i] for i in train], min_freq=2, reserved_tokens=["<pad>", "<bos>", "<eos>"])
    X, Xl = (torch.tensor(a.numpy()) for a in build_array([src[i] for i in train], sv, 10))
    Y, Yl = (torch.tensor(a.numpy()) for a in build_array([tgt[i] for i in train], tv, 10))
    if args.model == "seq2seq":
        net = Seq2Seq(len(sv), len(tv))
        for m in net.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
            if isinstance(m, nn.GRU):
                for n, w in m.named_parameters():
                    if "weight" in n:
                        nn.init.xavier_uniform_(w)
    else:
        net = TransformerMT(len(sv), len(tv))
    opt = torch.optim.Adam(net.parameters(), lr=0.005)
    bos = tv["<bos>"]
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        net.train()
        for idx in torch.randperm(len(X)).split(64):
            x, xl, y, yl = X[idx], Xl[idx], Y[idx], Yl[idx]
            dec_in = torch.cat([torch.full((len(y), 1), bos), y[:, :-1]], 1)
            out = net(x, dec_in, xl)
            w = (torch.arange(10)[None] < yl[:, None]).float()
            loss = (nn.functional.cross_entropy(out.permute(0, 2, 1), y, reduction="none") * w).mean(1)
            opt.zero_grad()
            loss.sum().backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
    train_s = time.perf_counter() - t0
    net.eval()
    scores = []
    with torch.no_grad():
        for i in test:
            s = sv[src[i]] + [sv["<eos>"]]
            n = min(len(s), 10)
            x = torch.tensor([(s + [sv["<pad>"]] * 10)[:10]])
            toks = [bos]
            for _ in range(10):
                nxt = int(net(x, torch.tensor([toks]), torch.tensor([n]))[0, -1].argmax())
                if nxt == tv["<eos>"]:
                    break
                toks.append(nxt)
            scores.append(bleu(" ".join(tv.to_tokens(toks[1:])), " ".join(tgt[i]), 2))
    print(f"PyTorch {torch.__version__} {args.model}: {args.epochs} epochs in {train_s:.1f}s, "
          f"held-out greedy BLEU-2 {sum(scores) / len(scores):.3f}")


if __name__ == "__main__":
    main()
