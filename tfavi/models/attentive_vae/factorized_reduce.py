"""Stride-2 shortcut that halves the resolution with four shifted 1x1 convolutions."""

import keras
import tensorflow as tf
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.weight_defaults import LAMBDA_REG
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class FactorizedReduce(keras.layers.Layer):
    """Activation, then four WN 1x1 stride-2 convolutions on shifted inputs, concatenated.

    The convolutions (padding 'valid', with bias) read `x`, `x[:, 1:, 1:]`, `x[:, :, 1:]` and
    `x[:, 1:, :]`; the first three have `filters // 4` outputs and the last the remainder.
    Spatial sizes must be even.

    Args:
        filters: output channels.
        activation: Keras activation applied first (swish in every official cell).
        l2: L2 strength of the convolutions.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Vahdat & Kautz, "NVAE: A Deep Hierarchical Variational Autoencoder", NeurIPS 2020.
    """

    def __init__(self, filters: int, activation: str = "swish", l2: float = LAMBDA_REG, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.activation = activation
        self.l2 = l2
        quarter = filters // 4
        self.convs = [
            WeightNormConv2D(width, strides=2, padding="valid", l2=l2, name=f"conv_{index}")
            for index, width in enumerate((quarter, quarter, quarter, filters - 3 * quarter))
        ]

    def build(self, input_shape):
        for conv in self.convs:
            conv.build(input_shape)

    def call(self, inputs):
        activated = keras.activations.get(self.activation)(inputs)
        # `tf.slice`, whose gradient (a pad) is cheaper than a strided slice's.
        shifted = [activated] + [
            tf.slice(activated, [0, rows, columns, 0], [-1, -1, -1, -1])
            for rows, columns in ((1, 1), (0, 1), (1, 0))
        ]
        return ops.concatenate(
            [conv(x) for conv, x in zip(self.convs, shifted, strict=True)], axis=-1
        )

    def compute_output_shape(self, input_shape):
        return self.convs[0].compute_output_shape(input_shape)[:-1] + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, activation=self.activation, l2=self.l2)
        return config
