"""Residual sum through a zero-initialised scalar gate."""

import keras

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, l2_regularizer


@tfavi_export
class GatedResidual(keras.layers.Layer):
    """Returns `inputs + gamma * update` with a trainable scalar `gamma` initialised to 0.

    At initialisation the layer is the identity on `inputs`. It is the gate of the non-local
    block and of both depth-wise attentions of the Deep Attentive VAE.

    Args:
        l2: L2 strength on `gamma` (the official string `'l2'`, i.e. 0.01).
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(self, l2: float = GATE_L2, **kwargs):
        super().__init__(**kwargs)
        self.l2 = l2

    def build(self, inputs_shape, update_shape=None):
        self.gamma = self.add_weight(
            name="gamma", shape=(), initializer="zeros", regularizer=l2_regularizer(self.l2)
        )

    def call(self, inputs, update):
        return inputs + self.gamma * update

    def compute_output_shape(self, inputs_shape, update_shape=None):
        return inputs_shape

    def get_config(self):
        config = super().get_config()
        config.update(l2=self.l2)
        return config
