"""MLP VAEs with diagonal or Gaussian-graphical-model posteriors (Peşte & Malagò 2017)."""

import math

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.api_export import tfavi_export
from tfavi.distributions.lattice_posterior import (
    num_parameter_maps,
    sample_with_noise,
    standard_normal_like,
    structured_posterior,
)
from tfavi.distributions.multivariate_logit_normal import MultivariateLogitNormal
from tfavi.distributions.structured_normal_from_conv import structured_normal_from_conv
from tfavi.models.hierarchical_vae import HierarchicalVAE

tfd = tfp.distributions


def _mlp(hidden_units: int, num_hidden_layers: int, activation: str, outputs: int, name: str):
    layers = [keras.layers.Flatten()]
    layers += [
        keras.layers.Dense(hidden_units, activation=activation) for _ in range(num_hidden_layers)
    ]
    layers.append(keras.layers.Dense(outputs))
    return keras.Sequential(layers, name=name)


# Feature maps per pixel of each likelihood: Bernoulli logits; logit-normal mean, diagonal and
# two couplings of the extended-grid precision factor.
_LIKELIHOOD_MAPS = {"bernoulli": 1, "logit_normal_grid": 4}


def _square_factors(n: int) -> tuple:
    rows = max(r for r in range(1, int(math.isqrt(n)) + 1) if n % r == 0)
    return (rows, n // rows)


def _maps_last(flat, lattice):
    """[B, K * rows * columns] -> [B, rows, columns, K]: K consecutive maps of the lattice."""
    rows, columns = lattice
    maps = tf.reshape(flat, [-1, flat.shape[-1] // (rows * columns), rows, columns])
    return tf.transpose(maps, [0, 2, 3, 1])


@tfavi_export
class GaussianMLPVAE(HierarchicalVAE):
    """One-layer VAE with MLP encoder and decoder and a diagonal or graphical-model posterior.

    The models of Peşte & Malagò, "Towards the use of Gaussian graphical models in variational
    autoencoders" (ICML 2017 workshop): MLPs with `num_hidden_layers` hidden layers of
    `hidden_units` units, latent size `latent_dim`, prior N(0, I), and a posterior whose
    precision is diagonal, a chain, a 4-neighbour grid or the extended grid over a
    `latent_grid` lattice of the latents. The likelihood is Bernoulli for binary images or the
    multivariate logit-normal with an extended-grid precision over the pixel lattice for
    continuous ones. Reference: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.

    Args:
        image_shape: shape of the images, e.g. `(28, 28, 1)`.
        latent_dim: number of latent variables.
        hidden_units: width of each hidden layer.
        num_hidden_layers: hidden layers in the encoder and in the decoder.
        activation: hidden-layer activation.
        min_scale: floor of the posterior scales (diagonal) or of the precision factor's
            diagonal (graphical models).
        posterior: `diagonal`, `chain`, `grid` or `extended_grid`.
        latent_grid: `(rows, columns)` of the latent lattice; default the most square
            factorisation of `latent_dim` (4 x 4 for 16). The chain runs over it row by row.
        likelihood: `bernoulli` or `logit_normal_grid`.

    Example:
    >>> model = GaussianMLPVAE(image_shape=(28, 28, 1), posterior="chain")
    >>> outputs = model(tf.zeros([2, 28, 28, 1]))
    >>> outputs["kl"].shape
    TensorShape([2, 1])
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim: int = 16,
        hidden_units: int = 200,
        num_hidden_layers: int = 2,
        activation: str = "elu",
        min_scale: float = 1e-4,
        posterior: str = "diagonal",
        latent_grid=None,
        likelihood: str = "bernoulli",
        **kwargs,
    ):
        super().__init__(image_shape=image_shape, num_latent_layers=1, **kwargs)
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.num_hidden_layers = num_hidden_layers
        self.activation = activation
        self.min_scale = min_scale
        self.posterior_structure = posterior
        self.latent_grid = tuple(latent_grid) if latent_grid else _square_factors(latent_dim)
        if self.latent_grid[0] * self.latent_grid[1] != latent_dim:
            raise ValueError(f"latent_grid {self.latent_grid} does not hold {latent_dim} latents.")
        if likelihood not in _LIKELIHOOD_MAPS:
            raise ValueError(
                f"Unknown likelihood {likelihood!r}. Available: {', '.join(_LIKELIHOOD_MAPS)}."
            )
        self.likelihood = likelihood
        self.encoder = _mlp(
            hidden_units,
            num_hidden_layers,
            activation,
            num_parameter_maps(posterior) * latent_dim,
            "encoder",
        )
        self.decoder = _mlp(
            hidden_units,
            num_hidden_layers,
            activation,
            _LIKELIHOOD_MAPS[likelihood] * self.num_dimensions,
            "decoder",
        )

    @property
    def binary_images(self) -> bool:
        return self.likelihood == "bernoulli"

    def build(self, input_shape):
        self.encoder.build((None, *self.image_shape))
        self.decoder.build((None, self.latent_dim))

    @property
    def latent_shapes(self) -> list[tuple]:
        """One layer of `(latent_dim,)` latents (flattened from the latent lattice)."""
        return [(self.latent_dim,)]

    def posterior(self, images):
        """q(z | x) over the latent lattice, event shape [rows, columns, 1]."""
        # Networks may compute in a mixed-precision dtype; the distributions use float32.
        features = _maps_last(tf.cast(self.encoder(images), tf.float32), self.latent_grid)
        return structured_posterior(features, self.posterior_structure, self.min_scale)

    def observation(self, z):
        """p(x | z) for flat latents z [B, latent_dim], event shape `image_shape`."""
        features = _maps_last(tf.cast(self.decoder(z), tf.float32), self.image_shape[:2])
        if self.likelihood == "bernoulli":
            return tfd.Independent(tfd.Bernoulli(logits=features), reinterpreted_batch_ndims=3)
        return MultivariateLogitNormal(structured_normal_from_conv(features, "extended_grid"))

    def call(self, images, training=None):
        images = tf.cast(images, tf.float32)
        q = self.posterior(images)
        z = sample_with_noise(q, self.noise().normal(tf.shape(q.mean())))
        prior = standard_normal_like(q)
        recon = self.observation(tf.reshape(z, [-1, self.latent_dim])).log_prob(images)
        kl = tfd.kl_divergence(q, prior)
        log_weight = recon + prior.log_prob(z) - q.log_prob(z)
        return {"recon_log_prob": recon, "kl": kl[:, tf.newaxis], "log_weight": log_weight}

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        z = self.noise(seed).normal([num_samples, self.latent_dim])
        return self.decode([temperature * z])

    def posterior_means_and_scales(self, images):
        """Posterior mean and marginal standard deviations (for a graphical model with
        precision factor L, the square roots of diag((L L^T)^{-1})), as [B, latent_dim]."""
        q = self.posterior(tf.cast(images, tf.float32))
        shape = [-1, self.latent_dim]
        return [tf.reshape(q.mean(), shape)], [tf.reshape(q.stddev(), shape)]

    def decode(self, latents):
        """Pixel probabilities (Bernoulli) or the logit-normal median sigmoid(mu)."""
        p = self.observation(latents[0])
        if self.likelihood == "bernoulli":
            return p.mean()
        return tf.sigmoid(p.normal.mean())

    def get_config(self):
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            hidden_units=self.hidden_units,
            num_hidden_layers=self.num_hidden_layers,
            activation=self.activation,
            min_scale=self.min_scale,
            posterior=self.posterior_structure,
            latent_grid=list(self.latent_grid),
            likelihood=self.likelihood,
        )
        return config
