"""The plain MAF: the logit-space convention, a normalised density, identity start, saving."""

import keras
import numpy as np

from tests.harness import run_model_saving_test, run_serialization_test
from tests.models.self_reflective.test_sere_vae import loss_after_one_step_is_lower
from tfavi.models import MAF, HierarchicalVAE
from tfavi.models.logit_space import to_images, to_logit_space

TINY = dict(image_shape=(2, 2, 3), num_flows=3, made_units=8)


def move_away_from_initialisation(model):
    """Perturbs every weight, so that zero-initialised outputs do not hide any network."""
    rng = np.random.default_rng(0)
    for weight in model.trainable_weights:
        weight.assign(weight + 0.2 * rng.normal(size=weight.shape))


def images_of_counts(batch=4, seed=0, shape=(2, 2, 3)):
    """Images k / 255 with random counts k."""
    counts = np.random.default_rng(seed).integers(0, 256, size=(batch, *shape))
    return (counts / 255.0).astype(np.float32)


def test_logit_space_follows_the_maf_convention_and_inverts_to_the_pixels():
    x = images_of_counts(2)
    noise = np.random.default_rng(1).uniform(size=(2, 12)).astype(np.float32)
    squeezed = 0.05 + 0.9 * (np.round(x.reshape(2, 12) * 255) + noise) / 256
    y = to_logit_space(x, noise, 0.05)
    np.testing.assert_allclose(y, np.log(squeezed / (1 - squeezed)), rtol=1e-5)
    np.testing.assert_allclose(to_images(y, 0.05, (2, 2, 3)), x, atol=1e-6)


def test_density_integrates_to_one():
    keras.utils.set_random_seed(0)
    model = MAF(image_shape=(1, 1, 2), num_flows=2, made_units=16, seed=3)
    model.build((None, 1, 1, 2))
    move_away_from_initialisation(model)
    grid = np.linspace(-15, 15, 601, dtype=np.float32)
    points = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    mass = np.exp(model.distribution().log_prob(points).numpy()).sum() * (grid[1] - grid[0]) ** 2
    np.testing.assert_allclose(mass, 1.0, atol=0.01)


def test_the_full_size_flow_starts_as_the_identity_so_it_is_finite():
    """10 MADEs over 3,072 logit-space values (maf_cifar10's depth) start as the identity."""
    model = MAF(image_shape=(32, 32, 3), num_flows=10, made_units=32)
    outputs = model(images_of_counts(2, shape=(32, 32, 3)))
    assert np.all(np.isfinite(outputs["log_weight"]))
    y = np.random.default_rng(0).uniform(-3, 3, size=(2, 3072)).astype(np.float32)
    standard_normal = -0.5 * np.sum(y**2, -1) - 3072 * 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(model.distribution().log_prob(y), standard_normal, rtol=1e-5)


def test_a_density_model_has_log_weights_samples_and_metrics_but_no_latents():
    model = MAF(**TINY)
    x = images_of_counts()
    outputs = model(x)
    assert set(outputs) == {"log_weight"} and outputs["log_weight"].shape == (4,)
    assert not isinstance(model, HierarchicalVAE) and not hasattr(model, "encode")
    model.update_metrics(outputs)
    results = {m.name: float(m.result()) for m in model.metrics}
    assert set(results) == {"nelbo", "bits_per_dim"}
    np.testing.assert_allclose(results["nelbo"], -np.mean(outputs["log_weight"]), rtol=1e-6)
    samples = model.sample(3, temperature=0.9, seed=5).numpy()
    assert samples.shape == (3, 2, 2, 3) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, model.sample(3, temperature=0.9, seed=5))
    bound = model.log_likelihood(x[:2], num_importance_samples=4, chunk_size=3)
    assert bound.shape == (2,) and np.all(np.isfinite(bound))


def test_config_round_trip():
    revived = run_serialization_test(MAF(**TINY, logit_alpha=1e-6, seed=2))
    assert revived.logit_alpha == 1e-6 and revived.num_flows == 3 and revived.seed == 2


def test_keras_reload_gives_identical_outputs(tmp_path):
    model = MAF(**TINY)
    x = images_of_counts()
    model(x)
    move_away_from_initialisation(model)

    def outputs(m):
        return [m.sample(2, seed=3), m.distribution().log_prob(np.ones([1, 12]))]

    run_model_saving_test(model, outputs, str(tmp_path))


def test_one_training_step_lowers_the_loss():
    assert loss_after_one_step_is_lower(MAF(**TINY, seed=1), images_of_counts(16))
