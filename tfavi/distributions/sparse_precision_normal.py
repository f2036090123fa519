"""Multivariate normal parameterised by a sparse precision factor P = L L^T."""

import math

import tensorflow as tf
import tensorflow_probability as tfp

_Base = tfp.experimental.distributions.MultivariateNormalPrecisionFactorLinearOperator


class SparsePrecisionNormal(_Base):
    """N(loc, (L L^T)^{-1}) for a structured lower-triangular precision factor L.

    The Gaussian graphical models of Peşte & Malagò ("Towards the use of Gaussian graphical
    models in variational autoencoders", ICML 2017 workshop): with L a
    `LinearOperatorLowerBidiagonal` (chain), `LinearOperatorBlockLowerBidiagonal` (extended
    grid) or `LinearOperatorBandedLowerTriangular` (regular grid), sampling solves
    L^T u = eps (reparameterised), `log_prob` and `entropy` cost one product with L^T and a
    log-determinant, `variance` uses the operator's linear-time variance recursion, and
    `tfp.distributions.kl_divergence` to a diagonal normal is exact (or a Hutchinson estimate
    when `num_trace_probes` is set).

    Args:
      loc: [..., n] mean.
      precision_factor: lower-triangular `tf.linalg.LinearOperator` with an
        `inverse_gram_diag_part()` method, batch shape broadcastable with `loc`.
      num_trace_probes: None for the exact KL trace term, else the number of Rademacher
        probes of the Hutchinson estimator (for large n).
      validate_args: TFP argument validation.
      allow_nan_stats: TFP NaN policy.
      name: distribution name.

    Example:
      >>> factor = tfavi.linalg.LinearOperatorLowerBidiagonal(tf.ones([4]), tf.fill([3], 0.5))
      >>> q = SparsePrecisionNormal(tf.zeros([4]), factor)
      >>> tfd.kl_divergence(q, tfd.MultivariateNormalDiag(tf.zeros([4])))  # exact, O(n)
    """

    def __init__(
        self,
        loc,
        precision_factor: tf.linalg.LinearOperator,
        num_trace_probes: int | None = None,
        validate_args: bool = False,
        allow_nan_stats: bool = True,
        name: str = "SparsePrecisionNormal",
    ):
        parameters = dict(locals())
        self._num_trace_probes = num_trace_probes
        super().__init__(
            loc=loc,
            precision_factor=precision_factor,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            name=name,
        )
        self._parameters = parameters

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        properties = _Base._parameter_properties(dtype, num_classes)
        return dict(loc=properties["loc"], precision_factor=properties["precision_factor"])

    @property
    def num_trace_probes(self) -> int | None:
        return self._num_trace_probes

    def _batch_and_event_shape(self) -> tf.Tensor:
        return tf.concat([self.batch_shape_tensor(), self.event_shape_tensor()], axis=0)

    def _entropy(self):
        n = tf.cast(self.precision_factor.domain_dimension_tensor(), self.dtype)
        entropy = 0.5 * n * (1.0 + math.log(2.0 * math.pi))
        entropy -= self.precision_factor.log_abs_determinant()
        return tf.broadcast_to(entropy, self.batch_shape_tensor())

    def _variance(self):
        variance = self.precision_factor.inverse_gram_diag_part()
        return tf.broadcast_to(variance, self._batch_and_event_shape())
