"""SeRe-MAF: the MAF data convention, normalisation, sampling, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.harness import run_model_saving_test, run_serialization_test
from tests.models.maf.test_maf import images_of_counts, move_away_from_initialisation
from tests.models.self_reflective.test_sere_vae import loss_after_one_step_is_lower
from tfavi.models import SelfReflectiveMAF

TINY = dict(
    image_shape=(2, 2, 3),
    num_layers=2,
    latent_dim=2,
    num_flows=2,
    made_units=8,
    hidden_units=8,
    num_hidden_layers=1,
    num_couplings=2,
    num_bins=4,
)


def test_data_layer_density_integrates_to_one():
    """A 2-d data layer (MAF on the unit-rank Gaussian base) is a normalised density."""
    keras.utils.set_random_seed(0)
    model = SelfReflectiveMAF(
        **dict(TINY, image_shape=(1, 1, 2), num_layers=1, made_units=16), seed=3
    )
    model.build((None, 1, 1, 2))
    move_away_from_initialisation(model)
    distribution = model.data_distribution(0, tf.constant([[0.5, -1.0]]), None)
    grid = np.linspace(-15, 15, 601, dtype=np.float32)
    points = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    mass = np.exp(distribution.log_prob(points).numpy()).sum() * (grid[1] - grid[0]) ** 2
    np.testing.assert_allclose(mass, 1.0, atol=0.01)


def test_shapes_and_sampling():
    model = SelfReflectiveMAF(**TINY)
    outputs = model(images_of_counts())
    assert outputs["recon_log_prob"].shape == (4,)
    assert outputs["kl"].shape == (4, 2)
    model.update_metrics(outputs)
    assert np.isfinite(model.metrics[0].result())
    samples = model.sample(3, temperature=0.9, seed=5).numpy()
    assert samples.shape == (3, 2, 2, 3) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, model.sample(3, temperature=0.9, seed=5))
    assert model.reconstruct(images_of_counts()).shape == (4, 2, 2, 3)
    assert [e.shape for e in model.encode(images_of_counts())] == [(4, 2)] * 2
    bound = model.log_likelihood(images_of_counts(2), num_importance_samples=4, chunk_size=2)
    assert bound.shape == (2,) and np.all(np.isfinite(bound))


def test_zero_layers_is_an_error_naming_the_plain_maf():
    with pytest.raises(ValueError, match="tfavi.models.MAF"):
        SelfReflectiveMAF(**dict(TINY, num_layers=0))


def test_config_round_trip():
    revived = run_serialization_test(SelfReflectiveMAF(**TINY, logit_alpha=1e-6, seed=2))
    assert revived.logit_alpha == 1e-6 and revived.num_layers == 2 and revived.seed == 2


def test_keras_reload_gives_identical_outputs(tmp_path):
    model = SelfReflectiveMAF(**TINY)
    x = images_of_counts()
    model(x)
    move_away_from_initialisation(model)

    def outputs(m):
        return [m.reconstruct(x), m.sample(2, seed=3), *m.encode(x)]

    run_model_saving_test(model, outputs, str(tmp_path))


def test_one_training_step_lowers_the_loss():
    assert loss_after_one_step_is_lower(SelfReflectiveMAF(**TINY, seed=1), images_of_counts(16))
