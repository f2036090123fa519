"""Weight penalties in closed form: the loss and gradients of Keras' taped `model.losses`."""

import keras
import numpy as np
import tensorflow as tf

from tests.harness import mirrored_on_two_cpus
from tfavi.models import GaussianMLPVAE
from tfavi.training.distributed_step import make_train_step
from tfavi.training.weight_penalty import WeightPenalty


class _AddsLoss(keras.layers.Layer):
    def call(self, x):
        self.add_loss(0.3 * keras.ops.mean(x**2))
        return x


def _regularized_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.layers.Dense(5, kernel_regularizer=keras.regularizers.L2(0.01)),
            _AddsLoss(),
            keras.layers.Dense(
                3,
                kernel_regularizer=keras.regularizers.L1(0.02),
                bias_regularizer=keras.regularizers.L2(0.003),
                bias_initializer="ones",
            ),
        ]
    )
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    model(x)
    return model, x


def test_closed_form_gives_the_taped_loss_and_gradients():
    model, x = _regularized_model()
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x) ** 2) + tf.add_n(model.losses)
    expected = tape.gradient(loss, variables)

    penalty = WeightPenalty(model, variables)
    with tf.GradientTape() as tape:
        objective = tf.reduce_sum(model(x) ** 2)
        taped = penalty.taped_terms()
        partial = objective + tf.add_n(taped)
    l2, gradients = penalty.add_l2(tape.gradient(partial, variables))
    assert len(taped) == 2  # The L1 kernel and the added loss; the two L2 terms in closed form.
    np.testing.assert_allclose(partial + l2, loss, rtol=1e-6)
    for a, b in zip(expected, gradients, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


def _penalized_model(strategy, images):
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = GaussianMLPVAE(image_shape=(6, 6, 1), latent_dim=2, hidden_units=16, seed=4)
        model(images[:1])
        for variable in model.trainable_variables:
            variable.regularizer = keras.regularizers.L2(0.05)
        optimizer = keras.optimizers.SGD(0.1)
        optimizer.build(model.trainable_variables)
    return model, optimizer


def _step(strategy, model, optimizer, images):
    """One training step: (loss, weights after)."""
    step = make_train_step(model, optimizer, strategy, global_batch_size=len(images))
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(len(images))
    loss, skipped = step(next(iter(strategy.experimental_distribute_dataset(dataset))))
    assert not bool(skipped)
    return float(loss), [v.numpy() for v in model.trainable_variables]


def _images():
    return (np.random.default_rng(1).uniform(size=(8, 6, 6, 1)) > 0.5).astype("float32")


def test_the_step_applies_the_taped_gradient_of_the_penalized_loss():
    images = _images()
    model, optimizer = _penalized_model(tf.distribute.get_strategy(), images)
    before = [v.numpy().copy() for v in model.trainable_variables]
    seed_state = [v.numpy().copy() for v in model.non_trainable_variables]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model.objective(images, training=True)[0]) + tf.add_n(model.losses)
    expected = tape.gradient(loss, model.trainable_variables)
    for variable, value in zip(model.non_trainable_variables, seed_state, strict=True):
        variable.assign(value)  # The step draws the reference's noise.
    step_loss, after = _step(tf.distribute.get_strategy(), model, optimizer, images)
    assert float(tf.add_n(model.losses)) > 0.01 * abs(float(loss))
    np.testing.assert_allclose(step_loss, float(loss), rtol=1e-5)
    for a, b, g in zip(after, before, expected, strict=True):
        np.testing.assert_allclose(a, b - 0.1 * g.numpy(), rtol=1e-4, atol=1e-6)


def test_the_penalized_step_on_two_devices_matches_one():
    images = _images()
    results = []
    for strategy in (tf.distribute.get_strategy(), mirrored_on_two_cpus()):
        model, optimizer = _penalized_model(strategy, images)
        results.append(_step(strategy, model, optimizer, images))
    (one_loss, one), (two_loss, two) = results
    np.testing.assert_allclose(two_loss, one_loss, rtol=1e-5)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
