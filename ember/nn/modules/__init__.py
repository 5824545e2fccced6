"""nn layers: the Module base, containers, and each family of layers in its own file."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from . import activation, linear, flatten, dropout, sparse, upsampling, conv, pooling, batchnorm, normalization, loss, rnn
from .activation import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from . import distance
from .distance import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from . import attention, transformer, positional
from .attention import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .positional import *  # noqa: F401,F403
from . import padding, channelshuffle
from .padding import *  # noqa: F401,F403
from .channelshuffle import *  # noqa: F401,F403

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
for _m in (activation, linear, flatten, dropout, sparse, upsampling, conv, pooling, batchnorm, normalization, loss,
           rnn):
    __all__ += list(_m.__all__)
__all__ += list(distance.__all__)
__all__ += list(attention.__all__) + list(transformer.__all__) + list(positional.__all__)
__all__ += list(padding.__all__) + list(channelshuffle.__all__)
