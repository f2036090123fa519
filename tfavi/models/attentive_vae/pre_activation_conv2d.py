"""An activation followed by a weight-normalised convolution."""

import keras

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.weight_defaults import LAMBDA_REG
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class PreActivationConv2D(keras.layers.Layer):
    """`WeightNormConv2D(activation(x))`, padding 'same', with bias.

    The official `Conv2D` networks without batch norm: the data heads (ELU, 3x3), the prior
    network (ELU, 1x1) and the steps of the posterior networks.

    Args:
        filters: output channels.
        kernel_size: square kernel.
        activation: Keras activation name, or None for none.
        l2: L2 strength of the convolution.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int = 1,
        activation: str | None = "elu",
        l2: float = LAMBDA_REG,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.activation = activation
        self.l2 = l2
        self.conv = WeightNormConv2D(filters, kernel_size, l2=l2, name="conv")

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs):
        return self.conv(keras.activations.get(self.activation)(inputs))

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            activation=self.activation,
            l2=self.l2,
        )
        return config
