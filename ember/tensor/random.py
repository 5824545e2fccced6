"""Random tensors: ``rand``, ``randn``, ``randint``, ``normal``, ``randperm``,
``multinomial``, ``bernoulli``, ``poisson``, the ``*_like`` forms, and the in-place
samplers (``uniform_``, ``normal_``, ``bernoulli_``, ``random_``, ``exponential_``,
``cauchy_``, ``log_normal_``, ``geometric_``).

Every sampler takes ``generator=`` (an ``ember.Generator``; the device's default one
otherwise), so ``manual_seed`` makes a run repeat exactly.  Floating samples are drawn
in their own precision (NumPy/CuPy ``random(dtype=float32)``), not drawn in double and
cast.  The streams are not PyTorch's: the same seed gives different numbers than torch.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..autograd.grad_mode import GRAD
from ..backend import dtypes as D
from ..backend.device import device_module, factory_device, on_device, to_device
from ..backend.random import generator_for
from ..ops import random as R
from .factory import finish, parse_size
from .tensor import Tensor
from .wrap import apply

__all__ = ["rand", "randn", "randint", "normal", "randperm", "multinomial", "bernoulli", "poisson",
           "rand_like", "randn_like", "randint_like"]



def _cname(dt: D.dtype) -> str:
    """PyTorch's scalar-type name (Long, Float, ...) used in its kernel errors."""
    return dt.scalar_name


def _need_float(dt: D.dtype, kernel: str) -> None:
    if not dt.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_cname(dt)}\': this sampler '
                                  f'makes floating-point values only')


def _source(generator, dev):
    """(random source, xp) for drawing on device ``dev``."""
    g = generator_for(generator, dev)
    xp = device_module(dev)
    return g.xp_random(xp), xp


# ---------------------------------------------------------------------- raw draws (arrays)
def uniform_array(rng, xp, shape, npdt):
    """U[0, 1) in ``npdt`` (float16 is drawn in float32 and kept below 1)."""
    if npdt in (np.float32, np.float64):
        return rng.random(shape, dtype=npdt)
    u = rng.random(shape, dtype=np.float32).astype(npdt)
    return xp.minimum(u, np.nextafter(npdt.type(1), npdt.type(0)))


def normal_array(rng, xp, shape, npdt):
    """N(0, 1) in ``npdt``."""
    if npdt in (np.float32, np.float64):
        return rng.standard_normal(shape, dtype=npdt)
    return rng.standard_normal(shape, dtype=np.float32).astype(npdt)


def exponential_array(rng, xp, shape, npdt):
    """Exp(1) in ``npdt``."""
    if npdt in (np.float32, np.float64):
        return rng.standard_exponential(shape, dtype=npdt)
    return rng.standard_exponential(shape, dtype=np.float32).astype(npdt)


def integer_array(rng, xp, low: int, high: int, shape, npdt):
    """Integers in [low, high) as ``npdt`` (drawn as int64 on the closed [low, high - 1],
    so ``high`` may be 2**63)."""
    return rng.integers(low, high - 1, size=shape, dtype=np.int64, endpoint=True).astype(npdt, copy=False)


# ---------------------------------------------------------------------- factories
def _setup(dtype, device, op: str, kernel: str, use_default: bool = True):
    """(dtype, device) of a float sampler; without ``device`` the default device, except
    for ``normal`` (PyTorch's default-device mode leaves it out: it stays on the cpu)."""
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    _need_float(dt, kernel)
    return dt, factory_device(device) if use_default else to_device(device)


def rand(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """Uniform samples on [0, 1): ``rand(2, 3)``, ``rand((2, 3))``, ``rand(size=(2, 3))``."""
    shape = parse_size(sizes, "rand", size)
    dt, dev = _setup(dtype, device, "rand", "check_uniform_bounds")
    rng, xp = _source(generator, dev)
    with on_device(dev):
        data = uniform_array(rng, xp, shape, dt.np)
    return finish(data, requires_grad, "rand")


def randn(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    """Standard normal samples; ``randn(size=(), requires_grad=True)`` is a 0-d leaf."""
    shape = parse_size(sizes, "randn", size)
    dt, dev = _setup(dtype, device, "randn", "normal_kernel_cpu")
    rng, xp = _source(generator, dev)
    with on_device(dev):
        data = normal_array(rng, xp, shape, dt.np)
    return finish(data, requires_grad, "randn")


def _check_range(low: int, high: int) -> None:
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")


def randint(*args, size=None, low=None, high=None, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (int64 unless ``dtype`` says otherwise)."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position {len(args) + 1}) must be tuple of ints, "
                        f"not {type(size).__name__}")
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        high = args[0]
    elif len(args) > 2:
        raise TypeError(f"randint() takes at most 3 positional arguments ({len(args) + 1} given)")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    low = 0 if low is None else low
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (numbers.Integral, Tensor)):
            raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    low, high = int(low), int(high)
    _check_range(low, high)
    shape = parse_size((size,), "randint")
    dt = D.to_dtype(dtype) if dtype is not None else D.int64
    dev = factory_device(device)
    rng, xp = _source(generator, dev)
    with on_device(dev):
        data = integer_array(rng, xp, low, high, shape, dt.np)
    return finish(data, requires_grad, "randint")


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"randperm(): argument 'n' must be int, not {type(n).__name__}")
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = D.to_dtype(dtype) if dtype is not None else D.int64
    dev = factory_device(device)
    rng, xp = _source(generator, dev)
    with on_device(dev):
        if xp is np:
            data = rng.permutation(n).astype(dt.np)
        else:
            data = xp.argsort(rng.random((n,), dtype=np.float64)).astype(dt.np)
    return finish(data, requires_grad, "randperm")


