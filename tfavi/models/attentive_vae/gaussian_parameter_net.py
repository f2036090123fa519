"""Convolutional network emitting the raw parameters of a diagonal Gaussian."""

import keras
import tensorflow as tf
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.pre_activation_conv2d import PreActivationConv2D
from tfavi.models.attentive_vae.weight_defaults import LAMBDA_REG


@tfavi_export
class GaussianParameterNet(keras.layers.Layer):
    """Emits `[mu_raw, rho_raw]` (2 * `latent_channels` channels) of a diagonal Gaussian,
    followed by `num_coupling_maps * latent_channels` raw couplings of a graphical posterior.

    `num_convs - 1` steps of activation + WN 1x1 convolution at the input width, then
    activation + WN `kernel_size` convolution to `2 * latent_channels`; no batch norm. In
    training mode, Gaussian noise of standard deviation `noise_stddev` is added to `rho_raw`.
    The official networks are: prior `(kernel_size=1, activation='elu')`, posterior
    `(kernel_size=3, activation=None)`, layer-0 posterior `(kernel_size=3, num_convs=2,
    activation='elu')`. Bounding follows in `GaussianParameterBound`, after the residual sum
    of the posterior with the prior.

    Args:
        latent_channels: channels of the latent variable.
        kernel_size: kernel of the last convolution.
        num_convs: number of convolutions.
        activation: Keras activation before every convolution, or None for none.
        noise_stddev: training-time noise on `rho_raw`; 0 for none.
        num_coupling_maps: extra output maps per latent channel (see `graphical_posterior`).
        l2: L2 strength of the convolutions.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(
        self,
        latent_channels: int = 20,
        kernel_size: int = 1,
        num_convs: int = 1,
        activation: str | None = "elu",
        noise_stddev: float = 0.0,
        l2: float = LAMBDA_REG,
        num_coupling_maps: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.latent_channels = latent_channels
        self.kernel_size = kernel_size
        self.num_convs = num_convs
        self.activation = activation
        self.noise_stddev = noise_stddev
        self.l2 = l2
        self.num_coupling_maps = num_coupling_maps
        self.noise = keras.layers.GaussianNoise(noise_stddev) if noise_stddev > 0 else None

    def build(self, input_shape):
        hidden = [
            PreActivationConv2D(
                filters=input_shape[-1],
                kernel_size=1,
                activation=self.activation,
                l2=self.l2,
                name=f"conv_{i}",
            )
            for i in range(self.num_convs - 1)
        ]
        output = PreActivationConv2D(
            filters=self._num_maps * self.latent_channels,
            kernel_size=self.kernel_size,
            activation=self.activation,
            l2=self.l2,
            name=f"conv_{self.num_convs - 1}",
        )
        self.convs = hidden + [output]
        for conv in self.convs:
            conv.build(input_shape)
            input_shape = conv.compute_output_shape(input_shape)

    def call(self, inputs, training=None):
        outputs = inputs
        for conv in self.convs:
            outputs = conv(outputs)
        if self.noise is None:
            return outputs
        c = self.latent_channels
        loc, rho, couplings = tf.split(outputs, [c, c, -1], axis=-1)
        return ops.concatenate([loc, self.noise(rho, training=training), couplings], axis=-1)

    @property
    def _num_maps(self) -> int:
        return 2 + self.num_coupling_maps

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self._num_maps * self.latent_channels,)

    def get_config(self):
        config = super().get_config()
        config.update(
            latent_channels=self.latent_channels,
            kernel_size=self.kernel_size,
            num_convs=self.num_convs,
            activation=self.activation,
            noise_stddev=self.noise_stddev,
            l2=self.l2,
            num_coupling_maps=self.num_coupling_maps,
        )
        return config
