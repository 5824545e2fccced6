"""``ember.nn.functional`` (``import ember.nn.functional as F``): the math of every layer
and loss, as functions over tensors; each family lives in its own file."""
from .activation import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .misc import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .rmsnorm import *  # noqa: F401,F403
from .pooling_extra import *  # noqa: F401,F403
from .misc_extra import *  # noqa: F401,F403
from .loss_extra import *  # noqa: F401,F403
from .sampling import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403
