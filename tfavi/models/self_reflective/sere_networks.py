"""The MLP and ResNet networks of the SeRe-VAE layers (prior, posterior, bijector, data)."""

import keras

from tfavi.api_export import tfavi_export

_CONV_STAGES = (32, 64)
"""Filters of the two stride-2 stages of the convolutional encoders (28x28 -> 7x7)."""


@tfavi_export
class ResidualUnit(keras.layers.Layer):
    """Pre-activation residual unit `x + W2 act(W1 act(x))`, dense or 3x3 convolutional.

    Args:
        width: units (dense) or filters (convolutional) of the unit; equals the input width.
        activation: Keras activation.
        convolutional: 3x3 same-padded convolutions instead of dense layers.
        **kwargs: standard `keras.layers.Layer` arguments.

    Reference:
        He et al., "Identity Mappings in Deep Residual Networks", ECCV 2016.
    """

    def __init__(self, width: int, activation: str = "elu", convolutional: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.activation = activation
        self.convolutional = convolutional

        def linear(name, initializer):
            if convolutional:
                return keras.layers.Conv2D(
                    width, 3, padding="same", kernel_initializer=initializer, name=name
                )
            return keras.layers.Dense(width, kernel_initializer=initializer, name=name)

        self.first = linear("first", "glorot_uniform")
        # A zero-initialised last layer makes each unit start as the identity.
        self.second = linear("second", "zeros")
        self._act = keras.activations.get(activation)

    def build(self, input_shape):
        self.first.build(input_shape)
        self.second.build(input_shape)

    def call(self, inputs):
        return inputs + self.second(self._act(self.first(self._act(inputs))))

    def get_config(self):
        config = super().get_config()
        config.update(
            width=self.width, activation=self.activation, convolutional=self.convolutional
        )
        return config


def sere_network(
    kind: str,
    units: int,
    depth: int,
    activation: str,
    outputs: int | None,
    name: str,
    output_initializer: str = "glorot_uniform",
) -> keras.Sequential:
    """A SeRe-VAE network of flattened inputs, with a linear output layer of `outputs` units.

    Args:
        kind: `mlp` (`depth` hidden dense layers), `dense` (a dense layer and `depth`
            `ResidualUnit`s) or `conv` (two stride-2 convolution stages of `depth` residual
            units each, for image encoders).
        units: width of the hidden layers.
        depth: number of hidden layers or residual units.
        activation: hidden activation.
        outputs: width of the linear output layer; None ends with the activated hidden layer
            (the encoders' feature vector).
        name: Keras name of the network.
        output_initializer: kernel initializer of the output layer.
    """
    if kind == "mlp":
        layers = [keras.layers.Flatten()]
        layers += [keras.layers.Dense(units, activation=activation) for _ in range(depth)]
    elif kind == "dense":
        layers = [keras.layers.Flatten(), keras.layers.Dense(units)]
        layers += [ResidualUnit(units, activation) for _ in range(depth)]
        layers.append(keras.layers.Activation(activation))
    elif kind == "conv":
        layers = []
        for filters in _CONV_STAGES:
            layers.append(keras.layers.Conv2D(filters, 3, strides=2, padding="same"))
            layers += [ResidualUnit(filters, activation, convolutional=True) for _ in range(depth)]
        layers += [keras.layers.Flatten(), keras.layers.Dense(units, activation=activation)]
    else:
        raise ValueError(f"Unknown network kind {kind!r}; use mlp, dense or conv.")
    if outputs is not None:
        layers.append(keras.layers.Dense(outputs, kernel_initializer=output_initializer))
    return keras.Sequential(layers, name=name)
