"""Shared bits of the examples: argument parsing and Fashion-MNIST loaders."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parser(description: str, epochs: int = 5, subset: int | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--subset", type=int, default=subset, help="use only the first N training images")
    p.add_argument("--data-dir", default="data")
    return p


def fashion_loaders(args, batch_size: int = 256):
    """Fashion-MNIST train/test DataLoaders of (N, 1, 28, 28) float tensors in [0, 1]."""
    from ember.cli.recipes import fashion_mnist_tensors
    from ember.utils.data import DataLoader
    train, test = fashion_mnist_tensors(args.data_dir, args.subset)
    return DataLoader(train, batch_size, shuffle=True), DataLoader(test, batch_size)
