"""Training-workflow idioms: custom Dataset and collate_fn, worker processes, a custom autograd
Function, ModuleList, init via apply, parameter groups, gradient accumulation, scheduler chains,
resuming from a checkpoint, soft-label cross-entropy, distributions."""
import math
import os
import tempfile

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
torch.cuda.manual_seed_all(0)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": torch.tensor([i / self.n], dtype=torch.float32), "y": torch.tensor(float(i % 2))}


def collate(batch):
    return torch.stack([b["x"] for b in batch]), torch.stack([b["y"] for b in batch])


if __name__ == "__main__":
    dl = DataLoader(Squares(64), batch_size=16, collate_fn=collate, num_workers=2, persistent_workers=False)
    batches = list(dl)
    print(len(batches), batches[0][0].shape, batches[0][1].tolist()[:4], batches[-1][0][-1].item())


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad


t = torch.tensor([1., 2.], requires_grad=True)
Cube.apply(t).sum().backward()
print(t.grad.tolist(), torch.autograd.gradcheck(Cube.apply, (torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True),)))


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        for layer in self.layers:
            x = F.relu(layer(x)) + x
        return self.head(x)


def init(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.1)
        nn.init.zeros_(m.bias)


net = Stack()
net.apply(init)
print(net(torch.ones(1, 3)).item())
decay = [p for n, p in net.named_parameters() if n.endswith("weight")]
no_decay = [p for n, p in net.named_parameters() if n.endswith("bias")]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=0.01,
                        amsgrad=True)
warm = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / 3)
cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[3])
xs = torch.linspace(0, 1, 32).reshape(8, 4)[:, :3]
ys = xs.sum(1, keepdim=True)
lrs = []
for step in range(8):
    for k in range(2):  # gradient accumulation over two half-batches
        loss = F.mse_loss(net(xs[k * 4:(k + 1) * 4]), ys[k * 4:(k + 1) * 4]) / 2
        loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=10.0)
    opt.step()
    opt.zero_grad()
    sched.step()
    lrs.append(round(opt.param_groups[0]["lr"], 6))
print(lrs)
print(isinstance(norm, torch.Tensor), [g["weight_decay"] for g in opt.param_groups])
path = os.path.join(tempfile.mkdtemp(), "ck.pt")
torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "step": 8}, path)
net2 = Stack()
opt2 = torch.optim.AdamW([{"params": [p for n, p in net2.named_parameters() if n.endswith("weight")], "weight_decay": 0.1},
                          {"params": [p for n, p in net2.named_parameters() if n.endswith("bias")], "weight_decay": 0.0}],
                         lr=0.01, amsgrad=True)
ck = torch.load(path)
net2.load_state_dict(ck["model"])
opt2.load_state_dict(ck["opt"])
print(ck["step"], torch.equal(net2.head.weight, net.head.weight), opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"])
print(sorted(opt2.state_dict()["state"][0]))
soft = torch.tensor([[0.7, 0.2, 0.1]])
print(round(F.cross_entropy(torch.tensor([[2.0, 1.0, 0.1]]), soft).item(), 5))
d = torch.distributions.Categorical(logits=torch.tensor([0.0, 0.0, math.log(2.0)]))
print(d.probs.tolist(), round(d.entropy().item(), 5), d.sample((4,)).shape, d.log_prob(torch.tensor(2)).exp().item())
n = torch.distributions.Normal(torch.tensor([0.0]), torch.tensor([2.0]))
print(round(n.log_prob(torch.tensor([1.0])).item(), 5), n.rsample((3,)).shape, n.mean.tolist(), n.stddev.tolist())
