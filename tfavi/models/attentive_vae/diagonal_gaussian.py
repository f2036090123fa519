"""Log-density and analytic KL of diagonal Gaussians over latent feature maps.

Reference: Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022 (the
official `stat_tools/gaussian_diag.py`).
"""

import math

from keras import ops

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def log_prob(z, loc, scale):
    """log N(z; loc, scale^2) of every element, in float32."""
    z, loc, scale = _float32(z, loc, scale)
    return -0.5 * ops.square((z - loc) / scale) - ops.log(scale) - _HALF_LOG_2PI


def kl_divergence(q_loc, q_scale, p_loc, p_scale):
    """KL(N(q_loc, q_scale^2) || N(p_loc, p_scale^2)) of every element, in closed form, in
    float32 (a mixed-precision model's sums over a latent map lose nats in bfloat16)."""
    q_loc, q_scale, p_loc, p_scale = _float32(q_loc, q_scale, p_loc, p_scale)
    ratio = ops.square(q_scale / p_scale)
    return 0.5 * (ratio + ops.square((q_loc - p_loc) / p_scale) - 1.0 - ops.log(ratio))


def sum_per_example(values):
    """Sums `[B, H, W, C]` values over everything but the batch axis."""
    return ops.sum(values, axis=(1, 2, 3))


def _float32(*tensors):
    return [ops.cast(t, "float32") for t in tensors]
