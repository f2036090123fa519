"""One latent layer of the Deep Attentive VAE: decoder step, prior and posterior."""

import collections

import keras
import tensorflow as tf
from keras import ops

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.concat_conv2d import ConcatConv2D
from tfavi.models.attentive_vae.conv2d_sum import Conv2DSum
from tfavi.models.attentive_vae.decoder_depthwise_attention import DecoderDepthwiseAttention
from tfavi.models.attentive_vae.encoder_depthwise_attention import EncoderDepthwiseAttention
from tfavi.models.attentive_vae.gaussian_parameter_bound import GaussianParameterBound
from tfavi.models.attentive_vae.gaussian_parameter_net import GaussianParameterNet
from tfavi.models.attentive_vae.graphical_posterior import num_coupling_maps
from tfavi.models.attentive_vae.residual_cell import ResidualCell
from tfavi.models.attentive_vae.weight_defaults import (
    GATE_L2,
    LAMBDA_REG,
    deep_vae_initializer,
    l2_regularizer,
)

DecoderStep = collections.namedtuple(
    "DecoderStep", ["context", "condition", "encoder_query", "attention"]
)
"""A decoder step: the context passed on (c_l || k_l), the prior condition, the encoder query
and the decoder attention weights (None at layer 0 or without attention)."""


