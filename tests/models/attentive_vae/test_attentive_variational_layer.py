"""The latent layer's decoder step and posterior route their channel blocks as strided slices
of them would: same outputs and gradients."""

import numpy as np
import pytest
from keras import ops

from tests.layer_checks import assert_same_outputs_and_gradients
from tfavi.models.attentive_vae.attentive_variational_layer import (
    AttentiveVariationalLayer,
    DecoderStep,
)

E, EK, K, C = 6, 2, 3, 2  # encoder values, encoder key, decoder key, latent channels
L = 4  # layers: at layer 2 the decoder attends over two contexts
V = E + EK  # context width
SHAPE = (2, 3, 3)


def _normal(channels, seed, depth=None):
    shape = SHAPE[:1] + ((depth,) if depth else ()) + SHAPE[1:] + (channels,)
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _layer(index, structure="diagonal"):
    layer = AttentiveVariationalLayer(
        index,
        num_layers=L,
        latent_channels=C,
        context_channels=V,
        encoder_channels=E,
        decoder_attention_dim=K,
        encoder_attention_dim=EK,
        encoder_attention_layer_norm=True,
        posterior_structure=structure,
    )
    layer.build(SHAPE + (V,))
    for attention in (layer.decoder_attention, layer.encoder_attention):
        if attention is not None:
            attention.gate.gamma.assign(0.6)
    return layer


@pytest.mark.parametrize("index", range(L))
def test_decode_cuts_the_cell_into_context_key_and_query(index):
    layer = _layer(index)

    def decode(previous_context=None, previous_z=None, *memory):
        return layer.decode(2, previous_context, previous_z, list(memory), training=False)

    def reference(previous_context=None, previous_z=None, *memory):
        if index == 0:
            cell = ops.tile(layer.constant, (2, 1, 1, 1))
        else:
            merged = layer.merge([previous_context[..., :V], previous_z])
            cell = layer.decoder_cell(merged, training=False)
        context, key = cell[..., :V], cell[..., V : V + K]
        condition, scores = context, None
        if index > 0:
            context, condition, scores = layer.decoder_attention(
                context, cell[..., -K:], ops.stack(memory, axis=1)
            )
        if index < L - 1:
            context = ops.concatenate([context, key], axis=-1)
        return DecoderStep(context, condition, cell[..., :EK], scores)

    inputs = []
    if index > 0:
        inputs = [_normal(V + K, 0), _normal(C, 1)] + [_normal(V + K, 2 + i) for i in range(index)]
    assert_same_outputs_and_gradients(decode, reference, inputs, layer.trainable_weights)


@pytest.mark.parametrize("index, structure", [(0, "diagonal"), (1, "diagonal"), (1, "chain")])
def test_posterior_cuts_features_and_raw_parameters(index, structure):
    layer = _layer(index, structure)

    def posterior(condition, encoder_query, prior_raw, *features):
        step = DecoderStep(None, condition, encoder_query, None)
        prior_raw = prior_raw if index else None
        return layer.posterior(list(features), step, prior_raw, noise=None, training=False)

    def reference(condition, encoder_query, prior_raw, *features):
        merged = features[0]
        if index:
            merged = layer.encoder_merge([merged[..., :E], condition])
        merged, scores = layer.encoder_attention(
            merged[..., :E], merged[..., E:], encoder_query, ops.stack(features[1:], axis=1)
        )
        raw, couplings = layer.posterior_net(merged), None
        if structure != "diagonal":
            raw, couplings = raw[..., : 2 * C], raw[..., 2 * C :]
        if index:
            raw = raw + prior_raw
        return (*layer.posterior_bound(raw), couplings, scores)

    features = [_normal(V, 3 + i) for i in range(L - index)]
    inputs = [_normal(V, 0), _normal(EK, 1), _normal(2 * C, 2), *features]
    assert_same_outputs_and_gradients(posterior, reference, inputs, layer.trainable_weights)
