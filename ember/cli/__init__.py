"""The ``ember`` command line (see main.py)."""
from .main import main

__all__ = ["main"]
