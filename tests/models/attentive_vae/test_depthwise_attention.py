import math

import keras
import numpy as np
import pytest
from keras import ops
from scipy.special import softmax

from tests.layer_checks import (
    assert_config_round_trip,
    assert_keras_reload,
    assert_same_outputs_and_gradients,
)
from tfavi.models.attentive_vae.decoder_depthwise_attention import DecoderDepthwiseAttention
from tfavi.models.attentive_vae.depthwise_attention import DepthwiseAttention
from tfavi.models.attentive_vae.encoder_depthwise_attention import EncoderDepthwiseAttention
from tfavi.models.attentive_vae.gated_residual import GatedResidual
from tfavi.models.attentive_vae.layer_norm_gelu_residual import LayerNormGeluResidual, tanh_gelu


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def test_weights_are_a_softmax_over_depth_of_unscaled_dot_products():
    query, keys, values = (
        _normal(2, 3, 3, 4),
        _normal(2, 5, 3, 3, 4, seed=1),
        _normal(2, 5, 3, 3, 6, seed=2),
    )
    out, weights = DepthwiseAttention()(query, keys, values, return_attention_scores=True)
    expected_weights = softmax(np.einsum("bhwd,bnhwd->bnhw", query, keys), axis=1)
    np.testing.assert_allclose(weights.numpy(), expected_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weights.numpy().sum(axis=1), 1.0, rtol=1e-6)
    expected = np.einsum("bnhw,bnhwc->bhwc", expected_weights, values)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)
    assert (
        DepthwiseAttention().compute_output_shape(query.shape, keys.shape, values.shape)
        == out.shape
    )


def test_a_single_entry_gets_weight_one_without_a_warning(recwarn):
    values = _normal(2, 1, 3, 3, 6, seed=2)
    out, weights = DepthwiseAttention()(
        _normal(2, 3, 3, 4), _normal(2, 1, 3, 3, 4, seed=1), values, return_attention_scores=True
    )
    np.testing.assert_array_equal(weights.numpy(), 1.0)
    np.testing.assert_allclose(out.numpy(), values[:, 0], rtol=1e-6)
    assert not [w for w in recwarn if "softmax" in str(w.message)]


def test_equal_keys_average_the_values():
    keys = np.repeat(_normal(1, 1, 2, 2, 3), 4, axis=1)
    values = _normal(1, 4, 2, 2, 5, seed=1)
    out = DepthwiseAttention()(_normal(1, 2, 2, 3, seed=2), keys, values)
    np.testing.assert_allclose(out.numpy(), values.mean(axis=1), rtol=1e-5, atol=1e-6)


def test_layer_norm_gelu_residual_uses_the_tanh_gelu():
    x = _normal(2, 2, 2, 8) * 3 + 1
    normalised = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    gelu = (
        0.5
        * normalised
        * (1 + np.tanh(math.sqrt(2 / math.pi) * (normalised + 0.044715 * normalised**3)))
    )
    np.testing.assert_allclose(LayerNormGeluResidual()(x).numpy(), x + gelu, rtol=1e-4, atol=1e-4)


def test_tanh_gelu_is_the_keras_tanh_gelu_with_its_gradient():
    assert_same_outputs_and_gradients(
        tanh_gelu,
        lambda x: keras.activations.gelu(x, approximate=True),
        [3 * _normal(4, 50)],
        atol=1e-5,  # Of gradients up to ~1.1, cancelling in the tails.
    )


@pytest.mark.parametrize("use_layer_norm", [False, True])
def test_encoder_attention_gives_the_outputs_and_gradients_of_sliced_channels(use_layer_norm):
    layer = EncoderDepthwiseAttention(use_layer_norm=use_layer_norm)
    feature, key = _normal(2, 3, 3, 5), _normal(2, 3, 3, 4, seed=1)
    layer.build(feature.shape)
    layer.gate.gamma.assign(0.6)

    def reference(feature, key, query, memory):
        values = ops.concatenate([feature[:, None], memory[..., :5]], axis=1)
        keys = ops.concatenate([key[:, None], memory[..., 5:]], axis=1)
        attended, scores = layer.attention(query, keys, values, return_attention_scores=True)
        if use_layer_norm:
            attended, feature = layer.output_norm(attended), layer.feature_norm(feature)
        return ops.concatenate([layer.gate(feature, attended), key], axis=-1), scores

    inputs = [feature, key, _normal(2, 3, 3, 4, seed=2), _normal(2, 2, 3, 3, 9, seed=3)]
    assert_same_outputs_and_gradients(layer, reference, inputs, layer.trainable_weights)


@pytest.mark.parametrize("use_layer_norm", [False, True])
@pytest.mark.parametrize("depth", [1, 3])
def test_decoder_attention_gives_the_outputs_and_gradients_of_sliced_memory(use_layer_norm, depth):
    layer = DecoderDepthwiseAttention(use_layer_norm=use_layer_norm)
    context = _normal(2, 3, 3, 5)
    layer.build(context.shape)
    layer.gate.gamma.assign(0.6)

    def reference(context, query, memory):
        values, keys = memory[..., :5], memory[..., 5:]
        if use_layer_norm:
            context = layer.context_norm(context)
            newest = layer.value_norm(values[:, -1])
            values = ops.concatenate([values[:, :-1], newest[:, None]], axis=1)
        attended, scores = layer.attention(query, keys, values, return_attention_scores=True)
        if use_layer_norm:
            attended = layer.output_norm(attended)
        return context, layer.gate(context, attended), scores

    inputs = [context, _normal(2, 3, 3, 4, seed=1), _normal(2, depth, 3, 3, 9, seed=2)]
    assert_same_outputs_and_gradients(layer, reference, inputs, layer.trainable_weights)


def test_layer_norm_gelu_residual_regularises_gamma_and_beta_at_one_hundredth():
    layer = LayerNormGeluResidual()
    layer.build((None, 8))
    np.testing.assert_allclose(float(sum(layer.losses)), 0.01 * 8, rtol=1e-6)


def test_gate_is_zero_at_initialisation():
    gate = GatedResidual()
    x, update = _normal(2, 3), _normal(2, 3, seed=1)
    np.testing.assert_array_equal(gate(x, update).numpy(), x)
    gate.gamma.assign(0.5)
    np.testing.assert_allclose(gate(x, update).numpy(), x + 0.5 * update, rtol=1e-6)
    assert keras.ops.shape(gate.gamma) == ()


def test_serialization(tmp_path):
    inputs = [_normal(1, 2, 2, 3), _normal(1, 4, 2, 2, 3, seed=1), _normal(1, 4, 2, 2, 5, seed=2)]
    assert_keras_reload(DepthwiseAttention(), inputs, tmp_path)
    for layer, layer_inputs in (
        (LayerNormGeluResidual(l2=0.0), inputs[0]),
        (GatedResidual(), inputs[:1] * 2),
    ):
        assert_config_round_trip(layer)
        assert_keras_reload(layer, layer_inputs, tmp_path)
