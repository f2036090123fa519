"""The training step under tf.distribute: mirrored == default, non-finite guard, clipping."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.harness import mirrored_on_two_cpus
from tfavi.models import GaussianMLPVAE
from tfavi.training.distributed_step import make_train_step
from tfavi.training.fused_optimizers import FusedAdam, FusedAdamax

GLOBAL_BATCH = 8


def _batches():
    rng = np.random.default_rng(0)
    return (rng.uniform(size=(3 * GLOBAL_BATCH, 6, 6, 1)) > 0.5).astype(np.float32)


def _train(
    strategy,
    images,
    clip_norm=0.0,
    learning_rate=1e-2,
    graph_optimization=True,
    optimizer_class=keras.optimizers.Adam,
):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = GaussianMLPVAE(image_shape=(6, 6, 1), latent_dim=2, hidden_units=16, seed=4)
        model(images[:1])
        optimizer = optimizer_class(learning_rate)
        optimizer.build(model.trainable_variables)
    step = make_train_step(model, optimizer, strategy, GLOBAL_BATCH, clip_norm, graph_optimization)
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(GLOBAL_BATCH)
    results = [step(batch) for batch in strategy.experimental_distribute_dataset(dataset)]
    losses = [float(loss) for loss, _ in results]
    skipped = [bool(s) for _, s in results]
    return model, losses, skipped


@pytest.mark.parametrize("clip_norm", [0.0, 5.0])
def test_mirrored_on_two_devices_matches_the_default_strategy(clip_norm):
    images = _batches()
    default_model, default_losses, _ = _train(tf.distribute.get_strategy(), images, clip_norm)
    mirrored_model, mirrored_losses, _ = _train(mirrored_on_two_cpus(), images, clip_norm)
    np.testing.assert_allclose(mirrored_losses, default_losses, rtol=1e-5)
    for a, b in zip(default_model.trainable_weights, mirrored_model.trainable_weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
    assert default_losses[-1] != default_losses[0]
    assert default_model.metrics[0].result() > 0


@pytest.mark.parametrize("fused_class", [FusedAdam, FusedAdamax])
def test_fused_optimizers_on_two_devices_match_keras_on_one(fused_class):
    images = _batches()
    keras_class = getattr(keras.optimizers, fused_class.__name__.removeprefix("Fused"))
    expected_model, expected, _ = _train(
        tf.distribute.get_strategy(), images, optimizer_class=keras_class
    )
    fused_model, fused, _ = _train(mirrored_on_two_cpus(), images, optimizer_class=fused_class)
    np.testing.assert_allclose(fused, expected, rtol=1e-5)
    for a, b in zip(expected_model.trainable_weights, fused_model.trainable_weights, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-4, atol=1e-5)
        for replica in b.value.values:
            np.testing.assert_array_equal(replica.numpy(), b.value.values[0].numpy())


def test_the_step_without_grappler_trains_alike_and_leaves_other_functions_optimised():
    images = _batches()
    optimised_model, optimised, _ = _train(tf.distribute.get_strategy(), images)
    plain_model, plain, _ = _train(tf.distribute.get_strategy(), images, graph_optimization=False)
    np.testing.assert_allclose(plain, optimised, rtol=1e-6)
    for a, b in zip(optimised_model.weights, plain_model.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7)
    assert not tf.config.optimizer.get_experimental_options()["disable_meta_optimizer"]


def test_clipping_changes_the_update():
    images = _batches()
    _, unclipped, _ = _train(tf.distribute.get_strategy(), images, 0.0)
    _, clipped, _ = _train(tf.distribute.get_strategy(), images, 1e-3)
    assert unclipped[0] == clipped[0] and unclipped[-1] != pytest.approx(clipped[-1], rel=1e-6)


@pytest.mark.parametrize("strategy_fn", [tf.distribute.get_strategy, mirrored_on_two_cpus])
def test_non_finite_updates_are_skipped_everywhere(strategy_fn):
    images = _batches()
    images[GLOBAL_BATCH + 1] = np.nan  # The second batch, on the first replica only.
    strategy = strategy_fn()
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = GaussianMLPVAE(image_shape=(6, 6, 1), latent_dim=2, hidden_units=16)
        model(images[:1])
        optimizer = keras.optimizers.Adam(1e-2)
        optimizer.build(model.trainable_variables)
    step = make_train_step(model, optimizer, strategy, GLOBAL_BATCH)
    batches = iter(
        strategy.experimental_distribute_dataset(
            tf.data.Dataset.from_tensor_slices(images).batch(GLOBAL_BATCH)
        )
    )
    assert not bool(step(next(batches))[1])
    before = [w.numpy().copy() for w in model.trainable_weights]
    count_before = (
        float(model.metrics[0].count.numpy()) if hasattr(model.metrics[0], "count") else None
    )
    assert bool(step(next(batches))[1])
    for w, b in zip(model.trainable_weights, before, strict=True):
        np.testing.assert_array_equal(w.numpy(), b)
    # One step counter: a skipped update advances it too, so the schedule follows the loop.
    assert int(optimizer.iterations.numpy()) == 2
    assert np.isfinite(float(model.metrics[0].result()))
    if count_before is not None:
        assert float(model.metrics[0].count.numpy()) == count_before
    assert not bool(step(next(batches))[1])
    assert int(optimizer.iterations.numpy()) == 3
