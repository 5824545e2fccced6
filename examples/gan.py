"""A DCGAN on Fashion-MNIST (d2l 20.1-20.2; the notes' 000 L640-653): the generator forges
images from noise, the discriminator tells real from forged, and each learns from the other.
Trains --steps minibatches (300 by default: 65 s of CPU time on one core, rough garment
silhouettes; 3 epochs = 1400 steps give recognisable shirts, trousers, bags and shoes) and saves
an 8x8 grid from fixed noise to --out.

Same as ``ember train gan`` (which also judges the samples with a classifier), then
``ember sample runs/gan/checkpoint.pt --out grid.png``."""
import _common
import ember as torch
from ember import nn
from ember.models.gan import Discriminator, Generator, dcgan_init
from ember.vision.utils import save_image

p = _common.parser(__doc__, epochs=1)
p.add_argument("--steps", type=int, default=300, help="minibatches of 128 to train on")
p.add_argument("--out", default="gan_samples.png")
args = p.parse_args()

torch.manual_seed(0)
latent_dim = 64
net_G, net_D = Generator(latent_dim, channels=32), Discriminator(channels=32)
net_G.apply(dcgan_init)
net_D.apply(dcgan_init)
print(net_G)
print(sum(p.numel() for p in net_G.parameters()), "generator parameters,",
      sum(p.numel() for p in net_D.parameters()), "discriminator parameters")

train_iter, _ = _common.fashion_loaders(args, batch_size=128)
loss = nn.BCEWithLogitsLoss()
trainer_D = torch.optim.Adam(net_D.parameters(), lr=2e-4, betas=(0.5, 0.999))
trainer_G = torch.optim.Adam(net_G.parameters(), lr=2e-4, betas=(0.5, 0.999))
fixed_noise = torch.randn(64, latent_dim)

step = 0
while step < args.steps:
    for X, _ in train_iter:
        X = X * 2 - 1                                   # [0, 1] -> Tanh's [-1, 1]
        Z = torch.randn(X.shape[0], latent_dim)
        # discriminator: real images -> 1, forged ones -> 0 (detached: G is not updated here)
        trainer_D.zero_grad()
        real_Y, fake_Y = net_D(X), net_D(net_G(Z).detach())
        loss_D = (loss(real_Y, torch.ones_like(real_Y)) + loss(fake_Y, torch.zeros_like(fake_Y))) / 2
        loss_D.backward()
        trainer_D.step()
        # generator: make D call the forgeries real (the gradient flows through D into G)
        trainer_G.zero_grad()
        fake_Y = net_D(net_G(Z))
        loss_G = loss(fake_Y, torch.ones_like(fake_Y))
        loss_G.backward()
        trainer_G.step()
        step += 1
        if step % 50 == 0:
            print(f"step {step}: loss_D {loss_D.item():.3f}, loss_G {loss_G.item():.3f}")
        if step == args.steps:
            break

net_G.eval()
with torch.no_grad():
    save_image(net_G(fixed_noise) * 0.5 + 0.5, args.out, nrow=8)
print("samples saved to", args.out)
