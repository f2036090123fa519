"""Posteriors over a latent lattice [H, W, C]: diagonal or a Gaussian graphical model.

The chain, regular-grid and extended-grid posteriors of Peşte & Malagò ("Towards the use of
Gaussian graphical models in variational autoencoders", ICML 2017 workshop) built from network
features, with samples drawn from given standard-normal noise so the model controls the noise.
Shared by the Gaussian MLP VAE and the deep attentive hierarchy.
"""

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.distributions.lattice_normal import LatticeNormal
from tfavi.distributions.structured_normal_from_conv import (
    PARAMETER_MAPS,
    structured_normal_from_conv,
)

tfd = tfp.distributions

STRUCTURES = ("diagonal", *PARAMETER_MAPS)
"""Posterior structures over a latent lattice: diagonal, then the graphical models."""


def num_parameter_maps(structure: str) -> int:
    """Feature maps per latent channel the structure needs (mean, diagonal, couplings)."""
    if structure not in STRUCTURES:
        raise ValueError(f"Unknown posterior {structure!r}. Available: {', '.join(STRUCTURES)}.")
    return 2 if structure == "diagonal" else PARAMETER_MAPS[structure]


def structured_posterior(features, structure: str, min_scale: float) -> tfd.Distribution:
    """The posterior over [..., H, W, C] from features [..., H, W, K*C].

    `diagonal`: mean and softplus(raw) + `min_scale` scales. The graphical models have the
    `min_scale` floor on the diagonal of their precision factor.
    """
    num_parameter_maps(structure)
    if structure == "diagonal":
        loc, raw_scale = tf.split(features, 2, axis=-1)
        scale = tf.nn.softplus(raw_scale) + min_scale
        return tfd.Independent(tfd.Normal(loc, scale), reinterpreted_batch_ndims=3)
    return structured_normal_from_conv(features, structure, min_diag=min_scale)


def sample_with_noise(posterior: tfd.Distribution, noise):
    """The reparameterised sample of `posterior` for standard-normal `noise` of its event shape.

    Diagonal: loc + scale * noise. Graphical models: loc + L^{-T} noise per channel, with L the
    precision factor, so that the sample has covariance (L L^T)^{-1}.
    """
    if isinstance(posterior, LatticeNormal):
        lattice = posterior.lattice
        flat_noise = posterior.bijector.inverse(noise)
        offset = lattice.precision_factor.solvevec(flat_noise, adjoint=True)
        return posterior.bijector.forward(lattice.loc + offset)
    normal = posterior.distribution
    return normal.loc + normal.scale * noise


def standard_normal_like(posterior: tfd.Distribution) -> tfd.Distribution:
    """N(0, I) over the posterior's event [H, W, C]: the prior of a one-layer VAE."""
    mean = posterior.mean()
    return tfd.Independent(tfd.Normal(tf.zeros_like(mean), 1.0), reinterpreted_batch_ndims=3)
