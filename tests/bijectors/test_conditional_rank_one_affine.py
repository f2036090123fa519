import numpy as np
import tensorflow as tf

from tfavi.bijectors import ConditionalRankOneAffine, RankOneAffine


def test_context_sets_one_affine_map_per_example():
    layer = ConditionalRankOneAffine(4, hidden_units=[8], min_scale=0.1, dtype="float64")
    context = tf.constant(np.random.default_rng(0).normal(size=(5, 3)) * 100.0)
    bijector = layer.bijector(context)
    assert isinstance(bijector, RankOneAffine)
    for parameter in (bijector.shift, bijector.scale_diag, bijector.scale_factor):
        assert parameter.shape == (5, 4)
    assert np.all(bijector.scale_diag.numpy() >= 0.1)
    assert np.min(bijector.scale_diag.numpy()) < 0.11, "the test should reach the floor"


def test_without_context_the_parameters_are_free_weights():
    layer = ConditionalRankOneAffine(4, dtype="float64")
    bijector = layer.bijector()
    assert [variable.shape for variable in layer.trainable_variables] == [(12,)]
    assert bijector.shift.shape == (4,)
    x = np.random.default_rng(1).normal(size=(7, 4))
    assert layer(x).shape == (7, 4)
