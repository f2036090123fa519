"""Keras layer building rational-quadratic spline coupling flows conditioned on a context."""

import functools

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.api_export import tfavi_export
from tfavi.bijectors.chain_with_reversals import chain_with_reversals
from tfavi.bijectors.conditional_bijector_layer import ConditionalBijectorLayer
from tfavi.layers.conditioner_network import ConditionerNetwork

tfb = tfp.bijectors

_MIN_BIN_SIZE = 1e-3
_MIN_SLOPE = 1e-3


@tfavi_export
class ConditionalSplineCoupling(ConditionalBijectorLayer):
    """Stack of rational-quadratic spline coupling layers with reversed orders between them.

    Each coupling keeps the first `event_size // 2` dimensions and transforms the others
    elementwise by a monotone rational-quadratic spline on `[-bound, bound]` (identity outside)
    whose `num_bins` widths, heights and interior slopes come from a `ConditionerNetwork` of
    the kept dimensions and of the context.

    Args:
        event_size: dimension of the transformed vectors (at least 2).
        num_couplings: number of coupling layers.
        num_bins: number of spline bins.
        bound: the splines act on `[-bound, bound]`.
        hidden_units: widths of the hidden layers of each coupling network.
        activation: Keras activation of the hidden layers.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:
        >>> flow = ConditionalSplineCoupling(event_size=40, num_couplings=4, num_bins=8)
        >>> z = flow.bijector(z_previous).forward(eps)

    Reference:
        Durkan et al., "Neural Spline Flows", NeurIPS 2019.
    """

    def __init__(
        self,
        event_size: int,
        num_couplings: int = 2,
        num_bins: int = 8,
        bound: float = 3.0,
        hidden_units: list[int] = (64,),
        activation: str = "relu",
        **kwargs,
    ):
        if event_size < 2:
            raise ValueError(f"A coupling layer needs event_size >= 2, got {event_size}.")
        super().__init__(event_size, hidden_units, activation, **kwargs)
        self.num_couplings = num_couplings
        self.num_bins = num_bins
        self.bound = bound
        self._num_kept = event_size // 2
        self._networks = [
            ConditionerNetwork(
                (event_size - self._num_kept) * (3 * num_bins - 1),
                self.hidden_units,
                self.activation,
                dtype=self.dtype_policy,
                name=f"coupling_network_{i}",
            )
            for i in range(num_couplings)
        ]

    def build(self, inputs_shape, context_shape=None):
        for network in self._networks:
            network.build((None, self._num_kept), context_shape)

    def _spline(self, network, context, kept, num_transformed):
        parameters = network(kept, context)
        shape = tf.concat([tf.shape(parameters)[:-1], [num_transformed, -1]], axis=0)
        parameters = tf.reshape(parameters, shape)
        raw_widths, raw_heights, raw_slopes = tf.split(
            parameters, [self.num_bins, self.num_bins, self.num_bins - 1], axis=-1
        )
        free_length = 2 * self.bound - self.num_bins * _MIN_BIN_SIZE
        return tfb.RationalQuadraticSpline(
            bin_widths=tf.math.softmax(raw_widths) * free_length + _MIN_BIN_SIZE,
            bin_heights=tf.math.softmax(raw_heights) * free_length + _MIN_BIN_SIZE,
            knot_slopes=tf.math.softplus(raw_slopes) + _MIN_SLOPE,
            range_min=-self.bound,
        )

    def _make_bijector(self, context):
        steps = [
            tfb.RealNVP(
                num_masked=self._num_kept,
                bijector_fn=functools.partial(self._spline, network, context),
            )
            for network in self._networks
        ]
        return chain_with_reversals(steps, self.event_size)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_couplings=self.num_couplings,
            num_bins=self.num_bins,
            bound=self.bound,
        )
        return config
