"""Keras layer producing the SeRe-VAE affine bijector from the previous latent code."""

from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.bijectors.conditional_bijector_layer import ConditionalBijectorLayer
from tfavi.bijectors.rank_one_affine import RankOneAffine
from tfavi.layers.conditioner_network import ConditionerNetwork


@tfavi_export
class ConditionalRankOneAffine(ConditionalBijectorLayer):
    """`z = c + (diag(d) + u u^T) eps` with `(c, d, u)` computed from a context by an MLP.

    `d = softplus(.) + min_scale` keeps the matrix invertible. Without a context (the first
    SeRe-VAE layer) `(c, d, u)` are free learned parameters instead.

    Args:
        event_size: dimension N of `eps` and `z`.
        hidden_units: widths of the hidden layers of the parameter network.
        activation: Keras activation of the hidden layers.
        min_scale: lower bound of the diagonal `d`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:
        >>> layer = ConditionalRankOneAffine(event_size=10, hidden_units=[64])
        >>> z = layer.bijector(z_previous).forward(eps)

    Reference:
        Apostolopoulou et al., "Self-Reflective Variational Autoencoder", arXiv 2007.05166, §2.1.
    """

    def __init__(
        self,
        event_size: int,
        hidden_units: list[int] = (64,),
        activation: str = "relu",
        min_scale: float = 1e-3,
        **kwargs,
    ):
        super().__init__(event_size, hidden_units, activation, **kwargs)
        self.min_scale = min_scale

    def build(self, inputs_shape, context_shape=None):
        self._network = None
        if context_shape is None:
            self._free_parameters = self.add_weight(
                shape=(3 * self.event_size,),
                initializer="random_normal",
                autocast=False,  # Read in float32 inside a mixed-precision model too.
                name="parameters",
            )
            return
        self._network = ConditionerNetwork(
            3 * self.event_size,
            self.hidden_units,
            self.activation,
            dtype=self.dtype_policy,
            name="parameter_network",
        )
        self._network.build(context_shape)

    def _make_bijector(self, context):
        if (context is None) != (self._network is None):
            raise ValueError(f"Use {self.name} with a context if and only if built with one.")
        parameters = self._free_parameters if context is None else self._network(context)
        shift, raw_scale, factor = ops.split(parameters, 3, axis=-1)
        scale = ops.softplus(raw_scale) + self.min_scale
        return RankOneAffine(shift, scale, factor)

    def get_config(self):
        config = super().get_config()
        config.update(min_scale=self.min_scale)
        return config
