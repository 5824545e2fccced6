"""Probability distributions with PyTorch's API (``torch.distributions``).

``from ember.distributions import multinomial; multinomial.Multinomial(10, probs).sample()``
works as in PyTorch: each distribution also lives in a module of its own name."""
from . import constraints  # noqa: F401
from .distribution import Distribution
from .normal import Normal
from .uniform import Uniform
from .bernoulli import Bernoulli
from .categorical import Categorical
from .multinomial import Multinomial
from . import distribution, normal, uniform, bernoulli, categorical, multinomial  # noqa: F401

__all__ = ["Distribution", "Normal", "Uniform", "Bernoulli", "Categorical", "Multinomial", "constraints"]
