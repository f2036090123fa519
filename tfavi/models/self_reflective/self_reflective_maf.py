"""SeRe-MAF, the hierarchical variational normalizing flow of SeRe-VAE, and the plain MAF."""

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.api_export import tfavi_export
from tfavi.bijectors.conditional_maf import ConditionalMAF
from tfavi.bijectors.conditional_spline_coupling import ConditionalSplineCoupling
from tfavi.bijectors.rank_one_affine import RankOneAffine
from tfavi.models.hierarchical_vae import HierarchicalVAE
from tfavi.models.self_reflective.self_reflective_vae import (
    diagonal_normal,
    raster_block_sizes,
    standard_normal,
)
from tfavi.models.self_reflective.sere_networks import sere_network

tfb = tfp.bijectors
tfd = tfp.distributions


@tfavi_export
class SelfReflectiveMAF(HierarchicalVAE):
    """SeRe-MAF on images in the MAF convention; with `num_layers=0`, the plain MAF.

    Images x = k/255 are dequantized to (k + u) / 256, u ~ U[0, 1), and mapped to
    y = logit(alpha + (1 - 2 alpha) x); `recon_log_prob` is the continuous log-density of y
    in nats (the MAF papers' test log-likelihood). y is cut into `num_layers` raster blocks of
    the flattened HWC vector. Layer l has the SeRe-VAE latent chain (amortised diagonal
    Gaussian prior and residual posterior over eps_l, z_l = f_l(eps_l; z_{l-1}) with f_l a
    `ConditionalSplineCoupling` shared by both paths, layer 1 with N(0, I) and an
    unconditioned f_1) and models block y_l with a conditional MAF of `num_flows` MADEs
    whose context is (asinh(z_l), y_{l-1}), on a unit-rank Gaussian base whose parameters are
    a first estimate from asinh(z_l) plus a residual from (asinh(z_l), y_{l-1}). With
    `num_layers=0` the model is one MAF of `num_flows` MADEs over all of y on a standard
    normal base (kl has shape [B, 0]; `reconstruct` returns the images, a flow being
    bijective).

    Choices where the paper's appendix is lost: blocks of ceil(D / L) values (615 for
    CIFAR-10, the last 612); the unit-rank base is N(mu, S S^T) with the scale
    S = diag(d) + u u^T (the `RankOneAffine` map of a standard normal), a diagonal-plus-rank-one
    scale rather than Rezende et al.'s diagonal-plus-rank-one precision; MADEs have one
    hidden layer of `made_units`; the MAF context includes y_{l-1}; the encoders, priors,
    posteriors and base networks have `num_hidden_layers` hidden layers of `hidden_units`;
    the spline couplings have one hidden layer of `hidden_units`. `sample` returns
    floor(256 x) / 255, clipped to [0, 1]; `decode` pushes each base mean through its MAF.
    The MAF's sampling pass is a loop over the dimensions of a block, so `sample` and
    `decode` run it as a compiled graph even when called eagerly.

    Args:
        image_shape: `(height, width, channels)` of the images.
        num_layers: latent layers L (= data blocks); 0 gives the plain MAF.
        latent_dim: latent variables per layer.
        num_flows: MADEs of each data layer's MAF.
        made_units: hidden units of each MADE.
        hidden_units: width of the other networks.
        num_hidden_layers: hidden layers of the encoders, priors, posteriors and bases.
        num_couplings: spline coupling layers of each latent bijector f_l.
        num_bins: bins of each spline.
        spline_bound: the splines act on [-bound, bound].
        activation: hidden activation.
        logit_alpha: alpha of the logit transform (0.05 for CIFAR-10 in the MAF code).
        min_scale: floor of the Gaussian scales and of the base diagonal.

    Example:
    >>> model = SelfReflectiveMAF(image_shape=(8, 8, 3), num_layers=2, latent_dim=4)
    >>> model(tf.zeros([2, 8, 8, 3]))["kl"].shape
    TensorShape([2, 2])

    Reference:
        Apostolopoulou, Rosenfeld, Dubrawski, "Self-Reflective Variational Autoencoder",
        arXiv 2007.05166, §5.3; Papamakarios, Pavlakou, Murray, "Masked Autoregressive Flow
        for Density Estimation", NeurIPS 2017.
    """

    def __init__(
        self,
        image_shape=(32, 32, 3),
        num_layers: int = 5,
        latent_dim: int = 40,
        num_flows: int = 2,
        made_units: int = 1024,
        hidden_units: int = 512,
        num_hidden_layers: int = 2,
        num_couplings: int = 4,
        num_bins: int = 8,
        spline_bound: float = 3.0,
        activation: str = "relu",
        logit_alpha: float = 0.05,
        min_scale: float = 1e-3,
        **kwargs,
    ):
        super().__init__(image_shape=image_shape, num_latent_layers=num_layers, **kwargs)
        self.num_layers = num_layers
        self.latent_dim = latent_dim
        self.num_flows = num_flows
        self.made_units = made_units
        self.hidden_units = hidden_units
        self.num_hidden_layers = num_hidden_layers
        self.num_couplings = num_couplings
        self.num_bins = num_bins
        self.spline_bound = spline_bound
        self.activation = activation
        self.logit_alpha = logit_alpha
        self.min_scale = min_scale
        self.block_sizes = raster_block_sizes(self.num_dimensions, max(num_layers, 1))

        def network(outputs, name, initializer="glorot_uniform"):
            return sere_network(
                "mlp", hidden_units, num_hidden_layers, activation, outputs, name, initializer
            )

        # Each MAF starts as the identity: with random output weights, 10 MADEs over 3,072
        # values compound their scales and the initial log-density overflows.
        self.flows = [
            ConditionalMAF(size, num_flows, [made_units], activation, "zeros", name=f"maf_{i}")
            for i, size in enumerate(self.block_sizes)
        ]
        if num_layers == 0:
            return
        # Zero output weights: every prior and posterior starts as the same N(0, 0.69^2).
        self.encoders = [network(None, f"encoder_{i}") for i in range(num_layers)]
        self.priors = [network(2 * latent_dim, f"prior_{i}", "zeros") for i in range(1, num_layers)]
        self.posterior_residuals = [
            network(2 * latent_dim, f"posterior_{i}", "zeros") for i in range(num_layers)
        ]
        self.posterior_bases = [
            network(2 * latent_dim, f"posterior_base_{i}", "zeros") for i in range(1, num_layers)
        ]
        self.bijectors = [
            ConditionalSplineCoupling(
                latent_dim,
                num_couplings,
                num_bins,
                spline_bound,
                [hidden_units],
                activation,
                name=f"f_{i}",
            )
            for i in range(num_layers)
        ]
        self.base_networks = [
            network(3 * size, f"base_{i}", "zeros") for i, size in enumerate(self.block_sizes)
        ]
        self.base_residuals = [
            network(3 * size, f"base_residual_{i}", "zeros")
            for i, size in enumerate(self.block_sizes[1:], 1)
        ]

    def build(self, input_shape):
        n = self.latent_dim
        if self.num_layers == 0:
            self.flows[0].build((None, self.num_dimensions), None)
            return
        contexts = [n] + [n + size for size in self.block_sizes[:-1]]
        for flow, size, context in zip(self.flows, self.block_sizes, contexts, strict=True):
            flow.build((None, size), (None, context))
        for encoder in self.encoders:
            encoder.build((None, self.num_dimensions))
        for prior, base in zip(self.priors, self.posterior_bases, strict=True):
            prior.build((None, n))
            base.build((None, n))
        self.posterior_residuals[0].build((None, self.hidden_units))
        for residual in self.posterior_residuals[1:]:
            residual.build((None, self.hidden_units + n))
        for i, bijector in enumerate(self.bijectors):
            bijector.build((None, n), None if i == 0 else (None, n))
        for network in self.base_networks:
            network.build((None, n))
        for residual, context in zip(self.base_residuals, contexts[1:], strict=True):
            residual.build((None, context))

    def to_logit_space(self, images, noise):
        """y = logit(alpha + (1 - 2 alpha)(255 x + noise) / 256), flattened to [B, D]."""
        counts = tf.round(tf.reshape(tf.cast(images, tf.float32), [-1, self.num_dimensions]) * 255)
        squeezed = self.logit_alpha + (1 - 2 * self.logit_alpha) * (counts + noise) / 256.0
        return tf.math.log(squeezed) - tf.math.log1p(-squeezed)

    def _to_images(self, logits):
        x = (tf.sigmoid(logits) - self.logit_alpha) / (1 - 2 * self.logit_alpha)
        pixels = tf.clip_by_value(tf.floor(x * 256.0) / 255.0, 0.0, 1.0)
        return tf.reshape(pixels, [-1, *self.image_shape])

    def data_distribution(self, index: int, z, previous_block) -> tfd.Distribution:
        """p(y_l | z_l, y_{l-1}): MAF on a unit-rank Gaussian base (standard normal if L = 0)."""
        size = self.block_sizes[index]
        if self.num_layers == 0:
            base = tfd.MultivariateNormalDiag(tf.zeros([size]))
            return tfd.TransformedDistribution(base, self.flows[0].bijector(None))
        context = tf.math.asinh(z)
        if index > 0:
            context = tf.concat([context, previous_block], axis=-1)
        raw = self.base_networks[index](tf.math.asinh(z))
        if index > 0:
            raw += self.base_residuals[index - 1](context)
        mean, raw_diag, factor = tf.split(tf.cast(raw, tf.float32), 3, axis=-1)
        scale = RankOneAffine(mean, tf.nn.softplus(raw_diag) + self.min_scale, factor)
        bijector = tfb.Chain([self.flows[index].bijector(context), scale])
        base = tfd.Sample(tfd.Normal(0.0, 1.0), size)
        return tfd.TransformedDistribution(base, bijector)

    def latent_layer(self, index: int, features, z_previous):
        """Returns (posterior over eps_l, prior over eps_l, bijector f_l) of layer `index`."""
        features = tf.cast(features, tf.float32)
        if index == 0:
            prior = standard_normal(tf.shape(features)[0], self.latent_dim)
            raw = self.posterior_residuals[0](features)
            return self._normal(raw), prior, self.bijectors[0].bijector(None)
        context = tf.math.asinh(z_previous)
        residual = self.posterior_residuals[index](tf.concat([features, context], -1))
        raw = self.posterior_bases[index - 1](context) + residual
        prior = self._normal(self.priors[index - 1](context))
        return self._normal(raw), prior, self.bijectors[index].bijector(context)

    def _normal(self, parameters):
        return diagonal_normal(parameters, self.min_scale)

    def call(self, images, training=None):
        shape = tf.shape(tf.reshape(images, [-1, self.num_dimensions]))
        noise = self.noise()
        y = self.to_logit_space(images, noise.uniform(shape))
        blocks = tf.split(y, self.block_sizes, axis=-1)
        if self.num_layers == 0:
            log_density = self.data_distribution(0, None, None).log_prob(y)
            kl = tf.zeros([shape[0], 0])
            return {"recon_log_prob": log_density, "kl": kl, "log_weight": log_density}
        z, previous, recon, kls, log_ratio = None, None, 0.0, [], 0.0
        for i, (encoder, block) in enumerate(zip(self.encoders, blocks, strict=True)):
            posterior, prior, bijector = self.latent_layer(i, encoder(y), z)
            eps = posterior.mean() + posterior.stddev() * noise.normal(tf.shape(posterior.mean()))
            z = bijector.forward(eps)
            recon += self.data_distribution(i, z, previous).log_prob(block)
            kls.append(tfd.kl_divergence(posterior, prior))
            log_ratio += prior.log_prob(eps) - posterior.log_prob(eps)
            previous = block
        return {"recon_log_prob": recon, "kl": tf.stack(kls, -1), "log_weight": recon + log_ratio}

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        """Ancestral samples as images in [0, 1]; an integer `seed` makes them reproducible.

        The temperature scales the latent priors and the data layers' base noise.
        """
        noise = self.noise(seed)
        z, previous, blocks = None, None, []
        for i, size in enumerate(self.block_sizes):
            if self.num_layers:
                shape = [num_samples, self.latent_dim]
                if i == 0:
                    mean, scale = tf.zeros(shape), tf.ones(shape)
                else:
                    prior = self._normal(self.priors[i - 1](tf.math.asinh(z)))
                    mean, scale = prior.mean(), prior.stddev()
                eps = mean + temperature * scale * noise.normal(shape)
                z = self.bijectors[i].bijector(None if i == 0 else tf.math.asinh(z)).forward(eps)
            base = temperature * noise.normal([num_samples, size])
            previous = self._data_forward(i, z, previous, base)
            blocks.append(previous)
        return self._to_images(tf.concat(blocks, axis=-1))

    @tf.function(reduce_retracing=True)
    def _data_forward(self, index: int, z, previous_block, base):
        """y_l = the MAF of data layer `index` applied to base values, as one compiled graph."""
        return self.data_distribution(index, z, previous_block).bijector.forward(base)

    def posterior_means_and_scales(self, images):
        """Posterior means and scales of eps_l (at the mid-bin dequantization) along the chain."""
        if self.num_layers == 0:
            return [], []
        y = self.to_logit_space(images, 0.5)
        z, means, scales = None, [], []
        for i, encoder in enumerate(self.encoders):
            posterior, _, bijector = self.latent_layer(i, encoder(y), z)
            means.append(posterior.mean())
            scales.append(posterior.stddev())
            z = bijector.forward(posterior.mean())
        return means, scales

    def decode(self, latents):
        """Maps eps_l to images; block l is the MAF image of its base mean given block l-1."""
        z, previous, blocks = None, None, []
        for i, eps in enumerate(latents):
            z = self.bijectors[i].bijector(None if i == 0 else tf.math.asinh(z)).forward(eps)
            base_mean = tf.zeros([tf.shape(eps)[0], self.block_sizes[i]])
            previous = self._data_forward(i, z, previous, base_mean)
            blocks.append(previous)
        return self._to_images(tf.concat(blocks, axis=-1))

    def reconstruct(self, images):
        if self.num_layers == 0:
            return tf.convert_to_tensor(images, tf.float32)
        return super().reconstruct(images)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_layers=self.num_layers,
            latent_dim=self.latent_dim,
            num_flows=self.num_flows,
            made_units=self.made_units,
            hidden_units=self.hidden_units,
            num_hidden_layers=self.num_hidden_layers,
            num_couplings=self.num_couplings,
            num_bins=self.num_bins,
            spline_bound=self.spline_bound,
            activation=self.activation,
            logit_alpha=self.logit_alpha,
            min_scale=self.min_scale,
        )
        return config
