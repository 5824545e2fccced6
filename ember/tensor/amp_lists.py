"""Which ops autocast changes, per device type, as PyTorch 2.13 registers them.

Each table maps an ember op name to its cast policy while autocast is enabled for the
device type of the op's tensors:

- ``LOWER``: floating inputs (float32/float16; float64 is never eligible) are cast to the
  autocast dtype (``torch.get_autocast_dtype(device)``);
- ``FP32``: float16 inputs are cast up to float32;
- ``FP32_OPT_DTYPE``: ops with a ``dtype=`` argument (softmax, sum, ...): when the first
  input is eligible and no dtype is given, run with ``dtype=float32``;
- ``PROMOTE``: eligible inputs are cast to the widest of their dtypes (float32 over float16);
- ``BANNED``: raise (CUDA's ``binary_cross_entropy``);
- ``NONE``: no cast, but the op runs as one unit: ember ops that are composed of other
  listed ops (e.g. ``bilinear`` over matmul) do not autocast inside, as PyTorch's single
  kernel does not.

Sources: ``aten/src/ATen/autocast_mode.cpp`` (``TORCH_LIBRARY_IMPL(aten, AutocastCPU)``)
and ``autocast_mode.h`` (the ``AT_FORALL_*`` lists used for CUDA), plus what PyTorch's
composite ops do because they decompose into listed ones (checked against torch 2.13 on
the CPU: ``einsum``/``tensordot``/``inner``/``linalg.multi_dot`` reach ``bmm``/``mm`` and
so run in float16 on the CPU; ``nn.RNN``/``RNNCell`` (tanh, relu) are built from
``linear`` there).  See docs/differences.md for what ember does differently."""
from __future__ import annotations

LOWER, FP32, FP32_OPT_DTYPE, PROMOTE, BANNED, NONE = ("lower", "fp32", "fp32_opt_dtype", "promote", "banned",
                                                      "none")

# ops that no device casts but that ember builds from listed ops: they run as one unit
_UNITS = ["bilinear", "adaptive_avg_pool", "pairwise_distance", "gru_cell", "lstm_cell", "recurrent_gru",
          "recurrent_lstm", "einsum_noncontracting"]

_CONV = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

CPU = {name: NONE for name in _UNITS}
CPU.update({name: LOWER for name in _CONV + [
    "bmm", "mm", "vecdot", "baddbmm", "addmm", "addbmm", "linear", "matmul", "prelu",
    "scaled_dot_product_attention",
    # composites PyTorch runs through bmm/mm (einsum only when it contracts operands)
    "einsum", "tensordot", "inner", "multi_dot", "chain_matmul",
    # nn.RNN / nn.RNNCell with tanh or relu: PyTorch's CPU cell is two listed linears
    "rnn_tanh_cell", "rnn_relu_cell", "recurrent_rnn"]})
CPU.update({name: FP32 for name in [
    "avg_pool3d", "max_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d", "binary_cross_entropy", "prod",
    "quantile", "nanquantile", "cdist", "trace", "cholesky", "cholesky_inverse", "cholesky_solve", "inverse",
    "pinverse", "reflection_pad1d", "reflection_pad2d", "replication_pad1d", "replication_pad2d",
    "replication_pad3d", "mse_loss", "cosine_embedding_loss", "nll_loss", "hinge_embedding_loss",
    "poisson_nll_loss", "smooth_l1_loss", "cross_entropy", "l1_loss", "huber_loss", "margin_ranking_loss",
    "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss", "kl_div", "multilabel_margin_loss",
    "binary_cross_entropy_with_logits", "ctc_loss", "linalg_solve", "linalg_cholesky", "linalg_inv",
    "linalg_svdvals",
    "linalg_eigvals", "linalg_eigvalsh", "linalg_eig", "linalg_eigh", "linalg_cond", "linalg_matrix_rank",
    "linalg_lstsq", "linalg_qr", "linalg_svd"]})
# CPU "promote" ops (cat, stack, index_copy) give what ember's ordinary promotion gives.

CUDA = {name: NONE for name in _UNITS}
CUDA.update({name: LOWER for name in _CONV + [
    "prelu", "addmm", "addmv", "addr", "matmul", "einsum", "mm", "mv", "vecdot", "linear", "addbmm",
    "baddbmm", "bmm", "chain_matmul", "multi_dot", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell",
    "scaled_dot_product_attention",
    # cuDNN's whole-layer RNN is autocast too (ATen/cudnn/AutocastRNN.cpp)
    "recurrent_rnn", "recurrent_gru", "recurrent_lstm",
    # composites of the above
    "inner", "einsum_noncontracting"]})
CUDA.update({name: FP32 for name in [
    "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p", "reciprocal", "rsqrt",
    "sinh", "tan", "pow", "softplus", "layer_norm", "rms_norm", "group_norm", "frobenius_norm",
    "nuclear_norm", "cosine_similarity", "poisson_nll_loss", "cosine_embedding_loss", "nll_loss",
    "hinge_embedding_loss", "kl_div", "l1_loss", "smooth_l1_loss", "huber_loss", "mse_loss",
    "margin_ranking_loss", "multilabel_margin_loss", "soft_margin_loss", "triplet_margin_loss",
    "multi_margin_loss", "binary_cross_entropy_with_logits", "dist", "pdist", "cdist", "renorm", "logsumexp",
    "interpolate", "pairwise_distance",
    # cross_entropy is log_softmax (fp32) then nll_loss (fp32) on CUDA
    "cross_entropy"]})
CUDA.update({name: FP32_OPT_DTYPE for name in [
    "prod", "softmax", "log_softmax", "cumprod", "cumsum", "linalg_vector_norm", "linalg_matrix_norm", "sum",
    "norm"]})
CUDA.update({name: PROMOTE for name in [
    "addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "vdot", "grid_sampler", "index_put", "tensordot",
    "scatter_add"]})
CUDA["binary_cross_entropy"] = BANNED

TABLES = {"cpu": CPU, "cuda": CUDA}
