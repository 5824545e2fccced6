"""``ember.summary(model, input_size)``: the layer-by-layer table of output shapes and
parameter counts (torchinfo's basic table; d2l's habit of printing each layer's output
shape), with totals and a memory estimate.

It runs one forward pass on a random batch, in eval mode and without autograd (so batch-norm
statistics and dropout are untouched, and the model's train/eval flags are restored), with
hooks on every submodule that record the call tree in call order.  A row's ``Param #`` is the
module's parameter count when the row is a leaf of the printed tree (a layer, or a block
collapsed by ``depth``), and the parameters it holds directly (``--`` when none) when its
children are listed below it, so the column adds up to the total; a module called again
shows ``(recursive)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["summary", "ModelSummary", "SummaryRow"]


@dataclass
class SummaryRow:
    """One module call: ``name`` (qualified, e.g. ``layer1.0.conv1``), ``type`` (class name),
    ``depth`` (0 = the model), ``index`` (position among its parent's rows, from 1),
    ``output_shape`` (a list of ints, or a list of such lists for several outputs),
    ``num_params`` (all parameters under the module), ``own_params`` (those it holds
    directly), ``trainable`` (parameters under it that require grad), ``recursive`` (a
    repeated call), ``is_leaf`` (no child module was called),
    ``output_bytes`` (bytes of its outputs)."""
    name: str
    type: str
    depth: int
    index: int
    output_shape: Any = None
    num_params: int = 0
    own_params: int = 0
    trainable: int = 0
    recursive: bool = False
    is_leaf: bool = True
    output_bytes: int = 0


@dataclass
class ModelSummary:
    """What ``summary`` measured: ``rows`` (every call down to ``depth``), the parameter
    totals and the size estimates in MB (``input_size``, ``forward_backward_size``: twice
    the leaf outputs, as torchinfo counts activations kept for backward; ``params_size``;
    ``total_size``).  ``str()`` is the table."""
    model_name: str
    rows: list = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0
    input_size: float = 0.0
    forward_backward_size: float = 0.0
    params_size: float = 0.0
    total_size: float = 0.0
    depth: int = 3

    def __str__(self) -> str:
        return _format(self)

    __repr__ = __str__


def _shape_of(out):
    """Output shape(s) of a module call: a list for a tensor, a list of lists for a tuple,
    list or dict of tensors (``None`` entries, e.g. GoogLeNet's absent aux logits, skipped)."""
    from .tensor.tensor import Tensor
    if isinstance(out, Tensor):
        return list(out.shape), out.numel() * out.element_size()
    items = list(out.values()) if isinstance(out, dict) else list(out) if isinstance(out, (tuple, list)) else []
    shapes, nbytes = [], 0
    for item in items:
        if item is None:
            continue
        s, b = _shape_of(item)
        if s is not None:
            shapes.append(s)
            nbytes += b
    if not shapes:
        return None, 0
    return (shapes[0] if len(shapes) == 1 else shapes), nbytes


def _make_inputs(input_size, batch_size: int, dtype, device):
    import ember
    if not isinstance(input_size, (tuple, list)) or not input_size:
        raise ValueError(f"summary: input_size must be a shape like (1, 28, 28) or a list of shapes, "
                         f"got {input_size!r}")
    sizes = list(input_size) if isinstance(input_size[0], (tuple, list)) else [input_size]
    dtypes = list(dtype) if isinstance(dtype, (tuple, list)) else [dtype] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: got {len(dtypes)} dtypes for {len(sizes)} inputs")
    inputs = []
    for size, dt in zip(sizes, dtypes):
        if not all(isinstance(d, int) and d >= 0 for d in size):
            raise ValueError(f"summary: input sizes must be non-negative ints, got {tuple(size)}")
        shape = (batch_size, *size)
        dt = dt or ember.float32
        if dt.is_floating_point:
            inputs.append(ember.rand(shape, dtype=dt, device=device))
        else:
            inputs.append(ember.zeros(shape, dtype=dt, device=device))
    return inputs


def summary(model, input_size=None, batch_size: int = 1, dtype=None, device=None, *, input_data=None,
            depth: int = 3, verbose: int = 1) -> ModelSummary:
    """Print and return the summary of ``model`` on a random input.

    ``input_size`` is the shape of one sample without the batch dimension, e.g. ``(1, 28, 28)``
    (a list of shapes for a model with several inputs); the input is ``batch_size`` such
    samples of ``dtype`` (float32 by default; a list gives one dtype per input) on ``device``.
    ``input_data`` passes ready inputs instead (a tensor or a tuple of them).  Rows below
    ``depth`` are folded into their parents; ``verbose=0`` returns without printing.
    """
    import ember
    from .nn.modules.module import Module
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    if input_data is None:
        if input_size is None:
            raise ValueError("summary: pass input_size (the shape of one sample, e.g. (1, 28, 28)) or input_data")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"summary: batch_size must be a positive int, got {batch_size!r}")
        inputs = _make_inputs(input_size, batch_size, dtype, device)
    else:
        inputs = list(input_data) if isinstance(input_data, (tuple, list)) else [input_data]

    names = {id(m): n for n, m in model.named_modules(remove_duplicate=False)}
    rows: list[SummaryRow] = []
    stack: list[list] = []            # [row or None, number of children seen]
    seen: set[int] = set()
    handles = []

    def pre_hook(module, args):
        parent = stack[-1] if stack else None
        d = len(stack)
        if parent is not None:
            parent[1] += 1
            if parent[0] is not None:
                parent[0].is_leaf = False
        row = None
        if d <= depth:
            row = SummaryRow(names.get(id(module), type(module).__name__), type(module).__name__, d,
                             parent[1] if parent is not None else 0, recursive=id(module) in seen)
            params = list(module.parameters())
            row.num_params = sum(p.numel() for p in params)
            row.trainable = sum(p.numel() for p in params if p.requires_grad)
            row.own_params = sum(p.numel() for p in module.parameters(recurse=False))
            rows.append(row)
        seen.add(id(module))
        stack.append([row, 0])

    leaf_bytes = [0]

    def post_hook(module, args, out):
        row, n_children = stack.pop()
        shape, nbytes = _shape_of(out)
        if n_children == 0 and stack:
            leaf_bytes[0] += nbytes
        if row is not None:
            row.output_shape, row.output_bytes = shape, nbytes

    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(post_hook))
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with ember.no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            m.training = mode

    params = list(model.parameters())
    out = ModelSummary(type(model).__name__, rows, depth=depth)
    out.total_params = sum(p.numel() for p in params)
    out.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    out.non_trainable_params = out.total_params - out.trainable_params
    mb = 1e6
    out.input_size = sum(x.numel() * x.element_size() for x in inputs) / mb
    out.forward_backward_size = 2 * leaf_bytes[0] / mb
    out.params_size = sum(p.numel() * p.element_size() for p in params) / mb
    out.total_size = out.input_size + out.forward_backward_size + out.params_size
    if verbose:
        print(out)
    return out


