"""The Self-Reflective VAE (SeRe-VAE) on binary images, and its DLGM ablation."""

import math

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.api_export import tfavi_export
from tfavi.bijectors.conditional_rank_one_affine import ConditionalRankOneAffine
from tfavi.models.hierarchical_vae import HierarchicalVAE
from tfavi.models.self_reflective.sere_networks import sere_network

tfb = tfp.bijectors
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


def standard_normal(batch_size, size: int) -> tfd.Distribution:
    """N(0, I) over `[batch_size, size]`: the prior of the first latent layer."""
    return tfd.Independent(tfd.Normal(tf.zeros([batch_size, size]), 1.0), 1)


@tfavi_export
class SelfReflectiveVAE(HierarchicalVAE):
    """SeRe-VAE: L latent layers, each generating one raster block of a binary image.

    Layer l draws base variables eps_l from an amortised diagonal Gaussian prior
    p(eps_l | z_{l-1}) (layer 1: N(0, I)), maps them to the code z_l = f_l(eps_l; z_{l-1}) by
    the rank-one affine bijector `ConditionalRankOneAffine` (layer 1: free parameters), and
    emits Bernoulli logits of block x_l as gamma^1(z_l) + delta(x_{l-1}, z_l). The posterior
    q(eps_l | z_{l-1}, x) is a diagonal Gaussian whose parameters are a first estimate from
    z_{l-1} plus a residual from z_{l-1} and the layer's own deterministic encoder of the full
    image; the bijectors are shared by both paths, so the KLs and the importance weights are
    computed in eps-space and need no Jacobians.

    With `self_reflective=False` the same budget forms the DLGM baseline (Rezende et al. 2014):
    z_l = eps_l with the amortised prior p(z_l | z_{l-1}), posterior layers independent given
    x, q(z_l | x), and one decoder of the whole image from all codes (z_1, ..., z_L).

    Every network sees a code z through the injective map asinh(z): the rank-one term of f_l is
    quadratic in a linear function of its input, so raw codes compound across layers (they
    overflow float32 by layer 10 at initialisation); asinh keeps them tame and loses nothing.

    Choices where the paper's appendix is lost: blocks of ceil(D / L) pixels (79 for MNIST,
    the last 73); scales softplus(.) + `min_scale`; the posterior's first estimate has its own
    network (not shared with the prior); residuals are added to the raw (pre-softplus)
    parameters; every network has `num_hidden_layers` hidden layers of `hidden_units` units
    (`encoder_units` for the encoders, whose last hidden layer is the feature); `decode`
    conditions block l on the Bernoulli means of block l-1; `sample` conditions it on a
    Bernoulli draw of block l-1 and returns the means.

    Args:
        image_shape: `(height, width, channels)` of the binary images.
        num_layers: number of latent layers L (= number of data blocks).
        latent_dim: latent variables per layer N_l.
        hidden_units: width of the prior, posterior, bijector and data networks.
        encoder_units: width of the per-layer data encoders.
        num_hidden_layers: hidden layers of every network.
        activation: hidden-layer activation.
        architecture: `mlp` or `resnet` (residual dense blocks, convolutional encoders).
        self_reflective: False gives the DLGM baseline described above.
        min_scale: floor added to the softplus of Gaussian scales and of the bijector diagonal.

    Example:
    >>> model = SelfReflectiveVAE(image_shape=(28, 28, 1), num_layers=10, latent_dim=10)
    >>> model(tf.zeros([2, 28, 28, 1]))["kl"].shape
    TensorShape([2, 10])

    Reference:
        Apostolopoulou, Rosenfeld, Dubrawski, "Self-Reflective Variational Autoencoder",
        arXiv 2007.05166; Rezende, Mohamed, Wierstra, "Stochastic Backpropagation and
        Approximate Inference in Deep Generative Models", ICML 2014.
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_layers: int = 10,
        latent_dim: int = 10,
        hidden_units: int = 256,
        encoder_units: int = 256,
        num_hidden_layers: int = 2,
        activation: str = "elu",
        architecture: str = "mlp",
        self_reflective: bool = True,
        min_scale: float = 1e-3,
        **kwargs,
    ):
        super().__init__(image_shape=image_shape, num_latent_layers=num_layers, **kwargs)
        self.num_layers = num_layers
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.encoder_units = encoder_units
        self.num_hidden_layers = num_hidden_layers
        self.activation = activation
        self.architecture = architecture
        self.self_reflective = self_reflective
        self.min_scale = min_scale
        self.block_sizes = raster_block_sizes(self.num_dimensions, num_layers)

        def network(outputs, name, units=hidden_units, kind="dense", initializer="glorot_uniform"):
            kind = kind if architecture == "resnet" else "mlp"
            return sere_network(
                kind, units, num_hidden_layers, activation, outputs, name, initializer
            )

        def gaussian_network(name):
            # Zero output weights: every prior and posterior starts as the same N(0, 0.69^2).
            return network(2 * latent_dim, name, initializer="zeros")

        n = latent_dim
        self.encoders = [
            network(None, f"encoder_{i}", encoder_units, "conv") for i in range(num_layers)
        ]
        self.priors = [gaussian_network(f"prior_{i}") for i in range(1, num_layers)]
        self.posterior_residuals = [gaussian_network(f"posterior_{i}") for i in range(num_layers)]
        if self_reflective:
            self.posterior_bases = [
                gaussian_network(f"posterior_base_{i}") for i in range(1, num_layers)
            ]
            self.bijectors = [
                ConditionalRankOneAffine(
                    n, [hidden_units] * num_hidden_layers, activation, min_scale, name=f"f_{i}"
                )
                for i in range(num_layers)
            ]
            self.data_bases = [
                network(size, f"data_base_{i}") for i, size in enumerate(self.block_sizes)
            ]
            self.data_residuals = [
                network(size, f"data_residual_{i}")
                for i, size in enumerate(self.block_sizes[1:], 1)
            ]
        else:
            self.decoder = network(self.num_dimensions, "decoder")

    @property
    def binary_images(self) -> bool:
        return True

    def build(self, input_shape):
        n, features = self.latent_dim, self.encoder_units
        for encoder in self.encoders:
            encoder.build((None, *self.image_shape))
        for prior in self.priors:
            prior.build((None, n))
        if not self.self_reflective:
            for posterior in self.posterior_residuals:
                posterior.build((None, features))
            self.decoder.build((None, self.num_layers * n))
            return
        self.posterior_residuals[0].build((None, features))
        for base, residual in zip(self.posterior_bases, self.posterior_residuals[1:], strict=True):
            base.build((None, n))
            residual.build((None, features + n))
        for i, bijector in enumerate(self.bijectors):
            bijector.build((None, n), None if i == 0 else (None, n))
        for base in self.data_bases:
            base.build((None, n))
        for residual, previous in zip(self.data_residuals, self.block_sizes, strict=False):
            residual.build((None, previous + n))

    def latent_layer(self, index: int, features, z_previous):
        """Returns (posterior over eps_l, prior over eps_l, bijector f_l) of layer `index`.

        `features` is the layer's encoding of the images (`self.encoders[index]`);
        `z_previous` is z_{l-1} (ignored for the first layer).
        """
        if index == 0:
            prior = standard_normal(tf.shape(features)[0], self.latent_dim)
            raw = self.posterior_residuals[0](features)
            bijector = self.bijectors[0].bijector(None) if self.self_reflective else None
        else:
            context = tf.math.asinh(z_previous)
            prior = diagonal_normal(self.priors[index - 1](context), self.min_scale)
            if self.self_reflective:
                residual = self.posterior_residuals[index](tf.concat([features, context], -1))
                raw = self.posterior_bases[index - 1](context) + residual
                bijector = self.bijectors[index].bijector(context)
            else:
                raw = self.posterior_residuals[index](features)
                bijector = None
        posterior = diagonal_normal(raw, self.min_scale)
        return posterior, prior, bijector or tfb.Identity()

    def _block_logits(self, index: int, z, previous_block):
        context = tf.math.asinh(z)
        logits = self.data_bases[index](context)
        if index > 0:
            logits += self.data_residuals[index - 1](tf.concat([previous_block, context], -1))
        return tf.cast(logits, tf.float32)

    def _blocks(self, images):
        flat = tf.reshape(tf.cast(images, tf.float32), [-1, self.num_dimensions])
        return tf.split(flat, self.block_sizes, axis=-1)

    def _image(self, blocks):
        return tf.reshape(tf.concat(blocks, axis=-1), [-1, *self.image_shape])

    def _run_chain(self, images, draw):
        """Runs the posterior chain with eps_l = draw(posterior); returns per-layer lists."""
        z, posteriors, priors, eps_list, codes = None, [], [], [], []
        for i, encoder in enumerate(self.encoders):
            features = tf.cast(encoder(images), tf.float32)
            posterior, prior, bijector = self.latent_layer(i, features, z)
            eps = draw(posterior)
            z = bijector.forward(eps)
            posteriors.append(posterior)
            priors.append(prior)
            eps_list.append(eps)
            codes.append(z)
        return posteriors, priors, eps_list, codes

    def _logits(self, codes, blocks):
        """Bernoulli logits of every block; `blocks[l - 1]` conditions block l."""
        if not self.self_reflective:
            flat = tf.cast(self.decoder(tf.math.asinh(tf.concat(codes, -1))), tf.float32)
            return tf.split(flat, self.block_sizes, axis=-1)
        previous = [None, *blocks[:-1]]
        pairs = enumerate(zip(codes, previous, strict=True))
        return [self._block_logits(i, z, x) for i, (z, x) in pairs]

    def call(self, images, training=None):
        images = tf.cast(images, tf.float32)
        noise = self.noise()

        def reparameterize(posterior):
            return posterior.mean() + posterior.stddev() * noise.normal(tf.shape(posterior.mean()))

        posteriors, priors, eps_list, codes = self._run_chain(images, reparameterize)
        blocks = self._blocks(images)
        recon = tf.add_n(
            [
                -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=g), -1)
                for x, g in zip(blocks, self._logits(codes, blocks), strict=True)
            ]
        )
        kl = tf.stack(
            [tfd.kl_divergence(q, p) for q, p in zip(posteriors, priors, strict=True)], axis=-1
        )
        log_ratio = tf.add_n(
            [
                p.log_prob(eps) - q.log_prob(eps)
                for q, p, eps in zip(posteriors, priors, eps_list, strict=True)
            ]
        )
        return {"recon_log_prob": recon, "kl": kl, "log_weight": recon + log_ratio}

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        """Ancestral samples (Bernoulli means); an integer `seed` makes them reproducible."""
        noise = self.noise(seed)
        shape = [num_samples, self.latent_dim]
        z, codes, means, previous = None, [], [], None
        for i in range(self.num_layers):
            if i == 0:
                mean, scale = tf.zeros(shape), tf.ones(shape)
            else:
                prior = diagonal_normal(self.priors[i - 1](tf.math.asinh(z)), self.min_scale)
                mean, scale = prior.mean(), prior.stddev()
            eps = mean + temperature * scale * noise.normal(shape)
            z = self._transform(i, eps, z)
            codes.append(z)
            if self.self_reflective:
                probabilities = tf.sigmoid(self._block_logits(i, z, previous))
                uniform = noise.uniform(tf.shape(probabilities))
                previous = tf.cast(uniform < probabilities, tf.float32)
                means.append(probabilities)
        if not self.self_reflective:
            means = [tf.sigmoid(g) for g in self._logits(codes, None)]
        return self._image(means)

    def _transform(self, index: int, eps, z_previous):
        if not self.self_reflective:
            return eps
        context = None if index == 0 else tf.math.asinh(z_previous)
        return self.bijectors[index].bijector(context).forward(eps)

    def posterior_means_and_scales(self, images):
        """Posterior means and scales of eps_l along the chain z_l = f_l(mean_l; z_{l-1})."""
        posteriors = self._run_chain(tf.cast(images, tf.float32), lambda q: q.mean())[0]
        return [q.mean() for q in posteriors], [q.stddev() for q in posteriors]

    def decode(self, latents):
        """Maps base variables eps_l to Bernoulli means; block l sees block l-1's means."""
        z, codes = None, []
        for i, eps in enumerate(latents):
            z = self._transform(i, eps, z)
            codes.append(z)
        if not self.self_reflective:
            return self._image([tf.sigmoid(g) for g in self._logits(codes, None)])
        means, previous = [], None
        for i, z in enumerate(codes):
            previous = tf.sigmoid(self._block_logits(i, z, previous))
            means.append(previous)
        return self._image(means)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_layers=self.num_layers,
            latent_dim=self.latent_dim,
            hidden_units=self.hidden_units,
            encoder_units=self.encoder_units,
            num_hidden_layers=self.num_hidden_layers,
            activation=self.activation,
            architecture=self.architecture,
            self_reflective=self.self_reflective,
            min_scale=self.min_scale,
        )
        return config
