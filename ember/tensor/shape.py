"""Reshaping and re-ordering axes: view/reshape, flatten, squeeze, transposes,
movedim, expand and broadcasting, and their in-place metadata forms (t_, ...).

Each public function checks its arguments the PyTorch way (errors raise here,
before NumPy sees them), then applies one primitive of ``ember.ops.shape``.
Results that share the input's memory are linked to it as views (``view_apply``).
Joining, splitting, flips, repeats and diagonals live in ``joining.py`` and
``reorder.py`` (re-exported here)."""
from __future__ import annotations

import math
import operator
import warnings

from ..autograd.grad_mode import GRAD
from ..backend import dtypes as D
from ..ops import shape as S
from .size import Size
from .tensor import Tensor
from .wrap import apply, normalize_axis, view_apply

__all__ = ["reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "swapaxes", "swapdims",
           "permute", "movedim", "moveaxis", "t", "adjoint", "broadcast_to", "broadcast_tensors",
           "broadcast_shapes", "ravel", "infer_shape"]


# ---------------------------------------------------------------------------- argument helpers
def _int(op: str, v, what: str = "argument") -> int:
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise TypeError(f"{op}(): {what} must be an int, not {type(v).__name__}")
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{op}(): {what} must be an int, not {type(v).__name__}") from None