def _param_cell(row: SummaryRow, depth: int) -> str:
    if row.recursive:
        return "(recursive)"
    n = row.num_params if (row.is_leaf or row.depth == depth) else row.own_params
    return f"{n:,}" if n else "--"


def _format(s: ModelSummary) -> str:
    lines = []
    body = []
    for r in s.rows:
        if r.depth == 0:
            label = r.type
        else:
            label = "│    " * (r.depth - 1) + f"└─{r.type}: {r.depth}-{r.index}"
        if r.depth > 0 and r.name:
            label += f" ({r.name})"
        shape = "--" if r.output_shape is None else str(r.output_shape)
        body.append((label, shape, _param_cell(r, s.depth) if r.depth > 0 else "--"))
    w0 = max([len("Layer (type:depth-idx)")] + [len(b[0]) for b in body]) + 2
    w1 = max([len("Output Shape")] + [len(b[1]) for b in body]) + 2
    w2 = max([len("Param #")] + [len(b[2]) for b in body])
    rule = "=" * (w0 + w1 + w2)
    lines += [rule, f"{'Layer (type:depth-idx)':<{w0}}{'Output Shape':<{w1}}{'Param #':>{w2}}", rule]
    lines += [f"{a:<{w0}}{b:<{w1}}{c:>{w2}}" for a, b, c in body]
    lines += [rule, f"Total params: {s.total_params:,}", f"Trainable params: {s.trainable_params:,}",
              f"Non-trainable params: {s.non_trainable_params:,}", rule,
              f"Input size (MB): {s.input_size:.2f}", f"Forward/backward pass size (MB): {s.forward_backward_size:.2f}",
              f"Params size (MB): {s.params_size:.2f}", f"Estimated Total Size (MB): {s.total_size:.2f}", rule]
    return "\n".join(lines)
