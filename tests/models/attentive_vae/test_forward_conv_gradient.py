"""Convolution gradients computed as forward convolutions (`forward_conv_gradients`): against
TensorFlow's own gradients of the convolution, and a training pass of an attentive VAE."""

import numpy as np
import pytest
import tensorflow as tf

from tests.models.attentive_vae.training_pass import (
    assert_same_training_pass,
    batch_norm_statistics,
    model_and_images,
    training_pass,
)
from tfavi.models.attentive_vae.forward_conv_gradient import (
    conv2d_with_forward_gradients,
    has_forward_gradients,
)
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


def _outputs_and_gradients(conv, inputs, kernel, upstream):
    with tf.GradientTape() as tape:
        tape.watch([inputs, kernel])
        outputs = conv(inputs, kernel)
        objective = tf.reduce_sum(outputs * upstream)
    return [outputs, *tape.gradient(objective, [inputs, kernel])]


def _native(inputs, kernel):
    return tf.nn.conv2d(inputs, kernel, 1, "SAME")


@pytest.mark.parametrize(
    "batch, height, width, channels, filters, kernel_size",
    [(3, 5, 7, 2, 4, 3), (2, 6, 4, 3, 2, 5), (4, 3, 3, 5, 6, 1), (1, 8, 8, 16, 16, 3)],
)
def test_gradients_equal_tensorflows(batch, height, width, channels, filters, kernel_size):
    rng = np.random.default_rng(kernel_size + channels)
    inputs = tf.constant(rng.normal(size=(batch, height, width, channels)), tf.float32)
    kernel = tf.constant(rng.normal(size=(kernel_size, kernel_size, channels, filters)), tf.float32)
    upstream = tf.constant(rng.normal(size=(batch, height, width, filters)), tf.float32)
    expected = _outputs_and_gradients(_native, inputs, kernel, upstream)
    actual = _outputs_and_gradients(conv2d_with_forward_gradients, inputs, kernel, upstream)
    np.testing.assert_array_equal(actual[0], expected[0])
    for name, a, b in zip(["input", "kernel"], actual[1:], expected[1:], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=f"{name} gradient")


def test_gradients_with_unknown_spatial_size_in_a_graph():
    rng = np.random.default_rng(0)
    inputs = tf.constant(rng.normal(size=(2, 6, 5, 3)), tf.float32)
    kernel = tf.constant(rng.normal(size=(3, 3, 3, 4)), tf.float32)
    upstream = tf.constant(rng.normal(size=(2, 6, 5, 4)), tf.float32)
    signature = [
        tf.TensorSpec([None, None, None, 3], tf.float32),
        tf.TensorSpec([3, 3, 3, 4], tf.float32),
        tf.TensorSpec([None, None, None, 4], tf.float32),
    ]

    @tf.function(input_signature=signature)
    def gradients(inputs, kernel, upstream):
        return _outputs_and_gradients(conv2d_with_forward_gradients, inputs, kernel, upstream)

    expected = _outputs_and_gradients(_native, inputs, kernel, upstream)
    for a, b in zip(gradients(inputs, kernel, upstream), expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_only_stride_one_same_odd_kernels_qualify():
    assert has_forward_gradients(3, 1, "same") and has_forward_gradients(1, 1, "same")
    assert not has_forward_gradients(2, 1, "same")
    assert not has_forward_gradients(3, 2, "same")
    assert not has_forward_gradients(3, 1, "valid")


@pytest.mark.parametrize("forward, strides", [(False, 1), (True, 1), (True, 2)])
def test_layer_uses_backprop_kernels_only_where_it_must(forward, strides):
    layer = WeightNormConv2D(4, kernel_size=3, strides=strides)
    layer.build((None, 6, 6, 2))
    layer.forward_gradients = forward

    @tf.function
    def gradients(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(layer(inputs) ** 2)
        return tape.gradient(loss, [inputs, *layer.trainable_variables])

    graph = gradients.get_concrete_function(tf.TensorSpec([2, 6, 6, 2])).graph
    op_types = {op.type for op in graph.get_operations()}
    if forward and strides == 1:
        assert not {"Conv2DBackpropInput", "Conv2DBackpropFilter"} & op_types
    else:
        assert {"Conv2DBackpropInput", "Conv2DBackpropFilter"} <= op_types


def test_training_pass_equals_tensorflows_gradients():
    """Shared cells and `remat` on, as the attentive recipes may train."""
    model, images = model_and_images()
    model.shared_cell_graphs, model.remat = True, True
    start, initial_statistics = [v.numpy() for v in model.variables], batch_norm_statistics(model)
    expected_loss, expected, expected_statistics = training_pass(model, images, start)
    model.forward_conv_gradients = True
    assert model.forward_conv_gradients and len(model._convolutions) > 30
    loss, gradients, statistics = training_pass(model, images, start)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-6)
    assert_same_training_pass(
        (expected, expected_statistics), (gradients, statistics), initial_statistics
    )
