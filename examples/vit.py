"""Vision Transformer (d2l 11.8) on Fashion-MNIST: 7x7 patches (16 per image) embedded by a
stride-7 convolution, a class token, learned positions, two pre-norm Transformer blocks and a
LayerNorm + Linear head; AdamW.  The full 60000 images reach about 0.83 test accuracy in 3
epochs (docs/performance.md); --subset trains on fewer."""
import _common
import ember as torch
from ember import nn
from ember.models.vit import ViT
from ember.train import Trainer

args = _common.parser(__doc__, epochs=3).parse_args()
torch.manual_seed(0)
net = ViT(img_size=28, patch_size=7, num_hiddens=64, mlp_num_hiddens=128, num_heads=4, num_blks=2)
X = torch.rand(2, 1, 28, 28)
print("patches:", net.patch_embedding(X).shape, "logits:", net(X).shape)
print(sum(p.numel() for p in net.parameters()), "parameters")
train_iter, test_iter = _common.fashion_loaders(args, batch_size=128)
Trainer(net, nn.CrossEntropyLoss(), torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)).fit(
    train_iter, epochs=args.epochs, val_loader=test_iter)
