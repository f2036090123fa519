"""Data head and likelihood of independent Bernoulli pixels, cropped to the unpadded image."""

import keras
import tensorflow as tf
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.pre_activation_conv2d import PreActivationConv2D
from tfavi.models.attentive_vae.weight_defaults import LAMBDA_REG


@tfavi_export
class BernoulliHead(keras.layers.Layer):
    """ELU + WN conv to one logit per pixel and channel, with a Bernoulli likelihood and
    mean on the image cropped by `pad_size` on every side.

    The targets are the raw binary images zero-padded by `pad_size` (OMNIGLOT and MNIST are
    28x28 padded to 32x32); the likelihood is summed over the cropped pixels. Unlike the
    official code, `pad_size=0` keeps the whole image instead of an empty crop.

    Args:
        channels: image channels (one logit each).
        pad_size: padding removed on every side before the likelihood.
        kernel_size: kernel of the head convolution.
        l2: L2 strength of the head convolution.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
        >>> head = BernoulliHead(pad_size=2)
        >>> nll = -head.log_prob(head(features), padded_binary_images)  # [B]

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(
        self,
        channels: int = 1,
        pad_size: int = 2,
        kernel_size: int = 3,
        l2: float = LAMBDA_REG,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.channels = channels
        self.pad_size = pad_size
        self.kernel_size = kernel_size
        self.l2 = l2
        self.conv = PreActivationConv2D(
            filters=channels, kernel_size=kernel_size, activation="elu", l2=l2, name="conv"
        )

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs):
        return self.conv(inputs)

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def crop(self, images):
        """Removes `pad_size` pixels on every side of `[B, H, W, C]` images."""
        if self.pad_size == 0:
            return images
        p = self.pad_size
        _, height, width, _ = ops.shape(images)
        # `tf.slice`, whose gradient (a pad) is cheaper than a strided slice's.
        return tf.slice(images, [0, p, p, 0], [-1, height - 2 * p, width - 2 * p, -1])

    def log_prob(self, logits, targets):
        """Log-likelihood `[B]` of padded binary `targets`, summed over the cropped pixels."""
        logits, targets = self.crop(logits), self.crop(ops.cast(targets, logits.dtype))
        return ops.sum(targets * logits - ops.softplus(logits), axis=(1, 2, 3))

    def location(self, logits):
        """Pixel probabilities `[B, H - 2 pad, W - 2 pad, C]` of the cropped logits."""
        return ops.sigmoid(self.crop(logits))

    def get_config(self):
        config = super().get_config()
        config.update(
            channels=self.channels,
            pad_size=self.pad_size,
            kernel_size=self.kernel_size,
            l2=self.l2,
        )
        return config
