"""Multi-head attention by hand and with nn.MultiheadAttention (seed 001 "Self-Attention" /
"Multi-Head Attention", d2l 11.5): the same numbers from both.

By hand: project X into Q, K, V with one (3E, E) matrix, split E into ``num_heads``
slices, softmax(Q K^T / sqrt(d)) V per head (all heads at once, as a batch of
matrices), concatenate the heads, project out.  nn.MultiheadAttention holds exactly
these weights (``in_proj_weight``/``in_proj_bias``, ``out_proj``), so loading them
gives the layer's output and its head-averaged attention weights.  The seed's worked
shapes come first: X 3x10, W_q/W_k 10x5, W_v 10x8 give a 3x3 score matrix and a 3x8
output."""
import math

import _common  # noqa: F401
import ember as torch
from ember import nn

torch.manual_seed(0)

# the seed's single-head example: "I love you", 3 words of 10 features
X = torch.randn(3, 10)
W_q, W_k, W_v = torch.randn(10, 5), torch.randn(10, 5), torch.randn(10, 8)
Q, K, V = X @ W_q, X @ W_k, X @ W_v
scores = torch.softmax(Q @ K.T / math.sqrt(5), dim=-1)
print("scores", tuple(scores.shape), "rows sum to", scores.sum(-1).tolist())
print("output", tuple((scores @ V).shape))


def multi_head_by_hand(x, w_in, b_in, w_out, b_out, num_heads, mask=None):
    """x (L, N, E) -> (output (L, N, E), weights averaged over heads (N, L, L)).
    ``mask`` (L, L) bool: True where attention is not allowed (nn.MultiheadAttention's convention)."""
    L, N, E = x.shape
    d = E // num_heads
    q, k, v = (x @ w_in.T + b_in).chunk(3, dim=-1)                        # each (L, N, E)
    split = lambda t: t.reshape(L, N, num_heads, d).permute(1, 2, 0, 3)   # noqa: E731  (N, H, L, d)
    q, k, v = split(q), split(k), split(v)
    s = q @ k.transpose(-2, -1) / math.sqrt(d)                            # (N, H, L, L)
    if mask is not None:
        s = s.masked_fill(mask, float("-inf"))
    a = torch.softmax(s, dim=-1)
    heads = (a @ v).permute(2, 0, 1, 3).reshape(L, N, E)                  # concatenate the heads
    return heads @ w_out.T + b_out, a.mean(dim=1)


E, H, L, N = 16, 4, 6, 2
mha = nn.MultiheadAttention(E, H)
print(mha)
x = torch.randn(L, N, E)
causal = torch.ones(L, L, dtype=torch.bool).triu(1)
with torch.no_grad():
    for mask in (None, causal):
        ours, ours_w = multi_head_by_hand(x, mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight,
                                          mha.out_proj.bias, H, mask)
        ref, ref_w = mha(x, x, x, attn_mask=mask)
        print(f"mask={'causal' if mask is not None else 'none'}: max |by hand - nn.MultiheadAttention| = "
              f"{(ours - ref).abs().max().item():.2e} (output), {(ours_w - ref_w).abs().max().item():.2e} (weights)")
        assert torch.allclose(ours, ref, atol=1e-5) and torch.allclose(ours_w, ref_w, atol=1e-6)
    # the fused functional form, heads as a batch dimension
    q = torch.randn(N, H, L, E // H)
    out = nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)
    print("scaled_dot_product_attention", tuple(out.shape))
