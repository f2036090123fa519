"""Multivariate logit-normal observation model for pixels in (0, 1)."""

import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions


class MultivariateLogitNormal(tfd.TransformedDistribution):
    """sigmoid(y) with y a (structured) normal: a correlated model of continuous pixels.

    log p(x) = log N(logit(x); mu, P^{-1}) - sum_i log(x_i (1 - x_i)), with x clipped to
    [clip, 1 - clip]. With the extended-grid (or regular-grid) normal over the pixel lattice
    this is the grid observation model of Peşte & Malagò (ICML 2017 workshop;
    docs/ggm_vae.md §5), linear in the number of pixels for the extended grid.

    Args:
      normal: distribution of the logits, e.g. from `structured_normal_from_conv` (event
        [H, W, C]) or `extended_grid_normal_from_raw` (event [H * W]).
      clip: pixels are clipped to [clip, 1 - clip] before `log_prob`.
      name: distribution name.

    Example:
      >>> p = MultivariateLogitNormal(structured_normal_from_conv(decoder_out, "extended_grid"))
      >>> p.log_prob(images)  # images [B, H, W, C] in [0, 1]
    """

    def __init__(
        self, normal: tfd.Distribution, clip: float = 1e-3, name: str = "MultivariateLogitNormal"
    ):
        parameters = dict(locals())
        self._normal = normal
        self._clip = clip
        super().__init__(
            distribution=normal,
            bijector=tfp.bijectors.Sigmoid(),
            parameters=parameters,
            name=name,
        )

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return dict(normal=tfp.util.BatchedComponentProperties())

    @property
    def normal(self) -> tfd.Distribution:
        return self._normal

    @property
    def clip(self) -> float:
        return self._clip

    def _log_prob(self, x):
        return super()._log_prob(tf.clip_by_value(x, self._clip, 1.0 - self._clip))
