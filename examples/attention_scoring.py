"""Attention scoring functions (d2l 11.3): masked softmax, additive (Bahdanau) attention and
scaled dot-product attention on d2l's small examples, with the weights drawn as a heatmap."""
import _common
import ember as torch
from ember.models.attention import AdditiveAttention, DotProductAttention, masked_softmax, show_heatmaps

p = _common.parser(__doc__, epochs=0)
p.add_argument("--out", default="runs/attention_scoring.png")
args = p.parse_args()
torch.manual_seed(0)

# masked softmax: one valid length per example, or one per query
print(masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3])))
print(masked_softmax(torch.rand(2, 2, 4), torch.tensor([[1, 3], [2, 4]])))

# additive attention: queries of size 20, keys of size 2, 10 key-value pairs per example
queries, keys = torch.normal(0, 1, (2, 1, 20)), torch.ones((2, 10, 2))
values = torch.arange(40, dtype=torch.float32).reshape(1, 10, 4).repeat(2, 1, 1)
valid_lens = torch.tensor([2, 6])
attention = AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
attention.eval()
print(attention(queries, keys, values, valid_lens))          # keys are equal: the mean of the valid values
show_heatmaps(attention.attention_weights.reshape((1, 1, 2, 10)), xlabel="Keys", ylabel="Queries",
              path=args.out)

# scaled dot-product attention: queries and keys share their size
queries = torch.normal(0, 1, (2, 1, 2))
attention = DotProductAttention(dropout=0.5)
attention.eval()
print(attention(queries, keys, values, valid_lens))
print(f"heatmap of the additive attention weights: {args.out}")
