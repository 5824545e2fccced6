"""``ember.utils``: data pipelines (``ember.utils.data``)."""
from . import data  # noqa: F401
