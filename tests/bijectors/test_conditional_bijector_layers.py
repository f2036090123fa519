"""Mathematical checks shared by every Keras layer that builds a bijector from a context."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tests.bijectors.bijector_checks import (
    assert_bijector_consistent,
    assert_gradients_reach,
    assert_same_in_tf_function,
    assert_samples_match_log_prob,
)
from tfavi.bijectors import ConditionalMAF, ConditionalRankOneAffine, ConditionalSplineCoupling

tfd = tfp.distributions

# tanh keeps the MAF's scales bounded at initialization, so samples stay on the test's grid.
_OPTIONS = dict(hidden_units=[8], activation="tanh", dtype="float64")
LAYERS = {
    "affine": lambda size: ConditionalRankOneAffine(size, **_OPTIONS),
    "maf": lambda size: ConditionalMAF(size, num_flows=2, **_OPTIONS),
    "spline": lambda size: ConditionalSplineCoupling(size, num_couplings=2, num_bins=4, **_OPTIONS),
}
CONTEXT_SIZE = 2


def _data(batch_size, event_size, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch_size, event_size))
    context = tf.constant(0.5 * rng.normal(size=(batch_size, CONTEXT_SIZE)))
    return x, context


@pytest.mark.parametrize("conditional", [True, False])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_inverse_log_det_and_autodiff_jacobian_agree(name, conditional):
    x, context = _data(batch_size=4, event_size=3)
    layer = LAYERS[name](3)
    assert_bijector_consistent(layer.bijector(context if conditional else None), x)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_tf_function_matches_eager(name):
    x, context = _data(batch_size=4, event_size=3, seed=1)
    layer = LAYERS[name](3)
    assert_same_in_tf_function(lambda: layer.bijector(context), x)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_samples_of_transformed_normal_agree_with_log_prob(name):
    layer = LAYERS[name](2)
    context = tf.constant([[0.3, -0.4]], tf.float64)
    assert_samples_match_log_prob(layer.bijector(context))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_gradients_reach_every_weight_and_the_context(name):
    x, context = _data(batch_size=8, event_size=3, seed=2)
    context = tf.Variable(context)
    layer = LAYERS[name](3)
    base = tfd.MultivariateNormalDiag(loc=tf.zeros(3, tf.float64))

    def loss():
        flow = tfd.TransformedDistribution(base, layer.bijector(context))
        return -tf.reduce_sum(flow.log_prob(x))

    layer.bijector(context)
    assert_gradients_reach(loss, [*layer.trainable_variables, context])


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_call_is_the_forward_map_and_depends_on_the_context(name):
    x, context = _data(batch_size=4, event_size=3, seed=3)
    layer = LAYERS[name](3)
    y = layer(x, context).numpy()
    np.testing.assert_allclose(y, layer.bijector(context).forward(x).numpy(), rtol=1e-12)
    assert not np.allclose(y, layer(x, context + 1.0).numpy())
