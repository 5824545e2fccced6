"""``ember.models``: the classic CNN zoo (also ``ember.vision.models``, and ``torchvision.models``
under ``ember run``).

torchvision's architectures keep torchvision's builder names, signatures, module names and
state_dict keys, so its checkpoints load with ``weights='/path/to/file.pth'`` (never a
download): ``alexnet``, ``vgg11``/``13``/``16``/``19`` (and ``_bn``), ``googlenet``,
``resnet18``/``34``/``50``/``101``/``152``, ``densenet121``.

The d2l book's versions (single-channel Fashion-MNIST inputs, plain ``nn.Sequential`` so the
book's per-layer shape walk works) are in ``ember.models.d2l``; the ones torchvision lacks
are also here: ``lenet``, ``lenet_relu``, ``lenet_bn``, ``nin``, ``resnet_mini``.
"""
from __future__ import annotations

from typing import Any, Callable

from . import d2l
from ._utils import WeightsEnum
from .alexnet import AlexNet, AlexNet_Weights, alexnet
from .d2l import resnet_mini
from .densenet import DenseNet, DenseNet121_Weights, densenet121
from .googlenet import GoogLeNet, GoogLeNet_Weights, GoogLeNetOutputs, googlenet
from .lenet import lenet, lenet_bn, lenet_relu
from .nin import nin
from .bert import (BERTClassifier, BERTEncoder, BERTModel, MaskLM, NextSentencePred, bert_base, bert_medium,
                   bert_mini, bert_small, bert_tiny)
from .transformer_classifier import TransformerClassifier
from .gan import (DCGANDiscriminator, DCGANGenerator, Discriminator, Generator, PatchDiscriminator, ResnetBlock,
                  ResnetGenerator, cycle_consistency_loss, cyclegan_step, dcgan_init)
from .vit import ViT, vit_fashion
from .resnet import (BasicBlock, Bottleneck, ResNet, ResNet18_Weights, ResNet34_Weights, ResNet50_Weights,
                     ResNet101_Weights, ResNet152_Weights, resnet18, resnet34, resnet50, resnet101, resnet152)
from .vgg import (VGG, VGG11_BN_Weights, VGG11_Weights, VGG13_BN_Weights, VGG13_Weights, VGG16_BN_Weights,
                  VGG16_Weights, VGG19_BN_Weights, VGG19_Weights, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn,
                  vgg19, vgg19_bn)

_BUILDERS: dict[str, Callable] = {
    "alexnet": alexnet, "vgg11": vgg11, "vgg11_bn": vgg11_bn, "vgg13": vgg13, "vgg13_bn": vgg13_bn, "vgg16": vgg16,
    "vgg16_bn": vgg16_bn, "vgg19": vgg19, "vgg19_bn": vgg19_bn, "googlenet": googlenet, "resnet18": resnet18,
    "resnet34": resnet34, "resnet50": resnet50, "resnet101": resnet101, "resnet152": resnet152,
    "densenet121": densenet121, "lenet": lenet, "lenet_relu": lenet_relu, "lenet_bn": lenet_bn, "nin": nin,
    "resnet_mini": resnet_mini,
}


def list_models(module: Any = None, include: Any = None, exclude: Any = None) -> list[str]:
    """Sorted names of the zoo's builders (torchvision's ``list_models``; ``include`` /
    ``exclude`` are fnmatch patterns or lists of them; ``module`` is accepted and unused
    because ember has one model namespace)."""
    import fnmatch
    names = sorted(_BUILDERS)
    if include:
        pats = [include] if isinstance(include, str) else list(include)
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in pats)]
    if exclude:
        pats = [exclude] if isinstance(exclude, str) else list(exclude)
        names = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in pats)]
    return names


def get_model_builder(name: str) -> Callable:
    """The builder function called ``name`` (case-insensitive)."""
    key = name.lower()
    if key not in _BUILDERS:
        raise ValueError(f"Unknown model {name}; ember.models has: {', '.join(sorted(_BUILDERS))}")
    return _BUILDERS[key]


def get_model(name: str, **config: Any):
    """Build the model called ``name`` with ``config`` as keyword arguments."""
    return get_model_builder(name)(**config)


__all__ = ["d2l", "WeightsEnum", "list_models", "get_model", "get_model_builder", "GoogLeNetOutputs",
           "AlexNet", "VGG", "GoogLeNet", "ResNet", "BasicBlock", "Bottleneck", "DenseNet",
           "AlexNet_Weights", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
           "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "GoogLeNet_Weights",
           "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights",
           "DenseNet121_Weights"] + sorted(_BUILDERS)
__all__ += ["BERTModel", "BERTEncoder", "MaskLM", "NextSentencePred", "BERTClassifier", "bert_tiny", "bert_mini",
            "bert_small", "bert_medium", "bert_base", "TransformerClassifier", "ViT", "vit_fashion"]
__all__ += ["Generator", "Discriminator", "DCGANGenerator", "DCGANDiscriminator", "dcgan_init", "ResnetBlock",
            "ResnetGenerator", "PatchDiscriminator", "cycle_consistency_loss", "cyclegan_step"]
