"""The Deep Attentive VAE (Apostolopoulou et al., ICLR 2022) and, without attention, NVAE."""

import keras
import tensorflow as tf
import tensorflow_probability as tfp
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.distributions.lattice_posterior import STRUCTURES, sample_with_noise
from tfavi.models.attentive_vae import diagonal_gaussian
from tfavi.models.attentive_vae.attentive_variational_layer import AttentiveVariationalLayer
from tfavi.models.attentive_vae.bernoulli_head import BernoulliHead
from tfavi.models.attentive_vae.concat_conv2d import ConcatConv2D
from tfavi.models.attentive_vae.discretized_logistic_mixture_head import (
    DiscretizedLogisticMixtureHead,
)
from tfavi.models.attentive_vae.graphical_posterior import graphical_posterior
from tfavi.models.attentive_vae.residual_cell import ResidualCell
from tfavi.models.attentive_vae.shared_cell_graphs import SharedCellGraphs
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, LAMBDA_REG, l2_regularizer
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D
from tfavi.models.density_model import repeat_draws
from tfavi.models.hierarchical_vae import HierarchicalVAE

tfd = tfp.distributions

OUTPUT_DISTRIBUTIONS = ("discretized_logistic_mixture", "bernoulli")
POSTERIOR_OUTPUTS = ("kl", "log_ratio", "posterior_loc", "posterior_scale", "encoder_attention")


