"""The notes' CSV workflow (seed 002 §1.2, d2l 2.2 and 4.10) as small functions.

read a CSV -> fill missing numeric values with the column mean -> standardise numeric
columns -> one-hot encode categorical columns with a NaN indicator
(``get_dummies(dummy_na=True)``) -> tensors.  pandas is an optional dependency, imported
here only.  Unlike the notes' ``inputs.fillna(inputs.mean())``, which pandas >= 2 rejects
for string columns, the mean is taken over numeric columns only."""
from __future__ import annotations

__all__ = ["read_csv", "fill_missing_with_mean", "standardize", "one_hot", "frame_to_tensor", "preprocess"]


def _pd():
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("ember.data needs pandas: pip install pandas") from None
    return pd


def read_csv(path, **kwargs):
    """``pandas.read_csv`` with the notes' habits: strip spaces after delimiters, 'NA' is missing."""
    kwargs.setdefault("skipinitialspace", True)
    return _pd().read_csv(path, **kwargs)


def _numeric_columns(df, columns=None):
    cols = df.select_dtypes(include="number").columns
    return [c for c in cols if columns is None or c in columns]


def fill_missing_with_mean(df, columns=None):
    """A copy with NaNs of numeric columns replaced by the column mean."""
    out = df.copy()
    cols = _numeric_columns(out, columns)
    out[cols] = out[cols].fillna(out[cols].mean())
    return out


def standardize(df, columns=None, fill_value: float | None = 0.0):
    """A copy with numeric columns scaled to zero mean and unit (population) variance, as
    d2l's house-price chapter does: ``(x - mean) / std``; then NaNs (now at the mean) set to
    ``fill_value``.  Returns (frame, {column: (mean, std)})."""
    out = df.copy()
    stats = {}
    for c in _numeric_columns(out, columns):
        mean, std = float(out[c].mean()), float(out[c].std())
        if not std or std != std:
            std = 1.0
        out[c] = (out[c] - mean) / std
        stats[c] = (mean, std)
    if fill_value is not None:
        cols = list(stats)
        out[cols] = out[cols].fillna(fill_value)
    return out, stats


def one_hot(df, dummy_na: bool = True, columns=None):
    """Categorical (non-numeric) columns to 0/1 indicator columns, with a ``<col>_nan``
    column for missing values when ``dummy_na``; indicator columns are float32."""
    pd = _pd()
    out = pd.get_dummies(df, dummy_na=dummy_na, columns=columns)
    bool_cols = out.select_dtypes(include="bool").columns
    out[bool_cols] = out[bool_cols].astype("float32")
    return out


def frame_to_tensor(df, dtype=None):
    """A tensor of a frame's (or series') values; all columns must be numeric."""
    import numpy as np
    from ..backend import dtypes as D
    from ..tensor.creation import tensor
    values = df.to_numpy()
    if values.dtype == object:
        bad = [c for c in getattr(df, "columns", [getattr(df, "name", "?")])
               if df[c].dtype == object] if hasattr(df, "columns") else []
        raise TypeError(f"frame_to_tensor: non-numeric columns {bad}; one-hot encode them first (one_hot)")
    if dtype is None:
        dtype = D.get_default_dtype() if values.dtype.kind == "f" else None
    return tensor(np.ascontiguousarray(values), dtype=dtype)


def preprocess(df, target: str | None = None, standardize_numeric: bool = True, dummy_na: bool = True):
    """The whole pipeline: returns (features tensor, target tensor or None, feature names)."""
    y = None
    if target is not None:
        y = frame_to_tensor(df[target])
        df = df.drop(columns=[target])
    if standardize_numeric:
        df, _ = standardize(df)
    else:
        df = fill_missing_with_mean(df)
    df = one_hot(df, dummy_na=dummy_na)
    return frame_to_tensor(df), y, list(df.columns)
