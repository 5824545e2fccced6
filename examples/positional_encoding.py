"""Sinusoidal positional encoding (seed 001 "位置编码", d2l 11.6): the table, the seed's
d = 4 example at position 10, the relative-position property, and a plot.

P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d)).  Writes a PNG
(``--out``, default positional_encoding.png) with columns 6-9 against the position and
the whole table as a heat map."""
import math

import _common
import ember as torch
from ember import nn

p = _common.parser(__doc__)
p.add_argument("--out", default="positional_encoding.png")
args = p.parse_args()

d, n = 32, 60
pe = nn.PositionalEncoding(d, dropout=0.0, max_len=n, batch_first=True)
P = pe.pe[0]                                     # (n, d)
print(pe)

# the seed's example: d = 4, the 10th position, read off two sines and two cosines
P4 = nn.PositionalEncoding(4, dropout=0.0, max_len=20).pe[:, 0]
print("d=4, position 10:", [round(v, 4) for v in P4[10].tolist()],
      "= [sin 10, cos 10, sin 0.1, cos 0.1] =",
      [round(v, 4) for v in (math.sin(10), math.cos(10), math.sin(0.1), math.cos(0.1))])

# relative positions: P[i + k] is a fixed rotation of P[i] in each (sin, cos) pair
k = 3
w = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
c, s = torch.cos(k * w), torch.sin(k * w)
sin_i, cos_i = P[:-k, 0::2], P[:-k, 1::2]
rotated = torch.stack([sin_i * c + cos_i * s, cos_i * c - sin_i * s], dim=-1).reshape(n - k, d)
print(f"max |P[i+{k}] - R_{k} P[i]| = {(rotated - P[k:]).abs().max().item():.1e}")

# adding it to a batch of embeddings
x = torch.zeros(2, 10, d)
print("x + P:", tuple(pe(x).shape))

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
else:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
    for j in range(6, 10):
        ax1.plot(range(n), P[:, j].tolist(), label=f"col {j}")
    ax1.set_xlabel("position")
    ax1.legend()
    im = ax2.imshow(P.numpy(), aspect="auto", cmap="Blues")
    ax2.set_xlabel("encoding dimension")
    ax2.set_ylabel("position")
    fig.colorbar(im, ax=ax2)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print("wrote", args.out)
