"""Activation recomputation of the residual cells (`remat`; Chen et al., "Training Deep Nets
with Sublinear Memory Cost", 2016): the gradients and batch-norm statistics of the stored
forward pass, and nothing of it in the config or the saved model."""

import numpy as np
import pytest
import tensorflow as tf

from tests.harness import run_model_saving_test
from tests.models.attentive_vae.training_pass import (
    assert_same_training_pass,
    batch_norm_statistics,
)
from tfavi import zoo
from tfavi.training.run_directory import build_model

TINY = {
    # RGB, logistic mixture, attention, non-local blocks in every encoder and decoder cell.
    "attentive_vae_16": ["model.image_shape=(8, 8, 3)", "model.cell_nonlocal_key_dim=2"],
    # Binary, padded, Bernoulli, non-local blocks after the merges.
    "attentive_vae_mnist": ["model.image_shape=(4, 4, 1)"],
}


def _model(name):
    config = zoo.resolve_config(name, smoke=True, overrides=[*TINY[name], "remat=True"])
    model = build_model(config)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(4, *model.image_shape)) / 255.0
    return model, tf.constant(images.round() if model.binary_images else images, tf.float32)


def _training_step(model, images, remat):
    """The gradients of the training loss and the batch-norm statistics after one forward and
    backward pass (eager: tracing costs more; `tests/training/test_remat_training.py` runs the
    training step's graph), from the weights, statistics and noise state the model holds."""
    model.remat = remat
    with tf.GradientTape() as tape:
        per_example, _ = model.objective(images, training=True)
        loss = tf.reduce_mean(per_example) + tf.add_n(model.losses)
    gradients = tape.gradient(loss, model.trainable_variables)
    return [g.numpy() for g in gradients], batch_norm_statistics(model)


@pytest.mark.parametrize("name", sorted(TINY))
def test_recomputed_cells_give_the_stored_gradients_and_batch_norm_statistics(name):
    model, images = _model(name)
    assert model.remat
    start = [v.numpy() for v in model.variables]  # Weights, statistics and noise state.
    initial_statistics = batch_norm_statistics(model)
    recomputed, statistics = _training_step(model, images, remat=True)
    for variable, value in zip(model.variables, start, strict=True):
        variable.assign(value)
    stored = _training_step(model, images, remat=False)
    # Statistics updated once, as without recomputation (the backward pass reruns the norms).
    assert_same_training_pass(stored, (recomputed, statistics), initial_statistics)


def test_remat_is_outside_the_config_and_the_saved_model(tmp_path):
    model, images = _model("attentive_vae_mnist")
    plain = build_model(
        zoo.resolve_config("attentive_vae_mnist", smoke=True, overrides=TINY["attentive_vae_mnist"])
    )
    assert not plain.remat
    assert {**model.get_config(), "name": ""} == {**plain.get_config(), "name": ""}
    model(images, training=True)  # Moves the batch-norm statistics.
    restored = run_model_saving_test(
        model, lambda m: [m.reconstruct(images), m.sample(2, seed=1)], str(tmp_path)
    )
    assert not restored.remat
