"""GGM VAEs (Peşte & Malagò 2017): the structured posteriors inside the one-layer MLP VAE."""

import numpy as np
import pytest
import tensorflow as tf

from tests.harness import run_model_saving_test, run_serialization_test, train_smoke_steps
from tfavi.distributions.lattice_posterior import sample_with_noise
from tfavi.models import GaussianMLPVAE

STRUCTURES = ["diagonal", "chain", "grid", "extended_grid"]


def _model(posterior, likelihood="bernoulli", seed=0):
    return GaussianMLPVAE(
        image_shape=(4, 4, 1),
        latent_dim=4,
        hidden_units=16,
        posterior=posterior,
        likelihood=likelihood,
        seed=seed,
    )


def _binary_images(n, seed=0):
    return (np.random.default_rng(seed).uniform(size=(n, 4, 4, 1)) > 0.5).astype(np.float32)


@pytest.mark.parametrize("posterior", STRUCTURES)
def test_log_weights_average_to_the_analytic_elbo(posterior):
    """E_q[log p(x|z) + log p(z) - log q(z|x)] = E_q[log p(x|z)] - KL: the sampled z follow
    the posterior whose KL the model reports."""
    model = _model(posterior)
    x = np.repeat(_binary_images(1), 20_000, axis=0)
    outputs = model(x)
    kl = outputs["kl"][:, 0].numpy()
    assert kl.shape == (20_000,) and np.all(kl > 0) and np.ptp(kl) < 1e-3 * kl[0] + 1e-4
    gap = (outputs["recon_log_prob"] - outputs["log_weight"]).numpy()  # log q - log p per sample
    assert abs(gap.mean() - kl[0]) < 4 * gap.std() / np.sqrt(len(gap)) + 1e-3


@pytest.mark.parametrize("posterior", ["chain", "grid", "extended_grid"])
def test_importance_weighting_tightens_the_bound(posterior):
    model = _model(posterior, seed=1)
    x = _binary_images(4, seed=1)
    elbo = np.mean([model(x)["log_weight"].numpy() for _ in range(50)], axis=0)
    iwae = model.log_likelihood(x, num_importance_samples=500, chunk_size=250).numpy()
    assert np.all(iwae >= elbo - 0.05)


def test_posterior_head_sizes_follow_the_structure():
    sizes = {}
    for posterior in STRUCTURES:
        model = _model(posterior)
        model.build((None, 4, 4, 1))
        sizes[posterior] = model.encoder.layers[-1].units
    assert sizes == {"diagonal": 8, "chain": 12, "grid": 16, "extended_grid": 16}


def test_unknown_posterior_and_likelihood_are_errors():
    with pytest.raises(ValueError, match="Unknown posterior 'tree'"):
        _model("tree")
    with pytest.raises(ValueError, match="Unknown likelihood 'gaussian'"):
        _model("chain", likelihood="gaussian")
    with pytest.raises(ValueError, match="latent_grid"):
        GaussianMLPVAE(image_shape=(4, 4, 1), latent_dim=4, latent_grid=(3, 2))


def test_logit_normal_grid_likelihood_scores_continuous_images():
    model = _model("extended_grid", likelihood="logit_normal_grid")
    x = np.random.default_rng(2).uniform(0.05, 0.95, size=(3, 4, 4, 1)).astype(np.float32)
    outputs = model(x)
    assert np.all(np.isfinite(outputs["recon_log_prob"]))
    decoded = model.decode(model.encode(x)).numpy()
    assert decoded.shape == x.shape and np.all((decoded > 0) & (decoded < 1))
    # decode() is the median sigmoid(mu): where the logit-normal's logit density peaks.
    p = model.observation(model.encode(x)[0])
    np.testing.assert_allclose(
        p.normal.mean(), np.log(decoded / (1 - decoded)), rtol=1e-4, atol=1e-4
    )


@pytest.mark.parametrize("posterior", ["chain", "grid"])
def test_ggm_vae_saves_and_reloads(posterior, tmp_path):
    model = _model(
        posterior, likelihood="logit_normal_grid" if posterior == "grid" else "bernoulli"
    )
    x = _binary_images(3) * 0.8 + 0.1
    model(x)
    revived = run_serialization_test(model)
    assert revived.posterior_structure == posterior and revived.latent_grid == (2, 2)
    run_model_saving_test(
        model,
        lambda m: [m.encode(x)[0], m.reconstruct(x), m.sample(2, seed=4)],
        str(tmp_path),
    )


def test_diagonal_vae_keeps_the_original_head_layout():
    """Maps are stored map-major (all means, then all raw scales), so models trained before the
    graphical posteriors existed keep their meaning."""
    model = _model("diagonal")
    x = _binary_images(2)
    features = model.encoder(x).numpy()
    np.testing.assert_allclose(model.encode(x)[0], features[:, :4], rtol=1e-6)
    scale = model.posterior(tf.constant(x)).distribution.scale.numpy().reshape(2, 4)
    np.testing.assert_allclose(scale, np.log1p(np.exp(features[:, 4:])) + 1e-4, rtol=1e-5)


@pytest.mark.parametrize("posterior", STRUCTURES)
def test_posterior_scales_are_the_standard_deviations_of_posterior_draws(posterior):
    """`encode`'s scales: the marginal standard deviations, also of structured posteriors."""
    model = _model(posterior)
    x = _binary_images(1)
    model(x)
    kernel = model.encoder.layers[-1].kernel  # Couple the latents: random head weights.
    kernel.assign(0.3 * np.random.default_rng(0).normal(size=kernel.shape))
    _, [scale] = model.posterior_means_and_scales(x)
    q = model.posterior(tf.constant(np.repeat(x, 40_000, axis=0)))
    noise = tf.random.stateless_normal(tf.shape(q.mean()), seed=[1, 2])
    draws = tf.reshape(sample_with_noise(q, noise), [-1, 4]).numpy()
    np.testing.assert_allclose(np.std(draws, axis=0), scale[0], rtol=0.025)
    if posterior != "diagonal":
        assert not np.allclose(np.corrcoef(draws.T), np.eye(4), atol=0.05)


def test_xla_compiled_training_steps_train_like_the_graph():
    # XLA has no banded triangular solve: the compiled step solves densely. The losses agree
    # up to XLA's own random draws (the solves of every structure, the grid's and extended
    # grid's included, are checked exactly under XLA in tests/linalg).
    _, _, expected, _ = train_smoke_steps("ggm_vae_chain")
    _, _, losses, skipped = train_smoke_steps("ggm_vae_chain", ["jit_compile=True"])
    assert not any(skipped)
    np.testing.assert_allclose(losses, expected, rtol=0.05)
