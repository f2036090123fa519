"""The plain MAF on images in logit space, the density-model baseline of SeRe-MAF."""

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.api_export import tfavi_export
from tfavi.bijectors.conditional_maf import ConditionalMAF
from tfavi.models.density_model import DensityModel
from tfavi.models.logit_space import to_images, to_logit_space

tfd = tfp.distributions


@tfavi_export
class MAF(DensityModel):
    """One masked autoregressive flow of `num_flows` MADEs over all values of an image.

    Images x = k/255 are dequantized to (k + u) / 256, u ~ U[0, 1), and mapped to
    y = logit(alpha + (1 - 2 alpha) x); `log_weight` is the continuous log-density of y in nats
    under the flow on a standard normal base (the MAF papers' test log-likelihood), so the
    importance-weighted estimate averages over dequantizations. The MADEs have one hidden
    layer of `made_units` and start as the identity: with random output weights, 10 MADEs over
    3,072 values compound their scales and the initial log-density overflows. `sample`
    returns floor(256 x) / 255; the flow's sampling pass is a loop over the dimensions, so it
    runs as a compiled graph even when called eagerly.

    Args:
        image_shape: `(height, width, channels)` of the images.
        num_flows: MADEs of the flow.
        made_units: hidden units of each MADE.
        activation: hidden activation.
        logit_alpha: alpha of the logit transform (0.05 for CIFAR-10 in the MAF code).
        **kwargs: passed to `DensityModel` (e.g. `seed`).

    Example:
    >>> model = MAF(image_shape=(8, 8, 3), num_flows=2, made_units=16)
    >>> model(tf.zeros([2, 8, 8, 3]))["log_weight"].shape
    TensorShape([2])

    Reference:
        Papamakarios, Pavlakou, Murray, "Masked Autoregressive Flow for Density Estimation",
        NeurIPS 2017.
    """

    def __init__(
        self,
        image_shape=(32, 32, 3),
        num_flows: int = 10,
        made_units: int = 1024,
        activation: str = "relu",
        logit_alpha: float = 0.05,
        **kwargs,
    ):
        super().__init__(image_shape=image_shape, **kwargs)
        self.num_flows = num_flows
        self.made_units = made_units
        self.activation = activation
        self.logit_alpha = logit_alpha
        self.flow = ConditionalMAF(
            self.num_dimensions, num_flows, [made_units], activation, "zeros", name="maf"
        )

    def build(self, input_shape):
        self.flow.build((None, self.num_dimensions), None)

    def distribution(self) -> tfd.Distribution:
        """The density of logit-space images y [B, D]: the flow of a standard normal."""
        base = tfd.Sample(tfd.Normal(0.0, 1.0), self.num_dimensions)
        return tfd.TransformedDistribution(base, self.flow.bijector(None))

    def call(self, images, training=None):
        shape = [tf.shape(images)[0], self.num_dimensions]
        y = to_logit_space(images, self.noise().uniform(shape), self.logit_alpha)
        return {"log_weight": self.distribution().log_prob(y)}

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        """Images of the flow of base noise scaled by `temperature`; an integer `seed` makes
        them reproducible."""
        base = temperature * self.noise(seed).normal([num_samples, self.num_dimensions])
        return to_images(self._flow_forward(base), self.logit_alpha, self.image_shape)

    @tf.function(reduce_retracing=True, autograph=False)
    def _flow_forward(self, base):
        return self.flow.bijector(None).forward(base)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_flows=self.num_flows,
            made_units=self.made_units,
            activation=self.activation,
            logit_alpha=self.logit_alpha,
        )
        return config
