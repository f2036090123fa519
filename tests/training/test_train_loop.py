"""The N-step training loop, XLA, the weight average and the one step counter."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.harness import mirrored_on_two_cpus
from tfavi.models import GaussianMLPVAE
from tfavi.training.distributed_step import make_train_loop_fn, make_train_step
from tfavi.training.fused_optimizers import FusedAdamax
from tfavi.training.weight_average import WeightAverage

BATCH = 8


def _images(batches=4, nan_batches=()):
    rng = np.random.default_rng(0)
    images = (rng.uniform(size=(batches * BATCH, 6, 6, 1)) > 0.5).astype(np.float32)
    for b in nan_batches:
        images[b * BATCH] = np.nan
    return images


def _setup(strategy, learning_rate=1e-2, ema_decay=None):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = GaussianMLPVAE(image_shape=(6, 6, 1), latent_dim=2, hidden_units=16, seed=4)
        model(tf.zeros([1, 6, 6, 1]))
        optimizer = FusedAdamax(learning_rate)
        optimizer.build(model.trainable_variables)
        average = None if ema_decay is None else WeightAverage(model.trainable_variables, ema_decay)
    return model, optimizer, average


def _iterator(strategy, images):
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(BATCH)
    return iter(strategy.experimental_distribute_dataset(dataset))


def _per_step(images, **step_options):
    strategy = tf.distribute.get_strategy()
    model, optimizer, _ = _setup(strategy)
    step = make_train_step(model, optimizer, strategy, BATCH, **step_options)
    results = [step(b) for b in _iterator(strategy, images)]
    return model, [float(loss) for loss, _ in results], [bool(s) for _, s in results]


@pytest.mark.parametrize("strategy_fn", [tf.distribute.get_strategy, mirrored_on_two_cpus])
def test_a_loop_of_n_steps_trains_like_n_single_steps(strategy_fn):
    images = _images(batches=5, nan_batches=[1])
    expected_model, losses, skipped = _per_step(images)
    strategy = strategy_fn()
    model, optimizer, _ = _setup(strategy)
    loop = make_train_loop_fn(model, optimizer, strategy, BATCH, steps_per_loop=3)
    iterator = _iterator(strategy, images)
    first, rest = loop(iterator), loop(iterator, num_steps=2)
    assert skipped == [False, True, False, False, False]
    assert (first["steps"], first["skipped"], rest["skipped"]) == (3, 1, 0)
    np.testing.assert_allclose(first["loss"], np.mean([losses[0], losses[2]]), rtol=1e-5)
    np.testing.assert_allclose(rest["loss"], np.mean(losses[3:]), rtol=1e-5)
    for a, b in zip(expected_model.trainable_weights, model.trainable_weights, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-4, atol=1e-6)
    assert int(optimizer.iterations.numpy()) == 5


def test_the_loop_counts_consecutive_skips_across_calls():
    strategy = tf.distribute.get_strategy()
    model, optimizer, _ = _setup(strategy)
    loop = make_train_loop_fn(model, optimizer, strategy, BATCH, steps_per_loop=2)
    iterator = _iterator(strategy, _images(batches=6, nan_batches=[1, 2, 3]))
    results = [loop(iterator) for _ in range(3)]
    assert [r["skipped"] for r in results] == [1, 2, 0]
    assert [r["consecutive_skips"] for r in results] == [1, 3, 0]
    assert [r["max_consecutive_skips"] for r in results] == [1, 3, 3]
    with pytest.raises(ValueError, match="steps_per_loop"):
        make_train_loop_fn(model, optimizer, strategy, BATCH, steps_per_loop=0)


def test_skipped_updates_keep_the_schedule_on_the_loop_step():
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([1], [1e-2, 0.0])
    strategy = tf.distribute.get_strategy()
    model, optimizer, _ = _setup(strategy, learning_rate=schedule)
    step = make_train_step(model, optimizer, strategy, BATCH)
    batches = iter(_iterator(strategy, _images(batches=4, nan_batches=[0, 1])))
    assert bool(step(next(batches))[1]) and bool(step(next(batches))[1])
    before = [w.numpy() for w in model.trainable_weights]
    # Steps 3 and 4 of the loop run at the schedule's steps 3 and 4: learning rate 0.
    assert not bool(step(next(batches))[1])
    for w, b in zip(model.trainable_weights, before, strict=True):
        np.testing.assert_array_equal(w.numpy(), b)
    assert int(optimizer.iterations.numpy()) == 3


class _Autoencoder(keras.Model):
    """A deterministic stand-in for a VAE (XLA draws other noise from the same seeds)."""

    def __init__(self):
        super().__init__()
        self.encoder = keras.layers.Dense(3, activation="tanh")
        self.decoder = keras.layers.Dense(36)

    def objective(self, images, training):
        flat = tf.reshape(images, [-1, 36])
        error = tf.reduce_sum(tf.square(self.decoder(self.encoder(flat)) - flat), -1)
        return error, {}

    def update_metrics(self, outputs):
        pass


def _train_autoencoder(images, **step_options):
    keras.utils.set_random_seed(0)
    model = _Autoencoder()
    model.objective(images[:1], training=True)
    optimizer = FusedAdamax(1e-2)
    strategy = tf.distribute.get_strategy()
    step = make_train_step(model, optimizer, strategy, BATCH, **step_options)
    losses = [float(step(b)[0]) for b in _iterator(strategy, images)]
    return model, losses


def test_xla_compiled_steps_train_like_the_graph():
    images = _images(batches=3)
    expected_model, expected = _train_autoencoder(images)
    model, losses = _train_autoencoder(images, jit_compile=True)
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    for a, b in zip(expected_model.trainable_weights, model.trainable_weights, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-4, atol=1e-6)
    # A VAE compiles too; its losses agree up to the other noise.
    _, vae_expected, _ = _per_step(images)
    _, vae_losses, _ = _per_step(images, jit_compile=True)
    np.testing.assert_allclose(vae_losses, vae_expected, rtol=0.05)


@pytest.mark.parametrize("strategy_fn", [tf.distribute.get_strategy, mirrored_on_two_cpus])
def test_the_weight_average_is_numpy_s_moving_average_of_applied_updates(strategy_fn):
    decay, strategy = 0.7, strategy_fn()
    model, optimizer, average = _setup(strategy, ema_decay=decay)
    step = make_train_step(model, optimizer, strategy, BATCH, weight_average=average)
    expected = [w.numpy() for w in model.trainable_weights]
    for batch in _iterator(strategy, _images(batches=4, nan_batches=[2])):
        skipped = bool(step(batch)[1])
        if not skipped:
            weights = [w.numpy() for w in model.trainable_weights]
            expected = [decay * e + (1 - decay) * w for e, w in zip(expected, weights, strict=True)]
    weights = [w.numpy() for w in model.trainable_weights]
    for a, e in zip(average.averages, expected, strict=True):
        np.testing.assert_allclose(a.numpy(), e, rtol=1e-5, atol=1e-6)
    with average.swapped_in():
        for w, e in zip(model.trainable_weights, expected, strict=True):
            np.testing.assert_allclose(w.numpy(), e, rtol=1e-5, atol=1e-6)
    for w, before in zip(model.trainable_weights, weights, strict=True):
        np.testing.assert_array_equal(w.numpy(), before)


def test_the_weight_average_restores_from_a_checkpoint(tmp_path):
    strategy = tf.distribute.get_strategy()
    model, _, average = _setup(strategy, ema_decay=0.5)
    average.update()
    for w in model.trainable_weights:
        w.assign(w + 1.0)
    average.update()
    path = tf.train.Checkpoint(average=average).save(str(tmp_path / "c"))
    saved = [a.numpy() for a in average.averages]
    _, _, fresh = _setup(strategy, ema_decay=0.5)
    tf.train.Checkpoint(average=fresh).restore(path).assert_consumed()
    for a, s in zip(fresh.averages, saved, strict=True):
        np.testing.assert_array_equal(a.numpy(), s)
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(model.trainable_variables, 1.0)
