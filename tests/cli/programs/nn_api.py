"""nn layers, losses, hooks, schedulers and data utilities ordinary PyTorch code uses."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)
emb = nn.Embedding(10, 4, padding_idx=0)
print(emb(torch.tensor([[0, 3]])).shape, emb.weight[0].tolist())
lstm = nn.LSTM(4, 6, num_layers=2, batch_first=True, bidirectional=True, dropout=0.1)
seqs = [torch.ones(5, 4), torch.ones(3, 4)]
padded = pad_sequence(seqs, batch_first=True)
packed = pack_padded_sequence(padded, torch.tensor([5, 3]), batch_first=True, enforce_sorted=False)
out, (h, c) = lstm(packed)
out, lens = pad_packed_sequence(out, batch_first=True)
print(out.shape, lens.tolist(), h.shape, c.shape)
x2 = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
print(F.interpolate(x2, scale_factor=2, mode="bilinear", align_corners=False).shape, F.adaptive_avg_pool2d(x2, 1).shape)
print(F.pad(x2, (1, 1, 2, 2), mode="reflect").shape, F.unfold(x2, 2).shape, F.fold(torch.ones(1, 4, 9), (4, 4), 2).shape)
print(nn.init.kaiming_normal_(torch.empty(3, 4), mode="fan_out", nonlinearity="relu").shape)
w = torch.empty(3, 5)
nn.init.trunc_normal_(w, std=0.02)
print((w.abs() <= 0.04).all().item())
print(F.scaled_dot_product_attention(torch.ones(1, 2, 4, 8), torch.ones(1, 2, 4, 8), torch.ones(1, 2, 4, 8), is_causal=True).shape)
print(F.gelu(torch.tensor([1.0]), approximate="tanh").round(decimals=4).tolist())
print([f(torch.tensor([-1., 1.])).round(decimals=4).tolist() for f in (F.silu, F.mish, F.hardswish, F.softplus, F.elu, F.selu, F.celu)])
print(F.glu(torch.ones(4)).round(decimals=4).tolist())
m = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
m.register_buffer("steps", torch.zeros(1))
print([n for n, _ in m.named_modules()], [n for n, _ in m.named_buffers()], sum(p.numel() for p in m.parameters()))
calls = []
hf = m.register_forward_hook(lambda mod, i, o: calls.append("forward"))
m(torch.ones(2, 4)).sum()
hf.remove()
m(torch.ones(2, 4))
print(calls)
logp = F.log_softmax(torch.tensor([[1., 2., 3.], [1., 1., 1.]]), 1)
print(round(F.kl_div(logp, F.softmax(torch.tensor([[3., 2., 1.], [1., 2., 3.]]), 1), reduction="batchmean").item(), 4))
print(round(F.binary_cross_entropy_with_logits(torch.zeros(2), torch.ones(2), pos_weight=torch.tensor([2., 2.])).item(), 4))
print(round(nn.CrossEntropyLoss(weight=torch.tensor([1., 2.]))(torch.tensor([[1., 0.], [0., 1.]]), torch.tensor([0, 1])).item(), 4))
print(nn.HuberLoss()(torch.zeros(2), torch.ones(2)).item(), nn.SmoothL1Loss(beta=0.5)(torch.zeros(2), torch.ones(2)).item())
print(nn.CosineSimilarity(dim=1)(torch.ones(2, 3), torch.ones(2, 3)).round(decimals=4).tolist(), nn.PixelShuffle(2)(torch.zeros(1, 4, 2, 2)).shape)
print(nn.Unflatten(1, (2, 2))(torch.zeros(1, 4)).shape, nn.Identity()(torch.ones(3)).shape)
print(len(list(nn.ParameterList([nn.Parameter(torch.ones(2))]).parameters())))
print(m.half()[0].weight.dtype, m.double()[0].weight.dtype, m.float().requires_grad_(False)[0].weight.requires_grad)


@torch.no_grad()
def double(t):
    return t * 2


print(double(torch.ones(1, requires_grad=True)).requires_grad, torch.is_grad_enabled())
with torch.set_grad_enabled(False):
    print(torch.ones(1, requires_grad=True).mul(2).requires_grad)
net = nn.Linear(2, 2)
sch = torch.optim.lr_scheduler.ReduceLROnPlateau(torch.optim.SGD(net.parameters(), lr=0.1), mode="min", patience=0)
sch.step(1.0)
sch.step(2.0)
print([round(v, 6) for v in sch.get_last_lr()])
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True)
s1 = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
opt.step()
s1.step()
print(round(s1.get_last_lr()[0], 4))
print(torch.utils.data.Subset(list(range(10)), [1, 2])[1], len(torch.utils.data.ConcatDataset([list(range(3)), list(range(2))])))
print(len(list(torch.utils.data.WeightedRandomSampler([0.1, 0.9], 5))))
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True), 2, enable_nested_tensor=False)
print(enc(torch.ones(2, 5, 8), src_key_padding_mask=torch.zeros(2, 5, dtype=torch.bool)).shape)
ckpt = {"epoch": 3, "model": net.state_dict(), "opt": opt.state_dict()}
import os, tempfile  # noqa: E401,E402
p = os.path.join(tempfile.mkdtemp(), "ck.pt")
torch.save(ckpt, p)
back = torch.load(p, map_location="cpu")
print(back["epoch"], sorted(back["model"]), sorted(back["opt"]))
