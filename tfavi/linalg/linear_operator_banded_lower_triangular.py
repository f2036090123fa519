"""Banded lower-triangular `tf.linalg.LinearOperator` storing only its bands."""

import tensorflow as tf

from tfavi.linalg._banded_base import BandedLowerTriangularBase


class LinearOperatorBandedLowerTriangular(BandedLowerTriangularBase):
    """Lower-triangular n x n operator with bandwidth c: L[i, j] = 0 unless 0 <= i - j <= c.

    The Cholesky factor of the 4-neighbour grid precision (c = grid width), whose fill-in
    stays inside the band (Peşte & Malagò, ICML 2017 workshop; docs/ggm_vae.md §3.3).
    matmul and solve (`tf.linalg.banded_triangular_solve`) cost O(n c), the diagonal of
    (L L^T)^{-1} O(n c^2).

    Args:
      bands: [..., c+1, n] real tensor, `bands[..., k, i] = L[i, i-k]` (the "LEFT_RIGHT" layout
        of `tf.linalg.banded_triangular_solve`; entries with i < k are ignored). The diagonal
        `bands[..., 0, :]` must be non-zero.
      name: operator name.

    Example:
      >>> op = LinearOperatorBandedLowerTriangular(tf.constant([[1.0, 2.0], [0.0, 3.0]]))
      >>> op.to_dense()  # [[1, 0], [3, 2]]
    """

    def __init__(self, bands, name: str = "LinearOperatorBandedLowerTriangular"):
        parameters = dict(bands=bands, name=name)
        with tf.name_scope(name):
            bands = tf.convert_to_tensor(bands, name="bands")
        super().__init__(bands, parameters, name)

    @property
    def _composite_tensor_fields(self):
        return ("bands",)

    @property
    def _experimental_parameter_ndims_to_matrix_ndims(self):
        return {"bands": 2}
