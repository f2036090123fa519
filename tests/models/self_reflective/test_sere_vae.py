"""SeRe-VAE: the eps-space KL claim, shapes, sampling, saving and one training step."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tests.harness import run_model_saving_test, run_serialization_test
from tfavi.models import SelfReflectiveVAE
from tfavi.models.self_reflective.self_reflective_chain import raster_block_sizes

tfd = tfp.distributions

TINY = dict(
    image_shape=(4, 4, 1),
    num_layers=3,
    latent_dim=3,
    hidden_units=8,
    encoder_units=8,
    num_hidden_layers=1,
)
VARIANTS = [
    dict(),
    dict(self_reflective=False),
    dict(architecture="resnet"),
]


def _images(batch=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(size=(batch, 4, 4, 1)) > 0.5).astype(np.float32)


def test_raster_blocks_of_mnist_are_nine_of_79_and_one_of_73():
    assert raster_block_sizes(784, 10) == [79] * 9 + [73]
    with pytest.raises(ValueError):
        raster_block_sizes(10, 11)


def test_eps_space_kl_equals_monte_carlo_z_space_kl():
    """The paper's central claim: the shared bijector cancels from the KL (§4-5)."""
    model = SelfReflectiveVAE(**TINY, seed=1)
    x = _images(1)
    model(x)
    rng = np.random.default_rng(0)
    # Move the zero-initialised prior and posterior of layer 2 apart.
    for network in (model.priors[0], model.posterior_bases[0], model.posterior_residuals[1]):
        kernel = network.layers[-1].kernel
        kernel.assign(0.5 * rng.normal(size=kernel.shape))
    features = model.encoders[1](x)
    z_previous = tf.constant([[0.7, -1.2, 0.4]])
    posterior, prior, bijector = model.latent_layer(1, features, z_previous)
    assert isinstance(bijector, tfp.bijectors.Bijector) and not isinstance(
        bijector, tfp.bijectors.Identity
    )
    eps = posterior.sample(40_000, seed=(3, 4))
    z = bijector.forward(eps)
    q_z = tfd.TransformedDistribution(posterior, bijector)
    p_z = tfd.TransformedDistribution(prior, bijector)
    log_ratio_z = (q_z.log_prob(z) - p_z.log_prob(z)).numpy()
    # Each density over z carries the log-determinant of the (non-diagonal) f_l.
    log_det = bijector.forward_log_det_jacobian(eps, event_ndims=1).numpy()
    np.testing.assert_allclose(
        q_z.log_prob(z), posterior.log_prob(eps) - log_det, rtol=1e-4, atol=1e-3
    )
    assert np.all(np.abs(log_det) > 1e-2)
    kl_eps = float(tfd.kl_divergence(posterior, prior)[0])
    standard_error = np.std(log_ratio_z) / np.sqrt(log_ratio_z.size)
    assert kl_eps > 0.05
    assert abs(np.mean(log_ratio_z) - kl_eps) < 4 * standard_error + 1e-3


@pytest.mark.parametrize("variant", VARIANTS)
def test_shapes_and_log_weight_is_the_elbo_integrand(variant):
    model = SelfReflectiveVAE(**TINY, **variant)
    outputs = model(_images())
    assert outputs["recon_log_prob"].shape == (5,)
    assert outputs["kl"].shape == (5, 3)
    assert outputs["log_weight"].shape == (5,)
    assert np.all(outputs["kl"].numpy() >= -1e-5)
    assert np.all(outputs["recon_log_prob"].numpy() <= 0)
    assert model.reconstruct(_images()).shape == (5, 4, 4, 1)
    assert [e.shape for e in model.encode(_images())] == [(5, 3)] * 3
    # E_q[log w] is the ELBO: average many single-sample weights of one image (a scale floor
    # keeps the random-init prior from giving the log-ratios heavy tails).
    floored = SelfReflectiveVAE(**TINY, **variant, min_scale=0.3)
    outputs = floored(np.repeat(_images(1), 4000, axis=0))
    elbo = np.mean(outputs["recon_log_prob"] - np.sum(outputs["kl"], -1))
    np.testing.assert_allclose(np.mean(outputs["log_weight"]), elbo, rtol=0.02)
    if not variant:  # One variant suffices for the base class's IW loop.
        bound = model.log_likelihood(_images(2), num_importance_samples=20, chunk_size=10)
        assert bound.shape == (2,) and np.all(np.isfinite(bound))


@pytest.mark.parametrize("variant", VARIANTS[:2])
def test_sample_is_reproducible_and_in_unit_interval(variant):
    model = SelfReflectiveVAE(**TINY, **variant)
    first = model.sample(6, temperature=0.8, seed=7).numpy()
    assert first.shape == (6, 4, 4, 1)
    assert first.min() >= 0 and first.max() <= 1
    np.testing.assert_array_equal(first, model.sample(6, temperature=0.8, seed=7))
    assert model.sample(6).shape == (6, 4, 4, 1)


def test_config_round_trip():
    model = SelfReflectiveVAE(**TINY, self_reflective=False, seed=4)
    revived = run_serialization_test(model)
    assert not revived.self_reflective and revived.seed == 4 and revived.num_layers == 3


@pytest.mark.parametrize("variant", VARIANTS)
def test_keras_reload_gives_identical_outputs(tmp_path, variant):
    model = SelfReflectiveVAE(**TINY, **variant)
    x = _images()
    model(x)

    def outputs(m):
        return [m.reconstruct(x), m.sample(3, temperature=0.7, seed=3), *m.encode(x)]

    run_model_saving_test(model, outputs, str(tmp_path))


def loss_after_one_step_is_lower(model, images) -> bool:
    """One Adam step on `images`, with the noise of the model's seed generator held fixed."""
    model(images)
    state = model.noise_seed.state.numpy()

    def loss():
        model.noise_seed.state.assign(state)
        return tf.reduce_mean(model.objective(images, training=True)[0])

    before = float(loss())
    optimizer = tf.keras.optimizers.Adam(1e-2)
    with tf.GradientTape() as tape:
        value = loss()
    optimizer.apply(tape.gradient(value, model.trainable_variables), model.trainable_variables)
    return float(loss()) < before


def test_one_training_step_lowers_the_loss():
    assert loss_after_one_step_is_lower(SelfReflectiveVAE(**TINY, seed=2), _images(16))
