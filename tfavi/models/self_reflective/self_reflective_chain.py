"""The latent chain shared by SeRe-VAE and SeRe-MAF (Apostolopoulou et al., arXiv 2007.05166)."""

import math

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.models.hierarchical_vae import HierarchicalVAE

tfd = tfp.distributions


def raster_block_sizes(num_dimensions: int, num_blocks: int) -> list[int]:
    """Sizes of `num_blocks` consecutive raster blocks: ceil(D / L) each, the rest last."""
    block = math.ceil(num_dimensions / num_blocks)
    last = num_dimensions - block * (num_blocks - 1)
    if last <= 0:
        raise ValueError(f"Cannot split {num_dimensions} dimensions into {num_blocks} blocks.")
    return [block] * (num_blocks - 1) + [last]


def diagonal_normal(parameters, min_scale: float) -> tfd.Distribution:
    """N(mean, diag(softplus(raw) + min_scale)^2) from `[..., 2N]` parameters (mean, raw).

    An `Independent` `Normal` rather than a `MultivariateNormalDiag`: the same density with a
    tenth of the graph ops, which matters in a model of many layers.
    """
    mean, raw_scale = tf.split(tf.cast(parameters, tf.float32), 2, axis=-1)
    return tfd.Independent(tfd.Normal(mean, tf.nn.softplus(raw_scale) + min_scale), 1)


