"""Extended-grid normal (block-tridiagonal precision) from its factor or raw encoder outputs."""

import tensorflow as tf

from tfavi.distributions._constraints import positive
from tfavi.distributions.sparse_precision_normal import SparsePrecisionNormal
from tfavi.linalg import merge_last_two
from tfavi.linalg.linear_operator_block_lower_bidiagonal import LinearOperatorBlockLowerBidiagonal


def extended_grid_normal(
    loc: tf.Tensor,
    diag: tf.Tensor,
    horizontal: tf.Tensor,
    vertical: tf.Tensor,
    num_trace_probes: int | None = None,
) -> SparsePrecisionNormal:
    """N(loc, (L L^T)^{-1}) on an r x c lattice with L block lower-bidiagonal: L[(i,j),(i,j)] =
    diag[i,j] > 0, L[(i,j+1),(i,j)] = horizontal[i,j], L[(i+1,j),(i,j)] = vertical[i,j].

    Args:
      loc: [..., r, c] mean on the lattice.
      diag: [..., r, c] positive diagonal of L.
      horizontal: [..., r, c-1] within-row entries of L.
      vertical: [..., r-1, c] between-row entries of L.
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `SparsePrecisionNormal` with event shape [r * c].
    """
    factor = LinearOperatorBlockLowerBidiagonal(diag, horizontal, vertical)
    return SparsePrecisionNormal(merge_last_two(loc), factor, num_trace_probes=num_trace_probes)


def extended_grid_normal_from_raw(
    loc: tf.Tensor,
    raw_diag: tf.Tensor,
    raw_horizontal: tf.Tensor,
    raw_vertical: tf.Tensor,
    min_diag: float = 1e-3,
    num_trace_probes: int | None = None,
) -> SparsePrecisionNormal:
    """Builds the extended-grid normal on an r x c lattice (row-major flattening).

    Its precision factor L is block lower-bidiagonal: L[(i,j),(i,j)] = softplus(raw_diag) +
    min_diag, L[(i,j+1),(i,j)] = raw_horizontal[i,j], L[(i+1,j),(i,j)] = raw_vertical[i,j]; the
    precision L L^T couples 4-neighbours and (i,j)-(i+1,j-1), and is positive definite for every
    input (Peşte & Malagò, ICML 2017 workshop; docs/ggm_vae.md §3.2).

    Args:
      loc: [..., r, c] mean on the lattice.
      raw_diag: [..., r, c] unconstrained diagonal of L.
      raw_horizontal: [..., r, c-1] within-row entries of L.
      raw_vertical: [..., r-1, c] between-row entries of L.
      min_diag: floor of L's diagonal.
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `SparsePrecisionNormal` with event shape [r * c].
    """
    return extended_grid_normal(
        loc, positive(raw_diag, min_diag), raw_horizontal, raw_vertical, num_trace_probes
    )
