"""``torch.compile`` and ``torch.compiler`` for ember: the program runs eagerly, as written.

ember has no graph compiler: every op already is the readable Python of its
primitive.  ``ember.compile(model)`` therefore returns a module that runs the model
unchanged, but with PyTorch's outward shape, so that code written around
``torch.compile`` keeps working: an ``OptimizedModule`` whose only child is the model
(``_orig_mod``), so ``state_dict()`` keys carry PyTorch's ``_orig_mod.`` prefix, and
whose attributes fall through to the model.  A function comes back as it is.  The
argument checks (mode names, mode together with options, a non-callable) raise
PyTorch's errors."""
from __future__ import annotations

from typing import Any, Callable

from .nn.modules.module import Module

__all__ = ["compile", "OptimizedModule", "disable", "is_compiling", "is_dynamo_compiling", "reset"]

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


class OptimizedModule(Module):
    """What ``compile(module)`` returns: the module as its child ``_orig_mod``, run eagerly."""

    def __init__(self, mod: Module) -> None:
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name: str):
        # Module.__getattr__ finds parameters, buffers and children (``_orig_mod`` itself);
        # anything else is looked up on the wrapped model, as PyTorch's OptimizedModule does.
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(super().__getattr__("_orig_mod"), name)


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: str | Callable | None = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False, **kwargs: Any):
    """``torch.compile``: ``model`` wrapped to run eagerly (see the module docstring), or,
    called without a model, a decorator that does that.  ``fullgraph``, ``dynamic``,
    ``backend`` and ``options`` are accepted and have nothing to act on."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if model is None:
        def decorator(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
                           disable=disable, **kwargs)
        return decorator
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if disable or not isinstance(model, Module):
        return model
    return OptimizedModule(model)


def disable(fn: Callable | None = None, recursive: bool = True, *, reason: str | None = None):
    """``torch.compiler.disable``: nothing is compiled in ember, so ``fn`` comes back as it is."""
    if fn is None:
        return lambda f: f
    return fn


def is_compiling() -> bool:
    """False: ember never traces a program."""
    return False


is_dynamo_compiling = is_compiling


def reset() -> None:
    """``torch.compiler.reset``: there are no compiled caches to clear."""
