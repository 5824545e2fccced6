"""The lowest layer: dtypes, devices (cpu = NumPy, cuda = CuPy) and random generators."""
from . import dtypes
from .device import (device, is_array, array_module, device_module, device_of, to_device, cupy_or_none,
                     cuda_available, cuda_device_count, CPU)
from .random import Generator, default_generator, generator_for

__all__ = ["dtypes", "device", "is_array", "array_module", "device_module", "device_of", "to_device",
           "cupy_or_none", "cuda_available", "cuda_device_count", "CPU", "Generator",
           "default_generator", "generator_for"]
