"""Matrix products and friends: ``matmul`` and ``@``, ``mm``, ``bmm``, ``mv``, ``dot``,
``inner``, ``vdot``, ``outer``, the ``add*`` fused forms, ``einsum``, ``tensordot``,
``kron``, ``cross``, ``trace``, and ``det`` / ``inverse`` / ``slogdet`` / ``logdet``
(which forward to ``ember.linalg``).  ``torch.norm`` lives with the reductions.

PyTorch does not promote dtypes in products: float32 @ float64 raises, as here.
Shapes are checked before any array library sees them, with PyTorch's messages."""
from __future__ import annotations

import warnings

from ..backend import dtypes as D
from ..ops import linalg as L
from .tensor import Tensor
from .wrap import apply, normalize_axis, promote, to_tensor
from . import amp as _amp

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
           "baddbmm", "addbmm", "einsum", "tensordot", "kron", "cross", "trace", "det", "inverse",
           "slogdet", "logdet", "chain_matmul"]



def _tname(t: Tensor) -> str:
    """PyTorch's scalar-type name (Float, Double, Long, ...)."""
    return t.dtype.scalar_name


def check_matrix(op: str, A, name: str = "A", *, square: bool = False, floating: bool = False,
                 position: int | None = None) -> Tensor:
    """``A`` if it is a tensor with at least two axes (square matrices when ``square``,
    a floating dtype when ``floating``); else PyTorch's error for ``op``."""
    if not isinstance(A, Tensor):
        where = f" (position {position})" if position else ""
        raise TypeError(f"{op}(): argument '{name}'{where} must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    if floating and A.dtype.category != 2:
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {_tname(A)}")
    return A


def _cname(t: Tensor) -> str:
    """The C type name PyTorch prints in some messages (float, double, long int)."""
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "float16": "c10::Half"}.get(t.dtype.name, t.dtype.name)


def _tensor_arg(op: str, x, pos: int, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    return x


def _no_bool(op: str, *ts: Tensor) -> None:
    for t in ts:
        if t._data.dtype.kind == "b":
            # PyTorch has no bool kernel for products and raises NotImplementedError (a RuntimeError)
            raise NotImplementedError(f"\"{op}\" not implemented for 'Bool'")


def _mm_shapes(op: str, a: Tensor, b: Tensor) -> None:
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"{op}: mat1 and mat2 shapes cannot be multiplied "
                           f"({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")


def _same_dtype_mm(op: str, a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: expected m1 and m2 to have the same dtype, but got: {_cname(a)} != {_cname(b)}")


def _dot_checks(op: str, a: Tensor, b: Tensor) -> None:
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"{op}: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op} : expected both vectors to have same dtype, but found {_tname(a)} and "
                           f"{_tname(b)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"{op}: inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got {a.shape[0]} and "
                           f"{b.shape[0]} elements respectively")


def _mv_checks(op: str, a: Tensor, v: Tensor) -> None:
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"{op}: vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"{op}: size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({v.shape[0]})")
    if a._data.dtype != v._data.dtype:
        raise RuntimeError(f"{op}: addmv input tensors must have the same dtype, but got {_tname(v)}, "
                           f"{_tname(a)}, and {_tname(v)}")


def _batch_shape(op: str, sa: tuple, sb: tuple) -> tuple:
    """Broadcast two batch shapes, with PyTorch's message when they do not match."""
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    out = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"{op}: The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(max(x, y) if x and y else 0)
    return tuple(out)


