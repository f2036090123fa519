"""Banded Cholesky factor of a 4-neighbour grid precision matrix."""

import tensorflow as tf

from tfavi.linalg.bands import blocks_to_bands, pad_axis
from tfavi.linalg.linear_operator_banded_lower_triangular import (
    LinearOperatorBandedLowerTriangular,
)


def _rows_first(x: tf.Tensor, event_ndims: int) -> tf.Tensor:
    """Moves the lattice-row axis (the first event axis) of `x` to the front."""
    rank = len(x.shape)
    axis = rank - event_ndims
    return tf.transpose(x, [axis, *range(axis), *range(axis + 1, rank)])


def grid_precision_cholesky(
    diag: tf.Tensor, horizontal: tf.Tensor, vertical: tf.Tensor
) -> LinearOperatorBandedLowerTriangular:
    """Cholesky factor L (P = L L^T) of the symmetric positive-definite grid precision P.

    P lives on an r x c lattice in row-major order: P[(i,j),(i,j)] = diag[i,j],
    P[(i,j),(i,j+1)] = horizontal[i,j], P[(i,j),(i+1,j)] = vertical[i,j]. L has bandwidth c;
    it is computed by block Cholesky over the lattice rows in O(r c^3) = O(n c^2)
    (Peşte & Malagò, ICML 2017 workshop; docs/ggm_vae.md §3.3).

    Args:
      diag: [..., r, c] positive diagonal.
      horizontal: [..., r, c-1] couplings within lattice rows.
      vertical: [..., r-1, c] couplings between consecutive lattice rows.

    Returns:
      The banded lower-triangular factor, batch shape [...], size r*c.
    """
    batch = tf.broadcast_dynamic_shape(
        tf.broadcast_dynamic_shape(tf.shape(diag)[:-2], tf.shape(horizontal)[:-2]),
        tf.shape(vertical)[:-2],
    )
    r, c = diag.shape[-2], diag.shape[-1]
    row_blocks = tf.linalg.diag(
        tf.stack([pad_axis(horizontal, -1, 0, 1), diag, pad_axis(horizontal, -1, 1)], axis=-2),
        k=(-1, 1),
        num_rows=c,
        num_cols=c,
        align="LEFT_RIGHT",
    )
    row_blocks = _rows_first(tf.broadcast_to(row_blocks, tf.concat([batch, [r, c, c]], 0)), 3)
    vertical = _rows_first(tf.broadcast_to(vertical, tf.concat([batch, [r - 1, c]], 0)), 2)

    def step(carry, elems):
        factor_prev, _ = carry
        block, coupling = elems
        # L_{k,k-1} = E_{k-1} L_{k-1,k-1}^{-T}, L_kk = chol(P_kk - L_{k,k-1} L_{k,k-1}^T).
        sub = tf.linalg.adjoint(
            tf.linalg.triangular_solve(factor_prev, tf.linalg.diag(coupling), lower=True)
        )
        factor = tf.linalg.cholesky(block - tf.matmul(sub, sub, transpose_b=True))
        return factor, sub

    first = tf.linalg.cholesky(row_blocks[0])
    factors, subs = tf.scan(
        step, (row_blocks[1:], vertical), initializer=(first, tf.zeros_like(first))
    )
    diag_blocks = tf.concat([first[tf.newaxis], factors], axis=0)
    rank = len(diag_blocks.shape)
    back = [*range(1, rank - 2), 0, rank - 2, rank - 1]
    bands = blocks_to_bands(tf.transpose(diag_blocks, back), tf.transpose(subs, back))
    return LinearOperatorBandedLowerTriangular(bands)
