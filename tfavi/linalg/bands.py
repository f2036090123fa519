"""Band and lattice arithmetic of the structured lower-triangular operators.

`pad_axis` and `merge_last_two` (row-major flattening of a lattice) are public: the lattice
distributions use them too.

A band of offset k is stored row-aligned: `band[..., i] = L[i, i - k]` (entries with i < k are
padding and never read). This is the "LEFT_RIGHT" layout of `tf.linalg.banded_triangular_solve`.
"""

import tensorflow as tf


def shift_rows(x: tf.Tensor, k: int) -> tf.Tensor:
    """Shifts `x` (shape [..., n, m]) by `k` rows, down if k > 0 and up if k < 0, zero filled."""
    if k == 0:
        return x
    n = x.shape[-2]
    zeros = tf.zeros_like(x[..., : abs(k), :])
    if k > 0:
        return tf.concat([zeros, x[..., : n - k, :]], axis=-2)
    return tf.concat([x[..., -k:, :], zeros], axis=-2)


def banded_matmul(offsets: list[int], bands: list[tf.Tensor], x: tf.Tensor, adjoint: bool):
    """Computes `L @ x` (or `L^T @ x`) for L = sum_k diag-band(bands[k]) at `offsets[k]`.

    Costs O(n m) per band: the forward product is sum_k band_k * shift(x, k), the adjoint
    product is sum_k shift(band_k * x, -k).
    """
    terms = []
    for k, band in zip(offsets, bands, strict=True):
        band = band[..., tf.newaxis]
        terms.append(shift_rows(band * x, -k) if adjoint else band * shift_rows(x, k))
    return tf.add_n(terms)


def _gather_masked(flat: tf.Tensor, index: tf.Tensor, valid: tf.Tensor) -> tf.Tensor:
    """Gathers `flat[..., index]` where `valid`, zeros elsewhere."""
    gathered = tf.gather(flat, tf.where(valid, index, 0), axis=-1)
    return gathered * tf.cast(valid, flat.dtype)


def _flatten_last(x: tf.Tensor, num_dims: int) -> tf.Tensor:
    """Merges the last `num_dims` axes of `x`."""
    return tf.reshape(x, tf.concat([tf.shape(x)[:-num_dims], [-1]], axis=0))


def bands_to_blocks(bands: tf.Tensor, block_size: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Splits a banded lower-triangular L (bands [..., c+1, n], c <= block_size) into blocks.

    Returns the diagonal blocks [..., r, b, b] and the sub-diagonal blocks [..., r-1, b, b]
    of the block lower-bidiagonal view of L, with n = r * b.
    """
    num_bands, n = bands.shape[-2], bands.shape[-1]
    r, b = n // block_size, block_size
    rows = tf.reshape(tf.range(n), [r, 1, b, 1])
    cols = tf.reshape(tf.range(n), [r, 1, 1, b]) - tf.reshape([0, b], [1, 2, 1, 1])
    offset = rows - cols  # [r, 2, b, b]: band index of each block entry
    valid = (offset < num_bands) & (offset >= 0) & (cols >= 0)
    blocks = _gather_masked(_flatten_last(bands, 2), offset * n + rows, valid)
    return blocks[..., 0, :, :], blocks[..., 1:, 1, :, :]


def blocks_to_bands(diag_blocks: tf.Tensor, subdiag_blocks: tf.Tensor) -> tf.Tensor:
    """Inverse of `bands_to_blocks` for bandwidth equal to the block size.

    Args:
      diag_blocks: lower-triangular blocks [..., r, b, b].
      subdiag_blocks: blocks [..., r-1, b, b] (their strict lower triangle must be zero).

    Returns:
      Bands [..., b+1, r*b].
    """
    r, b = diag_blocks.shape[-3], diag_blocks.shape[-1]
    rows = tf.range(r * b)[tf.newaxis, :]
    cols = rows - tf.range(b + 1)[:, tf.newaxis]  # [b+1, n]
    block_lag = rows // b - cols // b  # 0: diagonal block, 1: sub-diagonal block
    index = (rows // b - block_lag) * b * b + (rows % b) * b + cols % b + block_lag * r * b * b
    valid = (cols >= 0) & (block_lag <= 1)
    flat = tf.concat([_flatten_last(diag_blocks, 3), _flatten_last(subdiag_blocks, 3)], axis=-1)
    return _gather_masked(flat, index, valid)


def pad_axis(x: tf.Tensor, axis: int, before: int, after: int = 0) -> tf.Tensor:
    """Zero-pads axis `axis` of `x` with `before` and `after` entries."""
    paddings = [[0, 0]] * len(x.shape)
    paddings[axis] = [before, after]
    return tf.pad(x, paddings)


def merge_last_two(x: tf.Tensor) -> tf.Tensor:
    """[..., a, b] -> [..., a * b] (row-major flattening of a lattice)."""
    return _flatten_last(x, 2)