@tfavi_export
class AttentiveVariationalLayer(keras.layers.Layer):
    """Latent layer `index` of a Deep Attentive VAE (NVAE without attention).

    Decoder: layer 0 tiles a learned constant; layer l >= 1 merges the previous context with
    z_{l-1} (WN 1x1 conv to width g_l), runs a residual cell and splits the result into the
    context c_l (V channels), the key k_l (not at the last layer) and the query s_l; the
    decoder depth-wise attention then gives the prior condition. Prior: N(0, I) at layer 0,
    else ELU + WN 1x1 conv. Posterior: the encoder merge of e_l with the prior condition
    (e_0 alone at layer 0), the encoder depth-wise attention, then a WN 3x3 conv (ELU, 1x1,
    ELU, 3x3 at layer 0); for l >= 1 its raw output is added to the prior's raw parameters
    (NVAE's residual posterior). Training-time noise N(0, stddev^2) is added to the raw
    log-scales; means are 5 tanh(mu / 10), log-scales bounded (spec section 5). With a
    graphical `posterior_structure` the posterior network also emits the raw coupling maps
    of `graphical_posterior` (not summed with the prior, which stays diagonal).

    Call `build` with the encoder feature shape `[B, h, w, E + k_e]`, then `decode`, `prior`
    and `posterior` in that order.

    Args:
        index: position l of the layer, 0 at the top.
        num_layers: number of latent layers L.
        latent_channels: channels of z_l.
        context_channels: width V of the decoder context.
        encoder_channels: width E of the encoder values.
        decoder_attention_dim: key = query width of the decoder attention, or None for none.
        encoder_attention_dim: key = query width of the encoder attention, or None for none.
        decoder_attention_layer_norm: layer norms of the decoder attention.
        encoder_attention_layer_norm: layer norms of the encoder attention.
        cell_nonlocal_key_dim: non-local key width in the decoder cell nodes, or None.
        merge_nonlocal_key_dim: non-local key width after both merges, or None.
        prior_log_scale_bounds: `(low, high)` of the prior log-scales.
        posterior_log_scale_bounds: `(low, high)` of the posterior log-scales.
        prior_noise_stddev: training noise on the prior raw log-scales; 0 for none.
        posterior_noise_stddev: training noise on the posterior raw log-scales; 0 for none.
        bn_momentum: batch-norm momentum of the decoder cell.
        l2: L2 strength of convolutions and batch norms.
        gate_l2: L2 strength of layer norms, gates and the layer-0 constant.
        posterior_structure: `diagonal` or a graphical structure of `graphical_posterior`.
        **kwargs: passed to `keras.layers.Layer`.

    Reference:
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022;
        Vahdat & Kautz, "NVAE: A Deep Hierarchical Variational Autoencoder", NeurIPS 2020.
    """

    def __init__(
        self,
        index: int,
        num_layers: int,
        latent_channels: int = 20,
        context_channels: int = 256,
        encoder_channels: int = 256,
        decoder_attention_dim: int | None = None,
        encoder_attention_dim: int | None = None,
        decoder_attention_layer_norm: bool = True,
        encoder_attention_layer_norm: bool = False,
        cell_nonlocal_key_dim: int | None = None,
        merge_nonlocal_key_dim: int | None = None,
        prior_log_scale_bounds=(-5.0, 5.0),
        posterior_log_scale_bounds=(-5.0, 5.0),
        prior_noise_stddev: float = 0.0,
        posterior_noise_stddev: float = 0.0,
        bn_momentum: float = 0.9,
        l2: float = LAMBDA_REG,
        gate_l2: float = GATE_L2,
        posterior_structure: str = "diagonal",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.index = index
        self.num_layers = num_layers
        self.latent_channels = latent_channels
        self.context_channels = context_channels
        self.encoder_channels = encoder_channels
        self.decoder_attention_dim = decoder_attention_dim
        self.encoder_attention_dim = encoder_attention_dim
        self.decoder_attention_layer_norm = decoder_attention_layer_norm
        self.encoder_attention_layer_norm = encoder_attention_layer_norm
        self.cell_nonlocal_key_dim = cell_nonlocal_key_dim
        self.merge_nonlocal_key_dim = merge_nonlocal_key_dim
        self.prior_log_scale_bounds = list(prior_log_scale_bounds)
        self.posterior_log_scale_bounds = list(posterior_log_scale_bounds)
        self.prior_noise_stddev = prior_noise_stddev
        self.posterior_noise_stddev = posterior_noise_stddev
        self.bn_momentum = bn_momentum
        self.l2 = l2
        self.gate_l2 = gate_l2
        self.posterior_structure = posterior_structure

        self.is_first = index == 0
        self.is_last = index == num_layers - 1
        self.key_dim = decoder_attention_dim or 0
        self.encoder_key_dim = encoder_attention_dim or 0
        self.decoder_width = context_channels + self.key_dim * (
            (not self.is_first) + (not self.is_last)
        )
        nonlocal_args = dict(nonlocal_key_dim=merge_nonlocal_key_dim, l2=l2, gate_l2=gate_l2)
        couplings = num_coupling_maps(posterior_structure)
        if self.is_first:
            self.posterior_net = GaussianParameterNet(
                latent_channels=latent_channels,
                kernel_size=3,
                num_convs=2,
                activation="elu",
                l2=l2,
                num_coupling_maps=couplings,
                name="posterior_net",
            )
        else:
            self.merge = ConcatConv2D(filters=self.decoder_width, **nonlocal_args, name="merge")
            self.decoder_cell = ResidualCell(
                nonlocal_key_dim=cell_nonlocal_key_dim,
                bn_momentum=bn_momentum,
                l2=l2,
                gate_l2=gate_l2,
                name="decoder_cell",
            )
            self.prior_net = GaussianParameterNet(
                latent_channels=latent_channels,
                kernel_size=1,
                activation="elu",
                l2=l2,
                name="prior_net",
            )
            self.encoder_merge = Conv2DSum(
                filters=encoder_channels + self.encoder_key_dim,
                **nonlocal_args,
                name="encoder_merge",
            )
            self.posterior_net = GaussianParameterNet(
                latent_channels=latent_channels,
                kernel_size=3,
                activation=None,
                l2=l2,
                num_coupling_maps=couplings,
                name="posterior_net",
            )
        self.decoder_attention = None
        if decoder_attention_dim and not self.is_first:
            self.decoder_attention = DecoderDepthwiseAttention(
                use_layer_norm=decoder_attention_layer_norm,
                gate_l2=gate_l2,
                name="decoder_attention",
            )
        self.encoder_attention = None
        if encoder_attention_dim:
            self.encoder_attention = EncoderDepthwiseAttention(
                use_layer_norm=encoder_attention_layer_norm,
                gate_l2=gate_l2,
                name="encoder_attention",
            )
        self.prior_bound = _bound(prior_log_scale_bounds, name="prior_bound")
        self.posterior_bound = _bound(posterior_log_scale_bounds, name="posterior_bound")

    def build(self, feature_shape):
        batch, height, width = feature_shape[:3]
        self.latent_size = (height, width)

        def maps(channels):
            return (batch, height, width, channels)

        if self.is_first:
            self.constant = self.add_weight(
                name="constant",
                shape=(1, height, width, self.decoder_width),
                initializer=deep_vae_initializer(),
                regularizer=l2_regularizer(self.gate_l2),
            )
        else:
            self.merge.build([maps(self.context_channels), maps(self.latent_channels)])
            self.decoder_cell.build(maps(self.decoder_width))
            self.prior_net.build(maps(self.context_channels))
            self.encoder_merge.build([maps(self.encoder_channels), maps(self.context_channels)])
        if self.decoder_attention is not None:
            self.decoder_attention.build(maps(self.context_channels))
        if self.encoder_attention is not None:
            self.encoder_attention.build(maps(self.encoder_channels))
        self.posterior_net.build(maps(self.encoder_channels + self.encoder_key_dim))

    def decode(self, batch_size, previous_context, previous_z, memory, training=None):
        """The decoder step of this layer from c_{l-1} || k_{l-1}, z_{l-1} and the memory
        [c_0, ..., c_{l-1}] of the attention (unused at layer 0)."""
        # Channel blocks are cut with splits: their gradients are cheaper than a strided slice's.
        if self.is_first:
            cell = tf.tile(self.constant, [batch_size, 1, 1, 1])
        else:
            previous_context, _ = tf.split(previous_context, [self.context_channels, -1], axis=-1)
            cell = self.decoder_cell(self.merge([previous_context, previous_z]), training=training)
        has_key = bool(self.key_dim) and not self.is_last
        has_query = self.decoder_attention is not None
        context, *blocks = tf.split(
            cell, [self.context_channels] + [self.key_dim] * (has_key + has_query), axis=-1
        )
        key = blocks[0] if has_key else None
        encoder_query, _ = tf.split(context, [self.encoder_key_dim, -1], axis=-1)
        condition, scores = context, None
        if has_query:
            query = blocks[-1]
            context, condition, scores = self.decoder_attention(
                context, query, ops.stack(memory, axis=1)
            )
        if key is not None:
            context = ops.concatenate([context, key], axis=-1)
        return DecoderStep(context, condition, encoder_query, scores)

    def prior(self, condition, noise, training=None):
        """`(raw, loc, scale)` of p(z_l | z_<l); raw is None for the N(0, I) of layer 0."""
        if self.is_first:
            loc = tf.zeros(
                [ops.shape(condition)[0], *self.latent_size, self.latent_channels],
                condition.dtype,
            )
            return None, loc, ops.ones_like(loc)
        raw = self._noisy(self.prior_net(condition), self.prior_noise_stddev, noise, training)
        return (raw, *self.prior_bound(raw))

    def posterior(self, features, step, prior_raw, noise, training=None):
        """`(loc, scale, raw couplings or None, encoder attention weights or None)` of
        q(z_l | x, z_<l), from the encoder features [e_l, ..., e_L], the decoder step and the
        raw prior parameters; the couplings are None for a diagonal posterior."""
        merged = features[0]
        if not self.is_first:
            values, _ = tf.split(merged, [self.encoder_channels, -1], axis=-1)
            merged = self.encoder_merge([values, step.condition])
        scores = None
        if self.encoder_attention is not None:
            values, key = tf.split(merged, [self.encoder_channels, -1], axis=-1)
            merged, scores = self.encoder_attention(
                values, key, step.encoder_query, ops.stack(features[1:], axis=1)
            )
        raw, couplings = self.posterior_net(merged), None
        if self.posterior_structure != "diagonal":
            raw, couplings = tf.split(raw, [2 * self.latent_channels, -1], axis=-1)
        raw = self._noisy(raw, self.posterior_noise_stddev, noise, training)
        if prior_raw is not None:
            raw = raw + prior_raw
        return (*self.posterior_bound(raw), couplings, scores)

    @staticmethod
    def _noisy(raw, stddev, noise, training):
        """Adds N(0, stddev^2) to the raw log-scales (second half of the channels) in training;
        `noise` is the model's `NoiseStream`."""
        if not training or stddev <= 0:
            return raw
        loc, rho = ops.split(raw, 2, axis=-1)
        return ops.concatenate([loc, rho + stddev * noise.normal(tf.shape(rho), rho.dtype)], -1)

    def get_config(self):
        config = super().get_config()
        config.update(
            index=self.index,
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
            bn_momentum=self.bn_momentum,
            l2=self.l2,
            gate_l2=self.gate_l2,
            posterior_structure=self.posterior_structure,
        )
        return config


def _bound(log_scale_bounds, name: str) -> GaussianParameterBound:
    low, high = log_scale_bounds
    return GaussianParameterBound(log_scale_low=low, log_scale_high=high, name=name)
