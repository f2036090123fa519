"""Keras layer holding a stack of MADEs and building a (conditional) masked autoregressive flow."""

import functools

import tensorflow_probability as tfp

from tfavi.api_export import tfavi_export
from tfavi.bijectors.chain_with_reversals import chain_with_reversals
from tfavi.bijectors.conditional_bijector_layer import ConditionalBijectorLayer
from tfavi.layers.made import MADE

tfb = tfp.bijectors


@tfavi_export
class ConditionalMAF(ConditionalBijectorLayer):
    """Stack of `num_flows` MAFs with reversed orders between them, optionally conditioned.

    Each MAF step maps `x -> x * exp(log_scale) + shift` with `(shift, log_scale)` given by a
    MADE of the already transformed dimensions and of the context. The forward direction
    (sampling) takes `event_size` network passes, the inverse (density) one pass.

    Args:
        event_size: dimension of the transformed vectors.
        num_flows: number of MAF steps (MADEs).
        hidden_units: widths of the hidden layers of each MADE.
        activation: Keras activation of the hidden layers.
        output_kernel_initializer: name of the MADEs' output-kernel initializer; "zeros" starts
            the flow as the identity, which keeps deep stacks on high-dimensional data finite
            at initialisation.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:
        >>> flow = ConditionalMAF(event_size=16, num_flows=2, hidden_units=[128])
        >>> distribution = tfd.TransformedDistribution(base, flow.bijector(z))
        >>> log_likelihood = distribution.log_prob(x)

    Reference:
        Papamakarios et al., "Masked Autoregressive Flow for Density Estimation", NeurIPS 2017;
        Germain et al., "MADE", ICML 2015.
    """

    def __init__(
        self,
        event_size: int,
        num_flows: int = 2,
        hidden_units: list[int] = (64,),
        activation: str = "relu",
        output_kernel_initializer: str = "glorot_uniform",
        **kwargs,
    ):
        super().__init__(event_size, hidden_units, activation, **kwargs)
        self.num_flows = num_flows
        self.output_kernel_initializer = output_kernel_initializer
        self._mades = [
            MADE(
                2,
                self.hidden_units,
                self.activation,
                self.output_kernel_initializer,
                dtype=self.dtype_policy,
                name=f"made_{i}",
            )
            for i in range(num_flows)
        ]

    def build(self, inputs_shape, context_shape=None):
        for made in self._mades:
            made.build(inputs_shape, context_shape)

    def _make_bijector(self, context):
        steps = [
            tfb.MaskedAutoregressiveFlow(functools.partial(made, context=context))
            for made in self._mades
        ]
        return chain_with_reversals(steps, self.event_size)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_flows=self.num_flows,
            output_kernel_initializer=self.output_kernel_initializer,
        )
        return config
