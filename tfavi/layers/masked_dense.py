"""A dense layer whose connections are set by MADE degrees."""

import keras
import numpy as np
from keras import ops

from tfavi.api_export import tfavi_export


@tfavi_export
class MaskedDense(keras.layers.Layer):
    """Dense layer in which output unit j sees input unit i only if the degrees allow it.

    The connection i -> j exists when `output_degrees[j] >= input_degrees[i]` (hidden layers)
    or `output_degrees[j] > input_degrees[i]` (`strict=True`, the output layer of a MADE).
    Storing degrees rather than the mask keeps the config small.

    Args:
        input_degrees: one integer degree per input unit.
        output_degrees: one integer degree per output unit; their number is the layer's width.
        strict: whether a connection needs a strictly larger output degree.
        activation: Keras activation applied to the output.
        kernel_initializer: Keras initializer of the (unmasked) kernel.
        **kwargs: standard `keras.layers.Layer` arguments.

    Example:
        >>> layer = MaskedDense(input_degrees=[1, 2], output_degrees=[1, 2], strict=True)
        >>> y = layer(keras.ops.ones((4, 2)))  # y[:, 0] ignores the inputs, y[:, 1] sees x[:, 0]

    Reference:
        Germain et al., "MADE: Masked Autoencoder for Distribution Estimation", ICML 2015.
    """

    def __init__(
        self,
        input_degrees: list[int],
        output_degrees: list[int],
        strict: bool = False,
        activation: str | None = None,
        kernel_initializer: str = "glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.input_degrees = [int(degree) for degree in input_degrees]
        self.output_degrees = [int(degree) for degree in output_degrees]
        self.strict = strict
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if input_shape[-1] != len(self.input_degrees):
            raise ValueError(
                f"Expected {len(self.input_degrees)} input features, got shape {input_shape}."
            )
        inputs = np.asarray(self.input_degrees)[:, None]
        outputs = np.asarray(self.output_degrees)[None, :]
        # A NumPy array rather than a tensor, as `build` may run in a temporary graph.
        self._mask = outputs > inputs if self.strict else outputs >= inputs
        shape = (len(self.input_degrees), len(self.output_degrees))
        self.kernel = self.add_weight(
            shape=shape, initializer=self.kernel_initializer, name="kernel"
        )
        self.bias = self.add_weight(shape=shape[1:], initializer="zeros", name="bias")

    def call(self, inputs):
        kernel = self.kernel * ops.cast(self._mask, self.compute_dtype)
        return self.activation(ops.matmul(inputs, kernel) + self.bias)

    def get_config(self):
        config = super().get_config()
        config.update(
            input_degrees=self.input_degrees,
            output_degrees=self.output_degrees,
            strict=self.strict,
            activation=keras.activations.serialize(self.activation),
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
        )
        return config
