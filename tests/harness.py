"""Shared checks for serializable tfavi objects (the keras-hub test-harness pattern) and a few
training steps of a zoo model's smoke variant."""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfavi import zoo
from tfavi.training.distributed_step import make_train_step
from tfavi.training.optimization import make_optimizer
from tfavi.training.run_directory import build_model
from tfavi.training.strategies import mirrored_strategy


def run_serialization_test(instance):
    """`get_config` -> `from_config` -> the same config JSON."""
    config = instance.get_config()
    revived = instance.__class__.from_config(dict(config))  # from_config may pop keys.
    assert json.dumps(revived.get_config(), sort_keys=True, default=str) == json.dumps(
        config, sort_keys=True, default=str
    )
    return revived


def run_model_saving_test(model, outputs_fn, directory):
    """Saves `model` as `.keras`, reloads it with no custom_objects, and checks that the list
    of arrays `outputs_fn(model)` is identical for both."""
    path = os.path.join(directory, "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert type(restored) is type(model)
    expected, actual = outputs_fn(model), outputs_fn(restored)
    assert len(expected) == len(actual)
    for e, a in zip(expected, actual, strict=True):
        np.testing.assert_array_equal(np.asarray(e), np.asarray(a))
    return restored


def mirrored_on_two_cpus():
    """A `MirroredStrategy` over the two logical CPUs (stand-ins for two GPUs)."""
    return mirrored_strategy(["/cpu:0", "/cpu:1"])


def train_smoke_steps(name, overrides=(), steps=3, strategy=None, images=None, batch=4):
    """Trains the smoke variant of zoo model `name` (with recipe `overrides`) on fixed random
    images, `steps` batches of `batch`, one `make_train_step` each (as the recipe's
    `grad_clip_norm`, `graph_optimization` and `jit_compile`); returns (model, optimizer,
    losses, skipped)."""
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(0)
    config = zoo.resolve_config(name, smoke=True, overrides=overrides)
    with strategy.scope():
        model = build_model(config)
        optimizer = make_optimizer(config, steps_per_epoch=10)
        optimizer.build(model.trainable_variables)
    step = make_train_step(
        model,
        optimizer,
        strategy,
        batch,
        config.grad_clip_norm,
        config.graph_optimization,
        grappler_passes=config.grappler_passes,
        jit_compile=config.jit_compile,
    )
    if images is None:
        rng = np.random.default_rng(1)
        images = rng.integers(0, 256, size=(steps * batch, *model.image_shape)) / 255.0
    dataset = tf.data.Dataset.from_tensor_slices(images.astype(np.float32)).batch(batch)
    results = [step(b) for b in strategy.experimental_distribute_dataset(dataset)]
    return model, optimizer, [float(x) for x, _ in results], [bool(s) for _, s in results]