@tfavi_export
class DeepAttentiveVAE(HierarchicalVAE):
    """Deep hierarchical VAE with depth-wise attention in the prior and the posterior.

    Images x in [0, 1] are zero-padded by `pad_size`, scaled to 2x - 1 and encoded by a
    residual pre-processing cell (one stride-2 block) into e_L; L residual encoder cells give
    e_{L-1}, ..., e_0. The top-down pass runs the `AttentiveVariationalLayer`s l = 0..L-1 on
    latents z_l of shape `[H/2, W/2, latent_channels]`; with decoder attention, the model
    also layer-normalises each stored context c_{l-2} once at step l. The last context is
    merged with z_{L-1}, upsampled by the post-processing cell and mapped to a discretized
    logistic mixture (RGB) or Bernoulli (binary, cropped by `pad_size`) likelihood. The KL
    terms are analytic; `log_weight` evaluates log p(z) - log q(z) at the sampled z.

    Posteriors: `diagonal` is the paper's N(mu, sigma^2). `chain`, `grid` and `extended_grid`
    make every layer's q(z_l | x, z_<l), per channel, a Gaussian graphical model over the
    `[H/2, W/2]` lattice of z_l (Peşte & Malagò, ICML 2017 workshop; docs/ggm_vae.md §2-§3):
    the posterior network emits 1 (chain) or 2 (grids) extra raw coupling maps per channel
    and `graphical_posterior` couples the bounded (mu, sigma) along raster order (chain),
    through the block-bidiagonal precision factor L = diag(sigma)^{-1} (I + E) (extended
    grid) or the 4-neighbour precision diag(sigma)^{-2} + G (grid); zero couplings give the
    diagonal posterior. The priors stay diagonal; the KL is exact (its trace term costs O(HW)
    for the chain and O(HW x W^2) for the grids, by the block recursion of §3.4); samples are
    mu + L^{-T} eps with eps from the model's noise stream and, like log q, cost O(HW) for the
    chain and the extended grid.

    Widths (spec section 1): E = 2 `num_filters` encoder values plus the encoder-attention
    key, context V = E + encoder key, decoder cells V plus the decoder key and query. With
    both attention dims None and no non-local blocks this is the NVAE baseline.

    Args:
        image_shape: `(height, width, channels)` of the data.
        num_layers: number of latent layers L.
        latent_channels: channels of each latent map.
        num_filters: stem width of the pre-processing cell (half the encoder width E).
        decoder_attention_dim: key = query width of the decoder attention, or None for none.
        encoder_attention_dim: key = query width (even) of the encoder attention, or None.
        decoder_attention_layer_norm: layer norms of the decoder attention.
        encoder_attention_layer_norm: layer norms of the encoder attention.
        cell_nonlocal_key_dim: non-local key width in every encoder/decoder cell node, or None.
        merge_nonlocal_key_dim: non-local key width after every merge cell, or None.
        preprocess_scales: block scales of the pre-processing cell (one -2).
        preprocess_nonlocal_key_dim: non-local key width in its nodes, or None.
        postprocess_scales: block scales of the post-processing cell (one +2).
        postprocess_nonlocal_key_dim: non-local key width in its nodes, or None.
        output_distribution: `discretized_logistic_mixture` (RGB) or `bernoulli`.
        num_mixtures: logistic mixture components.
        edge_threshold: top-edge threshold of the logistic mixture (0.99 in the official code).
        pad_size: zero-padding on every side (2 takes 28x28 images to 32x32).
        prior_log_scale_bounds: `(low, high)` of the prior log-scales.
        posterior_log_scale_bounds: `(low, high)` of the posterior log-scales.
        prior_noise_stddev: training noise on the prior raw log-scales; 0 for none.
        posterior_noise_stddev: training noise on the posterior raw log-scales; 0 for none.
        bn_momentum: batch-norm momentum of all residual cells.
        l2: L2 strength of convolutions, batch norms and non-local scales (1.5e-4).
        gate_l2: L2 strength of layer norms, gates and the learned constant (0.01).
        posterior_structure: `diagonal` (default), `chain`, `grid` or `extended_grid`.
        **kwargs: passed to `HierarchicalVAE` (e.g. `seed`).

    Example:
    >>> model = DeepAttentiveVAE((8, 8, 3), num_layers=2, latent_channels=2, num_filters=4,
    ...     decoder_attention_dim=2, encoder_attention_dim=2, cell_nonlocal_key_dim=None,
    ...     preprocess_scales=(-2,), preprocess_nonlocal_key_dim=None, postprocess_scales=(2,))
    >>> model(tf.zeros([1, 8, 8, 3]))["kl"].shape
    TensorShape([1, 2])

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022;
        Vahdat & Kautz, "NVAE: A Deep Hierarchical Variational Autoencoder", NeurIPS 2020.
    """

    def __init__(
        self,
        image_shape=(32, 32, 3),
        num_layers: int = 16,
        latent_channels: int = 20,
        num_filters: int = 128,
        decoder_attention_dim: int | None = 20,
        encoder_attention_dim: int | None = 20,
        decoder_attention_layer_norm: bool = True,
        encoder_attention_layer_norm: bool = True,
        cell_nonlocal_key_dim: int | None = 32,
        merge_nonlocal_key_dim: int | None = None,
        preprocess_scales=(0, -2),
        preprocess_nonlocal_key_dim: int | None = 32,
        postprocess_scales=(2, 0),
        postprocess_nonlocal_key_dim: int | None = None,
        output_distribution: str = "discretized_logistic_mixture",
        num_mixtures: int = 5,
        edge_threshold: float = 0.999,
        pad_size: int = 0,
        prior_log_scale_bounds=(-1.0, 5.0),
        posterior_log_scale_bounds=(-5.0, 5.0),
        prior_noise_stddev: float = 1e-3,
        posterior_noise_stddev: float = 1e-3,
        bn_momentum: float = 0.9,
        l2: float = LAMBDA_REG,
        gate_l2: float = GATE_L2,
        posterior_structure: str = "diagonal",
        **kwargs,
    ):
        super().__init__(image_shape=image_shape, num_latent_layers=num_layers, **kwargs)
        _check_arguments(
            self.image_shape,
            encoder_attention_dim,
            preprocess_scales,
            postprocess_scales,
            output_distribution,
            pad_size,
            posterior_structure,
        )
        self.num_layers = num_layers
        self.latent_channels = latent_channels
        self.num_filters = num_filters
        self.decoder_attention_dim = decoder_attention_dim
        self.encoder_attention_dim = encoder_attention_dim
        self.decoder_attention_layer_norm = decoder_attention_layer_norm
        self.encoder_attention_layer_norm = encoder_attention_layer_norm
        self.cell_nonlocal_key_dim = cell_nonlocal_key_dim
        self.merge_nonlocal_key_dim = merge_nonlocal_key_dim
        self.preprocess_scales = list(preprocess_scales)
        self.preprocess_nonlocal_key_dim = preprocess_nonlocal_key_dim
        self.postprocess_scales = list(postprocess_scales)
        self.postprocess_nonlocal_key_dim = postprocess_nonlocal_key_dim
        self.output_distribution = output_distribution
        self.num_mixtures = num_mixtures
        self.edge_threshold = edge_threshold
        self.pad_size = pad_size
        self.prior_log_scale_bounds = list(prior_log_scale_bounds)
        self.posterior_log_scale_bounds = list(posterior_log_scale_bounds)
        self.prior_noise_stddev = prior_noise_stddev
        self.posterior_noise_stddev = posterior_noise_stddev
        self.bn_momentum = bn_momentum
        self.l2 = l2
        self.gate_l2 = gate_l2
        self.posterior_structure = posterior_structure

        self.encoder_channels = 2 * num_filters
        self.context_channels = self.encoder_channels + (encoder_attention_dim or 0)
        self._make_encoder()
        self.latent_layers = [self._make_latent_layer(index) for index in range(num_layers)]
        self._make_decoder_output()

    @property
    def _cell_args(self) -> dict:
        return dict(bn_momentum=self.bn_momentum, l2=self.l2, gate_l2=self.gate_l2)

    def _make_encoder(self):
        """The pre-processing cell (stem width `num_filters` plus half the encoder key) and
        the L encoder cells."""
        self.preprocess = ResidualCell(
            scales=self.preprocess_scales,
            stem_filters=self.num_filters + (self.encoder_attention_dim or 0) // 2,
            nonlocal_key_dim=self.preprocess_nonlocal_key_dim,
            **self._cell_args,
            name="preprocess",
        )
        self.encoder_cells = [
            ResidualCell(
                nonlocal_key_dim=self.cell_nonlocal_key_dim, **self._cell_args, name=f"encoder_{j}"
            )
            for j in range(self.num_layers)
        ]

    def _make_latent_layer(self, index: int) -> AttentiveVariationalLayer:
        return AttentiveVariationalLayer(
            index=index,
            num_layers=self.num_layers,
            latent_channels=self.latent_channels,
            context_channels=self.context_channels,
            encoder_channels=self.encoder_channels,
            decoder_attention_dim=self.decoder_attention_dim,
            encoder_attention_dim=self.encoder_attention_dim,
            decoder_attention_layer_norm=self.decoder_attention_layer_norm,
            encoder_attention_layer_norm=self.encoder_attention_layer_norm,
            cell_nonlocal_key_dim=self.cell_nonlocal_key_dim,
            merge_nonlocal_key_dim=self.merge_nonlocal_key_dim,
            prior_log_scale_bounds=self.prior_log_scale_bounds,
            posterior_log_scale_bounds=self.posterior_log_scale_bounds,
            prior_noise_stddev=self.prior_noise_stddev,
            posterior_noise_stddev=self.posterior_noise_stddev,
            posterior_structure=self.posterior_structure,
            **self._cell_args,
            name=f"latent_{index}",
        )

    def _make_decoder_output(self):
        """The model-level context norms (step l >= 2 normalises the stored c_{l-2} with its
        key), the final merge with z_{L-1}, the post-processing cell and the data head."""
        self.context_norms = []
        if self.decoder_attention_dim:
            self.context_norms = [
                keras.layers.LayerNormalization(
                    epsilon=1e-5,
                    gamma_regularizer=l2_regularizer(self.gate_l2),
                    beta_regularizer=l2_regularizer(self.gate_l2),
                    name=f"context_norm_{l}",
                )
                for l in range(2, self.num_layers)  # noqa: E741
            ]
        self.final_merge = ConcatConv2D(
            filters=self.context_channels,
            nonlocal_key_dim=self.merge_nonlocal_key_dim,
            l2=self.l2,
            gate_l2=self.gate_l2,
            name="merge",
        )
        self.postprocess = ResidualCell(
            scales=self.postprocess_scales,
            nonlocal_key_dim=self.postprocess_nonlocal_key_dim,
            **self._cell_args,
            name="postprocess",
        )
        if self.output_distribution == "bernoulli":
            self.head = BernoulliHead(
                channels=self.image_shape[-1], pad_size=self.pad_size, l2=self.l2, name="head"
            )
        else:
            self.head = DiscretizedLogisticMixtureHead(
                num_mixtures=self.num_mixtures,
                edge_threshold=self.edge_threshold,
                l2=self.l2,
                name="head",
            )

    @property
    def remat(self) -> bool:
        """Whether training calls recompute every residual cell's activations in the backward
        pass instead of storing them (`ResidualCell.remat`; Chen et al., "Training Deep Nets
        with Sublinear Memory Cost", 2016): the recipe's `remat`, not part of the config."""
        return all(cell.remat for cell in self._residual_cells)

    @remat.setter
    def remat(self, value: bool) -> None:
        for cell in self._residual_cells:
            cell.remat = value

    @property
    def shared_cell_graphs(self) -> bool:
        """Whether the training calls of the residual cells of one configuration run through
        one traced function (`SharedCellGraphs`): the recipe's `shared_cell_graphs`, not part
        of the config."""
        return all(cell.shared_graphs is not None for cell in self._residual_cells)

    @shared_cell_graphs.setter
    def shared_cell_graphs(self, value: bool) -> None:
        shared = SharedCellGraphs() if value else None
        for cell in self._residual_cells:
            cell.shared_graphs = shared

    @property
    def forward_conv_gradients(self) -> bool:
        """Whether the stride-1 'same' convolutions compute their gradients as forward
        convolutions (`WeightNormConv2D.forward_gradients`, often faster on CPU): the recipe's
        `forward_conv_gradients`, not part of the config."""
        return all(conv.forward_gradients for conv in self._convolutions)

    @forward_conv_gradients.setter
    def forward_conv_gradients(self, value: bool) -> None:
        for conv in self._convolutions:
            conv.forward_gradients = value

    @property
    def _convolutions(self) -> list[WeightNormConv2D]:
        return [layer for layer in self._flatten_layers() if isinstance(layer, WeightNormConv2D)]

    @property
    def _residual_cells(self) -> list[ResidualCell]:
        decoder_cells = [layer.decoder_cell for layer in self.latent_layers[1:]]
        return [self.preprocess, *self.encoder_cells, *decoder_cells, self.postprocess]

    @property
    def latent_shape(self) -> tuple:
        """Shape `(h, w, c)` of every latent map."""
        height, width, _ = self.image_shape
        return (
            (height + 2 * self.pad_size) // 2,
            (width + 2 * self.pad_size) // 2,
            self.latent_channels,
        )

    @property
    def latent_shapes(self) -> list[tuple]:
        """Every layer's latent map: `latent_shape`."""
        return [self.latent_shape] * self.num_layers

    @property
    def binary_images(self) -> bool:
        return self.output_distribution == "bernoulli"

    def build(self, input_shape):
        height, width, channels = self.image_shape
        padded = (None, height + 2 * self.pad_size, width + 2 * self.pad_size, channels)
        self.preprocess.build(padded)
        features = self.preprocess.compute_output_shape(padded)
        for layer in self.encoder_cells + self.latent_layers:
            layer.build(features)
        maps = features[:3]
        for norm in self.context_norms:
            norm.build(maps + (self.context_channels + self.decoder_attention_dim,))
        self.final_merge.build([maps + (self.context_channels,), maps + (self.latent_channels,)])
        self.postprocess.build(maps + (self.context_channels,))
        self.head.build(self.postprocess.compute_output_shape(maps + (self.context_channels,)))

    def call(self, images, training=None):
        padded = self._pad(ops.cast(images, self.compute_dtype))
        return self._outputs(padded, self._bottom_up(padded, training), training)

    def _repeated_log_weight(self, images, num_samples):
        """The bottom-up pass does not depend on the draws: it runs once per image and its
        features are repeated (importance sampling ~1.4x faster on the small MNIST model)."""
        padded = self._pad(ops.cast(images, self.compute_dtype))
        features = [repeat_draws(f, num_samples) for f in self._bottom_up(padded, False)]
        padded = repeat_draws(padded, num_samples)
        return self._outputs(padded, features, training=False)["log_weight"]

    def _outputs(self, padded, features, training):
        """`call`'s outputs from the padded images and their encoder features."""
        outputs = self._top_down(ops.shape(padded)[0], features=features, training=training)
        targets = padded if self.output_distribution == "bernoulli" else 2.0 * padded - 1.0
        # The likelihood in float32: a bfloat16 sum over the pixels is off by nats.
        recon = self.head.log_prob(
            ops.cast(outputs["params"], "float32"), ops.cast(targets, "float32")
        )
        log_ratio = ops.sum(ops.stack(outputs["log_ratio"], axis=-1), axis=-1)
        return {
            "recon_log_prob": recon,
            "kl": ops.stack(outputs["kl"], axis=-1),
            "log_weight": recon + log_ratio,
        }

    def sample(self, num_samples: int, temperature: float = 1.0, seed=None):
        """Images drawn with every prior scale multiplied by `temperature`; the output is the
        likelihood's location (see `decode`). An integer `seed` (a Python int or an integer
        tensor, as in an exported SavedModel) makes the draw a stateless function of it."""
        outputs = self._top_down(num_samples, temperature=temperature, noise=self.noise(seed))
        return self.head.location(outputs["params"])

    def posterior_means_and_scales(self, images):
        """Posterior means and scales of every layer, each conditioned on the means above it."""
        outputs = self._posterior_pass(images)
        return outputs["posterior_loc"], outputs["posterior_scale"]

    def decode(self, latents):
        """Images in [0, 1]: Bernoulli probabilities, or for the logistic mixture the location
        of each pixel's most probable component (with its RGB coupling), clipped."""
        outputs = self._top_down(ops.shape(latents[0])[0], latents=latents)
        return self.head.location(outputs["params"])

    def attention_weights(self, images) -> dict:
        """Depth-wise attention weights along the posterior-mean path of `images`.

        Returns `{"decoder": [...], "encoder": [...]}`: for layer l >= 1 the decoder weights
        `[B, l, h, w]` over the contexts c_0..c_{l-1}, and for every layer l the encoder
        weights `[B, L + 1 - l, h, w]` over the features e_l..e_L; empty lists without
        attention. Each sums to one over its depth axis.
        """
        outputs = self._posterior_pass(images)
        return {"decoder": outputs["decoder_attention"], "encoder": outputs["encoder_attention"]}

    def _posterior_pass(self, images):
        padded = self._pad(ops.cast(images, self.compute_dtype))
        features = self._bottom_up(padded, training=False)
        return self._top_down(ops.shape(images)[0], features=features, posterior_mean=True)

    def _pad(self, images):
        if not self.pad_size:
            return images
        p = self.pad_size
        return ops.pad(images, [[0, 0], [p, p], [p, p], [0, 0]])

    def _bottom_up(self, padded, training):
        """Encoder features [e_0, ..., e_L] of padded images in [0, 1]."""
        features = [self.preprocess(2.0 * padded - 1.0, training=training)]
        for cell in reversed(self.encoder_cells):
            features.append(cell(features[-1], training=training))
        return features[::-1]

    def _top_down(
        self,
        batch_size,
        features=None,
        latents=None,
        temperature: float = 1.0,
        noise=None,
        posterior_mean: bool = False,
        training=None,
    ) -> dict:
        """The top-down pass. z_l is `latents[l]` if given, else a posterior draw (its mean
        with `posterior_mean`) if encoder `features` are given, else a prior draw at
        `temperature`; draws come from `noise` (default `self.noise()`). Returns the head
        parameters and, per layer, the decoder attention weights and (with `features`) the
        entries of `_posterior_step`."""
        noise = self.noise() if noise is None else noise
        outputs = {key: [] for key in ("decoder_attention", *POSTERIOR_OUTPUTS)}
        memory, context, z = [], None, None
        for index, layer in enumerate(self.latent_layers):
            if index >= 2 and self.context_norms:
                memory[index - 2] = self.context_norms[index - 2](memory[index - 2])
            step = layer.decode(batch_size, context, z, memory, training=training)
            prior = layer.prior(step.condition, noise, training=training)
            if features is None:
                _, p_loc, p_scale = prior
                z = p_loc + temperature * p_scale * _normal_like(p_loc, noise)
            else:
                z, layer_outputs = self._posterior_step(
                    layer, features[index:], step, prior, noise, posterior_mean, training
                )
                for key, value in layer_outputs.items():
                    outputs[key].append(value)
            if latents is not None:
                z = ops.cast(latents[index], z.dtype)
            if step.attention is not None:
                outputs["decoder_attention"].append(step.attention)
            context = step.context
            if self.decoder_attention_dim and not layer.is_last:
                memory.append(context)
        merged = self.final_merge([context, z])
        outputs["params"] = self.head(self.postprocess(merged, training=training))
        return outputs

    def _posterior_step(self, layer, features, step, prior, noise, posterior_mean, training):
        """z_l drawn from q(z_l | x, z_<l) (its mean with `posterior_mean`) and the layer's
        `POSTERIOR_OUTPUTS`: KL(q || p), log p(z_l) - log q(z_l), posterior mean and (marginal)
        scale, and the encoder attention weights (absent without encoder attention)."""
        prior_raw, p_loc, p_scale = prior
        q_loc, q_scale, couplings, scores = layer.posterior(
            features, step, prior_raw, noise, training
        )
        if couplings is None:
            z, outputs = _diagonal_terms(q_loc, q_scale, p_loc, p_scale, noise, posterior_mean)
        else:
            q = graphical_posterior(q_loc, q_scale, couplings, self.posterior_structure)
            z, outputs = _graphical_terms(q, q_loc, p_loc, p_scale, noise, posterior_mean)
        if scores is not None:
            outputs["encoder_attention"] = scores
        return z, outputs

    def get_config(self):
        config = super().get_config()
        config.update(
            num_layers=self.num_layers,
            latent_channels=self.latent_channels,
            num_filters=self.num_filters,
            decoder_attention_dim=self.decoder_attention_dim,
            encoder_attention_dim=self.encoder_attention_dim,
            decoder_attention_layer_norm=self.decoder_attention_layer_norm,
            encoder_attention_layer_norm=self.encoder_attention_layer_norm,
            cell_nonlocal_key_dim=self.cell_nonlocal_key_dim,
            merge_nonlocal_key_dim=self.merge_nonlocal_key_dim,
            preprocess_scales=self.preprocess_scales,
            preprocess_nonlocal_key_dim=self.preprocess_nonlocal_key_dim,
            postprocess_scales=self.postprocess_scales,
            postprocess_nonlocal_key_dim=self.postprocess_nonlocal_key_dim,
            output_distribution=self.output_distribution,
            num_mixtures=self.num_mixtures,
            edge_threshold=self.edge_threshold,
            pad_size=self.pad_size,
            prior_log_scale_bounds=self.prior_log_scale_bounds,
            posterior_log_scale_bounds=self.posterior_log_scale_bounds,
            prior_noise_stddev=self.prior_noise_stddev,
            posterior_noise_stddev=self.posterior_noise_stddev,
            bn_momentum=self.bn_momentum,
            l2=self.l2,
            gate_l2=self.gate_l2,
            posterior_structure=self.posterior_structure,
        )
        return config


