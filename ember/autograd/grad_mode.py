"""Grad mode: the one global switch of autograd (as PyTorch's), and its context managers.

``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` work both as
``with`` blocks and as decorators."""
from __future__ import annotations

import functools
import inspect

__all__ = ["is_grad_enabled", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_inference_mode_enabled", "GRAD"]

# GRAD[0]: grad mode; GRAD[1]: inference mode.  A list so the hot path reads it without a call.
GRAD = [True, False]


def is_grad_enabled() -> bool:
    return GRAD[0]


def is_inference_mode_enabled() -> bool:
    return GRAD[1]


class _Mode:
    """Base of the grad-mode context managers; usable as a decorator too."""

    def __call__(self, fn):
        if isinstance(fn, type) or not callable(fn):
            raise TypeError(f"{type(self).__name__} can only decorate functions, got {fn!r}")

        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def _wrap_generator(self, fn):
        """Each resumption of the generator runs under the mode (as PyTorch does)."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with self.clone():
                    value = next(gen)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        gen.close()
                        raise
                    except BaseException as exc:
                        with self.clone():
                            value = gen.throw(exc)
                    else:
                        with self.clone():
                            value = gen.send(sent)
            except StopIteration as stop:
                return stop.value
        return wrapper

    def clone(self):
        return type(self)()

    def __enter__(self):
        self._prev = (GRAD[0], GRAD[1])
        self._set()
        return None

    def __exit__(self, *exc) -> bool:
        GRAD[0], GRAD[1] = self._prev
        return False


class no_grad(_Mode):
    """Disable gradient recording inside the block (results have requires_grad=False)."""

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):  # used as @no_grad without parentheses
            return no_grad()(orig_func)
        return self

    def _set(self):
        GRAD[0] = False


class enable_grad(_Mode):
    """Re-enable gradient recording inside a no_grad block."""

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):
            return enable_grad()(orig_func)
        return self

    def _set(self):
        GRAD[0] = True


class set_grad_enabled(_Mode):
    """Set grad mode to ``mode``; takes effect immediately, and reverts on leaving a with block."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = (GRAD[0], GRAD[1])
        GRAD[0] = self.mode

    def __enter__(self):
        if "_prev" not in self.__dict__:  # a clone made for a decorated call
            self._prev = (GRAD[0], GRAD[1])
        GRAD[0] = self.mode  # (already set by __init__ for a with block: keep its _prev)
        return None

    def __call__(self, fn):
        GRAD[0] = self._prev[0]  # used as a decorator: the mode applies inside calls only
        return super().__call__(fn)

    def clone(self):
        return set_grad_enabled.__new__(set_grad_enabled)._init_quiet(self.mode)

    def _init_quiet(self, mode):
        self.mode = mode
        return self

    def _set(self):
        GRAD[0] = self.mode


class inference_mode(_Mode):
    """Like no_grad (ember has no separate inference tensors; see docs/differences.md)."""

    def __init__(self, mode: bool = True) -> None:
        if callable(mode) and not isinstance(mode, bool):  # bare decorator
            self.mode, self._fn = True, mode
        else:
            self.mode, self._fn = bool(mode), None

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self.__init__(True)
            return self(mode)
        return self

    def clone(self):
        return inference_mode(self.mode)

    def _set(self):
        # inference_mode(False) turns grad mode on, as PyTorch's does
        GRAD[0], GRAD[1] = (False, True) if self.mode else (True, False)
