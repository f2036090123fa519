"""Shared implementation of the lower-triangular operators that store row-aligned bands."""

import tensorflow as tf

from tfavi.linalg._precision_factor_base import PrecisionFactorBase
from tfavi.linalg.banded_solve import banded_triangular_solve
from tfavi.linalg.bands import banded_matmul, bands_to_blocks, pad_axis
from tfavi.linalg.block_bidiagonal_inverse_gram import block_bidiagonal_inverse_gram_diag


class BandedLowerTriangularBase(PrecisionFactorBase):
    """Lower-triangular operator with bands [..., c+1, n], `bands[..., k, i] = L[i, i-k]`.

    matmul and solve cost O(n c), the diagonal of (L L^T)^{-1} costs O(n c^2).
    Subclasses choose the constructor arguments and pass them on as `parameters`.
    """

    def __init__(self, bands: tf.Tensor, parameters: dict, name: str):
        self._bands = bands
        super().__init__(bands.dtype, parameters, name)

    @property
    def bands(self) -> tf.Tensor:
        return self._bands

    @property
    def bandwidth(self) -> int:
        return self._bands.shape[-2] - 1

    def _shape(self):
        n = self._bands.shape[-1]
        return self._bands.shape[:-2].concatenate([n, n])

    def _shape_tensor(self):
        n = tf.shape(self._bands)[-1:]
        return tf.concat([tf.shape(self._bands)[:-2], n, n], axis=0)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = tf.linalg.adjoint(x) if adjoint_arg else x
        bands = tf.unstack(self._bands, axis=-2)
        return banded_matmul(list(range(len(bands))), bands, x, adjoint)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        rhs = tf.linalg.adjoint(rhs) if adjoint_arg else rhs
        return banded_triangular_solve(self._bands, rhs, lower=True, adjoint=adjoint)

    def _log_abs_determinant(self):
        return tf.reduce_sum(tf.math.log(tf.abs(self._diag_part())), axis=-1)

    def _diag_part(self):
        return self._bands[..., 0, :]

    def _to_dense(self):
        n = self._bands.shape[-1]
        return tf.linalg.diag(
            self._bands, k=(-self.bandwidth, 0), num_rows=n, num_cols=n, align="LEFT_RIGHT"
        )

    def inverse_gram_diag_part(self) -> tf.Tensor:
        """Returns diag((L L^T)^{-1}), the variances when L is a precision factor; O(n c^2)."""
        c = max(self.bandwidth, 1)
        n = self._bands.shape[-1]
        padding = -n % c
        bands = pad_axis(self._bands, -1, 0, padding)
        bands += tf.pad(tf.ones([1, padding], self.dtype), [[0, self.bandwidth], [n, 0]])
        diag_blocks, subdiag_blocks = bands_to_blocks(bands, c)
        return block_bidiagonal_inverse_gram_diag(diag_blocks, subdiag_blocks)[..., :n]
