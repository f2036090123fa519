"""GGM posteriors in the deep attentive hierarchy (issue 14): each layer's structured posterior
against a dense MultivariateNormalTriL built by hand from the documented parameterisation."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from tests.models.attentive_vae.dense_lattice import (
    channels_flat,
    dense_kl_to_diagonal,
    dense_posterior,
    dense_precision,
)
from tfavi.distributions.lattice_posterior import sample_with_noise
from tfavi.models.attentive_vae.graphical_posterior import graphical_posterior, num_coupling_maps

tfd = tfp.distributions
B, H, W, C = 2, 3, 4, 2
GRAPHICAL = ("chain", "grid", "extended_grid")


def parameters(structure, seed=0, coupling_scale=1.0):
    """loc, scale and raw coupling maps of a tiny lattice, as float32 arrays."""
    rng = np.random.default_rng(seed)
    loc = rng.normal(size=(B, H, W, C))
    scale = rng.uniform(0.4, 1.6, size=(B, H, W, C))
    couplings = coupling_scale * rng.normal(size=(B, H, W, num_coupling_maps(structure) * C))
    return [x.astype("float32") for x in (loc, scale, couplings)]


@pytest.mark.parametrize("structure", GRAPHICAL)
def test_log_prob_and_kl_match_the_dense_normal(structure):
    loc, scale, couplings = parameters(structure)
    q = graphical_posterior(loc, scale, couplings, structure)
    precision = dense_precision(structure, scale, couplings)
    z = loc + np.random.default_rng(1).normal(size=(5, B, H, W, C)).astype("float32")
    expected = tf.reduce_sum(dense_posterior(loc, precision).log_prob(channels_flat(z)), -1)
    np.testing.assert_allclose(q.log_prob(z), expected, rtol=1e-4)
    p_loc, p_scale = parameters("chain", seed=2)[:2]
    prior = tfd.Independent(tfd.Normal(p_loc, p_scale), reinterpreted_batch_ndims=3)
    np.testing.assert_allclose(
        tfd.kl_divergence(q, prior),
        dense_kl_to_diagonal(loc, precision, p_loc, p_scale),
        rtol=1e-4,
    )


@pytest.mark.parametrize("structure", GRAPHICAL)
def test_noise_driven_samples_have_the_dense_covariance(structure):
    loc, scale, couplings = parameters(structure, seed=3)
    q = graphical_posterior(loc, scale, couplings, structure)
    noise = tf.random.stateless_normal([20_000, B, H, W, C], seed=[4, 5])
    flat = channels_flat(sample_with_noise(q, noise))
    covariance = np.linalg.inv(dense_precision(structure, scale, couplings))
    std = np.sqrt(np.diagonal(covariance, axis1=-2, axis2=-1))
    np.testing.assert_allclose((flat.mean(0) - channels_flat(loc)) / std, 0, atol=0.04)
    for b in range(B):
        for c in range(C):
            empirical = np.cov(flat[:, b, c].T) / np.outer(std[b, c], std[b, c])
            expected = covariance[b, c] / np.outer(std[b, c], std[b, c])
            np.testing.assert_allclose(empirical, expected, atol=0.04)
    np.testing.assert_allclose(
        tf.sqrt(q.variance()), np.moveaxis(std, 1, -1).reshape(B, H, W, C), rtol=1e-4
    )


@pytest.mark.parametrize("structure", GRAPHICAL)
def test_zero_couplings_give_the_diagonal_posterior(structure):
    loc, scale, couplings = parameters(structure, seed=6, coupling_scale=0.0)
    q = graphical_posterior(loc, scale, couplings, structure)
    diagonal = tfd.Independent(tfd.Normal(loc, scale), reinterpreted_batch_ndims=3)
    z = loc + scale * np.random.default_rng(7).normal(size=loc.shape).astype("float32")
    np.testing.assert_allclose(q.log_prob(z), diagonal.log_prob(z), rtol=1e-5)
    np.testing.assert_allclose(tf.sqrt(q.variance()), scale, rtol=1e-5)


def test_unknown_structure_is_rejected():
    with pytest.raises(ValueError, match="structure must be one of"):
        graphical_posterior(*parameters("chain"), "diagonal")
