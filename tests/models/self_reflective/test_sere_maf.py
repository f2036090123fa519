"""SeRe-MAF and the plain MAF: the MAF data convention, normalisation, sampling, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.harness import run_model_saving_test, run_serialization_test
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
VARIANTS = [dict(), dict(num_layers=0, num_flows=3)]


def _move_away_from_initialisation(model):
    """Perturbs every weight, so that zero-initialised outputs do not hide any network."""
    rng = np.random.default_rng(0)
    for weight in model.trainable_weights:
        weight.assign(weight + 0.2 * rng.normal(size=weight.shape))


def _images(batch=4, seed=0, shape=(2, 2, 3)):
    counts = np.random.default_rng(seed).integers(0, 256, size=(batch, *shape))
    return (counts / 255.0).astype(np.float32)


def test_logit_space_follows_the_maf_convention():
    model = SelfReflectiveMAF(**TINY, logit_alpha=0.05)
    x = _images(2)
    noise = np.random.default_rng(1).uniform(size=(2, 12)).astype(np.float32)
    squeezed = 0.05 + 0.9 * (np.round(x.reshape(2, 12) * 255) + noise) / 256
    np.testing.assert_allclose(
        model.to_logit_space(x, noise), np.log(squeezed / (1 - squeezed)), rtol=1e-5
    )


@pytest.mark.parametrize("num_layers", [0, 1])
def test_data_layer_density_integrates_to_one(num_layers):
    """A 2-d data layer (MAF on the unit-rank Gaussian base) is a normalised density."""
    keras.utils.set_random_seed(0)
    model = SelfReflectiveMAF(
        **dict(TINY, image_shape=(1, 1, 2), num_layers=num_layers, made_units=16), seed=3
    )
    model.build((None, 1, 1, 2))
    _move_away_from_initialisation(model)
    z = tf.constant([[0.5, -1.0]])
    distribution = model.data_distribution(0, z if num_layers else None, None)
    grid = np.linspace(-15, 15, 601, dtype=np.float32)
    points = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    mass = np.exp(distribution.log_prob(points).numpy()).sum() * (grid[1] - grid[0]) ** 2
    np.testing.assert_allclose(mass, 1.0, atol=0.01)


@pytest.mark.parametrize("variant", VARIANTS)
def test_shapes_sampling_and_zero_layer_contract(variant):
    model = SelfReflectiveMAF(**dict(TINY, **variant))
    layers = model.num_latent_layers
    outputs = model(_images())
    assert outputs["recon_log_prob"].shape == (4,)
    assert outputs["kl"].shape == (4, layers)
    if layers == 0:
        np.testing.assert_array_equal(outputs["log_weight"], outputs["recon_log_prob"])
    model.update_metrics(outputs)  # The base class's trackers accept zero latent layers.
    assert np.isfinite(model.metrics[0].result())
    samples = model.sample(3, temperature=0.9, seed=5).numpy()
    assert samples.shape == (3, 2, 2, 3) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, model.sample(3, temperature=0.9, seed=5))
    assert model.reconstruct(_images()).shape == (4, 2, 2, 3)
    assert [e.shape for e in model.encode(_images())] == [(4, 2)] * layers
    if not variant:  # One variant suffices for the base class's IW loop.
        bound = model.log_likelihood(_images(2), num_importance_samples=4, chunk_size=2)
        assert bound.shape == (2,) and np.all(np.isfinite(bound))


def test_maf_starts_as_the_identity_so_the_full_size_flow_is_finite():
    """10 MADEs over 3,072 logit-space values (maf_cifar10's depth) start as the identity."""
    model = SelfReflectiveMAF(
        **dict(TINY, image_shape=(32, 32, 3), num_layers=0, num_flows=10, made_units=32)
    )
    outputs = model(_images(2, shape=(32, 32, 3)))
    assert np.all(np.isfinite(outputs["recon_log_prob"]))
    y = np.random.default_rng(0).uniform(-3, 3, size=(2, 3072)).astype(np.float32)
    standard_normal = -0.5 * np.sum(y**2, -1) - 3072 * 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(
        model.data_distribution(0, None, None).log_prob(y), standard_normal, rtol=1e-5
    )


def test_config_round_trip():
    revived = run_serialization_test(SelfReflectiveMAF(**TINY, logit_alpha=1e-6, seed=2))
    assert revived.logit_alpha == 1e-6 and revived.num_layers == 2 and revived.seed == 2


@pytest.mark.parametrize("variant", VARIANTS)
def test_keras_reload_gives_identical_outputs(tmp_path, variant):
    model = SelfReflectiveMAF(**dict(TINY, **variant))
    x = _images()
    model(x)
    _move_away_from_initialisation(model)

    def outputs(m):
        return [m.reconstruct(x), m.sample(2, seed=3), *m.encode(x)]

    run_model_saving_test(model, outputs, str(tmp_path))


def test_one_training_step_lowers_the_loss():
    assert loss_after_one_step_is_lower(SelfReflectiveMAF(**TINY, seed=1), _images(16))
