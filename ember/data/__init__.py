"""``ember.data``: helpers for the notes' tabular (CSV + pandas) workflow."""
from .tabular import read_csv, fill_missing_with_mean, standardize, one_hot, frame_to_tensor, preprocess

__all__ = ["read_csv", "fill_missing_with_mean", "standardize", "one_hot", "frame_to_tensor", "preprocess"]
