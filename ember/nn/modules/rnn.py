"""Recurrent layers: ``RNN``, ``GRU``, ``LSTM`` and the cells ``RNNCell``, ``GRUCell``, ``LSTMCell``.

Parameter names, shapes, gate order and default initialisation (every weight and bias
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))) are PyTorch's, so state_dicts interchange.
The layers accept (L, N, H_in) input, (N, L, H_in) with ``batch_first``, unbatched
(L, H_in), or a ``PackedSequence``; the math is ``nn.functional.recurrent``.
"""
from __future__ import annotations

import math
import numbers
import warnings

from ...tensor.factory import empty, zeros
from ...tensor.tensor import Tensor
from .. import init
from ..functional import rnn as F
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_MODE = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "tanh", "RNN_RELU": "relu"}


class RNNBase(Module):
    """What RNN, GRU and LSTM share: argument checks, parameters, state checks, repr."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        for name, v, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                              ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
            if not isinstance(v, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(v).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(dirs):
                layer_input = input_size if layer == 0 else real_hidden * dirs
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for stem, shape in shapes:
                    name = f"{stem}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """PyTorch packs weights into one buffer for cuDNN; ember's weights are already used
        as they are, so there is nothing to do."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction, in PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ---------------------------------------------------------------------------- checks
    def _check_input(self, input: Tensor, packed: bool) -> None:
        wdt = getattr(self, self._flat_weights_names[0]).dtype
        if input.dtype != wdt:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({wdt}). Convert "
                             f"input: input.to({wdt}), or convert model: model.to({input.dtype})")
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def _check_state(self, hx: Tensor, batch: int, width: int, msg: str) -> None:
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, width)
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _weights(self):
        rows = []
        for names in self._all_weights:
            ws = {n.split("_l")[0]: getattr(self, n) for n in names}
            rows.append((ws["weight_ih"], ws["weight_hh"], ws.get("bias_ih"), ws.get("bias_hh"),
                         ws.get("weight_hr")))
        return rows

    # --------------------------------------------------------------------------- forward
    def _run(self, input, hx, name: str):
        """Shared forward: normalise the input to packed rows, check/permute the states,
        run ``F.recurrent``, and give the outputs back in the input's form."""
        lstm = self.mode == "LSTM"
        dirs = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = isinstance(input, PackedSequence)
        is_batched = True
        sorted_idx = unsorted_idx = None
        if packed:
            data, bsizes, sorted_idx, unsorted_idx = input
            batch_sizes = [int(b) for b in bsizes.tolist()]
            batch = batch_sizes[0]
        else:
            if input.dim() not in (2, 3):
                extra = " tensor" if name == "RNN" else ""
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{extra} instead")
            is_batched = input.dim() == 3
            if not is_batched:
                input = input.unsqueeze(0 if self.batch_first else 1)
                if hx is not None:
                    states = hx if lstm else (hx,)
                    if any(h.dim() != 2 for h in states):
                        raise RuntimeError(_dim_msg(lstm, False, states))
                    hx = tuple(h.unsqueeze(1) for h in hx) if lstm else hx.unsqueeze(1)
            elif hx is not None:
                states = hx if lstm else (hx,)
                if any(h.dim() != 3 for h in states):
                    raise RuntimeError(_dim_msg(lstm, True, states))
            self._check_input(input, False)
            batch = input.size(0) if self.batch_first else input.size(1)
            steps = input.size(1) if self.batch_first else input.size(0)
            if steps == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            x = input.transpose(0, 1) if self.batch_first else input
            data = x.reshape(steps * batch, self.input_size)
            batch_sizes = [batch] * steps
        if packed:
            self._check_input(data, True)
        n_states = self.num_layers * dirs
        if hx is None:
            h0 = zeros(n_states, batch, real_hidden, dtype=data.dtype, device=data.device)
            c0 = zeros(n_states, batch, self.hidden_size, dtype=data.dtype, device=data.device) if lstm else None
        else:
            h0, c0 = hx if lstm else (hx, None)
            if lstm:
                self._check_state(h0, batch, real_hidden, "Expected hidden[0] size {}, got {}")
                self._check_state(c0, batch, self.hidden_size, "Expected hidden[1] size {}, got {}")
            else:
                self._check_state(h0, batch, real_hidden, "Expected hidden size {}, got {}")
            if sorted_idx is not None:
                h0 = h0.index_select(1, sorted_idx)
                c0 = c0.index_select(1, sorted_idx) if lstm else None
        out, h_n, c_n = F.recurrent(_MODE[self.mode], data, batch_sizes, h0, c0, self._weights(),
                                    num_layers=self.num_layers, dropout=self.dropout, training=self.training,
                                    bidirectional=self.bidirectional)
        if unsorted_idx is not None:
            h_n = h_n.index_select(1, unsorted_idx)
            c_n = c_n.index_select(1, unsorted_idx) if lstm else None
        if packed:
            output = PackedSequence(out, bsizes, sorted_idx, unsorted_idx)
        else:
            output = out.reshape(len(batch_sizes), batch, out.shape[-1])
            if self.batch_first:
                output = output.transpose(0, 1)
            if not is_batched:
                output = output.squeeze(0 if self.batch_first else 1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if lstm else None
        return output, ((h_n, c_n) if lstm else h_n)


def _dim_msg(lstm: bool, batched: bool, states) -> str:
    want = "batched 3-D" if batched else "unbatched 2-D"
    d = 3 if batched else 2
    if lstm:
        return (f"For {want} input, hx and cx should also be {d}-D but got "
                f"({states[0].dim()}-D, {states[1].dim()}-D) tensors")
    return f"For {want} input, hx should also be {d}-D but got {states[0].dim()}-D tensor"


class RNN(RNNBase):
    """Elman RNN: h_t = tanh or relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        return self._run(input, hx, "RNN")


class GRU(RNNBase):
    """Multi-layer GRU with PyTorch's gates: r, z, n; h' = (1 - z) * n + z * h."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        return self._run(input, hx, "GRU")


class LSTM(RNNBase):
    """Multi-layer LSTM (gates i, f, g, o), optionally with projections (``proj_size``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx: tuple[Tensor, Tensor] | None = None):
        return self._run(input, hx, "LSTM")


# -------------------------------------------------------------------------------------- cells


class RNNCellBase(Module):
    """Parameters and repr shared by the cells: ``weight_ih`` (chunks*H, in),
    ``weight_hh`` (chunks*H, H), ``bias_ih``/``bias_hh`` (chunks*H,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input: Tensor, states, name: str, what: str = "hidden"):
        """Check dims, add the batch dim to unbatched input, default the states to zeros."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for k, h in states:
            if h is not None and h.dim() not in (1, 2):
                label = what if k is None else f"hx[{k}]"
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        return input, batched

    def _zeros(self, input: Tensor) -> Tensor:
        return zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)


class RNNCell(RNNCellBase):
    """One Elman step: h' = tanh or relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, batched = self._prepare(input, [(None, hx)], "RNNCell")
        hx = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        if self.nonlinearity == "tanh":
            fn = F.rnn_tanh_cell
        elif self.nonlinearity == "relu":
            fn = F.rnn_relu_cell
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        ret = fn(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return ret if batched else ret.squeeze(0)


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, batched = self._prepare(input, [(None, hx)], "GRUCell")
        hx = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        ret = F.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return ret if batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o); returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        states = [] if hx is None else list(enumerate(hx))
        input, batched = self._prepare(input, states, "LSTMCell")
        if hx is None:
            z = self._zeros(input)
            hx = (z, z)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = F.lstm_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))
