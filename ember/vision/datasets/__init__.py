"""Image datasets with torchvision's names and item types."""
from .mnist import MNIST, FashionMNIST, KMNIST
from .cifar import CIFAR10, CIFAR100
from .folder import ImageFolder, DatasetFolder
from .utils import DatasetNotFoundError
from ..vision_dataset import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "CIFAR100", "ImageFolder", "DatasetFolder",
           "VisionDataset", "DatasetNotFoundError"]