def _diagonal_terms(q_loc, q_scale, p_loc, p_scale, noise, posterior_mean):
    """z and the per-layer outputs of a diagonal posterior."""
    z = q_loc if posterior_mean else q_loc + q_scale * _normal_like(q_loc, noise)
    kl = diagonal_gaussian.kl_divergence(q_loc, q_scale, p_loc, p_scale)
    log_ratio = diagonal_gaussian.log_prob(z, p_loc, p_scale) - diagonal_gaussian.log_prob(
        z, q_loc, q_scale
    )
    return z, {
        "kl": diagonal_gaussian.sum_per_example(kl),
        "log_ratio": diagonal_gaussian.sum_per_example(log_ratio),
        "posterior_loc": q_loc,
        "posterior_scale": q_scale,
    }


def _graphical_terms(q, q_loc, p_loc, p_scale, noise, posterior_mean):
    """z and the per-layer outputs of a graphical posterior `q` (a float32 `LatticeNormal` of
    mean `q_loc`): the exact KL to the diagonal prior and the marginal scales."""
    loc, p_loc, p_scale = (tf.cast(t, tf.float32) for t in (q_loc, p_loc, p_scale))
    p = tfd.Independent(tfd.Normal(p_loc, p_scale), reinterpreted_batch_ndims=3)
    z = loc if posterior_mean else sample_with_noise(q, _normal_like(loc, noise))
    outputs = {
        "kl": tfd.kl_divergence(q, p),
        "log_ratio": p.log_prob(z) - q.log_prob(z),
        "posterior_loc": loc,
        "posterior_scale": tf.sqrt(q.variance()),
    }
    return ops.cast(z, q_loc.dtype), {k: ops.cast(v, q_loc.dtype) for k, v in outputs.items()}


