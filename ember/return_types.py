"""Named-tuple results of operations that return several tensors (PyTorch's
``torch.return_types``): ``x.max(dim=1)`` gives ``max(values=..., indices=...)``.

Each type is a ``tuple`` subclass, so results index (``r[0]``, ``r[-1]``), slice,
unpack (``v, i = x.max(1)``) and compare like tuples, and its fields are read-only
attributes (``r.values``).  They print exactly as PyTorch's do::

    torch.return_types.max(
    values=tensor([0.9028, 0.6115]),
    indices=tensor([1, 3]))
"""
from __future__ import annotations

import sys

__all__ = ["aminmax", "cummax", "cummin", "frexp", "geqrf", "histogram", "kthvalue", "linalg_cholesky_ex",
           "linalg_eig", "linalg_eigh", "linalg_inv_ex", "linalg_lstsq", "linalg_lu", "linalg_lu_factor",
           "linalg_lu_factor_ex",
           "linalg_qr", "linalg_slogdet", "linalg_solve_ex", "linalg_svd", "lu_unpack", "max", "median",
           "min", "mode", "nanmedian", "qr", "slogdet", "sort", "svd", "topk", "triangular_solve"]


class _ReturnType(tuple):
    """Base of the result types: a tuple whose items also have names."""

    __slots__ = ()
    _fields: tuple = ()

    def __new__(cls, sequence):
        items = tuple(sequence)
        if len(items) != len(cls._fields):
            raise TypeError(f"torch.return_types.{cls.__name__} takes a {len(cls._fields)}-sequence "
                            f"({len(items)}-sequence given)")
        return tuple.__new__(cls, items)

    def __repr__(self) -> str:
        body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _field(i: int):
    return property(lambda self: tuple.__getitem__(self, i), doc=f"item {i} of the result")


def _make(name: str, fields: tuple[str, ...]) -> type:
    attrs = {"__slots__": (), "_fields": fields, "n_fields": len(fields), "n_sequence_fields": len(fields),
             "__module__": __name__, "__qualname__": name,
             "__doc__": f"Result of {name}: a tuple ({', '.join(fields)})."}
    attrs.update({f: _field(i) for i, f in enumerate(fields)})
    return type(name, (_ReturnType,), attrs)


_VI = ("values", "indices")
_TYPES = {
    "max": _VI, "min": _VI, "median": _VI, "nanmedian": _VI, "mode": _VI, "kthvalue": _VI, "sort": _VI,
    "topk": _VI, "cummax": _VI, "cummin": _VI, "aminmax": ("min", "max"),
    "frexp": ("mantissa", "exponent"), "geqrf": ("a", "tau"), "histogram": ("hist", "bin_edges"),
    "linalg_cholesky_ex": ("L", "info"), "linalg_eig": ("eigenvalues", "eigenvectors"),
    "linalg_eigh": ("eigenvalues", "eigenvectors"), "linalg_inv_ex": ("inverse", "info"),
    "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"), "linalg_lu": ("P", "L", "U"),
    "linalg_lu_factor": ("LU", "pivots"), "linalg_lu_factor_ex": ("LU", "pivots", "info"),
    "linalg_qr": ("Q", "R"), "linalg_slogdet": ("sign", "logabsdet"),
    "linalg_solve_ex": ("result", "info"), "linalg_svd": ("U", "S", "Vh"), "lu_unpack": ("P", "L", "U"),
    "qr": ("Q", "R"), "slogdet": ("sign", "logabsdet"), "svd": ("U", "S", "V"),
    "triangular_solve": ("solution", "cloned_coefficient"),
}
_module = sys.modules[__name__]
for _name, _fields in _TYPES.items():
    setattr(_module, _name, _make(_name, _fields))
