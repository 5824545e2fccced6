"""ember's own exception for PyTorch features it does not implement."""

__all__ = ["UnsupportedError"]


class UnsupportedError(RuntimeError):
    """Raised when a program uses a PyTorch API that ember does not provide; the
    message names the API and says it is not supported by ember."""