def int_args(op: str, args, what: str = "size") -> tuple:
    """Sizes given as varargs ints or as one tuple / list / Size (PyTorch accepts both)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for i, a in enumerate(args):
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"{op}(): argument '{what}' must be tuple of ints, but found element of type "
                            f"{type(a).__name__} at pos {i}")
        try:
            out.append(operator.index(a))
        except TypeError:
            raise TypeError(f"{op}(): argument '{what}' must be tuple of ints, but found element of type "
                            f"{type(a).__name__} at pos {i}") from None
    return tuple(out)


def infer_shape(op: str, shape: tuple, numel: int) -> tuple:
    """Resolve one -1 in ``shape`` for ``numel`` elements; RuntimeError as PyTorch's when sizes disagree."""
    neg = None
    for i, s in enumerate(shape):
        if s == -1:
            if neg is not None:
                raise RuntimeError(f"{op}: only one dimension can be inferred")
            neg = i
        elif s < 0:
            raise RuntimeError(f"{op}: invalid shape dimension {s} at index {i} of shape {list(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if neg is None:
        if known != numel:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape
    if known == 0:
        if numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               f"unspecified dimension size -1 can be any value and is ambiguous")
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    if numel % known:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape[:neg] + (numel // known,) + shape[neg + 1:]


def _can_view(data, shape) -> bool:
    if data.flags.c_contiguous:
        return True
    item = data.itemsize
    return S.view_possible(tuple(data.shape), tuple(s // item for s in data.strides), tuple(shape))


# ---------------------------------------------------------------------------- reshape / view
def reshape(input: Tensor, *shape) -> Tensor:
    """Same elements in a new shape (one dim may be -1): a view when the strides allow, else a copy."""
    shape = infer_shape("reshape", int_args("reshape", shape, "shape"), input._data.size)
    if _can_view(input._data, shape):
        return view_apply(S.View, input, shape)
    return apply(S.UnsafeView, input, shape)


def view(input: Tensor, *shape) -> Tensor:
    """A view with a new shape (RuntimeError when the strides forbid one); ``view(dtype)``
    reinterprets the bytes as another dtype (no gradient, as PyTorch)."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(input, shape[0])
    shape = infer_shape("view", int_args("view", shape, "size"), input._data.size)
    if not _can_view(input._data, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return view_apply(S.View, input, shape)


def _view_dtype(input: Tensor, dtype) -> Tensor:
    data = input._data
    try:
        out = data.view(dtype.np)
    except ValueError as e:
        raise RuntimeError(f"view(): cannot view a tensor of shape {list(data.shape)} and dtype "
                           f"{input.dtype} as {dtype}: {e}") from None
    t = Tensor._make(out)
    t._version = input._version
    return t


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other.shape)


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """The tensor itself when its memory is row-major contiguous, else a contiguous copy."""
    if input.is_contiguous():
        return input
    from .math import clone
    return clone(input)


def ravel(input: Tensor) -> Tensor:
    """A 1-D view of the contiguous tensor (copying first when it is not contiguous)."""
    return view(contiguous(input), -1)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one (a 0-d tensor becomes shape (1,))."""
    n = input.ndim
    s = normalize_axis(_int("flatten", start_dim, "start_dim"), n, "flatten")
    e = normalize_axis(_int("flatten", end_dim, "end_dim"), n, "flatten")
    if n == 0:
        return reshape(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one may be -1), as a view."""
    n = input.ndim
    if n == 0:
        raise IndexError("unflatten: Dimension specified as 0 but tensor has no dimensions")
    d = normalize_axis(_int("unflatten", dim, "dim"), n, "unflatten")
    sizes = int_args("unflatten", (sizes,), "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    size = input._data.shape[d]
    try:
        new = infer_shape("unflatten", sizes, size)
    except RuntimeError as e:
        if "inferred" in str(e):
            raise
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
                           f"({size}) in the input tensor") from None
    shape = input._data.shape
    return view_apply(S.View, input, shape[:d] + tuple(new) + shape[d + 1:])


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims: all of them, or those among ``dim`` (int or tuple); a view."""
    shape, n = input._data.shape, input.ndim
    if dim is None:
        return view_apply(S.Squeeze, input, tuple(s for s in shape if s != 1))
    if isinstance(dim, (tuple, list)):
        axes = [normalize_axis(_int("squeeze", d, "dim"), n, "squeeze") for d in dim]
        for a in axes:
            if axes.count(a) > 1:
                raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
        op = S.SqueezeDims
    else:
        axes = [normalize_axis(_int("squeeze", dim, "dim"), n, "squeeze")]
        op = S.SqueezeDim
    drop = {a for a in axes if n and shape[a] == 1}
    return view_apply(op, input, tuple(s for i, s in enumerate(shape) if i not in drop))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim`` (in [-ndim-1, ndim]); a view."""
    shape = input._data.shape
    d = normalize_axis(_int("unsqueeze", dim, "dim"), len(shape) + 1, "unsqueeze")
    return view_apply(S.Unsqueeze, input, shape[:d] + (1,) + shape[d:])


# ---------------------------------------------------------------------------- axis orders
def _swap_axes(input: Tensor, dim0, dim1, op: str) -> tuple:
    n = input.ndim
    d0 = normalize_axis(_int(op, dim0, "dim0"), n, op)
    d1 = normalize_axis(_int(op, dim1, "dim1"), n, op)
    axes = list(range(n))
    if n:
        axes[d0], axes[d1] = axes[d1], axes[d0]
    return tuple(axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims; a view."""
    return view_apply(S.Transpose, input, _swap_axes(input, dim0, dim1, "transpose"))


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return transpose(input, dim0, dim1)


def permute(input: Tensor, *dims) -> Tensor:
    """Reorder all dims; a view."""
    dims = int_args("permute", dims, "dims")
    n = input.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                           f"the length of the desired ordering of dimensions i.e. input.dim() = {n} is not "
                           f"equal to len(dims) = {len(dims)}")
    axes = tuple(normalize_axis(d, n, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_apply(S.Permute, input, axes)


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (ints or sequences); the others keep their order."""
    src = int_args("movedim", (source,) if not isinstance(source, (tuple, list)) else (tuple(source),), "source")
    dst = int_args("movedim", (destination,) if not isinstance(destination, (tuple, list))
                   else (tuple(destination),), "destination")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    n = input.ndim
    s = [normalize_axis(d, n, "movedim") for d in src]
    d = [normalize_axis(x, n, "movedim") for x in dst]
    if len(set(s)) != len(s):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(d)) != len(d):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    perm = [-1] * max(n, 1)
    for a, b in zip(s, d):
        perm[b] = a
    rest = iter(i for i in range(n) if i not in s)
    perm = tuple(p if p >= 0 else next(rest) for p in perm)[:n]
    return view_apply(S.Permute, input, perm)


moveaxis = movedim


def t(input: Tensor) -> Tensor:
    """Transpose a 2-D tensor (0-D and 1-D are returned as they are, as views)."""
    n = input.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return view_apply(S.T, input, (1, 0) if n == 2 else tuple(range(n)))


def _T(self: Tensor) -> Tensor:
    n = self.ndim
    if n == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                      UserWarning, stacklevel=2)
    elif n != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                      "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
                      "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
                      "dimensions of a tensor.", UserWarning, stacklevel=2)
    return view_apply(S.Permute, self, tuple(range(n))[::-1])


def _mT(self: Tensor, name: str = "mT") -> Tensor:
    if self.ndim < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return transpose(self, -2, -1)


def _H(self: Tensor) -> Tensor:
    n = self.ndim
    if n == 0:
        return view_apply(S.Permute, self, ())
    if n != 2:
        extra = ". For batches of matrices, consider using tensor.mH" if n > 2 else "."
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D tensor{extra}")
    return transpose(self, 0, 1)


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (the transpose, for real tensors)."""
    return _mT(input, "mH")


# ---------------------------------------------------------------------------- broadcasting
def expand(input: Tensor, *sizes) -> Tensor:
    """A view with size-1 dims stretched and new leading dims added (-1 keeps a dim)."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = int_args("expand", sizes, "size")
    shape = input._data.shape
    n = len(shape)
    if len(sizes) < n:
        raise RuntimeError(f"expand({input.dtype}{list(shape)}, size={list(sizes)}): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({n})")
    lead = len(sizes) - n
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            out.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            out.append(cur)
        elif s == cur or (cur == 1 and s >= 0):
            out.append(s)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) "
                               f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(shape)}")
    return view_apply(S.Expand, input, tuple(out))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    """expand to ``size``."""
    return expand(input, tuple(int_args("broadcast_to", (size,), "size")))


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of ``shapes`` (tuples or ints) broadcast to."""
    shapes = [(s,) if not isinstance(s, (tuple, list)) else tuple(s) for s in shapes]
    shapes = [int_args("broadcast_shapes", (s,), "shapes") for s in shapes]
    n = max((len(s) for s in shapes), default=0)
    out = [1] * n
    for k, s in enumerate(shapes):
        for i, v in enumerate(s):
            j = n - len(s) + i
            if v < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {list(s)}")
            if out[j] == 1:
                out[j] = v
            elif v != 1 and v != out[j]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {v} at {i - len(s)}! "
                                   f"Mismatching argument at index {k} had {tuple(s)}; but expected shape "
                                   f"should be broadcastable to {out}")
    return Size(out)


def broadcast_tensors(*tensors) -> tuple:
    """Expand every tensor to their common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"broadcast_tensors(): expected Tensor as element {i}, but got {type(x).__name__}")
    n = max((x.ndim for x in tensors), default=0)
    out = [1] * n
    for x in tensors:
        s = x._data.shape
        for i, v in enumerate(s):
            j = n - len(s) + i
            if out[j] == 1:
                out[j] = v
            elif v != 1 and v != out[j]:
                raise RuntimeError(f"The size of tensor a ({out[j]}) must match the size of tensor b ({v}) at "
                                   f"non-singleton dimension {j}")
    return tuple(expand(x, tuple(out)) for x in tensors)


# ---------------------------------------------------------------------------- in-place metadata
def _metadata_inplace(self: Tensor, op, shape_or_axes) -> Tensor:
    """``self`` becomes ``op``'s view of itself: new shape/strides on the same memory.

    PyTorch's rules: not on a leaf (or a view of one) requiring grad while grad mode
    is on; a non-leaf takes the op as its new grad_fn; the version counter is bumped."""
    if GRAD[0] and self._rg:
        self._check_inplace_allowed()
    out = view_apply(op, self, shape_or_axes)
    self._data = out._data
    if out._node is not None:
        self._node, self._oidx = out._node, out._oidx
    if self._base is not None and out._base is self._base:
        self._view_chain = out._view_chain
    self._version[0] += 1
    return self


def t_(self: Tensor) -> Tensor:
    """t() in place (the tensor's own shape and strides change; memory is untouched)."""
    n = self.ndim
    if n > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {n}D")
    return _metadata_inplace(self, S.TInplace, (1, 0) if n == 2 else tuple(range(n)))


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    return _metadata_inplace(self, S.TransposeInplace, _swap_axes(self, dim0, dim1, "transpose_"))


def squeeze_(self: Tensor, dim=None) -> Tensor:
    shape = squeeze(self.detach(), dim)._data.shape
    return _metadata_inplace(self, S.SqueezeDims, tuple(shape))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    shape = self._data.shape
    d = normalize_axis(_int("unsqueeze_", dim, "dim"), len(shape) + 1, "unsqueeze_")
    return _metadata_inplace(self, S.UnsqueezeInplace, shape[:d] + (1,) + shape[d:])


Tensor.reshape = reshape
Tensor.view = view
Tensor.view_as = view_as
Tensor.reshape_as = reshape_as
Tensor.contiguous = contiguous
Tensor.ravel = ravel
Tensor.flatten = flatten
Tensor.unflatten = unflatten
Tensor.squeeze = squeeze
Tensor.unsqueeze = unsqueeze
Tensor.squeeze_ = squeeze_
Tensor.unsqueeze_ = unsqueeze_
Tensor.transpose = transpose
Tensor.swapaxes = swapaxes
Tensor.swapdims = swapdims
Tensor.transpose_ = transpose_
Tensor.swapaxes_ = transpose_
Tensor.swapdims_ = transpose_
Tensor.permute = permute
Tensor.movedim = movedim
Tensor.moveaxis = movedim
Tensor.t = t
Tensor.t_ = t_
Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.mH = property(lambda self: _mT(self, "mH"))
Tensor.H = property(_H)
Tensor.adjoint = adjoint
Tensor.expand = expand
Tensor.expand_as = expand_as
Tensor.broadcast_to = broadcast_to

from . import joining as _joining, reorder as _reorder  # noqa: E402  (they use the functions above)
from .joining import *  # noqa: E402,F401,F403
from .reorder import *  # noqa: E402,F401,F403

__all__ += _joining.__all__ + _reorder.__all__
