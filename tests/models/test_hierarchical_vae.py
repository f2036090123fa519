"""The model contract's loss math: ELBO terms by hand, importance weighting in closed form."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.models.linear_gaussian_vae import LinearGaussianVAE
from tfavi.models import GaussianMLPVAE


def _elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _mlp_numpy(sequential, x):
    h = x.reshape(len(x), -1)
    dense = [layer for layer in sequential.layers if isinstance(layer, keras.layers.Dense)]
    for i, layer in enumerate(dense):
        kernel, bias = (np.asarray(w, np.float64) for w in layer.weights)
        h = h @ kernel + bias
        if i < len(dense) - 1:
            h = _elu(h)
    return h


def test_gaussian_mlp_vae_elbo_terms_match_a_hand_computation():
    model = GaussianMLPVAE(image_shape=(4, 4, 1), latent_dim=3, hidden_units=8, seed=3)
    model.build((None, 4, 4, 1))
    x = (np.random.default_rng(0).uniform(size=(5, 4, 4, 1)) > 0.5).astype(np.float32)
    eps = np.asarray(keras.random.normal([5, 3], seed=keras.random.SeedGenerator(3)), np.float64)

    outputs = model(x)

    mean, raw = np.split(_mlp_numpy(model.encoder, x), 2, axis=-1)
    scale = np.log1p(np.exp(raw)) + 1e-4
    z = mean + scale * eps
    logits = _mlp_numpy(model.decoder, z)
    target = x.reshape(5, -1)
    recon = np.sum(target * logits - np.logaddexp(0, logits), axis=-1)
    kl = np.sum(0.5 * (mean**2 + scale**2 - 1) - np.log(scale), axis=-1)
    log_prior = np.sum(-0.5 * (z**2 + np.log(2 * np.pi)), -1)
    log_q = np.sum(-0.5 * (eps**2 + np.log(2 * np.pi)) - np.log(scale), -1)
    np.testing.assert_allclose(outputs["recon_log_prob"], recon, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(outputs["kl"][:, 0], kl, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        outputs["log_weight"], recon + log_prior - log_q, rtol=1e-5, atol=1e-4
    )


def test_importance_weighted_bound_is_exact_with_the_true_posterior():
    model = LinearGaussianVAE(exact_posterior=True)
    x = np.random.default_rng(1).normal(size=(4, 6, 1, 1))
    estimate = model.log_likelihood(x, num_importance_samples=7, chunk_size=3)
    np.testing.assert_allclose(estimate, model.exact_log_likelihood(x), rtol=1e-6)


def test_importance_weighted_bound_approaches_log_likelihood_and_elbo_stays_below():
    model = LinearGaussianVAE(seed=5)
    x = np.random.default_rng(2).normal(size=(8, 6, 1, 1))
    exact = model.exact_log_likelihood(x)
    gaps = {}
    for k in (1, 10, 1000):
        runs = [np.mean(exact - model.log_likelihood(x, k, chunk_size=150)) for _ in range(3)]
        gaps[k] = np.mean(runs)
    elbo = np.mean(np.concatenate([model(np.repeat(x, 50, 0))["log_weight"] for _ in range(4)]))
    assert np.mean(exact) - elbo > 0.5  # A deliberately poor posterior: the ELBO is loose.
    assert gaps[1] > gaps[10] > gaps[1000] > -0.02
    assert gaps[1000] < 0.1 * gaps[1]


def test_log_likelihood_rejects_non_positive_sample_counts():
    with pytest.raises(ValueError, match="num_importance_samples"):
        LinearGaussianVAE().log_likelihood(np.zeros([1, 6, 1, 1]), num_importance_samples=0)


def test_model_fit_train_step_lowers_the_loss_on_a_fixed_batch():
    model = GaussianMLPVAE(image_shape=(6, 6, 1), latent_dim=2, hidden_units=16)
    prototypes = np.random.default_rng(3).uniform(size=(4, 6, 6, 1)) > 0.5
    x = np.repeat(prototypes, 8, axis=0).astype(np.float32)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    dataset = tf.data.Dataset.from_tensors(x).repeat(30)
    history = model.fit(dataset, epochs=2, verbose=0, shuffle=False)
    assert set(history.history) == {"nelbo", "recon", "kl", "kl_layer_0", "bits_per_dim"}
    assert history.history["nelbo"][-1] < history.history["nelbo"][0] - 5.0
    evaluation = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    np.testing.assert_allclose(
        evaluation["bits_per_dim"], evaluation["nelbo"] / (36 * np.log(2)), rtol=1e-5
    )


def test_sample_is_reproducible_for_a_seed_and_in_range():
    model = GaussianMLPVAE(image_shape=(4, 4, 1), latent_dim=2, hidden_units=8)
    first, again = model.sample(3, seed=11), model.sample(3, seed=11)
    other = model.sample(3, seed=12)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert first.shape == (3, 4, 4, 1) and np.all((first >= 0) & (first <= 1))
    cold = model.sample(3, temperature=0.0, seed=11)
    np.testing.assert_allclose(cold, np.repeat(cold[:1], 3, axis=0), rtol=1e-6)


def test_mixed_bfloat16_computes_networks_in_bfloat16_and_losses_in_float32():
    x = (np.random.default_rng(4).uniform(size=(4, 4, 4, 1)) > 0.5).astype(np.float32)
    reference = GaussianMLPVAE(image_shape=(4, 4, 1), latent_dim=2, hidden_units=8, seed=1)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = GaussianMLPVAE(image_shape=(4, 4, 1), latent_dim=2, hidden_units=8, seed=1)
        mixed.build((None, 4, 4, 1))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    reference.build((None, 4, 4, 1))
    reference.set_weights(mixed.get_weights())
    assert mixed.encoder.layers[1].compute_dtype == "bfloat16"
    outputs, expected = mixed(x), reference(x)
    for name in ("recon_log_prob", "kl", "log_weight"):
        assert outputs[name].dtype == tf.float32
        np.testing.assert_allclose(outputs[name], expected[name], rtol=0.05, atol=0.5)


def test_one_importance_weighting_gives_the_same_estimate_eagerly_and_in_a_graph():
    """A Python K eagerly and a tensor K in a `tf.function` (as in serving) draw the same
    chunks in the same order, so the same noise state gives the same estimate."""
    model = LinearGaussianVAE(seed=5)
    x = np.random.default_rng(4).normal(size=(3, 6, 1, 1))
    state = model.noise_seed.state.numpy()
    eager = model.log_likelihood(x, num_importance_samples=8, chunk_size=3)
    model.noise_seed.state.assign(state)
    graph = tf.function(lambda images, k: model.log_likelihood(images, k, chunk_size=3))
    traced = graph(tf.constant(x, tf.float32), tf.constant(8))
    np.testing.assert_allclose(traced, eager, rtol=1e-6)
    assert not np.allclose(eager, model.log_likelihood(x, 8, chunk_size=3))  # Fresh noise.
    exact = LinearGaussianVAE(exact_posterior=True)
    in_graph = tf.function(lambda images, k: exact.log_likelihood(images, k, chunk_size=2))
    estimate = in_graph(tf.constant(x, tf.float32), tf.constant(5))
    np.testing.assert_allclose(estimate, exact.exact_log_likelihood(x), rtol=1e-6)


def test_negative_elbo_adds_bfloat16_and_float32_terms_in_float32():
    outputs = {
        "recon_log_prob": tf.constant([-3.0, -5.0], tf.bfloat16),
        "kl": tf.constant([[1.0, 0.5], [2.0, 0.25]], tf.float32),
        "log_weight": tf.constant([-4.0, -7.0], tf.float32),
    }
    terms = LinearGaussianVAE().elbo_terms(outputs, kl_beta=0.5)
    assert {name: t.dtype for name, t in terms.items()} == dict.fromkeys(terms, tf.float32)
    np.testing.assert_allclose(terms["recon"], [3.0, 5.0])
    np.testing.assert_allclose(terms["kl"], [1.5, 2.25])
    np.testing.assert_allclose(terms["nelbo"], [3.75, 6.125])