def _float_arg(v, op: str, what: str) -> float:
    if isinstance(v, Tensor):
        return float(v.item())
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{op}(): argument '{what}' must be float, not {type(v).__name__}")
    return float(v)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Normal samples; PyTorch's four overloads:

    ``normal(mean: Tensor, std: Tensor)``, ``normal(mean: Tensor, std=1.0)``,
    ``normal(mean: float, std: Tensor)`` broadcast the tensors (result of their dtype);
    ``normal(mean: float, std: float, size)`` takes ``dtype``/``device``/``requires_grad``.
    The gradient w.r.t. a tensor mean or std is zero, as in PyTorch."""
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not tm and not ts:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with a float mean "
                            "and a float std, 'size' is required (normal(mean, std, size))")
        m, s = _float_arg(mean, "normal", "mean"), _float_arg(std, "normal", "std")
        if s < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shape = parse_size((size,) if isinstance(size, (tuple, list)) else (size,), "normal")
        dt, dev = _setup(dtype, device, "normal", "normal_kernel_cpu", use_default=False)
        rng, xp = _source(generator, dev)
        with on_device(dev):
            data = normal_array(rng, xp, shape, dt.np)
            if s != 1.0:
                data *= s
            if m != 0.0:
                data += m
        return finish(data, requires_grad, "normal")
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments: 'size' is only accepted "
                        "when mean and std are both floats")
    ref = mean if tm else std
    for name, t in (("mean", mean), ("std", std)):
        if isinstance(t, Tensor) and not t.is_floating_point():
            raise RuntimeError(f"normal expects floating-point {name}, got {t.dtype}")
    if tm and ts:
        dt = D.promote_types(mean.dtype, std.dtype)
        if mean.device != std.device:
            raise RuntimeError(f"normal: expected mean and std on the same device, got {mean.device} "
                               f"and {std.device}")
        shape = np.broadcast_shapes(mean._data.shape, std._data.shape)
        op = R.Normal
    else:
        dt = ref.dtype
        shape = ref._data.shape
        op = R.Normal1 if tm else R.Normal2
    if ts:
        if std.numel() and bool((std._data < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        std = _float_arg(std, "normal", "std")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if not tm:
        mean = _float_arg(mean, "normal", "mean")
    dev = ref.device
    rng, xp = _source(generator, dev)
    with on_device(dev):
        noise = normal_array(rng, xp, tuple(shape), dt.np)
    m = mean.to(dt) if tm else mean
    s = std.to(dt) if ts else std
    return apply(op, m, s, noise)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None,
                out=None) -> Tensor:
    """Category indices drawn from each row of non-negative weights ``input`` (1-D or 2-D).

    With replacement: inverse-CDF sampling.  Without: the exponential-race trick (the
    ``num_samples`` largest ``p / E`` with ``E ~ Exp(1)``), so no index repeats.  A
    zero-weight category is never drawn (unless, without replacement, fewer categories
    have weight than samples are asked for)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not input.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_cname(input.dtype)}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got a {input.ndim}-d tensor")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got num_samples={n})")
    k = input._data.shape[-1]
    if not replacement and n > k:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({n} > {k})")
    dev = input.device
    rng, xp = _source(generator, dev)
    p = input._data.reshape(-1, k).astype(np.float64)
    if not bool(xp.isfinite(p).all()) or bool((p < 0).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if k == 0 or bool((p.sum(axis=1) <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rows = p.shape[0]
    with on_device(dev):
        if replacement:
            cdf = xp.cumsum(p, axis=1)
            u = rng.random((rows, n), dtype=np.float64) * cdf[:, -1:]
            if rows * n * k <= (1 << 22):
                idx = (cdf[:, None, :] <= u[:, :, None]).sum(axis=2)
            else:
                idx = xp.stack([xp.searchsorted(cdf[r], u[r], side="right") for r in range(rows)])
            last = (k - 1) - xp.argmax(p[:, ::-1] > 0, axis=1)
            idx = xp.minimum(idx, last[:, None])
        else:
            keys = p / exponential_array(rng, xp, (rows, k), np.dtype(np.float64))
            idx = xp.argsort(-keys, axis=1, kind="stable")[:, :n]
        idx = idx.astype(np.int64)
    return Tensor._make(idx.reshape(n) if input.ndim == 1 else idx)


def bernoulli(input: Tensor, p: float | None = None, *, generator=None, out=None) -> Tensor:
    """0/1 samples, 1 with probability ``input`` (or ``p`` for every element), in
    ``input``'s dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' must be Tensor, not {type(input).__name__}")
    dt = input.dtype
    if p is None:
        _need_float(dt, "bernoulli_tensor_cpu_p_")
        probs = input._data
        if probs.size and not bool(((probs >= 0) & (probs <= 1)).all()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. "
                               "(bernoulli: every probability in input must lie in [0, 1])")
    else:
        probs = _float_arg(p, "bernoulli", "p")
        if not 0 <= probs <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={probs}")
    dev = input.device
    rng, xp = _source(generator, dev)
    udt = np.dtype(np.float64) if dt is D.float64 else np.dtype(np.float32)
    with on_device(dev):
        data = (uniform_array(rng, xp, input._data.shape, udt) < probs).astype(dt.np)
    if p is None and GRAD[0] and input._rg:
        return apply(R.sampled("Bernoulli", 0), input, data)
    return Tensor._make(data)


def poisson(input: Tensor, generator=None) -> Tensor:
    """Poisson samples with rates ``input`` (non-negative), in ``input``'s dtype."""
    _need_float(input.dtype, "poisson_cpu")
    rates = input._data
    if rates.size and not bool((rates >= 0).all()):
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    dev = input.device
    rng, xp = _source(generator, dev)
    with on_device(dev):
        data = rng.poisson(rates.astype(np.float64)).astype(input._data.dtype)
    return Tensor._make(data)


def _like(op, input: Tensor, dtype, device):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    dt = D.to_dtype(dtype) if dtype is not None else input.dtype
    dev = to_device(device) if device is not None else input.device
    return input._data.shape, dt, dev


def rand_like(input: Tensor, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``rand`` with ``input``'s shape, dtype and device."""
    shape, dt, dev = _like("rand_like", input, dtype, device)
    return rand(shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    shape, dt, dev = _like("randn_like", input, dtype, device)
    return randn(shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator=None, dtype=None,
                 layout=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randint`` with ``input``'s shape, dtype and device: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    shape, dt, dev = _like("randint_like", input, dtype, device)
    return randint(low, high, shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


# ---------------------------------------------------------------------- in-place samplers
def _draw_into(self: Tensor, name: str, version: int, draw, generator) -> Tensor:
    """Fill ``self`` with ``draw(rng, xp, shape, npdt)``.  With grad tracked the write goes
    through ``_commit_inplace`` (a ``<NameBackwardN>`` node giving no gradient to the old
    values); otherwise the array is written directly."""
    tracked = GRAD[0] and self._rg
    if tracked:
        self._check_inplace_allowed()
    dev = self.device
    rng, xp = _source(generator, dev)
    with on_device(dev):
        values = draw(rng, xp, self._data.shape, self._data.dtype)
        if values.dtype != self._data.dtype:
            values = values.astype(self._data.dtype)
    if tracked:
        return self._commit_inplace(apply(R.sampled(name, version), self, values), f"{_snake(name)}_")
    self._data[...] = values
    self._version[0] += 1
    return self


def _snake(name: str) -> str:
    return {"LogNormal": "log_normal"}.get(name, name.lower())


def _float_dtype_for_draw(npdt):
    return npdt if npdt in (np.float32, np.float64) else np.dtype(np.float32)


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None, **kw) -> Tensor:
    """Fill with samples from U[from, to)."""
    lo, hi = _float_arg(kw.pop("from", from_), "uniform_", "from"), _float_arg(to, "uniform_", "to")
    _need_float(self.dtype, "check_uniform_bounds")
    if lo > hi:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={lo} > to={hi}")

    def draw(rng, xp, shape, npdt):
        u = uniform_array(rng, xp, shape, npdt)
        return u * npdt.type(hi - lo) + npdt.type(lo) if (lo, hi) != (0.0, 1.0) else u
    return _draw_into(self, "Uniform", 0, draw, generator)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    m, s = _float_arg(mean, "normal_", "mean"), _float_arg(std, "normal_", "std")
    _need_float(self.dtype, "normal_kernel_cpu")
    if s < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")

    def draw(rng, xp, shape, npdt):
        return normal_array(rng, xp, shape, npdt) * npdt.type(s) + npdt.type(m)
    return _draw_into(self, "Normal", 0, draw, generator)


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples, 1 with probability ``p`` (a number or a tensor broadcast to self)."""
    if isinstance(p, Tensor):
        probs = p._data.astype(np.float64)
        if probs.size and not bool(((probs >= 0) & (probs <= 1)).all()):
            raise RuntimeError("bernoulli_: expected every probability in p to lie in [0, 1]")
        version = 1
    else:
        probs = _float_arg(p, "bernoulli_", "p")
        if not 0 <= probs <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={probs}")
        version = 2

    def draw(rng, xp, shape, npdt):
        return uniform_array(rng, xp, shape, np.dtype(np.float64)) < probs
    return _draw_into(self, "Bernoulli", version, draw, generator)


def _random_bounds(dt: D.dtype):
    """random_()'s default range [0, 2^digits] for floats, [0, max] for integers."""
    if dt.is_floating_point:
        return 0, 2 ** (np.finfo(dt.np).nmant + 1) + 1
    if dt is D.bool_:
        return 0, 2
    return 0, int(np.iinfo(dt.np).max) + 1


def random_(self: Tensor, from_=None, to=None, *, generator=None, **kw) -> Tensor:
    """Fill with integers uniform on [from, to): ``random_(from, to)``, ``random_(to)``
    (from 0), or ``random_()`` (the dtype's whole exactly-representable range)."""
    if "from" in kw:
        from_ = kw.pop("from")
    dt = self.dtype
    if from_ is None and to is None:
        lo, hi = _random_bounds(dt)
        version = 2
    elif to is None:
        lo, hi = 0, int(from_)
        version = 1
    else:
        lo, hi = int(from_), int(to)
        version = 0
    _check_range(lo, hi)

    def draw(rng, xp, shape, npdt):
        return integer_array(rng, xp, lo, hi, shape, npdt)
    return _draw_into(self, "Random", version, draw, generator)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from Exp(lambd) (density lambd * exp(-lambd x))."""
    lam = _float_arg(lambd, "exponential_", "lambd")
    if not self.is_floating_point():
        raise RuntimeError(f"Exponential distribution is a continuous probability distribution. dtype must "
                           f"be a floating point but you specified {_cname(self.dtype)}")
    if not lam > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")

    def draw(rng, xp, shape, npdt):
        return exponential_array(rng, xp, shape, npdt) / npdt.type(lam)
    return _draw_into(self, "Exponential", 0, draw, generator)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy samples: median + sigma * tan(pi * (U - 1/2))."""
    m, s = _float_arg(median, "cauchy_", "median"), _float_arg(sigma, "cauchy_", "sigma")
    _need_float(self.dtype, "cauchy_cpu")
    if not s > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")

    def draw(rng, xp, shape, npdt):
        u = uniform_array(rng, xp, shape, _float_dtype_for_draw(npdt))
        return m + s * xp.tan(math.pi * (u - 0.5))
    return _draw_into(self, "Cauchy", 0, draw, generator)


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with exp(N(mean, std^2)) samples."""
    m, s = _float_arg(mean, "log_normal_", "mean"), _float_arg(std, "log_normal_", "std")
    _need_float(self.dtype, "log_normal_cpu")
    if not s > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")

    def draw(rng, xp, shape, npdt):
        return xp.exp(normal_array(rng, xp, shape, _float_dtype_for_draw(npdt)) * s + m)
    return _draw_into(self, "LogNormal", 0, draw, generator)


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    pr = _float_arg(p, "geometric_", "p")
    if not 0 < pr < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")

    def draw(rng, xp, shape, npdt):
        u = uniform_array(rng, xp, shape, np.dtype(np.float64))
        # P(X > k) = (1-p)^k, so X = ceil(log(1 - U) / log(1 - p)) (at least 1)
        return xp.maximum(xp.ceil(xp.log1p(-u) / math.log1p(-pr)), 1)
    return _draw_into(self, "Geometric", 0, draw, generator)


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


Tensor.uniform_ = uniform_
Tensor.normal_ = normal_
Tensor.bernoulli_ = bernoulli_
Tensor.random_ = random_
Tensor.exponential_ = exponential_
Tensor.cauchy_ = cauchy_
Tensor.log_normal_ = log_normal_
Tensor.geometric_ = geometric_
Tensor.multinomial = _multinomial_method
Tensor.bernoulli = _bernoulli_method
