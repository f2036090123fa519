"""Lower-bidiagonal `tf.linalg.LinearOperator`: the Cholesky factor of a chain precision."""

import tensorflow as tf

from tfavi.linalg._banded_base import BandedLowerTriangularBase
from tfavi.linalg.banded_solve import banded_triangular_solve
from tfavi.linalg.bands import pad_axis


class LinearOperatorLowerBidiagonal(BandedLowerTriangularBase):
    """Lower-bidiagonal n x n operator: L[i, i] = diag[i], L[i+1, i] = subdiag[i].

    As a precision factor, P = L L^T is tridiagonal: the chain Gaussian graphical model of
    Peşte & Malagò (ICML 2017 workshop; docs/ggm_vae.md §2). matmul, solve, log-determinant and
    the diagonal of (L L^T)^{-1} all cost O(n).

    Args:
      diag: [..., n] non-zero diagonal.
      subdiag: [..., n-1] first sub-diagonal, same batch shape as `diag`.
      name: operator name.

    Example:
      >>> op = LinearOperatorLowerBidiagonal([1.0, 2.0, 3.0], [0.5, -0.5])
      >>> op.solvevec([1.0, 1.0, 1.0], adjoint=True)  # back-substitution for L^T u = 1
    """

    def __init__(self, diag, subdiag, name: str = "LinearOperatorLowerBidiagonal"):
        parameters = dict(diag=diag, subdiag=subdiag, name=name)
        with tf.name_scope(name):
            self._diag = tf.convert_to_tensor(diag, name="diag")
            self._subdiag = tf.convert_to_tensor(subdiag, dtype=self._diag.dtype, name="subdiag")
            bands = tf.stack([self._diag, pad_axis(self._subdiag, -1, 1)], axis=-2)
        super().__init__(bands, parameters, name)

    @property
    def diag(self) -> tf.Tensor:
        return self._diag

    @property
    def subdiag(self) -> tf.Tensor:
        return self._subdiag

    @property
    def _composite_tensor_fields(self):
        return ("diag", "subdiag")

    @property
    def _experimental_parameter_ndims_to_matrix_ndims(self):
        return {"diag": 1, "subdiag": 1}

    def inverse_gram_diag_part(self) -> tf.Tensor:
        """Returns diag((L L^T)^{-1}) in O(n) by the backward variance recursion.

        Sigma_nn = 1 / d_n^2 and Sigma_ii = (1 + b_i^2 Sigma_{i+1,i+1}) / d_i^2, i.e. one upper
        bidiagonal solve d_i^2 s_i - b_i^2 s_{i+1} = 1 (docs/ggm_vae.md §2, route (a)).
        """
        bands = tf.stack([pad_axis(-tf.square(self._subdiag), -1, 0, 1), tf.square(self._diag)], -2)
        ones = tf.ones_like(self._diag)[..., tf.newaxis]
        return banded_triangular_solve(bands, ones, lower=False)[..., 0]
