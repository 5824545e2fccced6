"""``ember.vision``: torchvision's datasets, transforms and utils under ember
(``from ember.vision import datasets, transforms``)."""
from . import datasets  # noqa: F401
from . import transforms, utils  # noqa: F401
from . import models  # noqa: F401

__all__ = ["datasets", "transforms", "utils", "models"]
