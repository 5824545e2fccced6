"""Re-exports of the smaller function families added to fill PyTorch API gaps:
sizes and dtype limits (``info``), rearranging ops (``arrange``), grids and
combinations (``combinatorics``), the old ``torch.svd`` / ``torch.qr`` (``decomp``),
quantiles (``quantile``) and ``sinc`` / ``i0`` (``special_math``).  ``ember``
star-imports this module; importing it attaches the Tensor methods (``diff``,
``rot90``, ``quantile``, ``svd``, ``sinc``, ...)."""
from . import arrange, combinatorics, decomp, info, quantile as _quantile_mod, special_math
from .arrange import *  # noqa: F401,F403
from .combinatorics import *  # noqa: F401,F403
from .decomp import *  # noqa: F401,F403
from .info import *  # noqa: F401,F403
from .quantile import *  # noqa: F401,F403
from .special_math import *  # noqa: F401,F403

__all__ = (arrange.__all__ + combinatorics.__all__ + decomp.__all__ + info.__all__ + _quantile_mod.__all__ +
           special_math.__all__)