# ---------------------------------------------------------------- products
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy/PyTorch semantics: 1-D @ 1-D is a dot product, a 1-D
    operand is a row (left) or column (right) vector, batch axes broadcast."""
    if _amp.ON and _amp.T.on:
        return _amp.run("matmul", matmul, input, other)
    a = _tensor_arg("matmul", input, 1, "input")
    b = _tensor_arg("matmul", other, 2, "other")
    na, nb = a.ndim, b.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"matmul: both arguments to matmul need to be at least 1D, but they are {na}D "
                           f"and {nb}D")
    if na == 1 and nb == 1:
        _dot_checks("matmul", a, b)
        _no_bool("dot", a, b)
        return apply(L.Dot, a, b)
    _no_bool("addmm_impl_cpu_", a, b)
    if na == 2 and nb == 1:
        _mv_checks("matmul", a, b)
        return apply(L.Mv, a, b)
    if a._data.dtype != b._data.dtype:
        _same_dtype_mm("matmul", a, b)
    k_a = a.shape[-1]
    k_b = b.shape[-2] if nb >= 2 else b.shape[0]
    if na == 2 and nb == 2:
        _mm_shapes("matmul", a, b)
        return apply(L.Mm, a, b)
    if na == 1:  # (k,) @ (..., k, p): a row vector
        if k_a != k_b:
            raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied (1x{k_a} and "
                               f"{b.shape[-2]}x{b.shape[-1]})")
        return apply(L.MatmulSqueeze if nb == 2 else L.Matmul, a, b)
    if k_a != k_b:
        if nb == 1:
            raise RuntimeError(f"matmul: size mismatch, got input ({a.shape[-2]}), mat "
                               f"({a.shape[-2]}x{k_a}), vec ({k_b})")
        raise RuntimeError(f"matmul: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{_batch_numel(a, b)}, {k_a}] but got: [{_batch_numel(a, b)}, {k_b}].")
    if nb >= 2:
        _batch_shape("matmul", tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    return apply(L.MatmulClone if na == 2 else L.Matmul, a, b)


def _batch_numel(a: Tensor, b: Tensor) -> int:
    n = 1
    for s in _batch_shape("matmul", tuple(a.shape[:-2]), tuple(b.shape[:-2]) if b.ndim >= 2 else ()):
        n *= s
    return n


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """(n, m) @ (m, p), both strictly 2-D."""
    if _amp.ON and _amp.T.on:
        return _amp.run("mm", mm, input, mat2)
    a = _tensor_arg("mm", input, 1, "input")
    b = _tensor_arg("mm", mat2, 2, "mat2")
    if a.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got a {a.ndim}-D tensor of shape {list(a.shape)}")
    if b.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got a {b.ndim}-D tensor of shape {list(b.shape)}")
    _no_bool("addmm_impl_cpu_", a, b)
    _same_dtype_mm("mm", a, b)
    _mm_shapes("mm", a, b)
    return apply(L.Mm, a, b)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """(B, n, m) @ (B, m, p): a batch of products, no broadcasting."""
    if _amp.ON and _amp.T.on:
        return _amp.run("bmm", bmm, input, mat2)
    a = _tensor_arg("bmm", input, 1, "input")
    b = _tensor_arg("bmm", mat2, 2, "mat2")
    if a.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor, got shape {list(a.shape)}")
    if b.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor, got shape {list(b.shape)}")
    _no_bool("bmm", a, b)
    _same_dtype_mm("bmm", a, b)
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    return apply(L.Bmm, a, b)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """(n, m) @ (m,)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("mv", mv, input, vec)
    a = _tensor_arg("mv", input, 1, "input")
    v = _tensor_arg("mv", vec, 2, "vec")
    _mv_checks("mv", a, v)
    _no_bool("addmv_impl_cpu", a, v)
    return apply(L.Mv, a, v)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors (only 1-D: use matmul or inner for more)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("dot", dot, input, tensor)
    a = _tensor_arg("dot", input, 1, "input")
    b = _tensor_arg("dot", tensor, 2, "tensor")
    _dot_checks("dot", a, b)
    _no_bool("dot", a, b)
    return apply(L.Dot, a, b)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """dot with the first argument conjugated (the same for real tensors)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("vdot", vdot, input, other)
    a = _tensor_arg("vdot", input, 1, "input")
    b = _tensor_arg("vdot", other, 2, "other")
    _dot_checks("vdot", a, b)
    _no_bool("vdot", a, b)
    return apply(L.Vdot, a, b)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last axes: out[i..., j...] = sum_k a[i..., k] b[j..., k]; a 0-d
    operand multiplies."""
    if _amp.ON and _amp.T.on:
        return _amp.run("inner", inner, input, other)
    a = _tensor_arg("inner", input, 1, "input")
    b = _tensor_arg("inner", other, 2, "other")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("inner: both inputs should have same dtype")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    k = a.shape[-1]
    out_shape = tuple(a.shape[:-1]) + tuple(b.shape[:-1])
    _no_bool("addmm_impl_cpu_", a, b)
    r = apply(L.MatmulView, a.reshape(-1, k), b.reshape(-1, k).t())
    return r.reshape(out_shape)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """out[i, j] = a[i] * b[j] (dtypes promote, as PyTorch's outer is a broadcast multiply)."""
    a = _tensor_arg("outer", input, 1, "input")
    b = _tensor_arg("outer", vec2, 2, "vec2")
    if a.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {a.ndim}-D")
    if b.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {b.ndim}-D")
    return a.reshape(-1, 1) * b


