import numpy as np
import pytest
import tensorflow as tf
from scipy.special import softmax

from tests.layer_checks import (
    assert_config_round_trip,
    assert_keras_reload,
    assert_same_outputs_and_gradients,
    built_num_trainable,
)
from tfavi.models.attentive_vae.non_local_block import NonLocalBlock


def _inputs(shape=(2, 3, 4, 6)):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


def _gated_block():
    """A built block with gate 0.7 and logit scale 1.3, and its inputs."""
    block = NonLocalBlock(key_dim=4)
    x = _inputs()
    block.build(x.shape)
    block.gate.gamma.assign(0.7)
    block.scale.assign(1.3)
    return block, x


def test_identity_at_initialisation_because_the_gate_is_zero():
    block = NonLocalBlock(key_dim=4)
    x = _inputs()
    np.testing.assert_array_equal(block(x).numpy(), x)
    assert float(block.gate.gamma.numpy()) == 0.0 and float(block.scale.numpy()) == 1.0


def test_output_is_input_plus_gated_softmax_attention():
    block, x = _gated_block()
    q, k, v = (
        conv(x).numpy().reshape(2, 12, -1)
        for conv in (block.query_conv, block.key_conv, block.value_conv)
    )
    weights = softmax(1.3 * q @ k.transpose(0, 2, 1), axis=-1)
    expected = x + 0.7 * (weights @ v).reshape(x.shape)
    np.testing.assert_allclose(block(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(block.attention_weights(x).numpy().sum(-1), 1.0, rtol=1e-6)


def test_scaled_queries_give_the_outputs_and_gradients_of_scaled_logits():
    block, x = _gated_block()

    def reference(x):
        q, k, v = (
            tf.reshape(conv(x), (2, 12, -1))
            for conv in (block.query_conv, block.key_conv, block.value_conv)
        )
        weights = tf.nn.softmax(block.scale * tf.matmul(q, k, transpose_b=True), axis=-1)
        return x + block.gate.gamma * tf.reshape(weights @ v, x.shape)

    assert_same_outputs_and_gradients(block, reference, [x], block.trainable_weights)


@pytest.mark.parametrize("channels, key_dim", [(6, 4), (138, 32), (72, 8)])
def test_parameter_count_formula(channels, key_dim):
    c, d = channels, key_dim
    with_bias = built_num_trainable(NonLocalBlock(d), (None, 4, 4, c))
    without_bias = built_num_trainable(NonLocalBlock(d, use_bias=False), (None, 4, 4, c))
    assert with_bias == 2 * (c * d + 2 * d) + c * c + 2 * c + 2
    assert without_bias == 2 * c * d + 2 * d + c * c + c + 2


def test_gate_and_scale_regularisation_strengths():
    block = NonLocalBlock(key_dim=2, l2=0.0, gate_l2=0.01)
    block.build((None, 2, 2, 3))
    block.gate.gamma.assign(2.0)
    np.testing.assert_allclose(float(sum(block.losses)), 0.01 * 4.0, rtol=1e-6)


def test_serialization(tmp_path):
    block = NonLocalBlock(key_dim=3, use_bias=False, gate_l2=0.02)
    assert_config_round_trip(block)
    reloaded = assert_keras_reload(block, _inputs((1, 2, 2, 5)), tmp_path)
    assert reloaded.key_dim == 3 and reloaded.use_bias is False


@pytest.mark.parametrize("chunk", [5, 12, 100])
def test_chunked_queries_give_the_same_outputs_and_gradients(chunk):
    x = tf.constant(_inputs((2, 3, 4, 6)))
    full = NonLocalBlock(key_dim=4)
    chunked = NonLocalBlock(key_dim=4, query_chunk_size=chunk)
    for block in (full, chunked):
        block.build(x.shape)
    chunked.set_weights(full.get_weights())
    full.gate.gamma.assign(0.7)
    chunked.gate.gamma.assign(0.7)
    results = []
    for block in (full, chunked):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = block(x)
            loss = tf.reduce_sum(tf.sin(y))
        results.append((y, tape.gradient(loss, [x, *block.trainable_weights])))
    (y_full, g_full), (y_chunked, g_chunked) = results
    assert not np.allclose(y_full.numpy(), x.numpy())
    np.testing.assert_allclose(y_chunked.numpy(), y_full.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(g_full, g_chunked, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-4, atol=1e-5)
    assert NonLocalBlock.from_config(chunked.get_config()).query_chunk_size == chunk
