"""A linear-Gaussian VAE whose marginal likelihood has a closed form, for testing."""

import math

import numpy as np
import tensorflow as tf

from tfavi.models.hierarchical_vae import HierarchicalVAE
from tfavi.models.replica_invariant_noise import replica_invariant_normal


class LinearGaussianVAE(HierarchicalVAE):
    """z ~ N(0, I_d), x | z ~ N(W z + b, s^2 I); q(z | x) = N(A x + c, diag(t^2)).

    log p(x) = log N(x; b, W W^T + s^2 I). With `exact_posterior=True`, q is the true
    posterior, so every importance weight equals p(x).
    """

    def __init__(self, dim=6, latent_dim=2, exact_posterior=False, seed=0, **kwargs):
        super().__init__(image_shape=(dim, 1, 1), num_latent_layers=1, seed=seed, **kwargs)
        rng = np.random.default_rng(7)
        self.w = rng.normal(size=(dim, latent_dim)).astype(np.float64)
        self.b = rng.normal(size=dim)
        self.noise_scale = 0.5
        if exact_posterior:
            precision = np.eye(latent_dim) + self.w.T @ self.w / self.noise_scale**2
            cov = np.linalg.inv(precision)
            self.a = cov @ self.w.T / self.noise_scale**2
            self.c = -self.a @ self.b
            self.posterior_chol = np.linalg.cholesky(cov)
        else:
            self.a = 0.8 * rng.normal(size=(latent_dim, dim)) / dim
            self.c = np.zeros(latent_dim)
            self.posterior_chol = np.diag([0.6, 0.9][:latent_dim])

    def exact_log_likelihood(self, x):
        cov = self.w @ self.w.T + self.noise_scale**2 * np.eye(len(self.b))
        diff = x.reshape(len(x), -1) - self.b
        _, logdet = np.linalg.slogdet(cov)
        quad = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)
        return -0.5 * (quad + logdet + len(self.b) * math.log(2 * math.pi))

    def call(self, images, training=None):
        x = tf.reshape(tf.cast(images, tf.float64), [tf.shape(images)[0], -1])
        mean = tf.matmul(x, self.a, transpose_b=True) + self.c
        eps = tf.cast(replica_invariant_normal(tf.shape(mean), self.noise_seed), tf.float64)
        z = mean + tf.matmul(eps, self.posterior_chol, transpose_b=True)
        recon = _normal_log_prob(
            x, tf.matmul(z, self.w, transpose_b=True) + self.b, self.noise_scale
        )
        log_q = _normal_log_prob(eps, 0.0, 1.0) - np.sum(np.log(np.diag(self.posterior_chol)))
        log_prior = _normal_log_prob(z, 0.0, 1.0)
        return {
            "recon_log_prob": recon,
            "kl": (log_q - log_prior)[:, tf.newaxis],
            "log_weight": recon + log_prior - log_q,
        }


def _normal_log_prob(x, mean, scale):
    return -0.5 * tf.reduce_sum(
        tf.square((x - mean) / scale) + math.log(2 * math.pi) + 2 * math.log(scale), axis=-1
    )
