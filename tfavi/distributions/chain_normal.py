"""Chain-structured normal (tridiagonal precision) from its factor or raw encoder outputs."""

import tensorflow as tf

from tfavi.distributions._constraints import positive
from tfavi.distributions.sparse_precision_normal import SparsePrecisionNormal
from tfavi.linalg.linear_operator_lower_bidiagonal import LinearOperatorLowerBidiagonal


def chain_normal(
    loc: tf.Tensor, diag: tf.Tensor, subdiag: tf.Tensor, num_trace_probes: int | None = None
) -> SparsePrecisionNormal:
    """N(loc, (L L^T)^{-1}) with L lower bidiagonal: L_ii = diag_i > 0, L_{i+1,i} = subdiag_i.

    Args:
      loc: [..., n] mean.
      diag: [..., n] positive diagonal of L.
      subdiag: [..., n-1] sub-diagonal of L.
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `SparsePrecisionNormal` with event shape [n].
    """
    factor = LinearOperatorLowerBidiagonal(diag, subdiag)
    return SparsePrecisionNormal(loc, factor, num_trace_probes=num_trace_probes)


def chain_normal_from_raw(
    loc: tf.Tensor,
    raw_diag: tf.Tensor,
    raw_subdiag: tf.Tensor,
    min_diag: float = 1e-3,
    num_trace_probes: int | None = None,
) -> SparsePrecisionNormal:
    """Builds N(loc, (L L^T)^{-1}) with L lower bidiagonal (chain GGM, tridiagonal precision).

    L_ii = softplus(raw_diag_i) + min_diag, L_{i+1,i} = raw_subdiag_i, so the precision is
    positive definite for every input (Peşte & Malagò, ICML 2017 workshop; docs/ggm_vae.md §2).

    Args:
      loc: [..., n] mean.
      raw_diag: [..., n] unconstrained diagonal of L.
      raw_subdiag: [..., n-1] sub-diagonal of L (used as is).
      min_diag: floor of L's diagonal.
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `SparsePrecisionNormal` with event shape [n].
    """
    return chain_normal(loc, positive(raw_diag, min_diag), raw_subdiag, num_trace_probes)
