"""Residual layer norm with GELU: `x + gelu(LN(x))`."""

import keras
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, l2_regularizer


@tfavi_export
class LayerNormGeluResidual(keras.layers.Layer):
    """Returns `x + gelu(LayerNorm(x))`, with the tanh-approximate GELU of TF-Addons.

    The layer norm acts on the channel axis with epsilon 1e-5 and L2 on gamma and beta. The
    Deep Attentive VAE applies it (with `use_layer_norm`) to the decoder context, to both
    attention outputs and to the encoder feature of the posterior.

    Args:
        l2: L2 strength on gamma and beta (the official string `'l2'`, i.e. 0.01).
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(self, l2: float = GATE_L2, **kwargs):
        super().__init__(**kwargs)
        self.l2 = l2
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=1e-5,
            gamma_regularizer=l2_regularizer(l2),
            beta_regularizer=l2_regularizer(l2),
            name="layer_norm",
        )

    def build(self, input_shape):
        self.layer_norm.build(input_shape)

    def call(self, inputs):
        return inputs + tanh_gelu(self.layer_norm(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(l2=self.l2)
        return config


def tanh_gelu(x):
    """`keras.activations.gelu(x, approximate=True)` with x^3 as `x * x^2`: TensorFlow's `pow`,
    forward and backward, took most of the time of a layer norm + GELU on CPU."""
    return 0.5 * x * (1.0 + ops.tanh(0.7978845608028654 * (x + 0.044715 * (x * ops.square(x)))))
