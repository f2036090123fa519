"""Block lower-bidiagonal `tf.linalg.LinearOperator`: the extended-grid Cholesky factor."""

import tensorflow as tf

from tfavi.linalg._precision_factor_base import PrecisionFactorBase
from tfavi.linalg.banded_solve import banded_triangular_solve
from tfavi.linalg.bands import banded_matmul, merge_last_two, pad_axis
from tfavi.linalg.block_bidiagonal_inverse_gram import block_bidiagonal_inverse_gram_diag


class LinearOperatorBlockLowerBidiagonal(PrecisionFactorBase):
    """Block lower-bidiagonal (r x r blocks of size c) operator with sparse blocks.

    Diagonal blocks A_k are lower bidiagonal (diagonal `diag[k]`, sub-diagonal `subdiag[k]`),
    sub-diagonal blocks B_k are diagonal (`block_subdiag[k]`), so L[i, j] != 0 only for
    i - j in {0, 1, c}. As a precision factor, P = L L^T is the extended-grid Gaussian graphical
    model of Peşte & Malagò (ICML 2017 workshop; docs/ggm_vae.md §3.2) on an r x c lattice in
    row-major order. matmul, solve (block back-substitution) and log-determinant cost O(n);
    the diagonal of (L L^T)^{-1} costs O(n c^2).

    Args:
      diag: [..., r, c] non-zero diagonal, row k holds block A_k's diagonal.
      subdiag: [..., r, c-1] sub-diagonals of the blocks A_k.
      block_subdiag: [..., r-1, c] diagonals of the blocks B_k (coupling lattice row k to k+1).
      name: operator name.

    Example:
      >>> ones, zeros = tf.ones([3, 4]), tf.zeros([3, 3])
      >>> op = LinearOperatorBlockLowerBidiagonal(ones, zeros, tf.ones([2, 4]))
      >>> op.shape  # [12, 12]
    """

    def __init__(
        self, diag, subdiag, block_subdiag, name: str = "LinearOperatorBlockLowerBidiagonal"
    ):
        parameters = dict(diag=diag, subdiag=subdiag, block_subdiag=block_subdiag, name=name)
        with tf.name_scope(name):
            self._diag = tf.convert_to_tensor(diag, name="diag")
            dtype = self._diag.dtype
            self._subdiag = tf.convert_to_tensor(subdiag, dtype=dtype, name="subdiag")
            self._block_subdiag = tf.convert_to_tensor(
                block_subdiag, dtype=dtype, name="block_subdiag"
            )
        super().__init__(dtype, parameters, name)

    @property
    def diag(self) -> tf.Tensor:
        return self._diag

    @property
    def subdiag(self) -> tf.Tensor:
        return self._subdiag

    @property
    def block_subdiag(self) -> tf.Tensor:
        return self._block_subdiag

    @property
    def num_blocks(self) -> int:
        return self._diag.shape[-2]

    @property
    def block_size(self) -> int:
        return self._diag.shape[-1]

    @property
    def _composite_tensor_fields(self):
        return ("diag", "subdiag", "block_subdiag")

    @property
    def _experimental_parameter_ndims_to_matrix_ndims(self):
        return {"diag": 2, "subdiag": 2, "block_subdiag": 2}

    def _batch_shape_static(self) -> tf.TensorShape:
        shapes = [t.shape[:-2] for t in (self._diag, self._subdiag, self._block_subdiag)]
        return tf.broadcast_static_shape(tf.broadcast_static_shape(*shapes[:2]), shapes[2])

    def _batch_shape_dynamic(self) -> tf.Tensor:
        shapes = [tf.shape(t)[:-2] for t in (self._diag, self._subdiag, self._block_subdiag)]
        return tf.broadcast_dynamic_shape(tf.broadcast_dynamic_shape(*shapes[:2]), shapes[2])

    def _shape(self):
        n = self.num_blocks * self.block_size
        return self._batch_shape_static().concatenate([n, n])

    def _shape_tensor(self):
        n = self.num_blocks * self.block_size
        return tf.concat([self._batch_shape_dynamic(), [n, n]], axis=0)

    def _bands(self) -> list[tf.Tensor]:
        """Row-aligned bands of offsets 0, 1 and c, each [..., n]."""
        return [
            merge_last_two(self._diag),
            merge_last_two(pad_axis(self._subdiag, -1, 1)),
            merge_last_two(pad_axis(self._block_subdiag, -2, 1)),
        ]

    def _block_bands(self) -> tf.Tensor:
        """Bands [..., r, 2, c] of the diagonal blocks A_k (diagonal, then sub-diagonal)."""
        return tf.stack([self._diag, pad_axis(self._subdiag, -1, 1)], axis=-2)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = tf.linalg.adjoint(x) if adjoint_arg else x
        return banded_matmul([0, 1, self.block_size], self._bands(), x, adjoint)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        """Block substitution over the r lattice rows, each a bidiagonal solve: O(n)."""
        rhs = tf.linalg.adjoint(rhs) if adjoint_arg else rhs
        r, c = self.num_blocks, self.block_size
        batch = tf.broadcast_dynamic_shape(self._batch_shape_dynamic(), tf.shape(rhs)[:-2])
        rank = max(len(self._batch_shape_static()), len(rhs.shape[:-2]))
        to_front = [rank, *range(rank), rank + 1, rank + 2]

        def rows_first(x, event_shape):
            return tf.transpose(tf.broadcast_to(x, tf.concat([batch, event_shape], 0)), to_front)

        block_bands = rows_first(self._block_bands(), [r, 2, c])
        coupling = rows_first(self._block_subdiag[..., tf.newaxis], [r - 1, c, 1])
        m = tf.shape(rhs)[-1]
        rhs_rows = rows_first(
            tf.reshape(rhs, tf.concat([tf.shape(rhs)[:-2], [r, c, m]], 0)), [r, c, m]
        )

        def step(previous, elems):
            bands_k, coupling_k, rhs_k = elems
            return banded_triangular_solve(
                bands_k, rhs_k - coupling_k * previous, lower=True, adjoint=adjoint
            )

        first = -1 if adjoint else 0
        ends = banded_triangular_solve(
            block_bands[first], rhs_rows[first], lower=True, adjoint=adjoint
        )
        if adjoint:  # L^T u = rhs: u_k = A_k^{-T} (rhs_k - B_k u_{k+1}), from the last row up.
            rest = tf.scan(step, (block_bands[:-1], coupling, rhs_rows[:-1]), ends, reverse=True)
            rows = tf.concat([rest, ends[tf.newaxis]], axis=0)
        else:  # L u = rhs: u_k = A_k^{-1} (rhs_k - B_{k-1} u_{k-1}), from the first row down.
            rest = tf.scan(step, (block_bands[1:], coupling, rhs_rows[1:]), ends)
            rows = tf.concat([ends[tf.newaxis], rest], axis=0)
        rows = tf.transpose(rows, [*range(1, rank + 1), 0, rank + 1, rank + 2])
        return tf.reshape(rows, tf.concat([batch, [r * c, m]], 0))

    def _log_abs_determinant(self):
        return tf.reduce_sum(tf.math.log(tf.abs(self._diag)), axis=[-2, -1])

    def _diag_part(self):
        return merge_last_two(self._diag)

    def _dense_blocks(self) -> tuple[tf.Tensor, tf.Tensor]:
        """Returns the blocks A_k [..., r, c, c] and B_k [..., r-1, c, c], full batch shape."""
        r, c = self.num_blocks, self.block_size
        batch = self._batch_shape_dynamic()
        diag_blocks = tf.linalg.diag(
            self._block_bands(), k=(-1, 0), num_rows=c, num_cols=c, align="LEFT_RIGHT"
        )
        return (
            tf.broadcast_to(diag_blocks, tf.concat([batch, [r, c, c]], 0)),
            tf.broadcast_to(
                tf.linalg.diag(self._block_subdiag), tf.concat([batch, [r - 1, c, c]], 0)
            ),
        )

    def _to_dense(self):
        diag_blocks, subdiag_blocks = self._dense_blocks()
        r, c = self.num_blocks, self.block_size
        batch = self._batch_shape_dynamic()
        # Block row k holds A_k at block column k and B_{k-1} at block column k-1.
        blocks = tf.stack([diag_blocks, pad_axis(subdiag_blocks, -3, 1)], axis=-4)
        selector = tf.stack(
            [tf.eye(r, dtype=self.dtype), tf.linalg.diag(tf.ones([r - 1], self.dtype), k=-1)]
        )
        dense = tf.einsum("skl,...skij->...kilj", selector, blocks)
        return tf.reshape(dense, tf.concat([batch, [r * c, r * c]], 0))

    def inverse_gram_diag_part(self) -> tf.Tensor:
        """Returns diag((L L^T)^{-1}) by the exact block recursion, O(n c^2)."""
        return block_bidiagonal_inverse_gram_diag(*self._dense_blocks())
