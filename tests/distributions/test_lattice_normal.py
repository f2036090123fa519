"""Conv-shaped structured posteriors: event [H, W, C], one lattice GGM per channel."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.distributions import (
    chain_normal_from_raw,
    extended_grid_normal_from_raw,
    grid_normal_from_raw,
    structured_normal_from_conv,
)
from tfavi.distributions.structured_normal_from_conv import PARAMETER_MAPS

tfd = tfp.distributions
B, H, W, CH = 2, 3, 4, 2


def _features(structure, rng):
    return tf.constant(0.5 * rng.normal(size=[B, H, W, PARAMETER_MAPS[structure] * CH]))


def _channel_reference(structure, features, channel):
    """The flat distribution of one channel, built by hand from the documented map layout."""
    maps = [m[..., channel] for m in tf.split(features, PARAMETER_MAPS[structure], axis=-1)]
    if structure == "chain":
        loc, raw_diag, raw_sub = (tf.reshape(m, [B, H * W]) for m in maps)
        return chain_normal_from_raw(loc, raw_diag, raw_sub[:, 1:])
    loc, raw_diag, horizontal, vertical = maps
    factory = (
        extended_grid_normal_from_raw if structure == "extended_grid" else grid_normal_from_raw
    )
    return factory(loc, raw_diag, horizontal[:, :, 1:], vertical[:, 1:, :])


@pytest.mark.parametrize("structure", ["chain", "extended_grid", "grid"])
def test_matches_per_channel_distributions(structure):
    rng = np.random.default_rng(0)
    features = _features(structure, rng)
    q = structured_normal_from_conv(features, structure)
    assert q.batch_shape == (B,) and q.event_shape == (H, W, CH)
    z = q.sample(3, seed=(1, 2))
    assert z.shape == (3, B, H, W, CH)
    prior = tfd.Independent(
        tfd.Normal(rng.normal(size=[B, H, W, CH]), rng.uniform(0.5, 2.0, [B, H, W, CH])), 3
    )
    channels = [_channel_reference(structure, features, k) for k in range(CH)]
    expected_log_prob = sum(
        c.log_prob(tf.reshape(z[..., k], [3, B, H * W])) for k, c in enumerate(channels)
    )
    expected_kl = sum(
        tfd.kl_divergence(
            c,
            tfd.MultivariateNormalDiag(
                tf.reshape(prior.mean()[..., k], [B, -1]),
                tf.reshape(prior.stddev()[..., k], [B, -1]),
            ),
        )
        for k, c in enumerate(channels)
    )
    np.testing.assert_allclose(q.log_prob(z), expected_log_prob, rtol=1e-10)
    np.testing.assert_allclose(q.entropy(), sum(c.entropy() for c in channels), rtol=1e-10)
    np.testing.assert_allclose(tfd.kl_divergence(q, prior), expected_kl, rtol=1e-10)
    for k, c in enumerate(channels):
        np.testing.assert_allclose(q.mean()[..., k], tf.reshape(c.mean(), [B, H, W]))
        np.testing.assert_allclose(q.variance()[..., k], tf.reshape(c.variance(), [B, H, W]))


def test_rejects_unknown_structure():
    with pytest.raises(ValueError, match="structure"):
        structured_normal_from_conv(tf.zeros([1, 2, 2, 4]), "diagonal")
