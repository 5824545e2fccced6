"""A PyTorch-2 style training script: device selection, backends flags, compile, AdamW, StepLR,
clip_grad_norm_, inference_mode, saving and reloading a state_dict."""
import os
import tempfile

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
torch.backends.cudnn.benchmark = True
device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print("device is cpu or cuda:", device in ("cpu", "cuda"))

X = torch.linspace(-3, 3, 600).reshape(300, 2)
X = torch.cat([X, X.flip(0) * 0.5], dim=1)
y = (X[:, 0] + X[:, 3] > 0).long()
tr, va = random_split(TensorDataset(X, y), [240, 60], generator=torch.Generator().manual_seed(42))
print("split sizes:", len(tr), len(va))
dl = DataLoader(tr, batch_size=32, shuffle=True, drop_last=True)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.stack = nn.Sequential(nn.Linear(4, 32), nn.GELU(), nn.Dropout(0.1), nn.LayerNorm(32), nn.Linear(32, 2))

    def forward(self, x):
        return self.stack(self.flatten(x))


model = torch.compile(Net().to(device))
print("compiled keys:", list(model.state_dict())[:2])
opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
for epoch in range(6):
    model.train()
    for xb, yb in dl:
        xb, yb = xb.to(device, non_blocking=True), yb.to(device)
        loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    sched.step()
print("last lr:", sched.get_last_lr())
model.eval()
with torch.inference_mode():
    xs = torch.stack([va[i][0] for i in range(len(va))])
    ys = torch.tensor([int(va[i][1]) for i in range(len(va))])
    out = model(xs.to(device))
    acc = (out.argmax(1).cpu() == ys).float().mean().item()
print("inference output requires grad:", out.requires_grad)
print("validation accuracy above 0.9:", acc > 0.9)
path = os.path.join(tempfile.mkdtemp(), "model.pth")
torch.save(model._orig_mod.state_dict(), path)
plain = Net()
print(plain.load_state_dict(torch.load(path, weights_only=True, map_location="cpu")))
with torch.no_grad():
    print("reloaded model agrees:", torch.allclose(plain.eval()(xs), out.cpu(), atol=1e-5))

# mixed precision, as PyTorch 2 scripts write it (float16 on the CPU: ember has no bfloat16)
scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 10)
model.train()
for xb, yb in dl:
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
    opt.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(opt)
    scaler.update()
print("autocast dtypes:", logits.dtype, loss.dtype, next(model.parameters()).grad.dtype)
print("scale kept:", scaler.get_scale(), "autocast off again:", not torch.is_autocast_enabled("cpu"))
