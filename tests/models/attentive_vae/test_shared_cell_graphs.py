"""Residual cells traced once per configuration (`shared_cell_graphs`): the gradients and
batch-norm statistics of separately traced cells, with and without `remat`."""

import numpy as np
import pytest
import tensorflow as tf

from tests.models.attentive_vae.training_pass import (
    assert_same_training_pass,
    batch_norm_statistics,
)
from tfavi import zoo
from tfavi.training.run_directory import build_model

# RGB, logistic mixture, attention, non-local blocks in every encoder and decoder cell; three
# encoder and two decoder cells of one configuration.
TINY = [
    "model.image_shape=(8, 8, 3)",
    "model.cell_nonlocal_key_dim=2",
    "model.num_layers=3",
    "shared_cell_graphs=False",  # On in the recipe: the test turns it on.
]


def _model_and_images():
    config = zoo.resolve_config("attentive_vae_16", smoke=True, overrides=TINY)
    model = build_model(config)
    images = np.random.default_rng(0).integers(0, 256, size=(4, *model.image_shape)) / 255.0
    return model, tf.constant(images, tf.float32)


def _training_step(model, images, start):
    """Loss, gradients and batch-norm statistics of one traced (freshly: the cells' setting
    is read at tracing) forward and backward pass from the weights, statistics and noise
    state `start`."""
    for variable, value in zip(model.variables, start, strict=True):
        variable.assign(value)

    @tf.function
    def loss_and_gradients():
        with tf.GradientTape() as tape:
            per_example, _ = model.objective(images, training=True)
            loss = tf.reduce_mean(per_example) + tf.add_n(model.losses)
        return loss, tape.gradient(loss, model.trainable_variables)

    loss, gradients = loss_and_gradients()
    return float(loss), [g.numpy() for g in gradients], batch_norm_statistics(model)


@pytest.mark.parametrize("remat", [False, True])
def test_shared_cells_give_the_gradients_and_statistics_of_separate_cells(remat):
    model, images = _model_and_images()
    start, initial_statistics = [v.numpy() for v in model.variables], batch_norm_statistics(model)
    expected_loss, expected, expected_statistics = _training_step(model, images, start)
    model.shared_cell_graphs, model.remat = True, remat
    loss, gradients, statistics = _training_step(model, images, start)
    shared = model._residual_cells[0].shared_graphs
    assert model.shared_cell_graphs and 0 < shared.num_functions < len(model._residual_cells)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-6)
    assert_same_training_pass(
        (expected, expected_statistics), (gradients, statistics), initial_statistics
    )
