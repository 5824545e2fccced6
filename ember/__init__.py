"""ember: a deep-learning framework in readable Python with PyTorch's API.

``import ember as torch`` and a PyTorch program runs.  Layers (bottom up): backend,
ops, autograd + tensor, nn / optim / utils.data, vision / text, models, train, cli.
"""
from .backend import dtypes as _dtypes
from .backend.dtypes import (dtype, float16, half, float32, float64, double, int8, int16, short, int32,
                             int64, long, uint8, get_default_dtype, set_default_dtype, promote_types,
                             result_type as _result_type, can_cast)
from .backend.device import device, set_default_device, get_default_device
from .backend.random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state
from .backend.parallel import get_num_threads, set_num_threads
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled)
from .tensor import Tensor, Size, tensor, as_tensor, from_numpy
from .tensor.math import *  # noqa: F401,F403
from .tensor.compare import *  # noqa: F401,F403
from .tensor.reduce import *  # noqa: F401,F403
from .tensor.shape import *  # noqa: F401,F403
from .tensor.indexing import *  # noqa: F401,F403
from .tensor.linalg import *  # noqa: F401,F403
from .tensor.sort import *  # noqa: F401,F403
from .tensor.factory import *  # noqa: F401,F403
from .tensor.random import *  # noqa: F401,F403
from .tensor.gaps import *  # noqa: F401,F403  (numel, finfo/iinfo, diff, rot90, meshgrid, quantile, ...)
from .tensor.extras import *  # noqa: F401,F403  (cdist, histc, histogram, bincount, cov, asarray, ...)
from .tensor.printing import set_printoptions, get_printoptions, printoptions  # noqa: F401
from . import cuda  # noqa: F401
from . import amp  # noqa: F401  (torch.amp; also sets ember.cuda.amp)
from . import cpu  # noqa: F401
from .amp import autocast  # noqa: F401
from .tensor.amp import *  # noqa: F401,F403  (is_autocast_enabled, get_autocast_dtype, ...)
from . import distributions  # noqa: F401
from . import autograd  # noqa: F401
from . import linalg  # noqa: F401
from . import special  # noqa: F401
from . import testing  # noqa: F401
from . import return_types  # noqa: F401
from . import optim  # noqa: F401
from . import nn  # noqa: F401
from .nn.functional import (softmax, log_softmax, selu, selu_, celu, celu_, prelu, rrelu, rrelu_,  # noqa: F401
                            hardshrink, threshold, threshold_, relu_, embedding, cosine_similarity,
                            pairwise_distance, pdist, pixel_shuffle, pixel_unshuffle, bilinear,
                            alpha_dropout, feature_alpha_dropout)  # torch.* spellings of nn.functional
from .nn.functional.dropout import torch_dropout as dropout  # noqa: F401  (torch.dropout(input, p, train))
from ._nn_aliases import *  # noqa: F401,F403  (torch.conv2d, torch.batch_norm, torch.kl_div, ...: ATen signatures)
from . import utils  # noqa: F401
from .serialization import save, load  # noqa: F401
from . import serialization  # noqa: F401
from .summary import summary  # noqa: F401
from . import backends  # noqa: F401
from . import compiler  # noqa: F401
from .compiler import compile  # noqa: F401  (torch.compile: runs eagerly, see ember/compiler.py)
from . import func  # noqa: F401  (torch.func.functional_call)

bool = _dtypes.bool_
float = float32
int = int32

__version__ = "0.1.0"


def result_type(tensor1, tensor2):
    """torch.result_type for two tensors or numbers."""
    return _result_type(tensor1, tensor2)


def is_tensor(obj) -> "bool":
    return isinstance(obj, Tensor)


from .errors import unsupported_getattr as _unsupported_getattr

__getattr__ = _unsupported_getattr("ember", "torch")
