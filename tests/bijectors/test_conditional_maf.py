import numpy as np
import pytest
import tensorflow as tf

from tfavi.bijectors import ConditionalMAF


def _jacobian_pattern(layer, context):
    x = tf.constant(np.random.default_rng(0).normal(size=(3, 4)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = layer.bijector(context).forward(x)
    jacobian = tape.batch_jacobian(y, x, experimental_use_pfor=False).numpy()
    return np.any(jacobian != 0, axis=0)


@pytest.mark.parametrize("conditional", [False, True])
def test_one_flow_is_autoregressive_and_two_flows_mix_all_dimensions(conditional):
    context = tf.constant(np.ones((3, 2))) if conditional else None
    one = ConditionalMAF(4, num_flows=1, hidden_units=[8], activation="tanh", dtype="float64")
    np.testing.assert_array_equal(_jacobian_pattern(one, context), np.tri(4, dtype=bool))
    two = ConditionalMAF(4, num_flows=2, hidden_units=[8], activation="tanh", dtype="float64")
    assert np.all(_jacobian_pattern(two, context))
