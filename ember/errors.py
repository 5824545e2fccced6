"""ember's own exception for PyTorch features it does not implement."""

__all__ = ["UnsupportedError", "UnsupportedAttributeError", "unsupported_getattr"]


class UnsupportedError(RuntimeError):
    """Raised when a program uses a PyTorch API that ember does not provide; the
    message names the API and says it is not supported by ember."""


class UnsupportedAttributeError(AttributeError):
    """A PyTorch name that ember does not provide was looked up on an ember module."""


def unsupported_getattr(module_name: str, torch_name: str):
    """A module-level ``__getattr__`` that names the missing PyTorch API clearly."""
    def __getattr__(name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module '{module_name}' has no attribute '{name}'")
        raise UnsupportedAttributeError(
            f"{torch_name}.{name} is not supported by ember (module '{module_name}' has no attribute '{name}')")
    return __getattr__
