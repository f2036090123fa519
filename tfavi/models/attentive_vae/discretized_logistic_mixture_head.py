"""Data head and likelihood of a discretized logistic mixture over 8-bit RGB images."""

import math

import keras
import tensorflow as tf
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.pre_activation_conv2d import PreActivationConv2D
from tfavi.models.attentive_vae.weight_defaults import LAMBDA_REG

BIN_HALF_WIDTH = 1.0 / 255.0
"""Half-width of one of the 256 bins on the scaled data range [-1, 1]."""


@tfavi_export
class DiscretizedLogisticMixtureHead(keras.layers.Layer):
    """ELU + WN conv to the parameters of a mixture of discretized logistics, its
    log-likelihood and its location, for RGB images scaled to `x~ = 2x/255 - 1`.

    Per pixel the head emits `10 K` channels, read as in the official code: `[0:K]` are the
    mixture logits; `[K:]` reshaped to `[K, 9]` give per mixture three tanh coefficients
    `c0, c1, c2` followed by six numbers, and these `6 K` numbers, in row-major order, are
    reinterpreted as `[3 colours, 2K]`: K means, then K log-scales (floored at
    `log_scale_min`). Means are autoregressive over RGB: `m_G = mu_G + c0 x_R` and
    `m_B = mu_B + c1 x_R + c2 x_G`. Each bin has mass `CDF(x + 1/255) - CDF(x - 1/255)`; the
    bottom bin (x~ < -0.999) takes all mass below it and the top bin (x~ > `edge_threshold`)
    all mass above; a bin of mass at most 1e-5 uses `log pdf - log 127.5`.

    The default `edge_threshold=0.999` is the PixelCNN++ value, for which the likelihood of a
    pixel sums to one over its 256 values. The official Deep Attentive VAE code uses 0.99:
    pixel 254 (x~ = 0.992) then also takes the top-edge mass P(x~ > 253.5 / 127.5 - 1), so bin
    255 is counted twice and the likelihood is unnormalised and optimistic. Pass 0.99 only to
    reproduce the official numbers.

    Args:
        num_mixtures: number of logistic components K.
        kernel_size: kernel of the head convolution.
        log_scale_min: floor of the log-scales.
        edge_threshold: x~ above which a value is the top edge bin.
        l2: L2 strength of the head convolution.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
        >>> head = DiscretizedLogisticMixtureHead()
        >>> params = head(features)  # [B, H, W, 50]
        >>> nll = -head.log_prob(params, 2.0 * images / 255.0 - 1.0)  # [B]

    Reference:
        Salimans et al., "PixelCNN++", ICLR 2017; Apostolopoulou et al., "Deep Attentive
        Variational Inference", ICLR 2022.
    """

    def __init__(
        self,
        num_mixtures: int = 5,
        kernel_size: int = 3,
        log_scale_min: float = -7.0,
        edge_threshold: float = 0.999,
        l2: float = LAMBDA_REG,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_mixtures = num_mixtures
        self.kernel_size = kernel_size
        self.log_scale_min = log_scale_min
        self.edge_threshold = edge_threshold
        self.l2 = l2
        self.conv = PreActivationConv2D(
            filters=10 * num_mixtures, kernel_size=kernel_size, activation="elu", l2=l2, name="conv"
        )

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs):
        return self.conv(inputs)

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def unpack(self, params):
        """Splits `params` into logits `[..., K]` and means, log-scales and coefficients
        `[..., 3, K]` (coefficient rows c0, c1, c2)."""
        k = self.num_mixtures
        params = ops.convert_to_tensor(params)
        # Splits and unstacks: their gradients are cheaper than a strided slice's.
        logits, per_mixture = tf.split(params, [k, -1], axis=-1)
        per_mixture = ops.reshape(per_mixture, ops.shape(params)[:-1] + (k, 9))
        coefficients, per_colour = tf.split(per_mixture, [3, 6], axis=-1)
        coefficients = ops.moveaxis(ops.tanh(coefficients), -1, -2)
        per_colour = ops.reshape(per_colour, ops.shape(params)[:-1] + (3, 2 * k))
        means, log_scales = tf.split(per_colour, 2, axis=-1)
        return logits, means, ops.maximum(log_scales, self.log_scale_min), coefficients

    def log_prob(self, params, targets):
        """Log-likelihood `[B]` of scaled images `targets` `[B, H, W, 3]`, summed over pixels."""
        return ops.sum(self.pixel_log_prob(params, targets), axis=(1, 2))

    def pixel_log_prob(self, params, targets):
        """Log-likelihood `[B, H, W]` of each RGB pixel of the scaled images `targets`."""
        logits, means, log_scales, coefficients = self.unpack(params)
        x = ops.expand_dims(targets, -1)
        means = couple_rgb(means, coefficients, x)
        channel_log_probs = self.bin_log_prob(x, means, log_scales)
        mixture_log_probs = ops.sum(channel_log_probs, axis=-2) + ops.log_softmax(logits, axis=-1)
        return ops.logsumexp(mixture_log_probs, axis=-1)

    def bin_log_prob(self, x, means, log_scales):
        """Log-mass of the 8-bit bins at scaled values `x` under logistics (means, log-scales),
        with the edge bins and the small-mass fallback described above."""
        centered = x - means
        inv_scale = ops.exp(-log_scales)
        plus_in = inv_scale * (centered + BIN_HALF_WIDTH)
        min_in = inv_scale * (centered - BIN_HALF_WIDTH)
        mid_in = inv_scale * centered
        log_cdf_plus = plus_in - ops.softplus(plus_in)
        log_one_minus_cdf_min = -ops.softplus(min_in)
        cdf_delta = ops.sigmoid(plus_in) - ops.sigmoid(min_in)
        log_pdf_mid = mid_in - log_scales - 2.0 * ops.softplus(mid_in)
        interior = ops.where(
            cdf_delta > 1e-5,
            ops.log(ops.maximum(cdf_delta, 1e-12)),
            log_pdf_mid - math.log(127.5),
        )
        return ops.where(
            x < -0.999,
            log_cdf_plus,
            ops.where(x > self.edge_threshold, log_one_minus_cdf_min, interior),
        )

    def location(self, params):
        """Images in [0, 1] `[B, H, W, 3]`: each pixel's most probable component at its means,
        with the RGB coupling applied to the clipped red and green values."""
        logits, means, _, coefficients = self.unpack(params)
        best = ops.expand_dims(ops.one_hot(ops.argmax(logits, axis=-1), self.num_mixtures), -2)
        means, coefficients = (
            ops.sum(t * best, axis=-1, keepdims=True) for t in (means, coefficients)
        )
        pixel = ops.clip(means, -1.0, 1.0)
        for _ in range(2):  # The coupling is triangular: pass 1 settles green, pass 2 blue.
            pixel = ops.clip(couple_rgb(means, coefficients, pixel), -1.0, 1.0)
        return (pixel[..., 0] + 1.0) / 2.0

    def get_config(self):
        config = super().get_config()
        config.update(
            num_mixtures=self.num_mixtures,
            kernel_size=self.kernel_size,
            log_scale_min=self.log_scale_min,
            edge_threshold=self.edge_threshold,
            l2=self.l2,
        )
        return config


def couple_rgb(means, coefficients, values):
    """The autoregressive RGB means `[..., 3, K]`: m_R, m_G + c0 x_R, m_B + c1 x_R + c2 x_G,
    for colour values `x` `[..., 3, K or 1]` and coefficient rows c0, c1, c2 `[..., 3, K]`."""
    red, green, _ = tf.unstack(values, axis=-2)
    c0, c1, c2 = tf.unstack(coefficients, axis=-2)
    green_shift = c0 * red
    blue_shift = c1 * red + c2 * green
    return means + ops.stack([ops.zeros_like(green_shift), green_shift, blue_shift], axis=-2)
