"""The affine bijector z = c + (diag(d) + u u^T) x of SeRe-VAE."""

import tensorflow as tf
import tensorflow_probability as tfp

tfb = tfp.bijectors


class RankOneAffine(tfb.Bijector):
    """Affine map `y = shift + (diag(scale_diag) + u u^T) x` with `u = scale_factor`.

    The matrix is invertible for `scale_diag > 0`. The inverse uses the Sherman-Morrison
    formula and the log-determinant the matrix determinant lemma, both in O(N):

        log|det(diag(d) + u u^T)| = sum_i log d_i + log(1 + sum_i u_i^2 / d_i)

    Args:
        shift: Tensor `[..., N]`, the offset `c`.
        scale_diag: Tensor `[..., N]`, the positive diagonal `d`.
        scale_factor: Tensor `[..., N]`, the rank-one factor `u`.
        validate_args: if True, assert `scale_diag > 0`.
        name: name scope of the bijector's ops.

    Example:
        >>> bijector = RankOneAffine([0.0, 1.0], [1.0, 2.0], [0.5, -0.5])
        >>> y = bijector.forward([[1.0, 1.0]])

    Reference:
        Apostolopoulou et al., "Self-Reflective Variational Autoencoder", arXiv 2007.05166, §2.1.
    """

    def __init__(
        self,
        shift: tf.Tensor,
        scale_diag: tf.Tensor,
        scale_factor: tf.Tensor,
        validate_args: bool = False,
        name: str = "rank_one_affine",
    ):
        parameters = dict(locals())
        with tf.name_scope(name) as name:
            self._shift = tf.convert_to_tensor(shift, name="shift")
            dtype = self._shift.dtype
            self._scale_diag = tf.convert_to_tensor(scale_diag, dtype=dtype, name="scale_diag")
            self._scale_factor = tf.convert_to_tensor(
                scale_factor, dtype=dtype, name="scale_factor"
            )
            super().__init__(
                forward_min_event_ndims=1,
                is_constant_jacobian=True,
                dtype=dtype,
                validate_args=validate_args,
                parameters=parameters,
                name=name,
            )

    @property
    def shift(self) -> tf.Tensor:
        return self._shift

    @property
    def scale_diag(self) -> tf.Tensor:
        return self._scale_diag

    @property
    def scale_factor(self) -> tf.Tensor:
        return self._scale_factor

    @classmethod
    def _parameter_properties(cls, dtype):
        positive = tfp.util.ParameterProperties(
            event_ndims=1,
            default_constraining_bijector_fn=lambda: tfb.Softplus(low=tf.constant(1e-6, dtype)),
        )
        return {
            "shift": tfp.util.ParameterProperties(event_ndims=1),
            "scale_diag": positive,
            "scale_factor": tfp.util.ParameterProperties(event_ndims=1),
        }

    def _forward(self, x):
        u = self.scale_factor
        return self.shift + self.scale_diag * x + u * tf.reduce_sum(u * x, -1, keepdims=True)

    def _inverse(self, y):
        u = self.scale_factor
        y_over_d = (y - self.shift) / self.scale_diag
        u_over_d = u / self.scale_diag
        coefficient = tf.reduce_sum(u * y_over_d, -1, keepdims=True) / (
            1.0 + tf.reduce_sum(u * u_over_d, -1, keepdims=True)
        )
        return y_over_d - coefficient * u_over_d

    def _forward_log_det_jacobian(self, x):
        d = self.scale_diag
        return tf.reduce_sum(tf.math.log(d), -1) + tf.math.log1p(
            tf.reduce_sum(tf.square(self.scale_factor) / d, -1)
        )

    def _parameter_control_dependencies(self, is_init):
        if not self.validate_args:
            return []
        return [tf.debugging.assert_positive(self.scale_diag, message="`scale_diag` must be > 0.")]
