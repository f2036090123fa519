import numpy as np
import pytest
import tensorflow as tf

from tfavi.bijectors import ConditionalSplineCoupling


def _layer(num_couplings):
    return ConditionalSplineCoupling(
        5, num_couplings=num_couplings, num_bins=4, bound=2.0, hidden_units=[8], dtype="float64"
    )


def test_a_coupling_keeps_the_first_half_and_is_identity_outside_the_bound():
    context = tf.constant(np.random.default_rng(0).normal(size=(6, 3)))
    rng = np.random.default_rng(1)
    x = rng.uniform(-1.9, 1.9, size=(6, 5))
    x[:3, 2:] = rng.choice([-1.0, 1.0], size=(3, 3)) * rng.uniform(2.1, 4.0, size=(3, 3))
    y = _layer(num_couplings=1).bijector(context).forward(x).numpy()
    np.testing.assert_array_equal(y[:, :2], x[:, :2])
    np.testing.assert_allclose(y[:3, 2:], x[:3, 2:], rtol=1e-12)
    assert np.all(np.abs(y[3:, 2:] - x[3:, 2:]) > 1e-6)


def test_two_couplings_transform_every_dimension():
    x = np.random.default_rng(2).normal(size=(6, 5))
    y = _layer(num_couplings=2).bijector(None).forward(x).numpy()
    assert np.all(np.abs(y - x) > 1e-6)


def test_event_size_one_is_rejected():
    with pytest.raises(ValueError, match="event_size"):
        ConditionalSplineCoupling(1)
