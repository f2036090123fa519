"""Residual cells traced once per configuration (`shared_cell_graphs`): the gradients and
batch-norm statistics of separately traced cells, with and without `remat`."""

import numpy as np
import pytest

from tests.models.attentive_vae.training_pass import (
    assert_same_training_pass,
    batch_norm_statistics,
    model_and_images,
    training_pass,
)


@pytest.mark.parametrize("remat", [False, True])
def test_shared_cells_give_the_gradients_and_statistics_of_separate_cells(remat):
    model, images = model_and_images()
    start, initial_statistics = [v.numpy() for v in model.variables], batch_norm_statistics(model)
    expected_loss, expected, expected_statistics = training_pass(model, images, start)
    model.shared_cell_graphs, model.remat = True, remat
    loss, gradients, statistics = training_pass(model, images, start)
    shared = model._residual_cells[0].shared_graphs
    assert model.shared_cell_graphs and 0 < shared.num_functions < len(model._residual_cells)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-6)
    assert_same_training_pass(
        (expected, expected_statistics), (gradients, statistics), initial_statistics
    )