ger = outer


def _int_scale(t: Tensor, s):
    """PyTorch reads alpha/beta as integers for integer tensors."""
    return int(s) if t._data.dtype.kind in "iu" else s


def _add_args(op: str, inp, *mats):
    inp = to_tensor(inp, mats[0])
    for m in mats:
        if m._data.dtype != inp._data.dtype:
            raise RuntimeError(f"{op}: self and mat2 must have the same dtype, but got {_tname(inp)} and "
                               f"{_tname(m)}")
    return inp


def _check_expand(op: str, inp: Tensor, shape: tuple) -> None:
    s = tuple(inp.shape)
    if len(s) > len(shape) or any(x != y and x != 1 for x, y in zip(s[::-1], shape[::-1])):
        raise RuntimeError(f"{op}: The expanded size of the tensor input {list(s)} must match the result "
                           f"size {list(shape)}")


def addmm(input, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("addmm", addmm, input, mat1, mat2, beta=beta, alpha=alpha)
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"addmm: mat1 and mat2 must be matrices, got {mat1.ndim}-D and {mat2.ndim}-D")
    _same_dtype_mm("addmm", mat1, mat2)
    inp = _add_args("addmm", input, mat1, mat2)
    _mm_shapes("addmm", mat1, mat2)
    _check_expand("addmm", inp, (mat1.shape[0], mat2.shape[1]))
    _no_bool("addmm_impl_cpu_", mat1, mat2)
    return apply(L.Addmm, inp, mat1, mat2, beta=_int_scale(inp, beta), alpha=_int_scale(inp, alpha))


