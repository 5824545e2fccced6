"""Idioms from PyTorch's own tutorials: EmbeddingBag with offsets (text classification), DQN's
gather / max(1) / clip_grad_value_, DCGAN's ConvTranspose2d stack with BCELoss and full labels,
the polynomial fit of "Learning PyTorch with Examples", and a GRU decoder step with topk."""
import math
from collections import deque, namedtuple

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
bag = nn.EmbeddingBag(10, 3, mode="mean")
with torch.no_grad():
    bag.weight.copy_(torch.arange(30.).reshape(10, 3))
text = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
offsets = torch.tensor([0, 4])
print(bag(text, offsets).tolist())
print(nn.EmbeddingBag(10, 3, mode="sum")(text, offsets).shape)

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))
memory = deque([], maxlen=3)
for k in range(4):
    memory.append(Transition(torch.full((1, 4), float(k)), torch.tensor([[k % 2]]), torch.ones(1, 4), torch.tensor([1.0])))
batch = Transition(*zip(*memory))
states = torch.cat(batch.state)
actions = torch.cat(batch.action)
policy = nn.Linear(4, 2)
with torch.no_grad():
    policy.weight.fill_(0.5)
    policy.bias.zero_()
q = policy(states).gather(1, actions)
print(states[:, 0].tolist(), actions.view(-1).tolist(), q.view(-1).tolist())
with torch.no_grad():
    best = policy(torch.cat(batch.next_state)).max(1).values
print(best.tolist(), policy(states).max(1).indices.tolist())
mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool)
print(mask.tolist())
loss = nn.SmoothL1Loss()(q, (best * 0.99 + torch.cat(batch.reward)).unsqueeze(1))
opt = torch.optim.AdamW(policy.parameters(), lr=1e-4, amsgrad=True)
opt.zero_grad()
loss.backward()
torch.nn.utils.clip_grad_value_(policy.parameters(), 100)
opt.step()
print(round(loss.item(), 5))

nz, ngf = 8, 4
G = nn.Sequential(
    nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
    nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
    nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh())
D = nn.Sequential(nn.Conv2d(1, 4, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                  nn.Conv2d(4, 1, 8, 1, 0, bias=False), nn.Sigmoid())


def weights_init(m):
    name = m.__class__.__name__
    if name.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif name.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


G.apply(weights_init)
D.apply(weights_init)
noise = torch.randn(5, nz, 1, 1)
fake = G(noise)
label = torch.full((5,), 1.0, dtype=torch.float)
out = D(fake.detach()).view(-1)
err = nn.BCELoss()(out, label)
err.backward()
label.fill_(0.0)
print(fake.shape, out.shape, label.tolist(), err.dim(), (fake.abs() <= 1).all().item())

dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)
a, b, c, d = (torch.zeros((), dtype=dtype, requires_grad=True) for _ in range(4))
lr = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= lr * p.grad
            p.grad = None
print("polynomial fit loss below 50:", loss.item() < 50, "b close to 0.85:", abs(b.item() - 0.85) < 0.05)

gru = nn.GRU(4, 6, batch_first=True)
out_proj = nn.Linear(6, 5)
h = torch.zeros(1, 1, 6)
token = torch.zeros(1, 1, 4)
decoded = []
for _ in range(3):
    o, h = gru(token, h)
    logits = F.log_softmax(out_proj(o.squeeze(1)), dim=-1)
    topv, topi = logits.topk(1)
    decoded.append(topi.squeeze().detach().item())
    token = F.one_hot(topi.squeeze(1) % 4, 4).float().unsqueeze(1)
print(len(decoded), all(0 <= t < 5 for t in decoded), h.shape, topv.shape)
