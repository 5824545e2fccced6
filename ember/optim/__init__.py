"""ember.optim: optimizers and learning-rate schedulers (PyTorch's ``torch.optim``).

Every optimizer updates its parameters' storage in place with array math (NumPy on
the CPU, CuPy on CUDA), outside autograd, keeping the parameters' dtype.
"""
from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
           "lr_scheduler", "Rprop", "ASGD", "LBFGS", "swa_utils"]
