"""``einsum``: the equation parser and the primitive.

The parser turns any PyTorch equation (implicit output, ``...``, spaces, size-1
subscripts that broadcast) into a canonical one NumPy's einsum runs directly:
explicit output, no ellipsis, every subscript one size everywhere.  A size-1 axis
broadcast against a larger one gets a fresh subscript of its own: summing a
length-1 axis changes nothing, so the value is the same and the gradient of that
operand comes out with the operand's own shape.
"""
from __future__ import annotations

from .base import Primitive, array_module

__all__ = ["Einsum", "parse_einsum"]

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _err(msg: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {msg}")


def _split_terms(eq: str):
    """Check the characters and split into input terms and the output (None: implicit)."""
    arrow = eq.find("->")
    body = eq if arrow < 0 else eq[:arrow]
    out = None if arrow < 0 else eq[arrow + 2:]
    for i, c in enumerate(eq):
        if c in LETTERS or c in ".," or (arrow >= 0 and arrow <= i <= arrow + 1):
            continue
        raise _err(f"invalid subscript given at index {i} in the equation string, subscripts must be in "
                   f"[a-zA-Z]")
    if out is not None and "," in out:
        raise _err("found ',' in the output subscripts")
    return body.split(","), out


def _parse_term(term: str, k: int):
    """A term as (subscripts before '...', subscripts after, has_ellipsis)."""
    if "." not in term:
        return term, "", False
    i = term.find("...")
    if i < 0 or "." in term[:i] + term[i + 3:]:
        if i >= 0:
            raise _err(f"found '.' for operand {k} for which an ellipsis was already found")
        raise _err(f"found '.' for operand {k} that is not part of any ellipsis")
    return term[:i], term[i + 3:], True


def parse_einsum(equation: str, shapes: list[tuple]):
    """The canonical equation for operands of ``shapes``, and the shapes to give them."""
    eq = "".join(equation.split())
    terms, out = _split_terms(eq)
    if len(terms) > len(shapes):
        raise _err("fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise _err("more operands were provided than specified in the equation")
    used = set(c for c in eq if c in LETTERS)
    fresh = iter(c for c in LETTERS if c not in used)

    def new_letter():
        try:
            return next(fresh)
        except StopIteration:
            raise _err("too many subscripts in the equation (at most 52 distinct ones)") from None

    parsed = []
    ell = 0
    for k, (t, shape) in enumerate(zip(terms, shapes)):
        pre, post, has = _parse_term(t, k)
        n = len(pre) + len(post)
        if not has and n != len(shape):
            raise _err(f"the number of subscripts in the equation ({n}) does not match the number of "
                       f"dimensions ({len(shape)}) for operand {k} and no ellipsis was given")
        if has and n > len(shape):
            raise _err(f"the number of subscripts in the equation ({n}) is more than the number of "
                       f"dimensions ({len(shape)}) for operand {k}")
        e = len(shape) - n if has else 0
        ell = max(ell, e)
        parsed.append((pre, post, e))
    ell_letters = [new_letter() for _ in range(ell)]
    full = []  # each operand's subscripts, one letter per axis
    for pre, post, e in parsed:
        full.append(list(pre) + ell_letters[ell - e:] + list(post))
    if out is None:  # implicit: ellipsis axes, then subscripts seen once, in ASCII order
        counts = {}
        for f in full:
            for c in f:
                counts[c] = counts.get(c, 0) + 1
        out_letters = ell_letters + sorted(c for c, n in counts.items() if n == 1 and c not in ell_letters)
    else:
        pre, post, has = _parse_term(out, -1)
        out_letters = list(pre) + (ell_letters if has else []) + list(post)
        seen = set(c for f in full for c in f)
        for c in out_letters:
            if out_letters.count(c) > 1:
                raise _err(f"output subscript {c} appears more than once in the output")
            if c not in seen:
                raise _err(f"output subscript {c} does not appear in the equation for any input operand")
    # sizes: a subscript's size is the largest seen; size 1 broadcasts against it
    size = {}
    for k, (f, shape) in enumerate(zip(full, shapes)):
        mine = {}
        for c, n in zip(f, shape):
            if c in mine and mine[c] != n:
                raise _err(f"subscript {c} is repeated for operand {k} but the sizes don't match, "
                           f"{n} != {mine[c]}")
            mine[c] = n
            prev = size.get(c)
            if prev is not None and prev != n and prev != 1 and n != 1:
                raise _err(f"subscript {c} has size {n} for operand {k} which does not broadcast with "
                           f"previously seen size {prev}")
            size[c] = n if prev is None or prev == 1 else prev
    canon_terms = []
    for f, shape in zip(full, shapes):
        rename = {}
        letters = []
        for c, n in zip(f, shape):
            if n == 1 and size[c] != 1:
                if c not in rename:
                    rename[c] = new_letter()
                letters.append(rename[c])
            else:
                letters.append(c)
        canon_terms.append("".join(letters))
    return ",".join(canon_terms) + "->" + "".join(out_letters), [tuple(s) for s in shapes]

# ---------------------------------------------------------------- the primitive
def _einsum(xp, equation, *operands):
    """xp.einsum with NumPy's contraction-order optimizer (BLAS for pairs; ~8x faster)
    on arrays; on tensors (a differentiated backward) ember's own einsum."""
    if hasattr(xp, "ndarray"):
        return xp.einsum(equation, *operands, optimize=True)
    return xp.einsum(equation, *operands)


class Einsum(Primitive):
    """einsum over a canonical equation: explicit output, no ellipsis, every
    subscript of one size across operands (the wrapper makes it so)."""
    name = "Einsum"

    @staticmethod
    def forward(ctx, *operands, equation):
        xp = array_module(operands[0])
        ctx.save(*operands)
        ctx.equation = equation
        y = _einsum(xp, equation, *operands)
        if len(operands) == 1 and xp.may_share_memory(y, operands[0]):
            y = y.copy()  # NumPy returns views for transposes and diagonals; results own their memory
        return y

    @staticmethod
    def backward(ctx, g):
        # y = einsum(s_1, ..., s_n -> o):  d op_i = einsum(o, s_j (j != i) -> s_i) with g in place
        # of op_i.  Subscripts summed only inside op_i are broadcast back; a subscript repeated
        # in s_i (a diagonal) gets the gradient on that diagonal (times an identity matrix).
        ops = ctx.saved
        xp = array_module(g)
        lhs, out = ctx.equation.split("->")
        subs = lhs.split(",")
        grads = []
        for i, s in enumerate(subs):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            grads.append(_einsum_grad(xp, g, out, subs, ops, i))
        return tuple(grads)


def _einsum_grad(xp, g, out, subs, ops, i):
    s = subs[i]
    op = ops[i]
    others = [(subs[j], ops[j]) for j in range(len(subs)) if j != i]
    seen = set(out).union(*(set(sj) for sj, _ in others)) if others else set(out)
    used = set("".join(subs)) | set(out)
    free = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used)
    target = []      # s with repeats renamed
    eyes = []        # (subscripts, size) of identity matrices tying a repeat to its first use
    for c, n in zip(s, op.shape):
        if c in target:
            fresh = next(free)
            eyes.append((c + fresh, n))
            target.append(fresh)
        else:
            target.append(c)
    terms = [out] + [sj for sj, _ in others] + [e for e, _ in eyes]
    arrays = [g] + [oj for _, oj in others] + [xp.eye(n, dtype=g.dtype) for _, n in eyes]
    avail = seen.union(*(set(e) for e, _ in eyes)) if eyes else seen
    produced = [c for c in target if c in avail]  # subscripts einsum can produce, in target order
    r = _einsum(xp, ",".join(terms) + "->" + "".join(produced), *arrays)
    # subscripts summed only inside op_i: broadcast the gradient back along them
    shape = tuple(n if c in avail else 1 for c, n in zip(target, op.shape))
    if len(produced) != len(target):
        r = xp.reshape(r, shape)
    if tuple(shape) != tuple(op.shape):
        r = xp.broadcast_to(r, tuple(op.shape))
    return r


