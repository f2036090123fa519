"""Logit-normal observation model with a grid precision over the pixels (§5)."""

import numpy as np
import tensorflow as tf

from tfavi.distributions import MultivariateLogitNormal, structured_normal_from_conv


def _model(clip=1e-3):
    features = tf.constant(0.5 * np.random.default_rng(0).normal(size=[2, 3, 4, 4]))
    normal = structured_normal_from_conv(features, "extended_grid")
    return normal, MultivariateLogitNormal(normal, clip=clip)


def test_log_prob_is_normal_of_logits_plus_jacobian():
    normal, model = _model()
    x = tf.constant(np.random.default_rng(1).uniform(0.05, 0.95, [5, 2, 3, 4, 1]))
    jacobian = tf.reduce_sum(tf.math.log(x * (1.0 - x)), axis=[-3, -2, -1])
    expected = normal.log_prob(tf.math.log(x) - tf.math.log1p(-x)) - jacobian
    np.testing.assert_allclose(model.log_prob(x), expected, rtol=1e-10)


def test_samples_in_unit_interval_and_clipping():
    normal, model = _model(clip=0.01)
    x = model.sample(7, seed=(2, 3))
    assert x.shape == (7, 2, 3, 4, 1)
    assert np.all((x > 0) & (x < 1))
    edges = tf.constant(np.tile([0.0, 1.0], 6).reshape(1, 3, 4, 1))
    clipped = tf.clip_by_value(edges, 0.01, 0.99)
    np.testing.assert_allclose(model.log_prob(edges), model.log_prob(clipped))
    assert np.all(np.isfinite(model.log_prob(edges)))