def addmv(input, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("addmv", addmv, input, mat, vec, beta=beta, alpha=alpha)
    _mv_checks("addmv", mat, vec)
    inp = _add_args("addmv", input, mat, vec)
    _check_expand("addmv", inp, (mat.shape[0],))
    _no_bool("addmv_impl_cpu", mat, vec)
    return apply(L.Addmv, inp, mat, vec, beta=_int_scale(inp, beta), alpha=_int_scale(inp, alpha))


def _bmm_checks(op: str, b1: Tensor, b2: Tensor) -> None:
    if b1.ndim != 3:
        raise RuntimeError(f"{op}: batch1 must be a 3D tensor, got shape {list(b1.shape)}")
    if b2.ndim != 3:
        raise RuntimeError(f"{op}: batch2 must be a 3D tensor, got shape {list(b2.shape)}")
    _same_dtype_mm(op, b1, b2)
    if b2.shape[0] != b1.shape[0] or b2.shape[1] != b1.shape[2]:
        raise RuntimeError(f"{op}: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1.shape[0]}, {b1.shape[2]}] but got: [{b2.shape[0]}, {b2.shape[1]}].")
    _no_bool(op, b1, b2)


def baddbmm(input, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("baddbmm", baddbmm, input, batch1, batch2, beta=beta, alpha=alpha)
    _bmm_checks("baddbmm", batch1, batch2)
    inp = _add_args("baddbmm", input, batch1, batch2)
    _check_expand("baddbmm", inp, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return apply(L.Baddbmm, inp, batch1, batch2, beta=_int_scale(inp, beta), alpha=_int_scale(inp, alpha))


def addbmm(input, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * sum_k batch1[k] @ batch2[k]."""
    if _amp.ON and _amp.T.on:
        return _amp.run("addbmm", addbmm, input, batch1, batch2, beta=beta, alpha=alpha)
    _bmm_checks("addbmm", batch1, batch2)
    inp = _add_args("addbmm", input, batch1, batch2)
    _check_expand("addbmm", inp, (batch1.shape[1], batch2.shape[2]))
    return apply(L.Addbmm, inp, batch1, batch2, beta=_int_scale(inp, beta), alpha=_int_scale(inp, alpha))


def chain_matmul(*matrices: Tensor) -> Tensor:
    """mm of all arguments, left to right."""
    if _amp.ON and _amp.T.on:
        return _amp.run("chain_matmul", chain_matmul, *matrices)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    out = matrices[0]
    for m in matrices[1:]:
        out = mm(out, m)
    return out


# ---------------------------------------------------------------- einsum
def einsum(*args) -> Tensor:
    """Einstein summation: ``einsum('ij,jk->ik', a, b)``, operands as arguments or one
    list, or the sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``."""
    if _amp.ON and _amp.T.on:
        return _amp.run(_einsum_amp_key(args), einsum, *args)
    from ..ops.einsum import Einsum, parse_einsum
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at "
                        "least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, ops = args[0], args[1:]
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = tuple(ops[0])
    else:
        equation, ops = _sublist_equation(args)
    ops = tuple(_tensor_arg("einsum", o, i + 2, "operands") for i, o in enumerate(ops))
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for o in ops[1:]:
        if o._data.dtype != ops[0]._data.dtype:
            raise RuntimeError(f"einsum(): expected scalar type {_tname(ops[0])} but found {_tname(o)}")
    canon, shapes = parse_einsum(equation, [tuple(o.shape) for o in ops])
    ops = tuple(o if tuple(o.shape) == s else o.reshape(s) for o, s in zip(ops, shapes))
    return apply(Einsum, *ops, equation=canon)


def _einsum_amp_key(args) -> str:
    """The autocast list name of an einsum call: PyTorch's einsum reaches bmm (autocast to
    lower precision on every device) only when it contracts an index shared by two
    operands; other equations are products and sums, which CPU autocast leaves alone."""
    try:
        if isinstance(args[0], str):
            eq = args[0].replace(" ", "").replace("...", "")
        else:
            eq = _sublist_equation(args)[0].replace("...", "")
    except (IndexError, ValueError, TypeError):
        return "einsum"
    lhs, _, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) < 2:
        return "einsum_noncontracting"
    shared = {c for c in set(lhs) - {","} if sum(c in t for t in terms) >= 2}
    return "einsum" if shared - set(out) else "einsum_noncontracting"


def _sublist_equation(args):
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def sub(lst):
        out = []
        for v in lst:
            if v is Ellipsis:
                out.append("...")
            elif isinstance(v, int) and 0 <= v < 52:
                out.append(letters[v])
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the valid range "
                                 f"[0, 52), got {v!r}")
        return "".join(out)
    ops, terms = [], []
    rest = list(args)
    while len(rest) >= 2:
        ops.append(rest.pop(0))
        terms.append(sub(rest.pop(0)))
    eq = ",".join(terms)
    if rest:
        eq += "->" + sub(rest[0])
    return eq, ops


# ---------------------------------------------------------------- other products
def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contract ``dims`` axes: the last ``dims`` of a with the first of b, or the listed
    pairs ``([a axes], [b axes])``."""
    if _amp.ON and _amp.T.on:
        return _amp.run("tensordot", tensordot, a, b, dims, out)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("tensordot: both inputs should have same dtype")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError(f"tensordot: both dimension lists should have same length, got {da} and {db}")
        da = [normalize_axis(d, a.ndim, "tensordot") for d in da]
        db = [normalize_axis(d, b.ndim, "tensordot") for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in dim {y}")
    fa = [i for i in range(a.ndim) if i not in da]
    fb = [i for i in range(b.ndim) if i not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    a2 = a.permute(*(fa + da)).reshape(-1, k)
    b2 = b.permute(*(db + fb)).reshape(k, -1)
    return mm(a2, b2).reshape(tuple(a.shape[i] for i in fa) + tuple(b.shape[i] for i in fb))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: out[i*m + k, ...] = a[i, ...] * b[k, ...] (dtypes promote)."""
    a, b = promote(input, other)
    n = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (n - a.ndim) + tuple(a.shape))
    b = b.reshape((1,) * (n - b.ndim) + tuple(b.shape))
    # interleave axes: a as (s0, 1, s1, 1, ...) times b as (1, t0, 1, t1, ...)
    sa, sb = [], []
    for x, y in zip(a.shape, b.shape):
        sa += [x, 1]
        sb += [1, y]
    prod = a.reshape(sa) * b.reshape(sb)
    return prod.reshape(tuple(x * y for x, y in zip(a.shape, b.shape)))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (default: the first axis of size 3)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("cross", cross, input, other, dim)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        shape = _batch_shape("cross", tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass "
                      "the dim explicitly or simply use torch.linalg.cross.", UserWarning, stacklevel=2)
    return linalg_cross(input, other, dim=dim)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """torch.linalg.cross: batch axes broadcast, ``dim`` must have length 3 in both."""
    if _amp.ON and _amp.T.on:
        return _amp.run("cross", linalg_cross, input, other, dim=dim)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"linalg.cross: expected scalar type {_tname(input)} but found {_tname(other)}")
    d = normalize_axis(dim, input.ndim, "linalg.cross")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} "
                           f"and {other.shape[d]}")
    shape = _batch_shape("linalg.cross", tuple(input.shape), tuple(other.shape))
    a = input if tuple(input.shape) == shape else input.expand(*shape)
    b = other if tuple(other.shape) == shape else other.expand(*shape)
    return apply(L.Cross, a, b, axis=d)


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (integers sum to int64)."""
    if _amp.ON and _amp.T.on:
        return _amp.run("trace", trace, input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    kind = input._data.dtype.kind
    if kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    npd = D.int64.np if kind in "iu" else None
    return apply(L.Trace, input, dtype=npd)


# ---------------------------------------------------------------- forwarded to ember.linalg
def det(input: Tensor) -> Tensor:
    """Determinant of a (batch of) square matrices."""
    from .. import linalg as LA
    return LA.det(input)


def inverse(input: Tensor) -> Tensor:
    """Inverse of a (batch of) square matrices."""
    from .. import linalg as LA
    return LA.inv(input)


def slogdet(input: Tensor):
    """(sign, log|det|) of a (batch of) square matrices."""
    from .. import linalg as LA
    return LA.slogdet(input)


def logdet(input: Tensor) -> Tensor:
    """log det(A): nan where the determinant is negative, -inf where it is zero."""
    from .. import linalg as LA
    A = LA._square("logdet", input)
    return apply(L.Logdet, A)


def _rmatmul(self: Tensor, other) -> Tensor:
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


def _matmul_op(self: Tensor, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(self, other)


def _method(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _name in ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
              "baddbmm", "addbmm", "kron", "cross", "trace", "det", "inverse", "slogdet", "logdet"]:
    setattr(Tensor, _name, _method(globals()[_name]))
Tensor.__matmul__ = _matmul_op
Tensor.__rmatmul__ = _rmatmul
