"""Base class of the Keras layers that own a flow's networks and build its TFP bijector."""

import keras
import tensorflow as tf
import tensorflow_probability as tfp

tfb = tfp.bijectors


class ConditionalBijectorLayer(keras.layers.Layer):
    """Keras 3 layer holding the weights of a bijector whose parameters depend on a context.

    `bijector(context)` returns a fresh `tfb.Bijector` on vectors of `event_size` dimensions
    that closes over the layer's networks; `call(inputs, context)` is its forward map, which is
    what a functional model sees. Subclasses implement `build(inputs_shape, context_shape)` and
    `_make_bijector(context)`.

    Args:
        event_size: number of dimensions the bijector acts on.
        hidden_units: widths of the hidden layers of the conditioning networks.
        activation: Keras activation of those hidden layers.
        **kwargs: standard `keras.layers.Layer` arguments; `dtype` defaults to float32 under
            any global policy, as a flow's log-determinants and inverses need its precision.
    """

    def __init__(
        self,
        event_size: int,
        hidden_units: list[int] = (64,),
        activation: str = "relu",
        **kwargs,
    ):
        super().__init__(**{"dtype": "float32", **kwargs})
        self.event_size = event_size
        self.hidden_units = list(hidden_units)
        self.activation = keras.activations.get(activation)

    def _make_bijector(self, context: tf.Tensor | None) -> tfb.Bijector:
        raise NotImplementedError

    def bijector(self, context: tf.Tensor | None = None) -> tfb.Bijector:
        """The bijector for `context` (`[batch..., C]` or None); builds the networks if needed."""
        if not self.built:
            context_shape = None if context is None else tuple(context.shape)
            self.build((None, self.event_size), context_shape)
        return self._make_bijector(context)

    def call(self, inputs, context=None):
        return self.bijector(context).forward(inputs)

    def get_config(self):
        config = super().get_config()
        config.update(
            event_size=self.event_size,
            hidden_units=self.hidden_units,
            activation=keras.activations.serialize(self.activation),
        )
        return config
