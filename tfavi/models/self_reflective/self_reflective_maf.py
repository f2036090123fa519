"""SeRe-MAF, the hierarchical variational normalizing flow of SeRe-VAE."""

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.api_export import tfavi_export
from tfavi.bijectors.conditional_maf import ConditionalMAF
from tfavi.bijectors.conditional_spline_coupling import ConditionalSplineCoupling
from tfavi.bijectors.rank_one_affine import RankOneAffine
from tfavi.models.logit_space import to_images, to_logit_space
from tfavi.models.self_reflective.self_reflective_chain import SelfReflectiveChain
from tfavi.models.self_reflective.sere_networks import sere_network

tfb = tfp.bijectors
tfd = tfp.distributions


@tfavi_export
class SelfReflectiveMAF(SelfReflectiveChain):
    """SeRe-MAF on images in the MAF convention (`tfavi.models.MAF` is its flow baseline).

    Images x = k/255 are dequantized to (k + u) / 256, u ~ U[0, 1), and mapped to
    y = logit(alpha + (1 - 2 alpha) x); `recon_log_prob` is the continuous log-density of y
    in nats (the MAF papers' test log-likelihood). y is cut into `num_layers` raster blocks of
    the flattened HWC vector. Layer l has the SeRe-VAE latent chain (amortised diagonal
    Gaussian prior and residual posterior over eps_l, z_l = f_l(eps_l; z_{l-1}) with f_l a
    `ConditionalSplineCoupling` shared by both paths, layer 1 with N(0, I) and an
    unconditioned f_1) and models block y_l with a conditional MAF of `num_flows` MADEs
    whose context is (asinh(z_l), y_{l-1}), on a unit-rank Gaussian base whose parameters are
    a first estimate from asinh(z_l) plus a residual from (asinh(z_l), y_{l-1}).

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
        num_layers: latent layers L (= data blocks), at least 1.
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
        if num_layers < 1:
            raise ValueError(
                f"SelfReflectiveMAF needs num_layers >= 1, got {num_layers}; the plain MAF "
                "is tfavi.models.MAF."
            )
        super().__init__(
            image_shape=image_shape,
            num_layers=num_layers,
            latent_dim=latent_dim,
            min_scale=min_scale,
            **kwargs,
        )
        self.num_flows = num_flows
        self.made_units = made_units
        self.hidden_units = hidden_units
        self.num_hidden_layers = num_hidden_layers
        self.num_couplings = num_couplings
        self.num_bins = num_bins
        self.spline_bound = spline_bound
        self.activation = activation
        self.logit_alpha = logit_alpha

        def network(outputs, name, initializer="glorot_uniform"):
            return sere_network(
                "mlp", hidden_units, num_hidden_layers, activation, outputs, name, initializer
            )

        # Each MAF starts as the identity (see `tfavi.models.MAF`).
        self.flows = [
            ConditionalMAF(size, num_flows, [made_units], activation, "zeros", name=f"maf_{i}")
            for i, size in enumerate(self.block_sizes)
        ]
        self.encoders = [network(None, f"encoder_{i}") for i in range(num_layers)]
        # Zero output weights: every prior and posterior starts as the same N(0, 0.69^2).
        self._create_chain(
            lambda name: network(2 * latent_dim, name, "zeros"),
            lambda i: ConditionalSplineCoupling(
                latent_dim,
                num_couplings,
                num_bins,
                spline_bound,
                [hidden_units],
                activation,
                name=f"f_{i}",
            ),
        )
        self.base_networks = [
            network(3 * size, f"base_{i}", "zeros") for i, size in enumerate(self.block_sizes)
        ]
        self.base_residuals = [
            network(3 * size, f"base_residual_{i}", "zeros")
            for i, size in enumerate(self.block_sizes[1:], 1)
        ]

    def build(self, input_shape):
        n = self.latent_dim
        contexts = [n] + [n + size for size in self.block_sizes[:-1]]
        for flow, size, context in zip(self.flows, self.block_sizes, contexts, strict=True):
            flow.build((None, size), (None, context))
        for encoder in self.encoders:
            encoder.build((None, self.num_dimensions))
        self._build_chain(self.hidden_units)
        for network in self.base_networks:
            network.build((None, n))
        for residual, context in zip(self.base_residuals, contexts[1:], strict=True):
            residual.build((None, context))

    def encoder_inputs(self, images):
        """Logit-space images at the mid-bin dequantization."""
        return to_logit_space(images, 0.5, self.logit_alpha)

    def data_distribution(self, index: int, z, previous_block) -> tfd.Distribution:
        """p(y_l | z_l, y_{l-1}): a MAF on a unit-rank Gaussian base."""
        context = tf.math.asinh(z)
        if index > 0:
            context = tf.concat([context, previous_block], axis=-1)
        raw = self.base_networks[index](tf.math.asinh(z))
        if index > 0:
            raw += self.base_residuals[index - 1](context)
        mean, raw_diag, factor = tf.split(tf.cast(raw, tf.float32), 3, axis=-1)
        scale = RankOneAffine(mean, tf.nn.softplus(raw_diag) + self.min_scale, factor)
        bijector = tfb.Chain([self.flows[index].bijector(context), scale])
        base = tfd.Sample(tfd.Normal(0.0, 1.0), self.block_sizes[index])
        return tfd.TransformedDistribution(base, bijector)

    def call(self, images, training=None):
        noise = self.noise()
        shape = [tf.shape(images)[0], self.num_dimensions]
        y = to_logit_space(images, noise.uniform(shape), self.logit_alpha)

        def reparameterize(posterior):
            return posterior.mean() + posterior.stddev() * noise.normal(tf.shape(posterior.mean()))

        posteriors, priors, eps_list, codes = self.posterior_chain(y, reparameterize)
        blocks = tf.split(y, self.block_sizes, axis=-1)
        previous = [None, *blocks[:-1]]
        recon = tf.add_n(
            [
                self.data_distribution(i, z, x_previous).log_prob(x)
                for i, (z, x, x_previous) in enumerate(zip(codes, blocks, previous, strict=True))
            ]
        )
        kl, log_ratio = self.kl_and_log_ratio(posteriors, priors, eps_list)
        return {"recon_log_prob": recon, "kl": kl, "log_weight": recon + log_ratio}

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        """Ancestral samples as images in [0, 1]; an integer `seed` makes them reproducible.

        The temperature scales the latent priors and the data layers' base noise.
        """
        noise = self.noise(seed)
        codes = self.prior_codes(num_samples, temperature, noise)
        bases = [temperature * noise.normal([num_samples, size]) for size in self.block_sizes]
        return self._data_forward_all(codes, bases)

    def decode(self, latents):
        """Maps eps_l to images; block l is the MAF image of its base mean given block l-1."""
        codes = self.codes_of(latents)
        batch = tf.shape(latents[0])[0]
        return self._data_forward_all(codes, [tf.zeros([batch, n]) for n in self.block_sizes])

    def _data_forward_all(self, codes, bases):
        """Images of the data layers' flows of `bases` given the codes, block by block."""
        previous, blocks = None, []
        for i, (z, base) in enumerate(zip(codes, bases, strict=True)):
            previous = self._data_forward(i, z, previous, base)
            blocks.append(previous)
        return to_images(tf.concat(blocks, axis=-1), self.logit_alpha, self.image_shape)

    @tf.function(reduce_retracing=True, autograph=False)
    def _data_forward(self, index: int, z, previous_block, base):
        """y_l = the MAF of data layer `index` applied to base values, as one compiled graph."""
        return self.data_distribution(index, z, previous_block).bijector.forward(base)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_flows=self.num_flows,
            made_units=self.made_units,
            hidden_units=self.hidden_units,
            num_hidden_layers=self.num_hidden_layers,
            num_couplings=self.num_couplings,
            num_bins=self.num_bins,
            spline_bound=self.spline_bound,
            activation=self.activation,
            logit_alpha=self.logit_alpha,
        )
        return config
