"""Re-exports of the second round of PyTorch API gaps: distances (``cdist``,
``dist``), counting (``histc``, ``histogram``, ``bincount``), statistics (``cov``,
``corrcoef``), triangle coordinates (``tril_indices`` / ``triu_indices``) and
``asarray``.  ``ember`` star-imports this module; importing it attaches the Tensor
methods (``dist``, ``histc``, ``cov``, ...)."""
from . import asarray as _asarray_mod, distance, histogram as _histogram_mod, stats, tri_indices
from .asarray import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .histogram import *  # noqa: F401,F403
from .stats import *  # noqa: F401,F403
from .tri_indices import *  # noqa: F401,F403

__all__ = (_asarray_mod.__all__ + distance.__all__ + _histogram_mod.__all__ + stats.__all__ +
           tri_indices.__all__)
