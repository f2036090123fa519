"""Diagonal of (L L^T)^{-1} for a block lower-bidiagonal L, by the block trace recursion.

Reference: Peşte & Malagò, "Towards the use of Gaussian graphical models in variational
autoencoders" (ICML 2017 workshop); recursion as reconstructed in docs/ggm_vae.md §3.4.
"""

import tensorflow as tf

from tfavi.linalg.bands import merge_last_two


def _blocks_first(x: tf.Tensor) -> tf.Tensor:
    """Moves the block axis (third from last) of [..., r, c, c] to the front."""
    rank = len(x.shape)
    return tf.transpose(x, [rank - 3, *range(rank - 3), rank - 2, rank - 1])


def block_bidiagonal_inverse_gram_diag(
    diag_blocks: tf.Tensor, subdiag_blocks: tf.Tensor
) -> tf.Tensor:
    """Returns diag(Sigma) for Sigma = (L L^T)^{-1}, in O(r c^3) = O(n c^2).

    With diagonal blocks A_k and sub-diagonal blocks B_k of L, and M_k = B_k A_k^{-1}:
    Sigma_rr = A_r^{-T} A_r^{-1} and Sigma_kk = A_k^{-T} A_k^{-1} + M_k^T Sigma_{k+1,k+1} M_k.

    Args:
      diag_blocks: lower-triangular blocks A_k, shape [..., r, c, c].
      subdiag_blocks: blocks B_k, shape [..., r-1, c, c], same batch shape.

    Returns:
      The diagonal of Sigma, shape [..., r * c].
    """
    c = diag_blocks.shape[-1]
    eye = tf.eye(c, dtype=diag_blocks.dtype)
    inv_diag = tf.linalg.triangular_solve(diag_blocks, tf.broadcast_to(eye, tf.shape(diag_blocks)))
    gram = tf.matmul(inv_diag, inv_diag, transpose_a=True)
    coupling = tf.matmul(subdiag_blocks, inv_diag[..., :-1, :, :])

    def step(sigma_next, elems):
        gram_k, coupling_k = elems
        return gram_k + tf.matmul(coupling_k, tf.matmul(sigma_next, coupling_k), transpose_a=True)

    gram_first = _blocks_first(gram)
    last = gram_first[-1]
    earlier = tf.scan(
        step, (gram_first[:-1], _blocks_first(coupling)), initializer=last, reverse=True
    )
    sigma_blocks = tf.concat([earlier, last[tf.newaxis]], axis=0)
    variances = tf.linalg.diag_part(sigma_blocks)  # [r, ..., c]
    rank = len(variances.shape)
    variances = tf.transpose(variances, [*range(1, rank - 1), 0, rank - 1])
    return merge_last_two(variances)