def _normal_like(like, noise):
    return noise.normal(tf.shape(like), like.dtype)


def _check_arguments(
    image_shape,
    encoder_attention_dim,
    preprocess_scales,
    postprocess_scales,
    output,
    pad_size,
    posterior_structure,
):
    """Raises ValueError on an architecture the model cannot build."""
    if posterior_structure not in STRUCTURES:
        raise ValueError(
            f"posterior_structure must be one of {STRUCTURES}, got {posterior_structure!r}."
        )
    if output not in OUTPUT_DISTRIBUTIONS:
        raise ValueError(
            f"output_distribution must be one of {OUTPUT_DISTRIBUTIONS}, got {output!r}"
        )
    if output == "discretized_logistic_mixture" and (image_shape[-1] != 3 or pad_size):
        raise ValueError("The logistic mixture models unpadded RGB images (3 channels, pad 0).")
    if sorted(s for s in preprocess_scales if s) != [-2] or sorted(
        s for s in postprocess_scales if s
    ) != [2]:
        raise ValueError(
            "The pre-processing cell must downsample once (one scale -2) and the "
            f"post-processing cell upsample once (one scale +2); got {list(preprocess_scales)} "
            f"and {list(postprocess_scales)}."
        )
    if (encoder_attention_dim or 0) % 2:
        raise ValueError(f"encoder_attention_dim must be even, got {encoder_attention_dim}.")
    if any((size + 2 * pad_size) % 2 for size in image_shape[:2]):
        raise ValueError(f"Padded image sides must be even; got {image_shape} with pad {pad_size}.")
