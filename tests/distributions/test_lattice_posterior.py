"""Posteriors over a latent lattice: noise-driven samples and KLs against dense references."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.distributions.lattice_posterior import (
    STRUCTURES,
    num_parameter_maps,
    sample_with_noise,
    standard_normal_like,
    structured_posterior,
)

tfd = tfp.distributions


def _posterior(structure, seed=0):
    maps = num_parameter_maps(structure)
    features = np.random.default_rng(seed).normal(0.5, 0.5, size=(2, 3, 4, 2 * maps))
    return structured_posterior(tf.constant(features, tf.float64), structure, 1e-3)


def _dense(q):
    """Dense MultivariateNormalTriL per (example, channel) of the lattice, and the loc."""
    if isinstance(q, tfd.Independent):
        loc = tf.transpose(tf.reshape(q.distribution.loc, [2, 12, 2]), [0, 2, 1])
        scale = tf.transpose(tf.reshape(q.distribution.scale, [2, 12, 2]), [0, 2, 1])
        return tfd.MultivariateNormalDiag(loc, scale)
    return tfd.MultivariateNormalTriL(q.lattice.loc, tf.linalg.cholesky(q.lattice.covariance()))


def _flat(z):
    """[..., 3, 4, 2] lattice sample -> [..., 2 channels, 12 pixels] row-major."""
    return tf.linalg.matrix_transpose(tf.reshape(z, [*z.shape[:-3], 12, 2]))


@pytest.mark.parametrize("structure", STRUCTURES)
def test_noise_driven_samples_follow_the_posterior(structure):
    q = _posterior(structure)
    noise = tf.random.stateless_normal([20_000, 2, 3, 4, 2], seed=[1, 2], dtype=tf.float64)
    z = sample_with_noise(q, noise)
    dense = _dense(q)
    flat = _flat(z).numpy()
    std = np.sqrt(dense.variance().numpy())
    np.testing.assert_allclose(flat.mean(0) / std, dense.mean() / std, atol=0.04)
    for example in range(2):
        for channel in range(2):
            empirical = np.cov(flat[:, example, channel].T)
            expected = dense.covariance()[example, channel].numpy()
            outer = np.outer(std[example, channel], std[example, channel])
            np.testing.assert_allclose(empirical / outer, expected / outer, atol=0.04)
    np.testing.assert_allclose(q.log_prob(z[:5]), tf.reduce_sum(dense.log_prob(_flat(z[:5])), -1))


@pytest.mark.parametrize("structure", ["chain", "grid", "extended_grid"])
def test_graphical_sample_inverts_the_precision_factor_exactly(structure):
    q = _posterior(structure, seed=3)
    noise = tf.random.stateless_normal([2, 3, 4, 2], seed=[4, 5], dtype=tf.float64)
    z = sample_with_noise(q, noise)
    recovered = q.lattice.precision_factor.matvec(_flat(z) - q.lattice.loc, adjoint=True)
    np.testing.assert_allclose(recovered, _flat(noise), atol=1e-10)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_kl_to_the_standard_normal_prior_matches_the_dense_kl(structure):
    q = _posterior(structure, seed=6)
    kl = tfd.kl_divergence(q, standard_normal_like(q))
    dense_prior = tfd.MultivariateNormalDiag(tf.zeros([2, 2, 12], tf.float64))
    expected = tf.reduce_sum(tfd.kl_divergence(_dense(q), dense_prior), -1)
    np.testing.assert_allclose(kl, expected, rtol=1e-8)


def test_unknown_structure_lists_the_available_ones():
    with pytest.raises(ValueError, match="diagonal, chain, grid, extended_grid"):
        num_parameter_maps("tree")
