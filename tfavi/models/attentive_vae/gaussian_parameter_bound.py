"""Maps raw Gaussian parameters to a bounded mean and scale."""

import keras
from keras import ops

from tfavi.api_export import tfavi_export

SCALE_FLOOR = 0.01
"""Added to exp(log sigma): sigma = exp(log sigma) + 0.01."""


@tfavi_export
class GaussianParameterBound(keras.layers.Layer):
    """Splits `[mu_raw, rho_raw]` and returns `(mu, sigma)` with bounded values.

    `mu = 5 tanh(mu_raw / 10)`. With `(lo, hi)` the log-scale bounds, `log sigma =
    |lo| tanh(rho / (2|lo|))` when `|lo| = |hi|`, otherwise the clamped smoothstep
    `lo + (hi - lo)(3t^2 - 2t^3)` with `t = clip((rho - lo) / (hi - lo), 0, 1)`;
    then `sigma = exp(log sigma) + 0.01`. Weightless.

    Args:
        log_scale_low: lower log-scale bound.
        log_scale_high: upper log-scale bound.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022.
    """

    def __init__(self, log_scale_low: float = -5.0, log_scale_high: float = 5.0, **kwargs):
        super().__init__(**kwargs)
        self.log_scale_low = log_scale_low
        self.log_scale_high = log_scale_high

    def bound_log_scale(self, rho):
        """The bounded log sigma of raw `rho`."""
        low, high = self.log_scale_low, self.log_scale_high
        if abs(low) == abs(high):
            return abs(low) * ops.tanh(rho / (2 * abs(low)))
        t = ops.clip((rho - low) / (high - low), 0.0, 1.0)
        return low + (high - low) * (3 * t**2 - 2 * t**3)

    def call(self, inputs):
        loc, rho = ops.split(inputs, 2, axis=-1)
        return 5 * ops.tanh(loc / 10), ops.exp(self.bound_log_scale(rho)) + SCALE_FLOOR

    def compute_output_shape(self, input_shape):
        half = tuple(input_shape[:-1]) + (input_shape[-1] // 2,)
        return half, half

    def get_config(self):
        config = super().get_config()
        config.update(log_scale_low=self.log_scale_low, log_scale_high=self.log_scale_high)
        return config
