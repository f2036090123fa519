"""Regular-grid normal (4-neighbour precision, Gershgorin construction)."""

import tensorflow as tf

from tfavi.distributions._constraints import positive
from tfavi.distributions.sparse_precision_normal import SparsePrecisionNormal
from tfavi.linalg import merge_last_two, pad_axis
from tfavi.linalg.grid_precision_cholesky import grid_precision_cholesky


def gershgorin_grid_diagonal(
    raw_diag: tf.Tensor,
    horizontal: tf.Tensor,
    vertical: tf.Tensor,
    min_diag: float = 1e-3,
    margin: float = 1e-3,
) -> tf.Tensor:
    """Diagonal making the 4-neighbour precision strictly diagonally dominant, hence SPD.

    P_ii = (1 + margin) sum_{j ~ i} |P_ij| + softplus(raw_diag_i) + min_diag. The relative
    `margin` keeps the dominance visible in floating point when the couplings are huge
    (Gershgorin circle theorem; docs/ggm_vae.md §3.3).

    Args:
      raw_diag: [..., r, c] unconstrained.
      horizontal: [..., r, c-1] couplings P[(i,j),(i,j+1)].
      vertical: [..., r-1, c] couplings P[(i,j),(i+1,j)].
      min_diag: absolute floor.
      margin: relative dominance margin.

    Returns:
      The diagonal [..., r, c].
    """
    return _dominant_diagonal(positive(raw_diag, min_diag), horizontal, vertical, margin)


def _dominant_diagonal(base, horizontal, vertical, margin):
    """(1 + margin) sum_{j ~ i} |P_ij| + base_i."""
    h, v = tf.abs(horizontal), tf.abs(vertical)
    radius = pad_axis(h, -1, 1, 0) + pad_axis(h, -1, 0, 1)
    radius += pad_axis(v, -2, 1, 0) + pad_axis(v, -2, 0, 1)
    return (1.0 + margin) * radius + base


def grid_normal(
    loc: tf.Tensor,
    base_diag: tf.Tensor,
    horizontal: tf.Tensor,
    vertical: tf.Tensor,
    margin: float = 1e-3,
    num_trace_probes: int | None = None,
) -> SparsePrecisionNormal:
    """The regular-grid normal with 4-neighbour precision P on an r x c lattice: off-diagonal
    entries `horizontal` and `vertical`, P_ii = (1 + margin) sum_{j ~ i} |P_ij| + base_diag_i.

    Args:
      loc: [..., r, c] mean on the lattice.
      base_diag: [..., r, c] positive part of P's diagonal beyond the Gershgorin radius.
      horizontal: [..., r, c-1] couplings P[(i,j),(i,j+1)].
      vertical: [..., r-1, c] couplings P[(i,j),(i+1,j)].
      margin: relative dominance margin.
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `SparsePrecisionNormal` with event shape [r * c].
    """
    diag = _dominant_diagonal(base_diag, horizontal, vertical, margin)
    factor = grid_precision_cholesky(diag, horizontal, vertical)
    return SparsePrecisionNormal(merge_last_two(loc), factor, num_trace_probes=num_trace_probes)


def grid_normal_from_raw(
    loc: tf.Tensor,
    raw_diag: tf.Tensor,
    horizontal: tf.Tensor,
    vertical: tf.Tensor,
    min_diag: float = 1e-3,
    num_trace_probes: int | None = None,
) -> SparsePrecisionNormal:
    """Builds the regular-grid normal: 4-neighbour precision P on an r x c lattice.

    Off-diagonal entries of P are the unconstrained `horizontal` and `vertical`; the diagonal
    comes from `gershgorin_grid_diagonal`, so P is positive definite for every input. The
    distribution uses P's banded Cholesky factor (bandwidth c, O(n c^2)) (Peşte & Malagò,
    ICML 2017 workshop; docs/ggm_vae.md §3.3).

    Args:
      loc: [..., r, c] mean on the lattice.
      raw_diag: [..., r, c] unconstrained diagonal parameter.
      horizontal: [..., r, c-1] within-row precision entries.
      vertical: [..., r-1, c] between-row precision entries.
      min_diag: floor of P's diagonal.
      num_trace_probes: see `SparsePrecisionNormal`.

    Returns:
      A `SparsePrecisionNormal` with event shape [r * c].
    """
    base_diag = positive(raw_diag, min_diag)
    return grid_normal(loc, base_diag, horizontal, vertical, num_trace_probes=num_trace_probes)