class SelfReflectiveChain(HierarchicalVAE):
    """L latent layers over raster blocks of the data: the self-reflective latent chain.

    Layer l draws base variables eps_l from an amortised diagonal Gaussian prior
    p(eps_l | z_{l-1}) (layer 1: N(0, I)) and maps them to the code z_l = f_l(eps_l; z_{l-1})
    by a bijector f_l (layer 1: unconditioned). The posterior q(eps_l | z_{l-1}, x) is a
    diagonal Gaussian whose raw parameters are a first estimate from z_{l-1} plus a residual
    from z_{l-1} and the layer's own encoder features of the data; f_l is shared by both
    paths, so the KLs and importance weights are computed in eps-space with no Jacobians.
    Without self-reflection (the DLGM, Rezende et al. 2014), z_l = eps_l and the posterior
    layers depend on the features only. Every network sees a code through asinh(z).

    Subclasses create the chain's networks with `_create_chain` and the per-layer `encoders`
    of `encoder_inputs(images)`, and model the data blocks given the codes.

    Args:
        image_shape: `(height, width, channels)` of the data.
        num_layers: latent layers L (= data blocks).
        latent_dim: latent variables per layer.
        min_scale: floor added to the softplus of the Gaussian scales.
        self_reflective: False gives the DLGM chain described above.
        **kwargs: passed to `HierarchicalVAE` (e.g. `seed`).
    """

    def __init__(
        self,
        image_shape,
        num_layers: int,
        latent_dim: int,
        min_scale: float,
        self_reflective: bool = True,
        **kwargs,
    ):
        super().__init__(image_shape=image_shape, num_latent_layers=num_layers, **kwargs)
        self.num_layers = num_layers
        self.latent_dim = latent_dim
        self.min_scale = min_scale
        self.self_reflective = self_reflective
        self.block_sizes = raster_block_sizes(self.num_dimensions, num_layers)

    def _create_chain(self, gaussian_network, bijector) -> None:
        """Creates the priors, posteriors and (self-reflective) bijectors of every layer.

        Args:
            gaussian_network: `name -> network` with the 2N outputs of a `diagonal_normal`.
            bijector: `index -> layer` whose `bijector(context)` is f_index.
        """
        self.priors = [gaussian_network(f"prior_{i}") for i in range(1, self.num_layers)]
        self.posterior_residuals = [
            gaussian_network(f"posterior_{i}") for i in range(self.num_layers)
        ]
        if self.self_reflective:
            self.posterior_bases = [
                gaussian_network(f"posterior_base_{i}") for i in range(1, self.num_layers)
            ]
            self.bijectors = [bijector(i) for i in range(self.num_layers)]

    def _build_chain(self, feature_dim: int) -> None:
        """Builds the networks of `_create_chain` for encoder features of `feature_dim`."""
        n = self.latent_dim
        for prior in self.priors:
            prior.build((None, n))
        if not self.self_reflective:
            for posterior in self.posterior_residuals:
                posterior.build((None, feature_dim))
            return
        self.posterior_residuals[0].build((None, feature_dim))
        for base, residual in zip(self.posterior_bases, self.posterior_residuals[1:], strict=True):
            base.build((None, n))
            residual.build((None, feature_dim + n))
        for i, bijector in enumerate(self.bijectors):
            bijector.build((None, n), None if i == 0 else (None, n))

    @property
    def latent_shapes(self) -> list[tuple]:
        """eps_l of every layer: `(latent_dim,)`."""
        return [(self.latent_dim,)] * self.num_layers

    def encoder_inputs(self, images):
        """What the encoders see of `images` when encoding them to posterior means."""
        raise NotImplementedError

    def latent_layer(self, index: int, features, z_previous):
        """Returns (posterior over eps_l, prior over eps_l, bijector f_l) of layer `index`.

        `features` is the layer's encoding of the data (`self.encoders[index]`);
        `z_previous` is z_{l-1} (ignored for the first layer).
        """
        features = tf.cast(features, tf.float32)  # Mixed precision: densities in float32.
        if index == 0:
            standard = tfd.Normal(tf.zeros([tf.shape(features)[0], self.latent_dim]), 1.0)
            prior = tfd.Independent(standard, 1)
            raw = self.posterior_residuals[0](features)
        else:
            context = tf.math.asinh(z_previous)
            prior = diagonal_normal(self.priors[index - 1](context), self.min_scale)
            if self.self_reflective:
                residual = self.posterior_residuals[index](tf.concat([features, context], -1))
                raw = self.posterior_bases[index - 1](context) + residual
            else:
                raw = self.posterior_residuals[index](features)
        posterior = diagonal_normal(raw, self.min_scale)
        return posterior, prior, self.bijector(index, z_previous)

    def bijector(self, index: int, z_previous) -> tfp.bijectors.Bijector:
        """f_l of layer `index` given z_{l-1} (the identity without self-reflection)."""
        if not self.self_reflective:
            return tfp.bijectors.Identity()
        context = None if index == 0 else tf.math.asinh(z_previous)
        return self.bijectors[index].bijector(context)

    def posterior_chain(self, inputs, draw):
        """Runs the posterior down the chain with eps_l = draw(q_l) from the encodings of
        `inputs`; returns the lists (posteriors, priors, eps_l, z_l)."""
        z, posteriors, priors, eps_list, codes = None, [], [], [], []
        for i, encoder in enumerate(self.encoders):
            features = tf.cast(encoder(inputs), tf.float32)
            posterior, prior, bijector = self.latent_layer(i, features, z)
            eps = draw(posterior)
            z = bijector.forward(eps)
            posteriors.append(posterior)
            priors.append(prior)
            eps_list.append(eps)
            codes.append(z)
        return posteriors, priors, eps_list, codes

    @staticmethod
    def kl_and_log_ratio(posteriors, priors, eps_list):
        """The eps-space KL of every layer [B, L] and sum_l log p(eps_l) - log q(eps_l) [B]."""
        pairs = zip(posteriors, priors, strict=True)
        kl = tf.stack([tfd.kl_divergence(q, p) for q, p in pairs], axis=-1)
        log_ratio = tf.add_n(
            [
                p.log_prob(eps) - q.log_prob(eps)
                for q, p, eps in zip(posteriors, priors, eps_list, strict=True)
            ]
        )
        return kl, log_ratio

    def prior_codes(self, num_samples, temperature, noise) -> list:
        """Ancestral draws of z_1..z_L with the prior scales multiplied by `temperature`."""
        shape = [num_samples, self.latent_dim]
        z, codes = None, []
        for i in range(self.num_layers):
            if i == 0:
                mean, scale = tf.zeros(shape), tf.ones(shape)
            else:
                prior = diagonal_normal(self.priors[i - 1](tf.math.asinh(z)), self.min_scale)
                mean, scale = prior.mean(), prior.stddev()
            z = self.bijector(i, z).forward(mean + temperature * scale * noise.normal(shape))
            codes.append(z)
        return codes

    def codes_of(self, latents) -> list:
        """The codes z_l = f_l(eps_l; z_{l-1}) of base variables `latents` (from `encode`)."""
        z, codes = None, []
        for i, eps in enumerate(latents):
            z = self.bijector(i, z).forward(eps)
            codes.append(z)
        return codes

    def posterior_means_and_scales(self, images):
        """Posterior means and scales of eps_l along the chain z_l = f_l(mean_l; z_{l-1})."""
        posteriors = self.posterior_chain(self.encoder_inputs(images), lambda q: q.mean())[0]
        return [q.mean() for q in posteriors], [q.stddev() for q in posteriors]

    def get_config(self):
        config = super().get_config()
        config.update(
            num_layers=self.num_layers, latent_dim=self.latent_dim, min_scale=self.min_scale
        )
        return config
