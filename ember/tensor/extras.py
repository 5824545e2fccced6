"""Re-exports of the second round of PyTorch API gaps: distances (``cdist``,
``dist``), counting (``histc``, ``histogram``, ``bincount``), statistics (``cov``,
``corrcoef``), triangle coordinates (``tril_indices`` / ``triu_indices``),
``asarray``, the gamma family (``lgamma``, ``digamma``, ``polygamma``,
``mvlgamma``), elementwise odds and ends (``math_bits``: gcd, ldexp, frexp,
logcumsumexp, renorm, ...), splits (``hsplit``, ``split_with_sizes``, ...),
embedding scatters (``select_scatter``, ``index_reduce``, ...), products
(``addr``, ``diagflat``, in-place ``addmm_`` & co.), solvers (``pinverse``,
``cholesky_solve``, ``matrix_power``, ...), tensor queries (``is_nonzero``,
``storage_offset``, ``resize_``, ...) and ``Tensor.unfold``.  ``ember``
star-imports this module; importing it attaches the Tensor methods."""
from . import asarray as _asarray_mod, blas_more, distance, gamma, histogram as _histogram_mod, linalg_misc, \
    linalg_solvers, math_bits, scatter_more, splits, stats, tensor_info, tri_indices, unfold  # noqa: F401
from .asarray import *  # noqa: F401,F403
from .blas_more import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .gamma import *  # noqa: F401,F403
from .histogram import *  # noqa: F401,F403
from .linalg_misc import *  # noqa: F401,F403
from .linalg_solvers import *  # noqa: F401,F403
from .math_bits import *  # noqa: F401,F403
from .scatter_more import *  # noqa: F401,F403
from .splits import *  # noqa: F401,F403
from .stats import *  # noqa: F401,F403
from .tensor_info import *  # noqa: F401,F403
from .tri_indices import *  # noqa: F401,F403

__all__ = (_asarray_mod.__all__ + blas_more.__all__ + distance.__all__ + gamma.__all__ + _histogram_mod.__all__ +
           linalg_misc.__all__ + linalg_solvers.__all__ + math_bits.__all__ + scatter_more.__all__ + splits.__all__ + stats.__all__ +
           tensor_info.__all__ + tri_indices.__all__)
