"""Base class of the MLPs that take inputs and an optional context (MADE, coupling networks)."""

import keras


class ContextMLP(keras.layers.Layer):
    """MLP whose first layer also receives a context through an unmasked linear projection.

    Adding `W_c context` to the first layer's pre-activation equals concatenating the context
    to the inputs, but lets inputs and context have different, broadcastable batch shapes.
    Subclasses choose the layers (dense or masked) by implementing `_make_layers`.

    Args:
        hidden_units: widths of the hidden layers.
        activation: Keras activation of the hidden layers; the output layer is linear.
        **kwargs: standard `keras.layers.Layer` arguments.
    """

    def __init__(self, hidden_units: list[int] = (64,), activation: str = "relu", **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = list(hidden_units)
        self.activation = keras.activations.get(activation)

    def _make_layers(self, fan_in: int, conditional: bool) -> list[keras.layers.Layer]:
        """Returns the built linear layers, hidden layers first, each with a `kernel`."""
        raise NotImplementedError

    def build(self, inputs_shape, context_shape=None):
        self._linear_layers = self._make_layers(inputs_shape[-1], context_shape is not None)
        self._context_projection = None
        if context_shape is not None:
            self._context_projection = keras.layers.Dense(
                self._linear_layers[0].kernel.shape[-1],
                use_bias=False,
                dtype=self.dtype_policy,
                name="context_projection",
            )
            self._context_projection.build(context_shape)

    def call(self, inputs, context=None):
        if (context is None) != (self._context_projection is None):
            raise ValueError(f"Call {self.name} with a context if and only if built with one.")
        hidden = self._linear_layers[0](inputs)
        if context is not None:
            hidden = hidden + self._context_projection(context)
        for layer in self._linear_layers[1:]:
            hidden = layer(self.activation(hidden))
        return hidden

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_units=self.hidden_units,
            activation=keras.activations.serialize(self.activation),
        )
        return config
