"""Squeeze-and-excite channel gating with weight-normalised projections."""

import keras
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.weight_defaults import LAMBDA_REG
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class SqueezeExcite(keras.layers.Layer):
    """Scales each channel by `sigmoid(W2 relu(W1 mean_hw(x)))`.

    `W1` maps C to `max(C // 16, 4)` channels and `W2` back to C; both are weight-normalised
    and bias-free (written as 1x1 convolutions on the pooled map, which have the same weights
    as the official dense layers). Off in every official configuration.

    Args:
        l2: L2 strength of both projections.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018.
    """

    def __init__(self, l2: float = LAMBDA_REG, **kwargs):
        super().__init__(**kwargs)
        self.l2 = l2

    def build(self, input_shape):
        channels = input_shape[-1]
        hidden = max(channels // 16, 4)
        self.squeeze = WeightNormConv2D(hidden, use_bias=False, l2=self.l2, name="squeeze")
        self.excite = WeightNormConv2D(channels, use_bias=False, l2=self.l2, name="excite")
        self.squeeze.build((None, 1, 1, channels))
        self.excite.build((None, 1, 1, hidden))

    def call(self, inputs):
        pooled = ops.mean(inputs, axis=(1, 2), keepdims=True)
        return inputs * ops.sigmoid(self.excite(ops.relu(self.squeeze(pooled))))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(l2=self.l2)
        return config
