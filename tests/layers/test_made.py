import numpy as np
import pytest
import tensorflow as tf

from tfavi.layers.made import MADE
from tfavi.layers.masked_dense import MaskedDense


def _jacobian(layer_fn, argument):
    argument = tf.constant(argument)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(argument)
        outputs = layer_fn(argument)
    return tape.batch_jacobian(outputs, argument, experimental_use_pfor=False).numpy()


@pytest.mark.parametrize("strict", [False, True])
def test_masked_dense_connects_units_by_degree(strict):
    layer = MaskedDense([1, 2, 3], [1, 2, 3, 1], strict=strict, dtype="float64")
    x = np.random.default_rng(0).normal(size=(2, 3))
    connected = np.any(_jacobian(layer, x) != 0, axis=0)
    inputs, outputs = np.array([1, 2, 3]), np.array([1, 2, 3, 1])[:, None]
    np.testing.assert_array_equal(connected, outputs > inputs if strict else outputs >= inputs)


@pytest.mark.parametrize("event_size", [1, 4])
@pytest.mark.parametrize("hidden_units", [[], [6, 6]])
@pytest.mark.parametrize("conditional", [False, True])
def test_made_is_autoregressive_and_context_reaches_every_output(
    event_size, hidden_units, conditional
):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, event_size))
    context = tf.constant(rng.normal(size=(3, 2))) if conditional else None
    made = MADE(num_params=2, hidden_units=hidden_units, activation="tanh", dtype="float64")
    jacobian = _jacobian(lambda inputs: made(inputs, context), x)
    assert jacobian.shape == (3, event_size, 2, event_size)
    connected = np.any(jacobian != 0, axis=(0, 2))
    np.testing.assert_array_equal(connected, np.tri(event_size, k=-1, dtype=bool))
    if conditional:
        jacobian = _jacobian(lambda context: made(tf.constant(x), context), context.numpy())
        assert np.all(np.any(jacobian != 0, axis=(0, 3)))


def test_made_broadcasts_context_over_sample_dimensions():
    rng = np.random.default_rng(2)
    x, context = rng.normal(size=(5, 3, 4)), rng.normal(size=(3, 2))
    made = MADE(num_params=3, hidden_units=[8], dtype="float64")
    outputs = made(x, context).numpy()
    assert outputs.shape == (5, 3, 4, 3)
    np.testing.assert_allclose(outputs[2], made(x[2], context).numpy(), rtol=1e-12)


def test_made_requires_the_context_it_was_built_with():
    made = MADE(hidden_units=[4])
    made(np.zeros((2, 3), np.float32), np.zeros((2, 1), np.float32))
    with pytest.raises(ValueError, match="context"):
        made(np.zeros((2, 3), np.float32))
